"""Migration 0004 (accounts) on a database that has tenants and tokens from before: every tenant gets an
owner, and the old tokens keep working as that owner's, with every scope."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Connection, column, insert, select, table

from craftology.controlplane.db import connect, create_control_engine
from craftology.controlplane.migrate import alembic_config, current_revision, head_revision, upgrade
from craftology.controlplane.schema import api_tokens, memberships, tenants, users
from craftology.errors import Unauthenticated
from craftology.identity.principal import Scope
from craftology.tenancy.service import TenancyService
from craftology.tenancy.tokens import generate_token, hash_token
from tests.controlplane.conftest import SandboxCallRecorder

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _old_tenant(conn: Connection, tenant_id: str, *secrets: str) -> None:
    conn.execute(insert(tenants).values(id=tenant_id, name=f"{tenant_id.title()} Films", created_at=NOW))
    old_tokens = table(
        "api_tokens", *(column(c) for c in ("id", "tenant_id", "token_hash", "name", "created_at"))
    )
    for number, secret in enumerate(secrets):
        conn.execute(
            insert(old_tokens).values(
                id=f"tok-{tenant_id}-{number}", tenant_id=tenant_id, token_hash=hash_token(secret),
                name="initial", created_at="2026-01-01 00:00:00",
            )
        )  # fmt: skip


def test_old_tokens_become_owner_tokens(db_url: str) -> None:
    upgrade(db_url, "0002")
    acme, acme_ci, globex = generate_token(), generate_token(), generate_token()
    old = create_control_engine(db_url)
    with old.begin() as conn:
        _old_tenant(conn, "acme", acme, acme_ci)
        _old_tenant(conn, "globex", globex)
        conn.exec_driver_sql("UPDATE api_tokens SET revoked_at = created_at WHERE id = 'tok-acme-1'")
    old.dispose()

    engine = connect(db_url)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            owners = {row.tenant_id: row for row in conn.execute(
                select(memberships.c.tenant_id, memberships.c.role, users.c.email, users.c.password_hash,
                       users.c.id).join(users, users.c.id == memberships.c.user_id))}  # fmt: skip
            token_users = dict(conn.execute(select(api_tokens.c.id, api_tokens.c.user_id)).all())
        assert {t: (r.role, r.email, r.password_hash) for t, r in owners.items()} == {
            "acme": ("owner", "owner@acme.invalid", None),
            "globex": ("owner", "owner@globex.invalid", None),
        }
        assert token_users == {
            "tok-acme-0": owners["acme"].id,
            "tok-acme-1": owners["acme"].id,
            "tok-globex-0": owners["globex"].id,
        }
        calls: list[tuple[str, str, str]] = []
        tenancy = TenancyService(engine, SandboxCallRecorder("m", calls), SandboxCallRecorder("a", calls))
        principal = tenancy.authenticate_token(acme)
        assert (principal.tenant, principal.user_id, principal.roles) == (
            "acme",
            owners["acme"].id,
            {"owner"},
        )
        assert principal.scopes == frozenset(Scope)
        assert tenancy.authenticate(globex) == "globex"
        with pytest.raises(Unauthenticated):  # revoked before the upgrade: still revoked
            tenancy.authenticate(acme_ci)
        # New tenants work beside the migrated ones.
        created = tenancy.create_tenant("Initech", tenant_id="initech")
        assert tenancy.authenticate(created.token) == "initech"
    finally:
        engine.dispose()


def test_downgrade_and_upgrade_again(db_url: str) -> None:
    engine = connect(db_url)
    calls: list[tuple[str, str, str]] = []
    created = TenancyService(
        engine, SandboxCallRecorder("m", calls), SandboxCallRecorder("a", calls)
    ).create_tenant("Acme")
    engine.dispose()
    downgraded = create_control_engine(db_url)
    with downgraded.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
    downgraded.dispose()
    engine = connect(db_url)
    try:
        assert current_revision(engine) == head_revision()
        tenancy = TenancyService(engine, SandboxCallRecorder("m", calls), SandboxCallRecorder("a", calls))
        principal = tenancy.authenticate_token(created.token)
        assert principal.user_id == created.owner.id  # the placeholder owner was reused, not duplicated
    finally:
        engine.dispose()
