"""Tenancy service: creating and deleting tenants with their sandboxes, and API tokens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from craftology.controlplane.db import write_transaction
from craftology.controlplane.types import utc_now
from craftology.errors import BadInput, NotFound
from craftology.identity.accounts import repository as accounts
from craftology.identity.accounts import token_repository as tokens
from craftology.identity.accounts.api_tokens import ApiTokenService
from craftology.identity.accounts.records import ApiToken, CreatedToken, User, normalize_email
from craftology.identity.principal import ALL_SCOPES, Principal, Role
from craftology.ports.assets import AssetStore
from craftology.ports.metadata import MetadataStore
from craftology.tenancy import repository
from craftology.tenancy.ids import new_tenant_id, validate_tenant_id
from craftology.tenancy.repository import Tenant
from craftology.tenancy.tokens import generate_token

MAX_NAME = 200
__all__ = ["ApiToken", "CreatedTenant", "CreatedToken", "TenancyService", "placeholder_owner_email"]


@dataclass(frozen=True)
class CreatedTenant:
    tenant: Tenant
    token: str  # the first API token's secret (the owner's, every scope), shown once
    token_id: str
    owner: User


def placeholder_owner_email(tenant_id: str) -> str:
    """The owner's address when none is given: `.invalid` is reserved, so no one can receive mail
    there; an operator sets a real one and a password with `craftology users ...`."""
    return f"owner@{tenant_id}.invalid"


def _check_name(name: str, what: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise BadInput(f"{what} name must be 1..{MAX_NAME} characters")
    return name


class TenancyService:
    """Tenants and their API tokens. A tenant owns a sandbox: its own metadata store and asset storage,
    provisioned with it and dropped with it. `end_sessions` ends every session in a tenant (the
    session store's `revoke_tenant`; None where there are no sessions)."""

    def __init__(
        self,
        engine: Engine,
        metadata: MetadataStore,
        assets: AssetStore,
        *,
        end_sessions: Callable[[str], int] | None = None,
    ) -> None:
        self._engine = engine
        self._metadata = metadata
        self._assets = assets
        self._end_sessions = end_sessions
        self._tokens = ApiTokenService(engine)

    def create_tenant(
        self, name: str, tenant_id: str | None = None, owner_email: str | None = None
    ) -> CreatedTenant:
        """Create a tenant with its owner, provision its sandbox and issue the owner's first API token
        (every scope).

        Without `tenant_id` one is derived from the name plus a random suffix. Conflict if the id is
        taken. The owner is the account with `owner_email` (created without a password when there is
        none), else a placeholder account (see `placeholder_owner_email`). If provisioning fails the
        tenant is removed again, so a retry starts clean."""
        name = _check_name(name, "tenant")
        tenant_id = validate_tenant_id(tenant_id) if tenant_id is not None else new_tenant_id(name)
        email = normalize_email(owner_email or placeholder_owner_email(tenant_id))
        secret = generate_token()
        with write_transaction(self._engine) as conn:
            tenant = repository.insert_tenant(conn, tenant_id, name)
            found = accounts.user_by_email(conn, email)
            owner = found[0] if found else accounts.insert_user(conn, email, f"{name} owner"[:MAX_NAME], None)
            accounts.insert_membership(conn, tenant_id, owner.id, Role.OWNER)
            token = tokens.insert_token(conn, tenant_id, owner.id, "initial", secret, ALL_SCOPES, utc_now())
        try:
            self._metadata.provision(tenant_id)
            self._assets.provision(tenant_id)
        except BaseException:
            self._drop_sandbox(tenant_id)
            with write_transaction(self._engine) as conn:
                repository.delete_tenant(conn, tenant_id)
            raise
        return CreatedTenant(tenant=tenant, token=secret, token_id=token.id, owner=owner)

    def get_tenant(self, tenant_id: str) -> Tenant:
        """The tenant; NotFound otherwise."""
        with self._engine.connect() as conn:
            return repository.get_tenant(conn, tenant_id)

    def list_tenants(self) -> list[Tenant]:
        """Every tenant, in id order (operator view)."""
        with self._engine.connect() as conn:
            return repository.list_tenants(conn)

    def delete_tenant(self, tenant_id: str) -> None:
        """End the tenant's sessions, drop its sandbox, then in one transaction the tenant with its
        memberships, API tokens, custom roles, invitations, grants, projects index, runs and policy
        sets. NotFound for an unknown tenant.

        Every step before the transaction is idempotent and leaves the tenant in place when it fails,
        so the call can simply be repeated. Sessions are ended again after the commit: a sign-in that
        raced the deletion gets no session that outlives it (and a repeat of a call that failed only
        there ends them before it says NotFound)."""
        try:
            self.get_tenant(tenant_id)
        except NotFound:
            self._end_tenant_sessions(tenant_id)
            raise
        self._end_tenant_sessions(tenant_id)
        self._drop_sandbox(tenant_id)
        with write_transaction(self._engine) as conn:
            repository.delete_tenant(conn, tenant_id)
            # Its placeholder owner belongs to no one else: a tenant made later with the same id must
            # not inherit it (or a password an operator gave it).
            accounts.delete_user_without_memberships(conn, placeholder_owner_email(tenant_id))
        self._end_tenant_sessions(tenant_id)

    def create_token(self, tenant_id: str, name: str) -> CreatedToken:
        """Issue another API token of the tenant's first owner, with every scope (operator); NotFound for
        an unknown tenant. Members' own tokens: craftology.identity.accounts.api_tokens."""
        with self._engine.connect() as conn:
            repository.get_tenant(conn, tenant_id)
            owners = [m for m in accounts.members(conn, tenant_id) if m.role == Role.OWNER]
        if not owners:
            raise BadInput(f"tenant {tenant_id} has no owner to issue a token for")
        first = min(owners, key=lambda m: (m.user.created_at, m.user.id))
        return self._tokens.create(tenant_id, first.user.id, name, ALL_SCOPES)

    def list_tokens(self, tenant_id: str) -> list[ApiToken]:
        """The tenant's tokens (without secrets), oldest first, revoked ones included."""
        return self._tokens.list(tenant_id)

    def revoke_token(self, tenant_id: str, token_id: str) -> ApiToken:
        """Revoke one of the tenant's tokens (idempotent); another tenant's token id is NotFound."""
        return self._tokens.revoke(tenant_id, token_id)

    def authenticate_token(self, token: str) -> Principal:
        """The principal a token acts as (see ApiTokenService.authenticate_token)."""
        return self._tokens.authenticate_token(token)

    def authenticate(self, token: str) -> str:
        """The tenant id a token belongs to; Unauthenticated for unknown, revoked or expired tokens and
        for users no longer active members. Kept until the API takes a Principal."""
        return self._tokens.authenticate_token(token).tenant

    def _end_tenant_sessions(self, tenant_id: str) -> None:
        if self._end_sessions is not None:
            self._end_sessions(tenant_id)

    def _drop_sandbox(self, tenant_id: str) -> None:
        self._metadata.drop(tenant_id)
        self._assets.drop(tenant_id)
