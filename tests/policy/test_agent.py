"""The PBAC agent over a real control plane (SQLite and PostgreSQL): local decisions from the
center's current version, the decision cache, cross-tenant answers and audit events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert

from craftology.controlplane.schema import policy_sets, policy_versions
from craftology.controlplane.types import utc_now
from craftology.errors import Forbidden, NotFound
from craftology.events.catalogue import check_event
from craftology.identity.principal import Role, Scope
from craftology.policy.agent import AUDIT_EVENT, PolicyAgent
from craftology.policy.center import PolicyCenter
from craftology.policy.grants import GrantStore
from craftology.policy.vocabulary import GLOBAL_SCOPE, default_policies
from craftology.ports.events import Event
from craftology.ports.policy import PolicyPort, Resource
from tests.policy.conftest import member
from tests.policy.test_center import NO_DELETES, REVIEWER, REVIEWERS, TARGET

PROJECT = Resource("Project", "p1", "acme")
CARD = Resource("Card", "c1", "acme", attributes={"project": "p1"})


class Clock:
    """Wall-clock seconds that a test moves (grant expiry is judged by it)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 6, 1, tzinfo=UTC)

    def __call__(self) -> float:
        return self.now.timestamp()


def _agent(engine: Engine, **options: object) -> PolicyAgent:
    return PolicyAgent(PolicyCenter(engine), GrantStore(engine), **options)  # type: ignore[arg-type]


def test_the_agent_is_a_policy_port(control: Engine) -> None:
    port: PolicyPort = _agent(control)
    assert port.authorize(member(Role.EDITOR), "update_project", PROJECT).policy_ids == ("role-editor",)


@pytest.mark.parametrize(
    ("role", "scopes", "action", "allowed"),
    [
        (Role.VIEWER, frozenset(Scope), "read_project", True),
        (Role.VIEWER, frozenset(Scope), "update_project", False),
        (Role.EDITOR, frozenset(Scope), "start_run", True),
        (Role.EDITOR, frozenset({Scope.READ}), "start_run", False),
        (Role.ADMIN, frozenset(Scope), "delete_project", True),
    ],
)
def test_authorize_allows_or_forbids(
    control: Engine, role: Role, scopes: frozenset[Scope], action: str, allowed: bool
) -> None:
    agent = _agent(control)
    principal = member(role, scopes=scopes)
    if allowed:
        assert agent.authorize(principal, action, PROJECT).allowed
    else:
        with pytest.raises(Forbidden):
            agent.authorize(principal, action, PROJECT)


def test_another_tenants_resource_is_not_found(control: Engine) -> None:
    agent = _agent(control)
    with pytest.raises(NotFound) as raised:
        agent.authorize(member(Role.OWNER, tenant="globex"), "read_project", PROJECT)
    assert "acme" not in raised.value.detail


def test_a_grant_allows_read_only_and_only_until_it_expires(control: Engine) -> None:
    clock = Clock()
    agent = _agent(control, clock=clock)
    reader = member(Role.VIEWER, tenant="globex")
    GrantStore(control).grant("acme", "globex", "Project", "p1", clock.now + timedelta(hours=1))
    assert agent.authorize(reader, "read_project", PROJECT).policy_ids == ("b2b-grant-read",)
    assert agent.authorize(reader, "read_card", CARD).allowed  # inside the granted project
    with pytest.raises(Forbidden):  # the grant makes the project known, but lets nobody write
        agent.authorize(member(Role.OWNER, tenant="globex"), "update_project", PROJECT)
    with pytest.raises(NotFound):  # granted to globex, not to initech
        agent.authorize(member(Role.VIEWER, tenant="initech"), "read_project", PROJECT)
    clock.now += timedelta(hours=1)
    with pytest.raises(NotFound):
        agent.authorize(reader, "read_project", PROJECT)


def test_a_revoked_grant_stops_at_once(control: Engine) -> None:
    clock = Clock()
    agent = _agent(control, clock=clock)
    grants = GrantStore(control)
    grant_id = grants.grant("acme", "globex", "Project", "p1", clock.now + timedelta(days=1))
    reader = member(Role.VIEWER, tenant="globex")
    assert agent.authorize(reader, "read_project", PROJECT).allowed
    grants.revoke("acme", grant_id)
    with pytest.raises(NotFound):
        agent.authorize(reader, "read_project", PROJECT)


def test_a_version_change_is_seen_by_another_agent_at_once(
    control: Engine, other_process: Callable[[], Engine]
) -> None:
    here, there = _agent(control), _agent(other_process())
    assert not there.decide(REVIEWER, "accept_target", TARGET).allowed
    PolicyCenter(control).set("acme", REVIEWERS, actor="alice")
    decision = there.decide(REVIEWER, "accept_target", TARGET)
    assert (decision.allowed, decision.policy_version) == (True, "global@0+acme@1")
    PolicyCenter(other_process()).rollback("acme", 0, actor="alice")
    assert not here.decide(REVIEWER, "accept_target", TARGET).allowed
    assert not there.decide(REVIEWER, "accept_target", TARGET).allowed


def test_policies_are_read_only_when_the_version_changes(control: Engine) -> None:
    agent = _agent(control)
    for _ in range(3):
        agent.decide(member(Role.EDITOR), "read_project", PROJECT)
    assert (agent.stats.version_checks, agent.stats.policy_loads) == (3, 1)
    PolicyCenter(control).set("acme", NO_DELETES, actor="alice")
    agent.decide(member(Role.EDITOR), "read_project", PROJECT)
    assert agent.stats.policy_loads == 2


def test_a_check_interval_saves_version_checks(control: Engine) -> None:
    agent = _agent(control, check_interval_s=3600)
    for _ in range(3):
        agent.decide(member(Role.EDITOR), "read_project", PROJECT)
    assert agent.stats.version_checks == 1


def test_a_cache_hit_does_not_call_cedar(control: Engine) -> None:
    agent = _agent(control)
    first = agent.decide(member(Role.EDITOR), "update_project", PROJECT)
    assert agent.stats.cedar_calls == 1
    assert agent.decide(member(Role.EDITOR), "update_project", PROJECT) == first
    assert (agent.stats.cedar_calls, agent.stats.cache_hits) == (1, 1)
    agent.decide(member(Role.VIEWER), "update_project", PROJECT)  # another principal: another entry
    assert agent.stats.cedar_calls == 2


def test_the_cache_is_keyed_by_policy_version(control: Engine) -> None:
    agent = _agent(control)
    owner = member(Role.OWNER)
    assert agent.decide(owner, "delete_project", PROJECT).allowed
    PolicyCenter(control).set("acme", NO_DELETES, actor="alice")
    assert not agent.decide(owner, "delete_project", PROJECT).allowed
    assert agent.stats.cedar_calls == 2


def test_the_cache_is_bounded(control: Engine) -> None:
    agent = _agent(control, cache_size=2)
    for project in ("p1", "p2", "p3", "p1"):
        agent.decide(member(Role.EDITOR), "read_project", Resource("Project", project, "acme"))
    assert agent.stats.cedar_calls == 4  # p1 was evicted by p3


def test_cross_tenant_decisions_are_not_cached(control: Engine) -> None:
    agent = _agent(control)
    for _ in range(2):
        agent.decide(member(Role.OWNER, tenant="globex"), "read_project", PROJECT)
    assert (agent.stats.cedar_calls, agent.stats.cache_hits) == (2, 0)


def test_denies_are_audited_with_the_deciding_policies(control: Engine) -> None:
    published: list[Event] = []
    agent = _agent(control, publish=published.append, allow_sample_rate=0.0)
    agent.decide(member(Role.EDITOR), "read_project", PROJECT)  # allowed, not sampled
    for _ in range(2):  # the second comes from the cache and is audited all the same
        with pytest.raises(Forbidden):
            agent.authorize(member(Role.EDITOR, scopes=frozenset({Scope.READ})), "update_project", PROJECT)
    with pytest.raises(NotFound):
        agent.authorize(member(Role.OWNER, tenant="globex"), "read_project", PROJECT)
    assert [event.type for event in published] == [AUDIT_EVENT] * 3
    for event in published:
        check_event(event)
        assert event.data["allowed"] is False
    assert [e.data["policy_ids"] for e in published] == [
        ["scope-write"],
        ["scope-write"],
        ["tenant-isolation"],
    ]
    assert published[0].tenant == "acme"
    assert published[2].tenant == "globex"
    assert published[0].subject == "Project/p1"
    assert published[0].data["policy_version"] == "global@0+acme@0"
    assert len({event.id for event in published}) == 3  # two equal denies are two audit facts


def test_allows_are_sampled(control: Engine) -> None:
    published: list[Event] = []
    draws = iter([0.05, 0.5, 0.05])
    agent = _agent(control, publish=published.append, allow_sample_rate=0.1, sample=lambda: next(draws))
    for _ in range(3):
        agent.decide(member(Role.EDITOR), "read_project", PROJECT)
    assert len(published) == 2
    assert all(
        event.data["allowed"] is True and event.data["policy_ids"] == ["role-editor"] for event in published
    )


def test_sets_that_do_not_fit_together_deny_everything(control: Engine) -> None:
    """The center refuses a change that makes a tenant set collide with the global one, but two
    processes racing could still store one each; that tenant then fails closed, with a reason."""
    center = PolicyCenter(control)
    center.set("acme", REVIEWERS, actor="alice")
    with control.begin() as conn:  # what the racing process wrote
        conn.execute(
            insert(policy_sets).values(scope=GLOBAL_SCOPE, active_version=1, revision=1, updated_at=utc_now())
        )
        conn.execute(
            insert(policy_versions).values(
                scope=GLOBAL_SCOPE, version=1, text=default_policies() + REVIEWERS, note="", created_by="x",
                created_at=utc_now(),
            )
        )  # fmt: skip
    decision = _agent(control).decide(member(Role.OWNER), "read_project", PROJECT)
    assert not decision.allowed
    assert "acme-reviewers-accept" in decision.errors[0]


def test_a_stored_tenant_set_granting_the_model_registry_is_still_denied(control: Engine) -> None:
    owners_manage_models = """
@id("acme-owners-manage-models")
permit (principal, action == Craftology::Action::"manage_models", resource)
when { principal.roles.contains("owner") };
"""
    PolicyCenter(control).set("acme", owners_manage_models, actor="mallory")
    model = Resource("Model", "preview-clip", "")
    with pytest.raises(Forbidden) as raised:
        _agent(control).authorize(member(Role.OWNER), "manage_models", model)
    assert raised.value.extra["policy_ids"] == ["models-manage-operator-only"]
