from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC

import pytest
from sqlalchemy import Engine, select

from craftology.controlplane.run_tasks import PlannedTask
from craftology.controlplane.runs import NewRun, RunsRepository
from craftology.controlplane.schema import api_tokens
from craftology.errors import BadInput, Conflict, NotFound, Unauthenticated
from craftology.tenancy.ids import TENANT_ID_PATTERN, new_tenant_id, slugify
from craftology.tenancy.service import TenancyService
from tests.controlplane.conftest import SandboxCallRecorder


@pytest.fixture
def calls() -> list[tuple[str, str, str]]:
    return []


@pytest.fixture
def service(engine: Engine, calls: list[tuple[str, str, str]]) -> TenancyService:
    return TenancyService(
        engine, SandboxCallRecorder("metadata", calls), SandboxCallRecorder("assets", calls)
    )


def test_create_tenant_provisions_sandbox_and_issues_token(
    service: TenancyService, engine: Engine, calls: list[tuple[str, str, str]]
) -> None:
    created = service.create_tenant("Acme Films GmbH")
    tenant = created.tenant
    assert TENANT_ID_PATTERN.fullmatch(tenant.id)
    assert tenant.id.startswith("acme-films-gmbh-")
    assert tenant.created_at.tzinfo is not None
    assert tenant.created_at.utcoffset() == UTC.utcoffset(None)
    assert calls == [("metadata", "provision", tenant.id), ("assets", "provision", tenant.id)]
    assert created.token.startswith("cft_")
    assert len(created.token) > 40
    assert service.authenticate(created.token) == tenant.id
    # Only the hash is stored: the secret itself appears nowhere in the table.
    with engine.connect() as conn:
        rows = conn.execute(select(api_tokens)).all()
    assert [row.token_hash for row in rows] == [hashlib.sha256(created.token.encode()).hexdigest()]
    assert all(created.token not in str(tuple(row)) for row in rows)
    assert service.get_tenant(tenant.id) == tenant


def test_explicit_ids_are_validated_and_unique(service: TenancyService) -> None:
    service.create_tenant("Acme", tenant_id="acme")
    with pytest.raises(Conflict):
        service.create_tenant("Acme again", tenant_id="acme")
    for bad in ("Acme", "-acme", "a" * 65, "acme/../x", ""):
        with pytest.raises(BadInput):
            service.create_tenant("x", tenant_id=bad)
    with pytest.raises(BadInput):
        service.create_tenant("   ")
    assert [t.id for t in service.list_tenants()] == ["acme"]


def test_derived_ids() -> None:
    assert slugify("  Ünïcödé Studio!! ") == "unicode-studio"
    assert TENANT_ID_PATTERN.fullmatch(new_tenant_id("日本"))  # no ASCII letters: falls back to "tenant"
    assert TENANT_ID_PATTERN.fullmatch(new_tenant_id("x" * 300))
    assert new_tenant_id("Same") != new_tenant_id("Same")


def test_authenticate_rejects_unknown_and_revoked(service: TenancyService) -> None:
    acme = service.create_tenant("Acme", tenant_id="acme")
    extra = service.create_token("acme", "ci")
    assert service.authenticate(extra.secret) == "acme"
    for bad in ("", "cft_nope", "Bearer " + extra.secret, extra.secret + "x", extra.secret[4:]):
        with pytest.raises(Unauthenticated):
            service.authenticate(bad)
    revoked = service.revoke_token("acme", extra.token.id)
    assert revoked.revoked_at is not None
    with pytest.raises(Unauthenticated):
        service.authenticate(extra.secret)
    assert service.authenticate(acme.token) == "acme"  # other tokens keep working
    assert service.revoke_token("acme", extra.token.id).revoked_at == revoked.revoked_at
    assert [(t.name, t.revoked_at is None) for t in service.list_tokens("acme")] == [
        ("initial", True),
        ("ci", False),
    ]


def test_tokens_are_tenant_scoped(service: TenancyService) -> None:
    service.create_tenant("Acme", tenant_id="acme")
    globex = service.create_tenant("Globex", tenant_id="globex")
    with pytest.raises(NotFound):
        service.revoke_token("acme", globex.token_id)
    assert service.authenticate(globex.token) == "globex"
    assert [t.tenant_id for t in service.list_tokens("acme")] == ["acme"]
    with pytest.raises(NotFound):
        service.create_token("nobody", "x")


def test_delete_tenant_drops_sandbox_and_everything_owned(
    service: TenancyService, engine: Engine, calls: list[tuple[str, str, str]]
) -> None:
    acme = service.create_tenant("Acme", tenant_id="acme")
    globex = service.create_tenant("Globex", tenant_id="globex")
    runs = RunsRepository(engine)
    run = runs.create(NewRun("acme", "p1", [PlannedTask("a")]))
    calls.clear()
    service.delete_tenant("acme")
    assert calls == [("metadata", "drop", "acme"), ("assets", "drop", "acme")]
    with pytest.raises(Unauthenticated):
        service.authenticate(acme.token)
    with pytest.raises(NotFound):
        runs.get("acme", run.id)
    with pytest.raises(NotFound):
        service.delete_tenant("acme")
    assert service.authenticate(globex.token) == "globex"


def test_failed_provisioning_leaves_no_tenant(engine: Engine) -> None:
    calls: list[tuple[str, str, str]] = []
    service = TenancyService(
        engine,
        SandboxCallRecorder("metadata", calls),
        SandboxCallRecorder("assets", calls, fail_provision=True),
    )
    with pytest.raises(OSError, match="disk full"):
        service.create_tenant("Acme", tenant_id="acme")
    assert ("metadata", "drop", "acme") in calls
    assert ("assets", "drop", "acme") in calls
    assert service.list_tenants() == []


@pytest.mark.slow
def test_concurrent_token_creation_does_not_collide(service: TenancyService) -> None:
    service.create_tenant("Acme", tenant_id="acme")
    service.create_tenant("Globex", tenant_id="globex")
    jobs = [("acme" if i % 2 else "globex", f"token-{i}") for i in range(24)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        created = list(pool.map(lambda job: service.create_token(*job), jobs))
    assert len({c.secret for c in created}) == len({c.token.id for c in created}) == len(jobs)
    for (tenant, name), token in zip(jobs, created, strict=True):
        assert token.token.name == name
        assert service.authenticate(token.secret) == tenant
    assert len(service.list_tokens("acme")) == 13
