"""Core tables of the control plane. The migrations create exactly these (a test compares them)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    false,
    text,
)

from craftology.controlplane.types import UtcDateTime

# Named constraints so both engines (and future ALTERs in migrations) agree on names.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

ID = 64
RUN_STATUSES = ("planned", "running", "succeeded", "failed", "cancelled")
UNFINISHED_RUN = "status IN ('planned', 'running')"
TASK_STATES = ("waiting", "ready", "running", "generated", "skipped", "superseded", "failed")
MODEL_KINDS = ("sheet", "keyframe", "clip", "cut")
COST_UNITS = ("image", "second", "clip")


def _tenant_fk() -> Column[str]:
    return Column("tenant_id", String(ID), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


tenants = Table(
    "tenants",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column(
        "email", String(320), nullable=False, unique=True
    ),  # stored lower-cased: unique regardless of case
    Column("display_name", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("password_hash", String(255), nullable=True),  # argon2id (PHC string); None: cannot sign in
    Column("disabled", Boolean(), nullable=False, server_default=false()),
)

memberships = Table(
    "memberships",
    metadata,
    Column("tenant_id", String(ID), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", String(ID), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(32), nullable=False),
)

projects = Table(
    "projects",
    metadata,
    Column("tenant_id", String(ID), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", String(ID), primary_key=True),
    _tenant_fk(),
    Column("project_id", String(ID), nullable=False),
    Column("workflow_id", String(200), nullable=True),
    Column("status", String(16), nullable=False),
    Column("plan_size", Integer, nullable=False),
    Column("generated", Integer, nullable=False),
    Column("skipped", Integer, nullable=False),
    Column("superseded", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("started_at", UtcDateTime(), nullable=True),
    Column("finished_at", UtcDateTime(), nullable=True),
    Column("error", Text, nullable=True),
    Column("summary", JSON, nullable=False),
    CheckConstraint(_in("status", RUN_STATUSES), name="status"),
    Index("ix_runs_tenant_project", "tenant_id", "project_id", "created_at"),
    # One unfinished run per project, enforced where two API processes cannot race past it.
    Index(
        "uq_runs_one_unfinished",
        "tenant_id",
        "project_id",
        unique=True,
        sqlite_where=text(UNFINISHED_RUN),
        postgresql_where=text(UNFINISHED_RUN),
    ),
)

# A run's plan, one row per target: the workflow claims ready rows and reports outcomes here, so no
# Temporal payload ever holds the plan. `open_deps` counts dependencies not yet done; `dependents`
# lists the positions that wait on this one.
run_tasks = Table(
    "run_tasks",
    metadata,
    Column("run_id", String(ID), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("target", String(300), nullable=False),
    Column("deps", JSON, nullable=False),
    Column("dependents", JSON, nullable=False),
    Column("inputs_digest", String(128), nullable=False),
    Column("open_deps", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("claim", String(200), nullable=True),
    Column("asset_id", String(ID), nullable=True),
    Column("detail", Text, nullable=False),
    PrimaryKeyConstraint("run_id", "position", name="pk_run_tasks"),
    CheckConstraint(_in("state", TASK_STATES), name="state"),
    Index("ix_run_tasks_state", "run_id", "state", "position"),
    Index("ix_run_tasks_claim", "run_id", "claim"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(ID), primary_key=True),
    _tenant_fk(),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
    # A token acts for a user in a tenant; its rights are its scopes within the user's current role.
    Column("user_id", String(ID), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("scopes", JSON, nullable=False),
    Column("expires_at", UtcDateTime(), nullable=True),
    Column("last_used_at", UtcDateTime(), nullable=True),
    Index("ix_api_tokens_tenant", "tenant_id"),
    Index("ix_api_tokens_user", "user_id"),
)

models = Table(
    "models",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("version", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("backend", String(64), nullable=False),
    Column("template_version", String(32), nullable=False),
    Column("params", JSON, nullable=False),
    Column("cost_per_unit", Float, nullable=False),
    Column("unit", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    CheckConstraint(_in("kind", MODEL_KINDS), name="kind"),
    CheckConstraint(_in("unit", COST_UNITS), name="unit"),
    CheckConstraint("cost_per_unit >= 0", name="cost"),
)

# Which model serves each target kind; `ModelRegistry.current(kind)` uses its newest version.
model_defaults = Table(
    "model_defaults",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("model_id", String(ID), nullable=False),
    CheckConstraint(_in("kind", MODEL_KINDS), name="kind"),
)

# Events of control-plane changes (a run began or ended), written in the transaction that made the
# change and relayed to the bus from here (craftology.controlplane.event_outbox).
event_outbox = Table(
    "event_outbox",
    metadata,
    Column("id", String(200), primary_key=True),
    _tenant_fk(),
    Column("event", JSON, nullable=False),
)

# A tenant's own roles beside the built-in ones: a name (what memberships and policies refer to) and
# the scopes (action groups) it grants.
tenant_roles = Table(
    "tenant_roles",
    metadata,
    Column("tenant_id", String(ID), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(32), primary_key=True),
    Column("scopes", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

# Invitations to join a tenant: only the sha256 of the secret is kept; single use, expiring.
invitations = Table(
    "invitations",
    metadata,
    Column("id", String(ID), primary_key=True),
    _tenant_fk(),
    Column("email", String(320), nullable=False),
    Column("role", String(32), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("invited_by", String(ID), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("accepted_at", UtcDateTime(), nullable=True),
    Column("accepted_by", String(ID), nullable=True),
    Index("ix_invitations_tenant", "tenant_id", "created_at"),
)

# Server-side sessions (the embedded session store). Keyed by the SHA-256 of the cookie value, so a
# leaked row cannot be replayed; `ends_at` is min(last_seen + idle, created_at + absolute), the one
# deadline `get` checks and the purge deletes by.
sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("tenant_id", String(ID), nullable=False),
    Column("user_id", String(ID), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("scopes", JSON, nullable=False),
    Column("via", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_seen", UtcDateTime(), nullable=False),
    Column("idle_seconds", Float, nullable=False),
    Column("absolute_seconds", Float, nullable=False),
    Column("ends_at", UtcDateTime(), nullable=False),
    Column("oidc_sid", String(255), nullable=True),
    Column("oidc_sub", String(255), nullable=True),
    Column("id_token", Text, nullable=True),
    Index("ix_sessions_user", "tenant_id", "user_id"),
    Index("ix_sessions_oidc_sid", "oidc_sid"),
    Index("ix_sessions_ends_at", "ends_at"),
)

# Fixed-window rate-limit counters (the embedded rate limiter): one row per key, reset when a newer
# window starts; `expires_at` (the window's end) lets a purge drop keys nobody hits any more.
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("window_start", UtcDateTime(), nullable=False),
    Column("hits", Integer, nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Index("ix_rate_limits_expires_at", "expires_at"),
)

# Cedar policy sets: the global one (scope "*") and one per tenant (scope = tenant id). Every change
# stores a new immutable version; `revision` grows with every change of the active version, so each
# process tells with one primary-key read that what it compiled is out of date.
policy_sets = Table(
    "policy_sets",
    metadata,
    Column("scope", String(ID), primary_key=True),
    Column("active_version", Integer, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

policy_versions = Table(
    "policy_versions",
    metadata,
    Column("scope", String(ID), ForeignKey("policy_sets.scope", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("note", String(500), nullable=False),
    Column("created_by", String(ID), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("scope", "version", name="pk_policy_versions"),
)

# B2B grants: `grantor` lets the members of `grantee` read one of its resources (a project covers
# what is inside it) until `expires_at`. The policies check the expiry; revoked grants are kept.
policy_grants = Table(
    "policy_grants",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("grantor", String(ID), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("grantee", String(ID), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("resource_type", String(32), nullable=False),
    Column("resource_id", String(ID), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
    Index("ix_policy_grants_lookup", "grantee", "grantor", "resource_type", "resource_id"),
)

# Logins started at the OIDC provider and not yet back: the browser holds only `state`, so any API process
# can finish the login. Keyed by a hash of `state` (the value itself never rests in the database); a row
# is deleted when consumed, which is what makes a replayed state fail.
oidc_pending_logins = Table(
    "oidc_pending_logins",
    metadata,
    Column("state_hash", String(64), primary_key=True),
    Column("nonce", String(128), nullable=False),
    Column("code_verifier", String(128), nullable=False),
    Column("return_to", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Index("ix_oidc_pending_logins_expires_at", "expires_at"),
)

# Back-channel logout tokens already accepted, by a hash of their `jti`, until they expire: a replayed
# token is refused by whichever process receives it.
oidc_logout_tokens = Table(
    "oidc_logout_tokens",
    metadata,
    Column("jti_hash", String(64), primary_key=True),
    Column("expires_at", UtcDateTime(), nullable=False),
    Index("ix_oidc_logout_tokens_expires_at", "expires_at"),
)

# Who each OIDC-signed-in user is at the provider: the (issuer, subject) pair names one Craftology user,
# so a person whose email changes at the provider still signs in to the same account.
oidc_identities = Table(
    "oidc_identities",
    metadata,
    Column("issuer", String(1024), primary_key=True),
    Column("subject", String(255), primary_key=True),  # OIDC Core caps `sub` at 255 ASCII characters
    Column("user_id", String(ID), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_oidc_identities_user_id", "user_id"),
)

# One row: a counter every registry write increments in its transaction, so a process can tell with
# one primary-key read whether the models it resolved are still current.
registry_generation = Table(
    "registry_generation",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("generation", Integer, nullable=False),
)

# Each tenant's keys for third-party model providers (the Gen AI service), one per provider. The key
# itself rests only sealed (AES-256-GCM) under the master key named by `key_id`; `key_hint` is the masked
# form listings show.
provider_keys = Table(
    "provider_keys",
    metadata,
    Column("tenant_id", String(ID), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("provider", String(ID), nullable=False),
    Column("base_url", String(1024), nullable=False),
    Column("model", String(255), nullable=False),
    Column("key_id", String(ID), nullable=False),
    Column("sealed_key", LargeBinary, nullable=False),
    Column("key_hint", String(32), nullable=False),
    Column("revision", Integer, nullable=False),  # the ETag: a removal names the revision it read
    Column("updated_by", String(ID), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("tenant_id", "provider", name="pk_provider_keys"),
)

# How far the data-sync agent's consumer has read each tenant's change feed (the metadata store's
# per-tenant seq). Any process may run the consumer: a position only moves forward, so a slower one
# never sends the others back over edits they already signalled.
sync_agent_positions = Table(
    "sync_agent_positions",
    metadata,
    Column("tenant_id", String(ID), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    PrimaryKeyConstraint("tenant_id", name="pk_sync_agent_positions"),
)
