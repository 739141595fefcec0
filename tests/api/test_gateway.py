"""The gateway on the API as `craftology up` builds it: what each role and token scope may do on every
route of the OpenAPI document, that every route is declared to the policy, and that revocations
take effect on the next request, in every API process.

Role checks probe each route with a body declared larger than the route allows: the gateway decides
who may call the route before it looks at the body, so an allowed request is answered 413 (the route
never runs: nothing is written, no Temporal is needed) and a refused one 403.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from craftology.api.actions import ROUTE_ACTIONS, SELF_SERVICE, route_action
from craftology.identity.principal import Principal, Role, Scope
from craftology.policy.vocabulary import ACTION_GROUPS, ACTIONS
from craftology.ports.policy import Resource
from tests.api.conftest import TestClient, assert_problem
from tests.api.gateway_world import PASSWORD, GatewayWorld, gateway_settings, gateway_world

PARAMETER = re.compile(r"\{(\w+)\}")
MAX_BODY = 1024
OVERSIZED = b"x" * (4 * MAX_BODY)  # over the limit of every route, uploads included
READ_ACTIONS = frozenset(ACTION_GROUPS[Scope.READ])
ADMIN_ACTIONS = frozenset(ACTION_GROUPS[Scope.ADMIN])
CONTENT_ACTIONS = frozenset(ACTION_GROUPS[Scope.WRITE] + ACTION_GROUPS[Scope.GENERATE])
OPERATOR_ONLY = frozenset({"manage_models"})  # the shared registry: no tenant role manages it
NO_TEMPORAL = re.compile(r"^/v1/runs/")  # reading a run asks Temporal, which these tests do not start


@pytest.fixture
def world(tmp_path: Path) -> Iterator[GatewayWorld]:
    settings = gateway_settings(
        tmp_path / "data", api={"max_body_bytes": MAX_BODY, "max_upload_bytes": 2 * MAX_BODY}
    )
    with gateway_world(settings) as made:
        yield made


def credentialed_operations(world: GatewayWorld) -> list[tuple[str, str]]:
    """Every operation of the OpenAPI document that declares credentials."""
    document = world.app.openapi()
    return [
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if operation.get("security")
    ]


def policed_operations(world: GatewayWorld) -> list[tuple[str, str, str]]:
    """(method, path, action) of every credentialed operation the policy is asked about."""
    operations = []
    for method, path in credentialed_operations(world):
        entry = route_action(method, path)
        if entry is not None:
            operations.append((method, path, entry.action))
    assert len(operations) > 40
    return operations


def url(world: GatewayWorld, path: str) -> str:
    return PARAMETER.sub(lambda m: world.ids.get(m.group(1), "x1"), path)


def probe(client: TestClient, world: GatewayWorld, method: str, path: str, auth: dict[str, str]) -> int:
    """The gateway's answer to `method path` for these credentials, without running the route."""
    response = client.request(method, url(world, path), headers=auth, content=OVERSIZED)
    assert response.status_code in (403, 413), (method, path, response.text)
    return response.status_code


def refused(client: TestClient, world: GatewayWorld, auth: dict[str, str]) -> dict[str, set[str]]:
    """The actions of the routes these credentials are refused (403) and allowed (413)."""
    outcome: dict[str, set[str]] = {"refused": set(), "allowed": set()}
    for method, path, action in policed_operations(world):
        status = probe(client, world, method, path, auth)
        outcome["refused" if status == 403 else "allowed"].add(f"{method} {path} {action}")
    return outcome


def actions_of(lines: set[str]) -> set[str]:
    return {line.rsplit(" ", 1)[1] for line in lines}


def test_a_viewer_is_refused_every_write_and_no_read(world: GatewayWorld) -> None:
    with TestClient(world.app, raise_server_exceptions=False) as client:
        outcome = refused(client, world, world.members[Role.VIEWER].auth)
    assert not actions_of(outcome["refused"]) & READ_ACTIONS, outcome["refused"]
    assert actions_of(outcome["allowed"]) <= READ_ACTIONS, outcome["allowed"]
    assert actions_of(outcome["allowed"]) == READ_ACTIONS & {a for *_, a in policed_operations(world)}


def test_a_viewer_reads_every_read_route_for_real(world: GatewayWorld) -> None:
    """The services ask the policy too: past the gateway, the read must also succeed."""
    viewer = world.members[Role.VIEWER].auth
    with TestClient(world.app, raise_server_exceptions=False) as client:
        for method, path, action in policed_operations(world):
            if action not in READ_ACTIONS or NO_TEMPORAL.match(path):
                continue
            # A read that takes a body: the chat, asked something a viewer may do.
            body = {"json": {"text": "what's the status?"}} if method == "POST" else {}
            response = client.request(method, url(world, path), headers=viewer, **body)
            assert response.status_code == 200, (method, path, response.text)


def test_an_editor_writes_content_but_is_refused_administration(world: GatewayWorld) -> None:
    with TestClient(world.app, raise_server_exceptions=False) as client:
        outcome = refused(client, world, world.members[Role.EDITOR].auth)
    used = {a for *_, a in policed_operations(world)}
    assert actions_of(outcome["refused"]) == ADMIN_ACTIONS & used
    assert (CONTENT_ACTIONS | READ_ACTIONS) & used <= actions_of(outcome["allowed"])


def test_an_admin_administers_but_not_the_shared_registry(world: GatewayWorld) -> None:
    with TestClient(world.app, raise_server_exceptions=False) as client:
        outcome = refused(client, world, world.members[Role.ADMIN].auth)
    assert actions_of(outcome["refused"]) == OPERATOR_ONLY


def test_a_read_token_of_an_editor_behaves_like_a_viewer(world: GatewayWorld) -> None:
    editor = world.members[Role.EDITOR]
    reader = world.container.api_tokens.create(world.tenant_id, editor.user_id, "ro", [Scope.READ])
    auth = {"Authorization": f"Bearer {reader.secret}"}
    with TestClient(world.app, raise_server_exceptions=False) as client:
        as_reader = refused(client, world, auth)
        as_viewer = refused(client, world, world.members[Role.VIEWER].auth)
    assert as_reader == as_viewer
    assert actions_of(as_reader["allowed"]) <= READ_ACTIONS


def test_every_credentialed_route_is_declared_to_the_policy(world: GatewayWorld) -> None:
    operations = credentialed_operations(world)
    undeclared = [op for op in operations if op not in SELF_SERVICE and route_action(*op) is None]
    assert undeclared == []
    assert set(ROUTE_ACTIONS) <= set(operations), "entries for routes the API no longer has"
    assert {entry.action for entry in ROUTE_ACTIONS.values()} <= ACTIONS


def test_every_declared_action_applies_to_its_resource_type(world: GatewayWorld) -> None:
    """Cedar's schema says which actions apply to which resource types: the agent reports a request
    outside it as errors in the decision (and denies it)."""
    agent = world.container.access.policy
    owner = Principal(world.tenant_id, world.owner.user_id, frozenset({Role.OWNER}))
    for (method, path), entry in ROUTE_ACTIONS.items():
        params = {name: world.ids.get(name, "x1") for name in PARAMETER.findall(path)}
        resource = entry.resource_for(owner, params)
        decision = agent.decide(owner, entry.action, resource)
        assert decision.errors == (), (method, path, entry, decision)
    # The check can fail: an action on a type it does not apply to is an error.
    wrong = agent.decide(owner, "manage_policies", Resource("Card", "c1", world.tenant_id))
    assert wrong.errors
    assert not wrong.allowed


def login(client: TestClient, email: str) -> tuple[str, str]:
    """Sign in; the cookie (`name=value` from the Set-Cookie) and the CSRF token."""
    response = client.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.cookies.clear()  # each test sends the cookie it means to send
    cookie = response.headers["set-cookie"].split(";", 1)[0]
    return cookie, response.json()["csrf_token"]


def test_a_revoked_token_is_refused_at_the_next_request(world: GatewayWorld) -> None:
    editor = world.members[Role.EDITOR]
    made = world.container.api_tokens.create(world.tenant_id, editor.user_id, "ci", [Scope.READ])
    auth = {"Authorization": f"Bearer {made.secret}"}
    other_container, other_app = world.second_app()
    try:
        with (
            TestClient(world.app, raise_server_exceptions=False) as client,
            TestClient(other_app, raise_server_exceptions=False) as other,
        ):
            assert client.get("/v1/projects", headers=auth).status_code == 200
            assert other.get("/v1/projects", headers=auth).status_code == 200
            world.container.api_tokens.revoke(world.tenant_id, made.token.id)
            assert_problem(client.get("/v1/projects", headers=auth), 401)
            assert_problem(other.get("/v1/projects", headers=auth), 401)
            assert client.get("/v1/projects", headers=editor.auth).status_code == 200  # only that one
    finally:
        other_container.close()


def test_a_session_ended_by_logout_is_refused_by_every_api_process(world: GatewayWorld) -> None:
    other_container, other_app = world.second_app()
    https = "https://testserver"
    try:
        with (
            TestClient(world.app, base_url=https, raise_server_exceptions=False) as client,
            TestClient(other_app, base_url=https, raise_server_exceptions=False) as other,
        ):
            cookie, _csrf = login(client, world.members[Role.VIEWER].email)
            headers = {"Cookie": cookie}
            assert client.get("/v1/session", headers=headers).status_code == 200
            assert other.get("/v1/session", headers=headers).status_code == 200
            assert client.post("/auth/logout", headers=headers).status_code == 204
            assert_problem(client.get("/v1/session", headers=headers), 401)
            assert_problem(other.get("/v1/session", headers=headers), 401)
    finally:
        other_container.close()


def test_a_removed_member_is_refused_at_the_next_request(world: GatewayWorld) -> None:
    editor = world.members[Role.EDITOR]
    with TestClient(world.app, raise_server_exceptions=False) as client:
        assert client.get("/v1/projects", headers=editor.auth).status_code == 200
        world.container.accounts.remove_member(world.tenant_id, editor.user_id)
        assert_problem(client.get("/v1/projects", headers=editor.auth), 401)
        assert_problem(client.get("/v1/session", headers=editor.auth), 401)


def test_an_expired_token_is_refused(world: GatewayWorld) -> None:
    editor = world.members[Role.EDITOR]
    expires = world.clock.now + timedelta(hours=1)
    made = world.container.api_tokens.create(
        world.tenant_id, editor.user_id, "short", [Scope.READ], expires_at=expires
    )
    auth = {"Authorization": f"Bearer {made.secret}"}
    with TestClient(world.app, raise_server_exceptions=False) as client:
        assert client.get("/v1/projects", headers=auth).status_code == 200
        world.clock.advance(3600)
        assert "expired" in str(assert_problem(client.get("/v1/projects", headers=auth), 401)["detail"])
        assert_problem(client.get("/v1/projects", headers={"Authorization": "Bearer cft_forged"}), 401)


def test_sessions_end_when_the_member_loses_access(world: GatewayWorld) -> None:
    """A session carries the role it signed in with: removing, demoting or disabling the member ends
    its sessions at once, like its tokens (else a removed editor would keep writing by cookie)."""
    editor, viewer, admin = (world.members[r] for r in (Role.EDITOR, Role.VIEWER, Role.ADMIN))
    with TestClient(world.app, base_url="https://testserver", raise_server_exceptions=False) as client:
        sessions = {m.user_id: {"Cookie": login(client, m.email)[0]} for m in (editor, viewer, admin)}
        for cookie in sessions.values():
            assert client.get("/v1/session", headers=cookie).status_code == 200
        world.container.accounts.remove_member(world.tenant_id, editor.user_id)
        world.container.accounts.set_role(world.tenant_id, admin.user_id, Role.VIEWER)
        world.container.accounts.set_disabled(viewer.user_id, True)
        for cookie in sessions.values():
            assert_problem(client.get("/v1/session", headers=cookie), 401)
        demoted = {"Cookie": login(client, admin.email)[0]}
        assert client.get("/v1/session", headers=demoted).json()["roles"] == ["viewer"]


def test_tokens_are_self_service_and_others_tokens_need_admin(world: GatewayWorld) -> None:
    """Every member manages its own API tokens; the tenant's other tokens are the admins'."""
    editor, admin = world.members[Role.EDITOR], world.members[Role.ADMIN]
    with TestClient(world.app, raise_server_exceptions=False) as client:
        made = client.post("/v1/tokens", json={"name": "laptop", "scopes": ["read"]}, headers=editor.auth)
        assert made.status_code == 201, made.text
        listed = client.get("/v1/tokens", headers=editor.auth).json()["items"]
        assert {t["user_id"] for t in listed} == {editor.user_id}
        everyone = client.get("/v1/tokens", headers=admin.auth).json()["items"]
        assert {t["user_id"] for t in everyone} > {editor.user_id, admin.user_id}
        owners = next(t["id"] for t in everyone if t["user_id"] == world.owner.user_id)
        assert_problem(client.post(f"/v1/tokens/{owners}/revoke", headers=editor.auth), 403)
        mine = {"Authorization": f"Bearer {made.json()['secret']}"}
        assert client.post(f"/v1/tokens/{made.json()['id']}/revoke", headers=mine).status_code == 200
        assert_problem(client.get("/v1/projects", headers=mine), 401)
        assert client.get("/v1/projects", headers=world.owner.auth).status_code == 200
