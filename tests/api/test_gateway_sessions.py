"""Password sign-in, the session cookie and CSRF on the API as `craftology up` builds it, with the
sessions in the control plane and in a real Redis (the `session_backend` fixture).

`sessions.cookie_secure` is on (the default), so the client talks https: a `__Host-` cookie is only
for secure origins.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from craftology.identity.cookies import CSRF_HEADER
from craftology.identity.principal import Role
from tests.api.conftest import TestClient, assert_problem
from tests.api.gateway_world import (
    PASSWORD,
    GatewayWorld,
    gateway_settings,
    gateway_world,
    merge_areas,
)
from tests.api.test_gateway import login

HTTPS = "https://testserver"
IDLE_SECONDS = 600
ABSOLUTE_SECONDS = 3 * IDLE_SECONDS
ATTEMPTS = 5


@pytest.fixture
def world(tmp_path: Path, session_backend: dict[str, dict[str, Any]]) -> Iterator[GatewayWorld]:
    areas = merge_areas(
        session_backend,
        {
            "sessions": {
                "idle_timeout_seconds": IDLE_SECONDS,
                "absolute_timeout_seconds": ABSOLUTE_SECONDS,
                "touch_interval_seconds": 0,
            },
            "gateway": {"login_attempts_per_minute": ATTEMPTS},
        },
    )
    with gateway_world(gateway_settings(tmp_path / "data", **areas)) as made:
        yield made


@pytest.fixture
def client(world: GatewayWorld) -> Iterator[TestClient]:
    with TestClient(world.app, base_url=HTTPS, raise_server_exceptions=False) as made:
        yield made


def sign_in(client: TestClient, email: str, password: str = PASSWORD, **extra: str) -> Any:
    return client.post("/auth/login", json={"email": email, "password": password, **extra})


def test_login_sets_a_host_only_secure_cookie_with_a_new_id_each_time(
    client: TestClient, world: GatewayWorld
) -> None:
    email = world.members[Role.EDITOR].email
    first = sign_in(client, email)
    assert first.status_code == 200, first.text
    attributes = [part.strip() for part in first.headers["set-cookie"].split(";")]
    name, _, session_id = attributes[0].partition("=")
    assert name == "__Host-craftology_session"
    assert len(session_id) == 43
    assert {"HttpOnly", "SameSite=Lax", "Path=/", "Secure"} <= set(attributes)
    assert not any(part.lower().startswith("domain") for part in attributes)
    assert first.headers["cache-control"] == "no-store"
    second = sign_in(client, email)
    assert second.headers["set-cookie"].split(";")[0] != attributes[0]
    assert second.json()["csrf_token"] != first.json()["csrf_token"]


def test_cookie_reads_work_and_writes_need_the_csrf_token(client: TestClient, world: GatewayWorld) -> None:
    cookie, csrf = login(client, world.members[Role.EDITOR].email)
    who = client.get("/v1/session", headers={"Cookie": cookie})
    assert who.status_code == 200, who.text
    assert (who.json()["via"], who.json()["roles"]) == ("session", ["editor"])
    assert client.get("/v1/projects", headers={"Cookie": cookie}).status_code == 200

    def create(**headers: str) -> Any:
        return client.post("/v1/projects", json={"name": "New"}, headers={"Cookie": cookie, **headers})

    assert "X-CSRF-Token" in assert_problem(create(), 403)["detail"]  # type: ignore[operator]
    assert_problem(create(**{CSRF_HEADER: "0" * 64}), 403)
    assert_problem(create(**{CSRF_HEADER: csrf, "Origin": "https://evil.example"}), 403)
    assert_problem(create(**{CSRF_HEADER: csrf, "Sec-Fetch-Site": "cross-site"}), 403)
    names = [p["name"] for p in client.get("/v1/projects", headers={"Cookie": cookie}).json()["items"]]
    assert "New" not in names  # none of the refused writes happened
    assert create(**{CSRF_HEADER: csrf}).status_code == 201
    assert create(**{CSRF_HEADER: csrf, "Origin": HTTPS}).status_code == 201


def test_tampered_cookies_are_refused(client: TestClient, world: GatewayWorld) -> None:
    cookie, _csrf = login(client, world.members[Role.VIEWER].email)
    name, _, session_id = cookie.partition("=")
    flipped = session_id[:-1] + ("A" if session_id[-1] != "A" else "B")
    for value in (flipped, session_id[:-1], session_id + "A", "garbage", ""):
        assert_problem(client.get("/v1/session", headers={"Cookie": f"{name}={value}"}), 401)
    # The same id under the cookie name an insecure deployment would use is not read either.
    assert_problem(client.get("/v1/session", headers={"Cookie": f"craftology_session={session_id}"}), 401)
    assert client.get("/v1/session", headers={"Cookie": cookie}).status_code == 200


def test_an_idle_session_expires(client: TestClient, world: GatewayWorld) -> None:
    cookie, _csrf = login(client, world.members[Role.VIEWER].email)
    world.clock.advance(IDLE_SECONDS - 1)
    assert client.get("/v1/session", headers={"Cookie": cookie}).status_code == 200  # slides it
    world.clock.advance(IDLE_SECONDS - 1)
    assert client.get("/v1/session", headers={"Cookie": cookie}).status_code == 200
    world.clock.advance(IDLE_SECONDS + 1)
    assert_problem(client.get("/v1/session", headers={"Cookie": cookie}), 401)


def test_a_busy_session_still_ends_at_its_absolute_timeout(client: TestClient, world: GatewayWorld) -> None:
    cookie, _csrf = login(client, world.members[Role.VIEWER].email)
    for _ in range(ABSOLUTE_SECONDS // (IDLE_SECONDS // 2) - 1):
        world.clock.advance(IDLE_SECONDS // 2)
        assert client.get("/v1/session", headers={"Cookie": cookie}).status_code == 200
    world.clock.advance(IDLE_SECONDS // 2)
    assert_problem(client.get("/v1/session", headers={"Cookie": cookie}), 401)


def test_a_wrong_password_reads_like_an_unknown_email(client: TestClient, world: GatewayWorld) -> None:
    wrong = assert_problem(sign_in(client, world.members[Role.VIEWER].email, "not the password"), 401)
    unknown = assert_problem(sign_in(client, "nobody@acme.example"), 401)
    assert wrong["detail"] == unknown["detail"]
    assert "set-cookie" not in sign_in(client, "nobody@acme.example").headers


def test_sign_in_attempts_are_throttled_per_account(client: TestClient, world: GatewayWorld) -> None:
    email = world.members[Role.VIEWER].email
    for _ in range(ATTEMPTS):
        assert_problem(sign_in(client, email, "guess"), 401)
    refused = sign_in(client, email)  # even the right password, once the budget is spent
    assert_problem(refused, 429)
    assert 0 < int(refused.headers["retry-after"]) <= 60
    world.clock.advance(60)  # the next minute
    assert sign_in(client, email).status_code == 200


def test_an_account_in_two_tenants_says_which(client: TestClient, world: GatewayWorld) -> None:
    editor = world.members[Role.EDITOR]
    world.container.tenancy.create_tenant("Globex", tenant_id="globex")
    world.container.accounts.add_member("globex", editor.user_id, Role.VIEWER)
    assert "tenant" in assert_problem(sign_in(client, editor.email), 409)["detail"]  # type: ignore[operator]
    signed_in = sign_in(client, editor.email, tenant="globex")
    assert signed_in.status_code == 200, signed_in.text
    assert (signed_in.json()["tenant"], signed_in.json()["roles"]) == ("globex", ["viewer"])
    assert_problem(sign_in(client, editor.email, tenant="initech"), 401)


def test_another_sites_page_can_neither_sign_in_nor_sign_out(client: TestClient, world: GatewayWorld) -> None:
    email = world.members[Role.EDITOR].email
    for cross_site in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        refused = client.post("/auth/login", json={"email": email, "password": PASSWORD}, headers=cross_site)
        assert "CSRF" in str(assert_problem(refused, 403)["detail"])
        assert "set-cookie" not in refused.headers
    same_site = {"Origin": HTTPS, "Sec-Fetch-Site": "same-origin"}
    signed_in = client.post("/auth/login", json={"email": email, "password": PASSWORD}, headers=same_site)
    assert signed_in.status_code == 200, signed_in.text
    client.cookies.clear()
    cookie = {"Cookie": signed_in.headers["set-cookie"].split(";", 1)[0]}
    for cross_site in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        assert_problem(client.post("/auth/logout", headers={**cookie, **cross_site}), 403)
        assert client.get("/v1/session", headers=cookie).status_code == 200  # still signed in
    assert client.post("/auth/logout", headers={**cookie, **same_site}).status_code == 204
    assert_problem(client.get("/v1/session", headers=cookie), 401)


def test_deleting_a_tenant_signs_its_members_out_in_every_process(
    client: TestClient, world: GatewayWorld
) -> None:
    cookie, _csrf = login(client, world.members[Role.EDITOR].email)
    token = world.owner.auth
    assert client.get("/v1/session", headers={"Cookie": cookie}).status_code == 200
    other_container, _other_app = world.second_app()
    try:
        other_container.tenancy.delete_tenant(world.tenant_id)  # another API process deletes it
    finally:
        other_container.close()
    assert_problem(client.get("/v1/session", headers={"Cookie": cookie}), 401)
    assert_problem(client.get("/v1/projects", headers=token), 401)
