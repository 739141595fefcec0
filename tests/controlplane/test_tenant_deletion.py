"""Deleting a tenant ends its sessions and removes everything of it in the control plane (members,
tokens, policy sets, grants), on SQLite and PostgreSQL; a call that failed part-way can be repeated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from craftology.adapters.sessions.controlplane import ControlPlaneSessionStore
from craftology.controlplane.schema import (
    api_tokens,
    memberships,
    policy_grants,
    policy_sets,
    policy_versions,
    tenants,
)
from craftology.controlplane.types import utc_now
from craftology.errors import NotFound, TransientError, Unauthenticated
from craftology.identity.principal import Role
from craftology.policy.center import PolicyCenter
from craftology.policy.grants import GrantStore
from craftology.ports.sessions import NewSession
from craftology.tenancy.service import TenancyService
from tests.controlplane.conftest import SandboxCallRecorder

OWN_POLICY = (
    '@id("acme-no-deletes") forbid (principal, action == Craftology::Action::"delete_project", resource);'
)


def _count(engine: Engine, table: object, *where: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())  # type: ignore[arg-type]


def _two_tenants(
    service: TenancyService, engine: Engine, sessions: ControlPlaneSessionStore
) -> dict[str, str]:
    acme = service.create_tenant("Acme", tenant_id="acme")
    globex = service.create_tenant("Globex", tenant_id="globex")
    PolicyCenter(engine).set("acme", OWN_POLICY, actor="alice")
    PolicyCenter(engine).set("globex", OWN_POLICY.replace("acme-", "globex-"), actor="gus")
    GrantStore(engine).grant("acme", "globex", "Project", "p1", utc_now() + timedelta(days=1))
    GrantStore(engine).grant("globex", "acme", "Project", "p2", utc_now() + timedelta(days=1))
    owner = frozenset({Role.OWNER})
    return {
        "acme_session": sessions.create(NewSession("acme", acme.owner.id, owner)).id,
        "globex_session": sessions.create(NewSession("globex", globex.owner.id, owner)).id,
        "acme_token": acme.token,
        "globex_token": globex.token,
    }


def test_deleting_a_tenant_ends_its_sessions_and_drops_its_rows(engine: Engine) -> None:
    sessions = ControlPlaneSessionStore(engine)
    service = TenancyService(
        engine,
        SandboxCallRecorder("m", []),
        SandboxCallRecorder("a", []),
        end_sessions=sessions.revoke_tenant,
    )
    made = _two_tenants(service, engine, sessions)
    service.delete_tenant("acme")
    assert sessions.get(made["acme_session"]) is None
    with pytest.raises(Unauthenticated):
        service.authenticate_token(made["acme_token"])
    assert _count(engine, policy_sets, policy_sets.c.scope == "acme") == 0
    assert _count(engine, policy_versions, policy_versions.c.scope == "acme") == 0
    assert _count(engine, memberships, memberships.c.tenant_id == "acme") == 0
    assert _count(engine, api_tokens, api_tokens.c.tenant_id == "acme") == 0
    both = (policy_grants.c.grantor == "acme") | (policy_grants.c.grantee == "acme")
    assert _count(engine, policy_grants, both) == 0
    # The other tenant keeps everything.
    assert sessions.get(made["globex_session"]) is not None
    assert service.authenticate_token(made["globex_token"]).tenant == "globex"
    assert PolicyCenter(engine).show("globex").version == 1
    # A tenant made later with the same id starts with nothing of the old one.
    service.create_tenant("Acme again", tenant_id="acme")
    assert PolicyCenter(engine).show("acme").version == 0


def test_a_deletion_that_failed_part_way_can_be_repeated(engine: Engine) -> None:
    sessions = ControlPlaneSessionStore(engine)
    down = [True]

    def end_sessions(tenant: str) -> int:
        if down[0]:
            raise TransientError("session store unavailable")
        return sessions.revoke_tenant(tenant)

    service = TenancyService(
        engine, SandboxCallRecorder("m", []), SandboxCallRecorder("a", []), end_sessions=end_sessions
    )
    made = _two_tenants(service, engine, sessions)
    with pytest.raises(TransientError):
        service.delete_tenant("acme")
    assert _count(engine, tenants, tenants.c.id == "acme") == 1  # nothing half-deleted
    assert service.authenticate_token(made["acme_token"]).tenant == "acme"
    down[0] = False
    service.delete_tenant("acme")
    assert sessions.get(made["acme_session"]) is None
    assert _count(engine, tenants, tenants.c.id == "acme") == 0
    # A session that outlived a deletion (signed in as it ran) is ended by a repeat, which then says
    # the tenant is gone.
    late = sessions.create(NewSession("acme", "someone", frozenset({Role.OWNER}))).id
    with pytest.raises(NotFound):
        service.delete_tenant("acme")
    assert sessions.get(late) is None
