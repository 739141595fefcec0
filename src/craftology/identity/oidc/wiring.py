"""The OIDC sign-in as the composition root builds it: the relying party, the users it signs in, and the
back-channel logout wired to the session store."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from craftology.config import OidcSettings
from craftology.identity.accounts.oidc_users import OidcUsers
from craftology.identity.oidc.relying_party import EndSessions, LogoutTarget, OidcRelyingParty
from craftology.ports.sessions import SessionStore


@dataclass
class OidcLogin:
    """What the OIDC routes need; one per process."""

    relying_party: OidcRelyingParty
    users: OidcUsers

    def close(self) -> None:
        self.relying_party.close()


def build_oidc_login(settings: OidcSettings, control: Engine, sessions: SessionStore) -> OidcLogin:
    assert settings.issuer_url, "build_oidc_login needs a configured issuer"
    users = OidcUsers(control, settings.issuer_url)
    relying_party = OidcRelyingParty(settings, control, end_sessions=session_ender(sessions, users))
    return OidcLogin(relying_party, users)


def session_ender(sessions: SessionStore, users: OidcUsers) -> EndSessions:
    """What a back-channel logout ends: the sessions opened from the provider session it names (`sid`),
    or, when it names only a person (`sub`), every session of that person's user in every tenant.
    Store failures propagate (TransientError), so the relying party forgets the logout token and the
    provider's retry is accepted."""

    def end(target: LogoutTarget) -> None:
        if target.sid is not None:
            sessions.revoke_by_oidc_sid(target.sid)
            return
        user_id = users.user_of_subject(target.subject) if target.subject is not None else None
        if user_id is None:
            return  # never signed in here: nothing to end
        for membership in users.memberships_of(user_id):
            sessions.revoke_user(membership.tenant_id, user_id)

    return end
