"""Tenancy service: creating and deleting tenants with their sandboxes, and API tokens."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from craftology.controlplane.db import write_transaction
from craftology.errors import BadInput, Unauthenticated
from craftology.ports.assets import AssetStore
from craftology.ports.metadata import MetadataStore
from craftology.tenancy import repository
from craftology.tenancy.ids import new_tenant_id, validate_tenant_id
from craftology.tenancy.repository import ApiToken, Tenant
from craftology.tenancy.tokens import TOKEN_PREFIX, generate_token

MAX_NAME = 200


@dataclass(frozen=True)
class CreatedToken:
    """A new token with its secret, which is shown this once and never stored."""

    token: ApiToken
    secret: str


@dataclass(frozen=True)
class CreatedTenant:
    tenant: Tenant
    token: str  # the first API token's secret, shown once
    token_id: str


def _check_name(name: str, what: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise BadInput(f"{what} name must be 1..{MAX_NAME} characters")
    return name


class TenancyService:
    """Tenants and their API tokens. A tenant owns a sandbox: its own metadata store and asset storage,
    provisioned with it and dropped with it."""

    def __init__(self, engine: Engine, metadata: MetadataStore, assets: AssetStore) -> None:
        self._engine = engine
        self._metadata = metadata
        self._assets = assets

    def create_tenant(self, name: str, tenant_id: str | None = None) -> CreatedTenant:
        """Create a tenant, provision its sandbox and issue its first API token.

        Without `tenant_id` one is derived from the name plus a random suffix. Conflict if the id is
        taken. If provisioning fails the tenant is removed again, so a retry starts clean."""
        name = _check_name(name, "tenant")
        tenant_id = validate_tenant_id(tenant_id) if tenant_id is not None else new_tenant_id(name)
        secret = generate_token()
        with write_transaction(self._engine) as conn:
            tenant = repository.insert_tenant(conn, tenant_id, name)
            token = repository.insert_token(conn, tenant_id, "initial", secret)
        try:
            self._metadata.provision(tenant_id)
            self._assets.provision(tenant_id)
        except BaseException:
            self._drop_sandbox(tenant_id)
            with write_transaction(self._engine) as conn:
                repository.delete_tenant(conn, tenant_id)
            raise
        return CreatedTenant(tenant=tenant, token=secret, token_id=token.id)

    def get_tenant(self, tenant_id: str) -> Tenant:
        """The tenant; NotFound otherwise."""
        with self._engine.connect() as conn:
            return repository.get_tenant(conn, tenant_id)

    def list_tenants(self) -> list[Tenant]:
        """Every tenant, in id order (operator view)."""
        with self._engine.connect() as conn:
            return repository.list_tenants(conn)

    def delete_tenant(self, tenant_id: str) -> None:
        """Drop the tenant's sandbox, then the tenant with its tokens, projects index and runs.

        The sandbox goes first: if dropping it fails the tenant still exists and the call can be
        repeated (dropping is idempotent)."""
        self.get_tenant(tenant_id)
        self._drop_sandbox(tenant_id)
        with write_transaction(self._engine) as conn:
            repository.delete_tenant(conn, tenant_id)

    def create_token(self, tenant_id: str, name: str) -> CreatedToken:
        """Issue another API token for the tenant; NotFound for an unknown tenant."""
        name = _check_name(name, "token")
        secret = generate_token()
        with write_transaction(self._engine) as conn:
            repository.get_tenant(conn, tenant_id)
            token = repository.insert_token(conn, tenant_id, name, secret)
        return CreatedToken(token=token, secret=secret)

    def list_tokens(self, tenant_id: str) -> list[ApiToken]:
        """The tenant's tokens (without secrets), oldest first, revoked ones included."""
        with self._engine.connect() as conn:
            return repository.list_tokens(conn, tenant_id)

    def revoke_token(self, tenant_id: str, token_id: str) -> ApiToken:
        """Revoke one of the tenant's tokens (idempotent); another tenant's token id is NotFound."""
        with write_transaction(self._engine) as conn:
            return repository.revoke_token(conn, tenant_id, token_id)

    def authenticate(self, token: str) -> str:
        """The tenant id a token belongs to; Unauthenticated for unknown or revoked tokens."""
        if not token.startswith(TOKEN_PREFIX):
            raise Unauthenticated("not a Craftology API token")
        with self._engine.connect() as conn:
            tenant_id = repository.tenant_of_token(conn, token)
        if tenant_id is None:
            raise Unauthenticated("unknown or revoked API token")
        return tenant_id

    def _drop_sandbox(self, tenant_id: str) -> None:
        self._metadata.drop(tenant_id)
        self._assets.drop(tenant_id)
