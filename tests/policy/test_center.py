"""The PBAC center over a real control plane (SQLite and PostgreSQL): versions, validation, rollback."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select

from craftology.controlplane.schema import policy_sets, policy_versions
from craftology.errors import BadInput, NotFound
from craftology.identity.principal import Role
from craftology.policy.center import PolicyCenter
from craftology.policy.grants import GrantStore
from craftology.policy.vocabulary import GLOBAL_SCOPE, default_policies
from craftology.ports.policy import Resource
from tests.policy.conftest import member

# acme lets a custom role, "reviewer", accept targets.
REVIEWERS = """
@id("acme-reviewers-accept")
permit (principal, action == Craftology::Action::"accept_target", resource)
when { principal.roles.contains("reviewer") && resource.tenant == principal.tenant };
"""
NO_DELETES = """
@id("acme-no-project-deletes")
forbid (principal, action == Craftology::Action::"delete_project", resource);
"""
TARGET = Resource("Target", "shot/s1/clip", "acme")
REVIEWER = member("reviewer")


def _rows(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        sets = conn.execute(select(func.count()).select_from(policy_sets)).scalar_one()
        versions = conn.execute(select(func.count()).select_from(policy_versions)).scalar_one()
    return sets, versions


def test_nothing_stored_means_the_built_in_defaults(control: Engine) -> None:
    center = PolicyCenter(control)
    assert center.show(GLOBAL_SCOPE).text == default_policies()
    assert center.show("acme").text == ""
    assert [v.version for v in center.versions("acme")] == [0]
    assert center.explain(member(Role.EDITOR), "accept_target", TARGET).policy_ids == ("role-editor",)


def test_each_change_is_a_new_version_and_bumps_the_revision(control: Engine) -> None:
    center = PolicyCenter(control)
    first = center.set("acme", REVIEWERS, actor="alice", note="reviewers")
    second = center.set("acme", REVIEWERS + NO_DELETES, actor="alice")
    assert (first.version, second.version) == (1, 2)
    versions = center.versions("acme")
    assert [(v.version, v.active) for v in versions] == [(0, False), (1, False), (2, True)]
    assert versions[1].note == "reviewers"
    assert versions[1].created_by == "alice"
    _, state = center.states("acme")
    assert (state.active_version, state.revision) == (2, 2)
    global_state, _ = center.states("acme")
    assert (global_state.active_version, global_state.revision) == (0, 0)


def test_the_tenant_set_adds_to_the_global_one(control: Engine) -> None:
    center = PolicyCenter(control)
    assert not center.explain(REVIEWER, "accept_target", TARGET).allowed
    center.set("acme", REVIEWERS + NO_DELETES, actor="alice")
    allowed = center.explain(REVIEWER, "accept_target", TARGET)
    assert (allowed.allowed, allowed.policy_ids) == (True, ("acme-reviewers-accept",))
    assert allowed.policy_version == "global@0+acme@1"
    denied = center.explain(member(Role.OWNER), "delete_project", Resource("Project", "p", "acme"))
    assert (denied.allowed, denied.policy_ids) == (False, ("acme-no-project-deletes",))
    # Other tenants are untouched by acme's set.
    assert not center.explain(member("reviewer", tenant="globex"), "accept_target", TARGET).allowed


def test_a_tenant_set_cannot_open_another_tenant(control: Engine) -> None:
    center = PolicyCenter(control)
    center.set("globex", '@id("globex-all") permit (principal, action, resource);', actor="mallory")
    decision = center.explain(
        member(Role.OWNER, tenant="globex"), "read_project", Resource("Project", "p", "acme")
    )
    assert (decision.allowed, decision.policy_ids) == (False, ("tenant-isolation",))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("permit (principal, action, resource", "parse"),
        ('@id("x") permit (principal, action, resource) when { principal.nope == 1 };', "nope"),
        ('@id("x") permit (principal, action == Craftology::Action::"fly", resource);', "fly"),
        ("permit (principal, action, resource);", "@id"),
        (
            '@id("x") permit (principal, action, resource); @id("x") forbid (principal, action, resource);',
            "twice",
        ),
        ('@id("role-owner") permit (principal, action, resource);', "role-owner"),  # taken by the global set
    ],
)
def test_an_invalid_set_is_refused_and_nothing_is_stored(control: Engine, text: str, message: str) -> None:
    center = PolicyCenter(control)
    center.set("acme", REVIEWERS, actor="alice")
    before = _rows(control)
    with pytest.raises(BadInput, match=message):
        center.set("acme", text, actor="alice")
    assert _rows(control) == before
    assert center.show("acme").version == 1


def test_validator_messages_come_with_the_error(control: Engine) -> None:
    with pytest.raises(BadInput) as raised:
        PolicyCenter(control).set(
            "acme", '@id("x") permit (principal, action, resource) when { principal.nope };', actor="a"
        )
    assert any("nope" in error["msg"] for error in raised.value.extra["errors"])


def test_unknown_tenants_and_versions(control: Engine) -> None:
    center = PolicyCenter(control)
    with pytest.raises(NotFound):
        center.set("nobody", REVIEWERS, actor="a")
    with pytest.raises(NotFound):
        center.show("acme", 7)
    with pytest.raises(NotFound):
        center.rollback("acme", 3, actor="a")


def test_rollback_makes_an_earlier_text_a_new_active_version(control: Engine) -> None:
    center = PolicyCenter(control)
    center.set("acme", REVIEWERS, actor="alice")
    center.set("acme", NO_DELETES, actor="bob")
    assert not center.explain(REVIEWER, "accept_target", TARGET).allowed
    back = center.rollback("acme", 1, actor="alice")
    assert (back.version, back.text, back.note) == (3, REVIEWERS, "rollback to version 1")
    assert center.explain(REVIEWER, "accept_target", TARGET).allowed
    assert [v.version for v in center.versions("acme") if v.active] == [3]


def test_activate_a_staged_version_and_the_built_in_one(control: Engine) -> None:
    center = PolicyCenter(control)
    staged = center.set("acme", REVIEWERS, actor="alice", activate=False)
    assert not staged.active
    assert not center.explain(REVIEWER, "accept_target", TARGET).allowed
    assert center.activate("acme", 1).revision == 1
    assert center.explain(REVIEWER, "accept_target", TARGET).allowed
    assert center.activate("acme", 0).revision == 2
    assert not center.explain(REVIEWER, "accept_target", TARGET).allowed


def test_a_global_change_replaces_the_defaults(control: Engine) -> None:
    center = PolicyCenter(control)
    stricter = default_policies().replace(
        'principal.roles.contains("editor")', 'principal.roles.contains("x")'
    )
    center.set(GLOBAL_SCOPE, stricter, actor="operator")
    decision = center.explain(member(Role.EDITOR), "accept_target", TARGET)
    assert (decision.allowed, decision.policy_version) == (False, "global@1+acme@0")


def test_a_candidate_is_tested_without_being_stored(control: Engine) -> None:
    center = PolicyCenter(control)
    before = _rows(control)
    decision = center.explain(REVIEWER, "accept_target", TARGET, candidate=REVIEWERS)
    assert decision.allowed
    assert decision.policy_version == "global@0+acme@candidate"
    assert _rows(control) == before
    with pytest.raises(BadInput):
        center.explain(REVIEWER, "accept_target", TARGET, candidate="permit (")


def test_a_change_is_seen_by_another_process_at_once(
    control: Engine, other_process: Callable[[], Engine]
) -> None:
    elsewhere = PolicyCenter(other_process())
    assert not elsewhere.explain(REVIEWER, "accept_target", TARGET).allowed
    PolicyCenter(control).set("acme", REVIEWERS, actor="alice")
    assert elsewhere.explain(REVIEWER, "accept_target", TARGET).allowed


def test_a_global_change_that_collides_with_a_tenant_set_is_refused(control: Engine) -> None:
    center = PolicyCenter(control)
    center.set("acme", REVIEWERS, actor="alice")
    before = _rows(control)
    with pytest.raises(BadInput, match="tenant acme"):
        center.set(GLOBAL_SCOPE, default_policies() + REVIEWERS, actor="operator")
    assert _rows(control) == before


def test_explain_counts_grants(control: Engine) -> None:
    clock = 1_000_000.0
    center = PolicyCenter(control, clock=lambda: clock)
    expires = datetime.fromtimestamp(clock + 60, UTC)
    GrantStore(control).grant("acme", "globex", "Project", "p1", expires)
    decision = center.explain(
        member(Role.VIEWER, tenant="globex"), "read_project", Resource("Project", "p1", "acme")
    )
    assert (decision.allowed, decision.policy_ids) == (True, ("b2b-grant-read",))


def test_concurrent_changes_each_get_their_own_version(
    control: Engine, other_process: Callable[[], Engine]
) -> None:
    """Processes adding versions to a set nobody has stored yet: each change gets a number of its own."""
    centers = [PolicyCenter(other_process()) for _ in range(4)]
    texts = [REVIEWERS.replace("acme-reviewers-accept", f"acme-{n}") for n in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        stored = list(pool.map(lambda n: centers[n].set("acme", texts[n], actor=f"p{n}"), range(4)))
    assert sorted(version.version for version in stored) == [1, 2, 3, 4]
    _, state = PolicyCenter(control).states("acme")
    assert (state.active_version, state.revision) == (4, 4)
    assert {version.text for version in PolicyCenter(control).versions("acme")[1:]} == set(texts)
