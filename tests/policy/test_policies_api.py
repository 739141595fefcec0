"""/v1/policies through the FastAPI app over a real control plane (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from craftology.adapters.metadata.sqlite import SqliteMetadataStore
from craftology.api import ApiDeps, create_app
from craftology.api.routes.policies import build_policies_router
from craftology.policy.center import PolicyCenter
from craftology.projects.service import ProjectService
from tests.api.conftest import A, B, TestClient, assert_problem, authenticate
from tests.policy.test_center import NO_DELETES, REVIEWERS
from tests.principals import default_policy

ADMIN_A = A  # the tenant owner: the policy lets owners change their set
REVIEW = {
    "principal": {"user_id": "rita", "roles": ["reviewer"]},
    "action": "accept_target",
    "resource": {"type": "Target", "id": "shot/s1/clip"},
}


@pytest.fixture
def client(tmp_path: Path, control: Engine) -> Iterator[TestClient]:
    deps = ApiDeps(
        projects=ProjectService(SqliteMetadataStore(tmp_path / "tenants"), default_policy()),
        authenticate=authenticate,
        routers=[build_policies_router(PolicyCenter(control))],
    )
    with TestClient(create_app(deps), raise_server_exceptions=False) as test_client:
        yield test_client


def test_read_the_global_and_the_tenant_set(client: TestClient) -> None:
    body = client.get("/v1/policies", headers=A).json()
    assert body["global_set"]["scope"] == "global"
    assert "tenant-isolation" in body["global_set"]["text"]
    assert body["tenant_set"] == {
        "scope": "acme",
        "active_version": 0,
        "text": "",
        "versions": [
            {"version": 0, "active": True, "note": "built in", "created_by": "", "created_at": None}
        ],
    }


def test_change_test_and_roll_back_a_tenant_set(client: TestClient) -> None:
    assert client.post("/v1/policies/test", headers=A, json=REVIEW).json()["allowed"] is False
    stored = client.put("/v1/policies", headers=ADMIN_A, json={"text": REVIEWERS, "note": "reviewers"})
    assert stored.status_code == 200, stored.text
    assert (stored.json()["version"], stored.json()["active"]) == (1, True)
    decision = client.post("/v1/policies/test", headers=A, json=REVIEW).json()
    assert decision == {
        "allowed": True,
        "policy_ids": ["acme-reviewers-accept"],
        "policy_version": "global@0+acme@1",
        "errors": [],
    }
    # globex is untouched by acme's set.
    assert client.post("/v1/policies/test", headers=B, json=REVIEW).json()["allowed"] is False
    back = client.post("/v1/policies/rollback", headers=ADMIN_A, json={"version": 0})
    assert back.json()["version"] == 2
    assert client.post("/v1/policies/test", headers=A, json=REVIEW).json()["allowed"] is False


def test_try_a_candidate_without_storing_it(client: TestClient) -> None:
    decision = client.post("/v1/policies/test", headers=A, json={**REVIEW, "text": REVIEWERS}).json()
    assert decision["allowed"] is True
    assert client.get("/v1/policies", headers=A).json()["tenant_set"]["active_version"] == 0


def test_another_tenants_resource_is_refused_by_isolation(client: TestClient) -> None:
    query = {
        **REVIEW,
        "principal": {"roles": ["owner"]},
        "resource": {**REVIEW["resource"], "tenant": "globex"},
    }
    decision = client.post("/v1/policies/test", headers=A, json=query).json()
    assert (decision["allowed"], decision["policy_ids"]) == (False, ["tenant-isolation"])


def test_an_invalid_set_is_a_problem_and_nothing_is_stored(client: TestClient) -> None:
    bad = '@id("x") permit (principal, action, resource) when { principal.nope };'
    body = assert_problem(client.put("/v1/policies", headers=ADMIN_A, json={"text": bad}), 422)
    assert any("nope" in error["msg"] for error in body["errors"])  # type: ignore[attr-defined]
    assert_problem(client.post("/v1/policies/test", headers=A, json={**REVIEW, "text": "permit ("}), 422)
    assert client.get("/v1/policies", headers=A).json()["tenant_set"]["active_version"] == 0


def test_changes_are_recorded_as_the_callers_and_need_credentials(client: TestClient) -> None:
    """Who may change a set is the policy's call (`manage_policies`), asked by the gateway: see
    tests/api/test_gateway.py. Here: a change names its author, and no credentials is 401."""
    assert client.put("/v1/policies", headers=A, json={"text": NO_DELETES}).json()["created_by"] == "owner"
    assert_problem(client.get("/v1/policies"), 401)
    assert client.get("/v1/policies", headers=A).json()["tenant_set"]["active_version"] == 1


def test_rollback_to_an_unknown_version_is_not_found(client: TestClient) -> None:
    assert_problem(client.post("/v1/policies/rollback", headers=ADMIN_A, json={"version": 9}), 404)
