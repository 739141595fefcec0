"""Users who sign in through the OIDC provider: found by the provider's subject, created on first login,
and made members of the tenant the provider names, with the role it names.

The provider is the source of truth for tenant and role: every login writes the membership's role, so a
change made at the provider applies from the next login. It is not trusted to create tenants: a tenant
Craftology does not know is refused (an operator creates tenants). An existing account is linked by
email only when the provider says it verified the address; otherwise anyone able to register that
address at the provider would take the account over.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from craftology.controlplane.db import write_transaction
from craftology.controlplane.schema import oidc_identities
from craftology.controlplane.types import utc_now
from craftology.errors import Conflict, Forbidden, NotFound
from craftology.identity.accounts import repository as repo
from craftology.identity.accounts.records import Membership, User, check_display_name, normalize_email
from craftology.identity.accounts.roles import ROLE_SCOPES
from craftology.identity.oidc.claims import VerifiedIdentity
from craftology.identity.principal import Role


@dataclass(frozen=True)
class OidcSignIn:
    """Who signed in, as Craftology knows them now: the user, the tenant and the membership's role."""

    user: User
    tenant: str
    role: str
    created: bool  # this login created the user


class OidcUsers:
    """Links provider identities (issuer, subject) to users; the /auth/callback route calls `sign_in`."""

    def __init__(self, engine: Engine, issuer: str) -> None:
        self._engine = engine
        self._issuer = issuer

    def sign_in(self, identity: VerifiedIdentity) -> OidcSignIn:
        """The user for `identity` (created on first login), a member of its tenant with its role.

        Forbidden for a tenant Craftology does not have, roles the tenant does not have, a disabled
        account, or an email that belongs to an account and that the provider did not verify. Conflict
        when the new role would leave the tenant without an owner."""
        try:
            with write_transaction(self._engine) as conn:
                return self._sign_in(conn, identity)
        except IntegrityError:
            # Two first logins of the same person raced and the other created the user or the link;
            # this attempt finds them now.
            with write_transaction(self._engine) as conn:
                return self._sign_in(conn, identity)

    def user_of_subject(self, subject: str) -> str | None:
        """The id of the user the provider calls `subject`, if that person ever signed in."""
        with self._engine.connect() as conn:
            return self._linked_user_id(conn, subject)

    def memberships_of(self, user_id: str) -> list[Membership]:
        with self._engine.connect() as conn:
            return repo.memberships_of(conn, user_id)

    def _sign_in(self, conn: Connection, identity: VerifiedIdentity) -> OidcSignIn:
        tenant = identity.tenant
        try:
            repo.lock_tenant(conn, tenant)
        except NotFound:
            raise Forbidden(
                f"your identity provider signs you in to tenant {tenant!r}, which does not exist in "
                "Craftology; ask an operator to create it"
            ) from None
        role = _strongest_known_role(conn, tenant, identity.roles)
        user, created = self._user(conn, identity)
        if user.disabled:
            raise Forbidden("this account is disabled in Craftology")
        current = repo.membership(conn, tenant, user.id)
        if current is None:
            repo.insert_membership(conn, tenant, user.id, role)
        elif current.role != role:
            if current.role == Role.OWNER and repo.count_owners(conn, tenant) <= 1:
                raise Conflict(
                    f"your identity provider now gives you role {role!r} in tenant {tenant!r}, but you are "
                    "its last owner; make another member owner first"
                )
            repo.update_role(conn, tenant, user.id, role)
        return OidcSignIn(user=user, tenant=tenant, role=role, created=created)

    def _user(self, conn: Connection, identity: VerifiedIdentity) -> tuple[User, bool]:
        linked = self._linked_user_id(conn, identity.subject)
        if linked is not None:
            return repo.get_user(conn, linked), False
        if not identity.email:
            raise Forbidden("your identity provider sent no email address for your account; one is needed")
        email = normalize_email(identity.email)
        found = repo.user_by_email(conn, email)
        if found is None:
            name = check_display_name(identity.name or email.split("@")[0])
            user, created = repo.insert_user(conn, email, name, None), True
        elif not identity.email_verified:
            raise Forbidden(
                f"an account with email {email} exists, and your identity provider has not verified that "
                "the address is yours, so the two cannot be linked"
            )
        else:
            user, created = found[0], False
            if self._has_other_identity(conn, user.id):
                raise Forbidden(
                    f"the account with email {email} is linked to another account at your identity provider"
                )
        conn.execute(
            insert(oidc_identities).values(
                issuer=self._issuer, subject=identity.subject, user_id=user.id, created_at=utc_now()
            )
        )
        return user, created

    def _linked_user_id(self, conn: Connection, subject: str) -> str | None:
        query = select(oidc_identities.c.user_id).where(
            oidc_identities.c.issuer == self._issuer, oidc_identities.c.subject == subject
        )
        user_id: str | None = conn.execute(query).scalar_one_or_none()
        return user_id

    def _has_other_identity(self, conn: Connection, user_id: str) -> bool:
        query = select(oidc_identities.c.subject).where(
            oidc_identities.c.issuer == self._issuer, oidc_identities.c.user_id == user_id
        )
        return conn.execute(query).first() is not None


def _strongest_known_role(conn: Connection, tenant: str, offered: frozenset[str]) -> str:
    """The one role the membership gets: the most powerful built-in role offered, else the tenant's
    custom role granting the most scopes. Forbidden when the tenant has none of the offered roles."""
    for role in Role:
        if role.value in offered:
            return role.value
    custom = [found for name in offered if (found := repo.custom_role(conn, tenant, name)) is not None]
    if custom:
        return min(custom, key=lambda r: (-len(r.scopes), r.name)).name
    known = ", ".join([*ROLE_SCOPES, *(r.name for r in repo.custom_roles(conn, tenant))])
    raise Forbidden(
        f"none of the roles your identity provider gives you in tenant {tenant!r} "
        f"({', '.join(sorted(offered))}) exists there (known: {known})"
    )
