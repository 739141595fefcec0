"""The members, invitations and tokens routes on the API as `craftology up` builds it (real stores)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from craftology.cli.serve import build_api
from craftology.config import Settings
from craftology.container import Container, build_container
from craftology.identity.principal import Scope
from tests.api.conftest import TestClient, assert_problem


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    made = build_container(Settings(data_dir=tmp_path / "data"))
    yield made
    made.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(build_api(container), raise_server_exceptions=False) as test_client:
        yield test_client


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_invite_accept_roles_and_removal(client: TestClient, container: Container) -> None:
    acme = container.tenancy.create_tenant("Acme", tenant_id="acme")
    owner = bearer(acme.token)
    invited = client.post(
        "/v1/invitations", json={"email": "Ed@Example.com", "role": "editor"}, headers=owner
    )
    assert invited.status_code == 201, invited.text
    secret = invited.json()["token"]
    assert secret not in client.get("/v1/invitations", headers=owner).text

    accepted = client.post("/invitations/accept", json={"token": secret, "password": "pw-editor-1"})
    assert accepted.status_code == 200, accepted.text
    ed = accepted.json()
    assert (ed["email"], ed["role"], ed["tenant_id"]) == ("ed@example.com", "editor", "acme")
    assert_problem(client.post("/invitations/accept", json={"token": secret, "password": "pw-editor-1"}), 409)
    assert_problem(
        client.post("/invitations/accept", json={"token": "cfi_nope", "password": "pw-editor-1"}), 404
    )
    roles = {m["email"]: m["role"] for m in client.get("/v1/members", headers=owner).json()["items"]}
    assert roles == {"owner@acme.invalid": "owner", "ed@example.com": "editor"}

    ed_token = container.api_tokens.create("acme", ed["user_id"], "laptop", list(Scope)).secret
    as_ed = bearer(ed_token)
    assert_problem(
        client.post("/v1/invitations", json={"email": "x@example.com", "role": "viewer"}, headers=as_ed), 403
    )
    assert_problem(
        client.put(f"/v1/members/{acme.owner.id}/role", json={"role": "viewer"}, headers=as_ed), 403
    )
    assert_problem(client.post("/v1/tokens", json={"name": "x", "scopes": ["admin"]}, headers=as_ed), 403)
    mine = client.get("/v1/tokens", headers=as_ed).json()["items"]
    assert [t["name"] for t in mine] == ["laptop"]  # not the owner's

    demoted = client.put(f"/v1/members/{ed['user_id']}/role", json={"role": "viewer"}, headers=owner)
    assert demoted.json()["role"] == "viewer"
    assert container.api_tokens.authenticate_token(ed_token).scopes == {Scope.READ}
    removed = client.post(f"/v1/members/{ed['user_id']}/remove", headers=owner)
    assert removed.status_code == 204
    assert_problem(client.get("/v1/members", headers=as_ed), 401)


def test_last_owner_bad_roles_and_unknown_members(client: TestClient, container: Container) -> None:
    acme = container.tenancy.create_tenant("Acme", tenant_id="acme")
    owner = bearer(acme.token)
    body = assert_problem(
        client.put(f"/v1/members/{acme.owner.id}/role", json={"role": "admin"}, headers=owner), 409
    )
    assert "owner" in str(body["detail"])
    assert_problem(client.post(f"/v1/members/{acme.owner.id}/remove", headers=owner), 409)
    assert_problem(
        client.put(f"/v1/members/{acme.owner.id}/role", json={"role": "wizard"}, headers=owner), 422
    )
    assert_problem(client.put("/v1/members/usr-nobody/role", json={"role": "viewer"}, headers=owner), 404)
    assert_problem(
        client.post("/v1/invitations", json={"email": "nope", "role": "viewer"}, headers=owner), 422
    )
    new = client.post(
        "/v1/invitations", json={"email": "n@example.com", "role": "viewer"}, headers=owner
    ).json()
    assert_problem(client.post("/invitations/accept", json={"token": new["token"]}), 422)  # needs a password
    assert (
        client.post("/invitations/accept", json={"token": new["token"], "password": "pw-123456"}).status_code
        == 200
    )


def test_tokens_and_password_change(client: TestClient, container: Container) -> None:
    acme = container.tenancy.create_tenant("Acme", tenant_id="acme", owner_email="boss@acme.test")
    owner = bearer(acme.token)
    made = client.post("/v1/tokens", json={"name": "ci", "scopes": ["read", "generate"]}, headers=owner)
    assert made.status_code == 201, made.text
    created = made.json()
    assert created["scopes"] == ["generate", "read"]
    assert created["user_id"] == acme.owner.id
    ci = bearer(created["secret"])
    assert client.get("/v1/projects", headers=ci).status_code == 200
    past = {"name": "x", "scopes": ["read"], "expires_at": "2001-01-01T00:00:00Z"}
    assert_problem(client.post("/v1/tokens", json=past, headers=owner), 422)
    revoked = client.post(f"/v1/tokens/{created['id']}/revoke", headers=ci)
    assert revoked.json()["revoked_at"] is not None
    assert_problem(client.get("/v1/projects", headers=ci), 401)

    path = f"/v1/members/{acme.owner.id}/password"
    change = {"old_password": "nothing-yet", "new_password": "pw-first-1"}
    assert_problem(client.put(path, json=change, headers=owner), 403)  # no password yet: an operator sets it
    container.accounts.set_password(acme.owner.id, "pw-first-1")
    change = {"old_password": "pw-first-1", "new_password": "pw-second-2"}
    assert client.put(path, json=change, headers=owner).status_code == 204
    assert container.accounts.sign_in("boss@acme.test", "pw-second-2").user.id == acme.owner.id


def test_first_start_prints_sign_in_and_token_once(container: Container) -> None:
    from rich.console import Console

    from craftology.cli.serve import first_start

    console = Console(record=True, width=200)
    first_start(container, console)
    text = console.export_text()
    email, password = text.split("sign in:")[1].split()[0], text.split("password")[1].split()[0]
    token = text.split("API token:")[1].split()[0]
    signed_in = container.accounts.sign_in(email, password)
    assert [(m.tenant_id, m.role) for m in signed_in.memberships] == [("demo", "owner")]
    assert container.api_tokens.authenticate_token(token).user_id == signed_in.user.id
    again = Console(record=True, width=200)
    first_start(container, again)
    assert again.export_text() == ""
