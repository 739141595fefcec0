"""Settings tree. Built once at start-up (never at import time) from ``CRAFTOLOGY_*`` variables.

Nested areas use a double underscore: ``CRAFTOLOGY_TEMPORAL__ADDRESS=host:7233``. The URL scheme of each
component picks its engine; with nothing configured everything lives under ``data_dir``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path.home() / ".craftology"


class DatabaseSettings(BaseModel):
    url: str | None = Field(
        default=None,
        description="Control-plane database URL (sqlite:///... or postgresql://...). "
        "Default: a SQLite file `control.db` in the data directory.",
    )


class MetadataSettings(BaseModel):
    url: str = Field(
        default="sqlite",
        description="Tenant metadata store engine. `sqlite`: one SQLite file per tenant under "
        "`<data_dir>/tenants/<tenant>/metadata.db`.",
    )


class AssetSettings(BaseModel):
    url: str = Field(
        default="file",
        description="Tenant asset store engine. `file`: one directory of content-addressed blobs per "
        "tenant under `<data_dir>/tenants/<tenant>/assets`.",
    )


class EventSettings(BaseModel):
    url: str = Field(
        default="local",
        description="Event bus engine. `local`: a durable append-only log `events.db` in the data directory.",
    )
    relay_interval_seconds: float = Field(
        default=30.0,
        ge=0,
        description="How often `craftology up` publishes outbox events that a process committed but died "
        "before publishing (0: never; events are otherwise published right after their commit).",
    )


class DataSyncSettings(BaseModel):
    interval_seconds: float = Field(
        default=2.0,
        ge=0,
        description="How often each process reads the tenants' change feeds for edits to projects with "
        "auto_sync on (0: this process does not run the data-sync agent's consumer).",
    )
    quiet_seconds: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="The data-sync agent plans once no edit of a project came for this long.",
    )
    max_wait_seconds: float = Field(
        default=120.0,
        gt=0,
        le=86_400,
        description="...or once this long has passed since the first edit of a burst, whichever is first.",
    )


class TemporalSettings(BaseModel):
    address: str | None = Field(
        default=None,
        description="host:port of an existing Temporal cluster. Unset: `craftology up` starts the "
        "embedded Temporal dev server, persisting to `temporal.db` in the data directory.",
    )
    namespace: str = Field(default="default", description="Temporal namespace for sync runs.")
    task_queue: str = Field(default="cpu", description="Task queue of the generation worker.")
    embedded_port: int = Field(
        default=7233,
        description="Frontend port of the embedded Temporal dev server (0, or taken: any free port).",
    )
    max_parallel: int = Field(
        default=4, ge=1, le=256, description="Targets generated at once within one sync run."
    )


class GenerationSettings(BaseModel):
    simulated_latency_seconds: float = Field(
        default=0.0,
        ge=0.0,
        le=600.0,
        description="Extra seconds each generation takes, heartbeating meanwhile: rehearses long runs "
        "(progress, cancellation, crash recovery) with the fast preview models.",
    )


class GcSettings(BaseModel):
    grace_seconds: float = Field(
        default=3600.0,
        ge=0.0,
        description="Blob garbage collection keeps an unreferenced blob younger than this: a generation "
        "or upload stores its blob before it records the asset, and this is how long that may take.",
    )
    interval_seconds: float = Field(
        default=6 * 3600.0,
        ge=0.0,
        description="How often `craftology up` collects unreferenced blobs of every tenant (the first "
        "pass at start-up); 0 disables it. Several processes collecting at once is harmless.",
    )


class ApiSettings(BaseModel):
    host: str = Field(default="127.0.0.1", description="Address the API listens on.")
    port: int = Field(default=8080, description="Port the API listens on.")
    max_body_bytes: int = Field(
        default=1_048_576, description="Largest JSON request body accepted (uploads excepted)."
    )
    max_upload_bytes: int = Field(default=512 * 1_048_576, description="Largest asset upload accepted.")
    admin_token: SecretStr | None = Field(
        default=None,
        description="Operator token for the model registry's write routes (`POST /v1/models`, "
        "`PUT /v1/models/defaults/{kind}`), sent as `X-Admin-Token` next to a tenant's bearer token. "
        "Unset or empty: registry writes over the API are disabled (403); `craftology models` still works.",
    )


class GatewaySettings(BaseModel):
    allowed_origins: list[str] = Field(
        default_factory=list,
        description="Origins of front ends served elsewhere that may call the API from a browser (CORS) "
        "and send cookie-authenticated writes (CSRF); the API's own origin is always allowed.",
    )
    rate_limit_per_principal: int = Field(
        default=600, ge=0, description="Requests per minute one user or token may make (0: no limit)."
    )
    rate_limit_per_tenant: int = Field(
        default=3000, ge=0, description="Requests per minute a whole tenant may make (0: no limit)."
    )
    login_attempts_per_minute: int = Field(
        default=10,
        ge=1,
        description="Sign-in attempts per minute for one account, and for one client address.",
    )


class SessionSettings(BaseModel):
    backend: Literal["embedded", "redis"] = Field(
        default="embedded",
        description="Where sessions and rate-limit counters live. `embedded`: tables in the control-plane "
        "database, shared by every process using it; `redis`: the Redis server at `redis.url`.",
    )
    idle_timeout_seconds: float = Field(
        default=3600.0, gt=0, description="A session ends this long after its last use."
    )
    absolute_timeout_seconds: float = Field(
        default=12 * 3600.0, gt=0, description="A session ends this long after sign-in, however busy."
    )
    touch_interval_seconds: float = Field(
        default=60.0,
        ge=0,
        description="A session's last use is written at most this often (not on every request); the idle "
        "timeout may therefore end a session up to this much early.",
    )
    cookie_secure: bool = Field(
        default=True,
        description="Send the session cookie only over https (`Secure`, `__Host-` prefix). Turn off only "
        "for plain-http development on localhost; other hosts are then refused a cookie.",
    )


class RedisSettings(BaseModel):
    url: SecretStr = Field(
        default=SecretStr("redis://127.0.0.1:6379/0"),
        description="Redis server used when `sessions.backend` is `redis`: "
        "redis://[user:password@]host:port/db, or rediss:// for TLS. Secret: it may hold a password.",
    )
    key_prefix: str = Field(
        default="craftology:", description="Prefix of every key Craftology writes, so a Redis can be shared."
    )


class OidcSettings(BaseModel):
    """Sign-in through an OpenID Connect provider (Keycloak); the built-in accounts are used when unset."""

    issuer_url: str | None = Field(
        default=None,
        description="Issuer of the provider, e.g. `https://sso.example.com/realms/craftology`; its "
        "discovery document is read from `<issuer>/.well-known/openid-configuration`. Unset: OIDC is off.",
    )
    client_id: str = Field(default="craftology-web", description="Client id registered at the provider.")
    client_secret: SecretStr | None = Field(
        default=None, description="Secret of a confidential client; unset for a public client (PKCE only)."
    )
    redirect_uri: str = Field(
        default="http://localhost:8080/auth/callback",
        description="Where the provider sends the browser back with the code (registered at the provider).",
    )
    post_logout_redirect_uri: str | None = Field(
        default=None, description="Where the provider sends the browser after logout (registered there too)."
    )
    scopes: str = Field(default="openid email profile", description="Scopes asked for at login.")
    tenant_from: Literal["groups", "organization"] = Field(
        default="groups",
        description="`groups`: the tenant is the group path segment after `tenant_group_prefix` "
        "(`/tenants/acme/editor`); `organization`: the Keycloak `organization` claim.",
    )
    tenant_group_prefix: str = Field(
        default="/tenants/", description="Group path prefix under which each tenant is a group."
    )
    roles_from: Literal["groups", "realm_roles"] = Field(
        default="groups",
        description="`groups`: roles are the subgroups of the tenant's group (`/tenants/acme/editor` -> "
        "editor); `realm_roles`: realm roles starting with `realm_role_prefix`, prefix removed.",
    )
    realm_role_prefix: str = Field(
        default="craftology-", description="Only realm roles with this prefix count as Craftology roles."
    )
    leeway_seconds: int = Field(
        default=30, ge=0, le=300, description="Clock skew tolerated on exp/iat of provider tokens."
    )
    jwks_min_refetch_seconds: float = Field(
        default=30.0,
        ge=0.0,
        description="An unknown key id refetches the provider's keys (rotation), at most this often.",
    )
    login_ttl_seconds: int = Field(
        default=600, ge=30, le=3600, description="How long a started login may take before it expires."
    )
    http_timeout_seconds: float = Field(
        default=5.0, gt=0, le=60, description="Timeout of each call to the provider."
    )


class GenAiSettings(BaseModel):
    """Calls to third-party model APIs, and the master key that encrypts tenants' provider keys."""

    master_key: SecretStr | None = Field(
        default=None,
        description="Base64 of 32 random bytes: the AES-256-GCM key encrypting tenants' provider keys "
        "at rest. Unset (or empty) with a SQLite control plane: generated once into "
        "`<data_dir>/master.key` (0600). Required with PostgreSQL, the same in every process.",
    )
    master_key_id: str = Field(
        default="primary",
        pattern=r"^[A-Za-z0-9._-]{1,64}$",
        description="The id stored with each ciphertext sealed by `master_key`; give a new key a new id.",
    )
    retired_master_keys: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="Earlier master keys by id (JSON object), still read, never written: keep them until "
        "`craftology providers rotate` has re-encrypted every provider key under `master_key`.",
    )
    connect_timeout_seconds: float = Field(
        default=5.0, gt=0, le=120, description="Timeout of connecting to a model provider."
    )
    read_timeout_seconds: float = Field(
        default=60.0, gt=0, le=1800, description="Timeout of waiting for a model provider's answer."
    )
    max_attempts: int = Field(
        default=3, ge=1, le=10, description="Attempts per call on timeouts, 429 and 5xx (other 4xx: one)."
    )
    backoff_seconds: float = Field(
        default=0.5, ge=0, le=60, description="Wait before the second attempt; doubled for each next one."
    )
    backoff_max_seconds: float = Field(
        default=8.0, ge=0, le=600, description="Longest wait between attempts."
    )
    max_retry_after_seconds: float = Field(
        default=30.0,
        ge=0,
        le=3600,
        description="Longest `Retry-After` honoured; a provider asking for more fails the call at once.",
    )


class Settings(BaseSettings):
    """Every field is described: the configuration reference is generated from these."""

    model_config = SettingsConfigDict(env_prefix="CRAFTOLOGY_", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Where every embedded engine keeps its files.",
    )
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    metadata: MetadataSettings = Field(default_factory=MetadataSettings)
    assets: AssetSettings = Field(default_factory=AssetSettings)
    events: EventSettings = Field(default_factory=EventSettings)
    temporal: TemporalSettings = Field(default_factory=TemporalSettings)
    data_sync: DataSyncSettings = Field(default_factory=DataSyncSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    generation: GenerationSettings = Field(default_factory=GenerationSettings)
    gc: GcSettings = Field(default_factory=GcSettings)
    gateway: GatewaySettings = Field(default_factory=GatewaySettings)
    sessions: SessionSettings = Field(default_factory=SessionSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    oidc: OidcSettings = Field(default_factory=OidcSettings)
    genai: GenAiSettings = Field(default_factory=GenAiSettings)

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{self.data_dir / 'control.db'}"
