"""Accounts: users, memberships and roles, invitations, passwords and sign-in.

Methods that change a tenant's members take `by`, the principal asking (None: the operator, e.g. the
CLI). A principal needs the admin scope to manage members, and only an owner may make or unmake
owners; a tenant never loses its last owner."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine

from craftology.controlplane.db import write_transaction
from craftology.controlplane.types import utc_now
from craftology.errors import BadInput, Conflict, Forbidden, NotFound, Unauthenticated
from craftology.identity.accounts import invitation_repository as invites
from craftology.identity.accounts import repository as repo
from craftology.identity.accounts import token_repository as token_repo
from craftology.identity.accounts.passwords import Passwords, check_password
from craftology.identity.accounts.records import (
    CreatedInvitation,
    Invitation,
    Member,
    Membership,
    User,
    check_display_name,
    normalize_email,
)
from craftology.identity.accounts.roles import (
    ROLE_SCOPES,
    CustomRole,
    check_role_name,
    parse_scopes,
    scope_names,
)
from craftology.identity.principal import Principal, Role, Scope

INVITATION_PREFIX = "cfi_"
DEFAULT_INVITATION_TTL = timedelta(days=7)
MAX_INVITATION_TTL = timedelta(days=90)
_SIGN_IN_FAILED = "wrong email or password"


@dataclass(frozen=True)
class SignedIn:
    user: User
    memberships: list[Membership]


def role_scopes(conn: Connection, tenant_id: str, role: str) -> frozenset[Scope]:
    """The scopes a role grants in a tenant; BadInput for a role the tenant does not have."""
    if role in ROLE_SCOPES:
        return ROLE_SCOPES[role]
    custom = repo.custom_role(conn, tenant_id, role)
    if custom is None:
        known = ", ".join([*ROLE_SCOPES, *(r.name for r in repo.custom_roles(conn, tenant_id))])
        raise BadInput(f"unknown role {role!r} (one of: {known})")
    return custom.scopes


def require_admin(by: Principal | None, tenant_id: str, *, owner: bool = False) -> None:
    """The principal may manage this tenant's members (and owners, with `owner`)."""
    if by is None:
        return
    if by.tenant != tenant_id or not by.has_scope(Scope.ADMIN):
        raise Forbidden("managing members needs the admin scope and an owner or admin role")
    if owner and Role.OWNER not in by.roles:
        raise Forbidden("only an owner may make or unmake owners")


def _open_invitation(conn: Connection, secret: str, now: datetime) -> Invitation:
    invitation = invites.invitation_of_secret(conn, secret) if secret.startswith(INVITATION_PREFIX) else None
    if invitation is None:
        raise NotFound("unknown invitation")
    if invitation.accepted_at is not None:
        raise Conflict("this invitation was used already")
    if invitation.expires_at <= now:
        raise Conflict("this invitation has expired: ask for a new one")
    return invitation


EndSessions = Callable[[str, str], object]
"""Ends every session of (tenant, user): a session carries the role it signed in with, so a member
who loses access must sign in again, as its tokens stop at once."""


class AccountsService:
    def __init__(
        self,
        engine: Engine,
        passwords: Passwords | None = None,
        now: Callable[[], datetime] = utc_now,
        end_sessions: EndSessions | None = None,
    ) -> None:
        self._engine = engine
        self._passwords = passwords or Passwords()
        self._now = now
        self._end_sessions = end_sessions

    # Users -----------------------------------------------------------------------------------------

    def create_user(self, email: str, display_name: str | None = None, password: str | None = None) -> User:
        """A new user; without a password it cannot sign in until one is set. Conflict for a taken email."""
        email = normalize_email(email)
        name = check_display_name(display_name if display_name is not None else email.split("@")[0])
        password_hash = self._passwords.hash(password) if password is not None else None
        with write_transaction(self._engine) as conn:
            return repo.insert_user(conn, email, name, password_hash)

    def get_user(self, user_id: str) -> User:
        with self._engine.connect() as conn:
            return repo.get_user(conn, user_id)

    def user_by_email(self, email: str) -> User:
        with self._engine.connect() as conn:
            found = repo.user_by_email(conn, normalize_email(email))
        if found is None:
            raise NotFound(f"no account with email {email.strip()}")
        return found[0]

    def list_users(self) -> list[User]:
        """Every user (operator view), by email."""
        with self._engine.connect() as conn:
            return repo.list_users(conn)

    def set_disabled(self, user_id: str, disabled: bool) -> User:
        """A disabled user cannot sign in, and its tokens and sessions stop working at once."""
        with write_transaction(self._engine) as conn:
            repo.set_disabled(conn, user_id, disabled)
            user = repo.get_user(conn, user_id)
            tenants = [m.tenant_id for m in repo.memberships_of(conn, user_id)] if disabled else []
        self._end_sessions_of(tenants, user_id)
        return user

    def memberships_of(self, user_id: str) -> list[Membership]:
        with self._engine.connect() as conn:
            repo.get_user(conn, user_id)
            return repo.memberships_of(conn, user_id)

    # Passwords and sign-in -------------------------------------------------------------------------

    def sign_in(self, email: str, password: str) -> SignedIn:
        """The user with these credentials and its memberships; Unauthenticated otherwise, with one message
        and the cost of one hash verification whether or not the account exists."""
        try:
            found = self._find(normalize_email(email))
        except BadInput:
            found = None
        user, stored = found if found is not None else (None, None)
        if not self._passwords.verify(stored, password) or user is None or user.disabled:
            raise Unauthenticated(_SIGN_IN_FAILED)
        assert stored is not None
        if self._passwords.needs_rehash(stored):  # parameters were raised since it was hashed
            with write_transaction(self._engine) as conn:
                repo.set_password_hash(conn, user.id, self._passwords.hash(password))
        return SignedIn(user=user, memberships=self.memberships_of(user.id))

    def change_password(self, user_id: str, old_password: str, new_password: str) -> None:
        """The user's own change: the old password is required (Forbidden when wrong or when the account
        has none yet: an operator sets the first one)."""
        check_password(new_password)
        with self._engine.connect() as conn:
            stored = repo.password_hash_of(conn, user_id)
        if not self._passwords.verify(stored, old_password):
            raise Forbidden("the old password is wrong")
        self.set_password(user_id, new_password)

    def set_password(self, user_id: str, password: str) -> None:
        """Set a user's password without the old one (operator)."""
        password_hash = self._passwords.hash(password)
        with write_transaction(self._engine) as conn:
            repo.set_password_hash(conn, user_id, password_hash)

    def _find(self, email: str) -> tuple[User, str | None] | None:
        with self._engine.connect() as conn:
            return repo.user_by_email(conn, email)

    # Members and roles -----------------------------------------------------------------------------

    def members(self, tenant_id: str) -> list[Member]:
        """The tenant's members with their roles, by email."""
        with self._engine.connect() as conn:
            repo.require_tenant(conn, tenant_id)
            return repo.members(conn, tenant_id)

    def member(self, tenant_id: str, user_id: str) -> Member:
        with self._engine.connect() as conn:
            found = repo.require_membership(conn, tenant_id, user_id)
            return Member(tenant_id=tenant_id, user=repo.get_user(conn, user_id), role=found.role)

    def add_member(self, tenant_id: str, user_id: str, role: str, by: Principal | None = None) -> Member:
        """Make an existing user a member; Conflict when it is one already."""
        require_admin(by, tenant_id, owner=role == Role.OWNER)
        with write_transaction(self._engine) as conn:
            repo.lock_tenant(conn, tenant_id)
            role_scopes(conn, tenant_id, role)
            user = repo.get_user(conn, user_id)
            repo.insert_membership(conn, tenant_id, user_id, role)
        return Member(tenant_id=tenant_id, user=user, role=role)

    def set_role(self, tenant_id: str, user_id: str, role: str, by: Principal | None = None) -> Member:
        """Change a member's role; it applies to the member's tokens at once, and its sessions end (they
        carry the old role). Conflict when it would leave the tenant without an owner."""
        with write_transaction(self._engine) as conn:
            repo.lock_tenant(conn, tenant_id)
            current = repo.require_membership(conn, tenant_id, user_id)
            require_admin(by, tenant_id, owner=Role.OWNER in (role, current.role))
            role_scopes(conn, tenant_id, role)
            if current.role == Role.OWNER and role != Role.OWNER:
                self._keep_an_owner(conn, tenant_id)
            repo.update_role(conn, tenant_id, user_id, role)
            member = Member(tenant_id=tenant_id, user=repo.get_user(conn, user_id), role=role)
            changed = [tenant_id] if current.role != role else []
        self._end_sessions_of(changed, user_id)
        return member

    def remove_member(self, tenant_id: str, user_id: str, by: Principal | None = None) -> None:
        """Remove a member and revoke its tokens and sessions in this tenant; Conflict for the last
        owner."""
        with write_transaction(self._engine) as conn:
            repo.lock_tenant(conn, tenant_id)
            current = repo.require_membership(conn, tenant_id, user_id)
            require_admin(by, tenant_id, owner=current.role == Role.OWNER)
            if current.role == Role.OWNER:
                self._keep_an_owner(conn, tenant_id)
            repo.delete_membership(conn, tenant_id, user_id)
            token_repo.revoke_user_tokens(conn, tenant_id, user_id, self._now())
        self._end_sessions_of([tenant_id], user_id)

    def _end_sessions_of(self, tenants: list[str], user_id: str) -> None:
        # After the change's commit: the embedded session store writes to the same database, which a
        # write transaction holds. A session store that is down makes the call a 503 with the change
        # made; the member's sessions then last until they time out (Redis down: nobody's session
        # is usable meanwhile, and a restarted Redis without persistence has none).
        if self._end_sessions is not None:
            for tenant_id in tenants:
                self._end_sessions(tenant_id, user_id)

    @staticmethod
    def _keep_an_owner(conn: Connection, tenant_id: str) -> None:
        if repo.count_owners(conn, tenant_id) <= 1:
            raise Conflict("a tenant keeps at least one owner: make another member owner first")

    def define_role(
        self, tenant_id: str, name: str, scopes: Iterable[str], by: Principal | None = None
    ) -> CustomRole:
        """Create or change a custom role (a name beside the built-in ones and the scopes it grants)."""
        require_admin(by, tenant_id)
        check_role_name(name)
        if name in ROLE_SCOPES:
            raise BadInput(f"{name} is a built-in role")
        granted = scope_names(parse_scopes(scopes))
        with write_transaction(self._engine) as conn:
            repo.require_tenant(conn, tenant_id)
            return repo.upsert_custom_role(conn, tenant_id, name, granted)

    def custom_roles(self, tenant_id: str) -> list[CustomRole]:
        with self._engine.connect() as conn:
            repo.require_tenant(conn, tenant_id)
            return repo.custom_roles(conn, tenant_id)

    def delete_role(self, tenant_id: str, name: str, by: Principal | None = None) -> None:
        """Delete a custom role no member holds (Conflict otherwise)."""
        require_admin(by, tenant_id)
        with write_transaction(self._engine) as conn:
            repo.delete_custom_role(conn, tenant_id, name)

    # Invitations -----------------------------------------------------------------------------------

    def invite(
        self,
        tenant_id: str,
        email: str,
        role: str,
        by: Principal | None = None,
        ttl: timedelta = DEFAULT_INVITATION_TTL,
    ) -> CreatedInvitation:
        """An invitation to join with a role; its secret is returned this once (only its hash is kept).
        Conflict when the address belongs to a member already."""
        require_admin(by, tenant_id, owner=role == Role.OWNER)
        email = normalize_email(email)
        if not timedelta(minutes=1) <= ttl <= MAX_INVITATION_TTL:
            raise BadInput(f"an invitation lasts between a minute and {MAX_INVITATION_TTL.days} days")
        secret = INVITATION_PREFIX + secrets.token_urlsafe(32)
        now = self._now()
        with write_transaction(self._engine) as conn:
            repo.require_tenant(conn, tenant_id)
            role_scopes(conn, tenant_id, role)
            found = repo.user_by_email(conn, email)
            if found is not None and repo.membership(conn, tenant_id, found[0].id) is not None:
                raise Conflict(f"{email} is a member already")
            invited_by = by.user_id if by is not None else None
            invitation = invites.insert_invitation(
                conn, tenant_id, email, role, secret, invited_by, now, now + ttl
            )
        return CreatedInvitation(invitation=invitation, secret=secret)

    def invitations(self, tenant_id: str) -> list[Invitation]:
        with self._engine.connect() as conn:
            repo.require_tenant(conn, tenant_id)
            return invites.list_invitations(conn, tenant_id)

    def accept_invitation(
        self, secret: str, password: str | None = None, display_name: str | None = None
    ) -> Member:
        """Join the inviting tenant. A new address gets an account (a password is then required); an
        existing account gets the membership. Each invitation works once and until it expires."""
        if password is not None:
            check_password(password)
        name = check_display_name(display_name) if display_name is not None else None
        now = self._now()
        # Checked before hashing, so guessing invitation tokens costs the server no argon2 work; checked
        # again below, inside the transaction that accepts it.
        with self._engine.connect() as conn:
            _open_invitation(conn, secret, now)
        password_hash = self._passwords.hash(password) if password is not None else None
        with write_transaction(self._engine) as conn:
            invitation = _open_invitation(conn, secret, now)
            found = repo.user_by_email(conn, invitation.email)
            if found is None:
                if password_hash is None:
                    raise BadInput("a new account needs a password")
                display = name or invitation.email.split("@")[0]
                user = repo.insert_user(conn, invitation.email, display, password_hash)
            else:
                user = found[0]
                if user.disabled:
                    raise Forbidden("this account is disabled")
            repo.lock_tenant(conn, invitation.tenant_id)
            role_scopes(conn, invitation.tenant_id, invitation.role)  # a custom role may be gone since
            repo.insert_membership(conn, invitation.tenant_id, user.id, invitation.role)
            if not invites.mark_accepted(conn, invitation.id, user.id, now):
                raise Conflict("this invitation was used already")
        return Member(tenant_id=invitation.tenant_id, user=user, role=invitation.role)
