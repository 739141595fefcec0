"""Deleting and spending wait for the person's yes: the offer's token is single-use, expires, and does
nothing for another person or another project; a run is bound to the plan that was shown."""

from __future__ import annotations

import hashlib
from typing import Any

from craftology.agents.chat.confirmations import CONFIRMATIONS
from craftology.identity.principal import Role
from craftology.ports.metadata import Put
from craftology.projects.models import ProjectIn
from tests.agents.chat.conftest import Chat, named, only
from tests.api.conftest import TestClient, assert_problem
from tests.api.gateway_world import GatewayWorld
from tests.principals import as_owner


def _shot_ids(client: TestClient, world: GatewayWorld) -> list[str]:
    url = f"/v1/projects/{world.ids['project_id']}/shots"
    return [s["id"] for s in client.get(url, headers=world.owner.auth).json()["items"]]


def _post(client: TestClient, world: GatewayWorld, body: dict[str, Any], auth: dict[str, str]) -> Any:
    return client.post(f"/v1/projects/{world.ids['project_id']}/messages", json=body, headers=auth)


def _offer_delete(chat: Chat) -> str:
    offer = only(chat.say("delete shot 1"), "confirm")
    assert offer["tool"] == "delete_shot"
    assert offer["cost"] is None
    token: str = offer["token"]
    return token


def test_a_delete_happens_only_when_confirmed_and_once(world: GatewayWorld, client: TestClient) -> None:
    chat = Chat(client, world.owner, world.ids["project_id"])
    token = _offer_delete(chat)
    assert _shot_ids(client, world) == [world.ids["shot_id"]]  # offered, not done

    done = chat.confirm(token)
    assert only(done, "action")["tool"] == "delete_shot"
    assert "Done: delete shot 1" in only(done, "message")["text"]
    assert _shot_ids(client, world) == []

    again = _post(client, world, {"confirm": token}, world.owner.auth)
    assert_problem(again, 409)
    assert "already used" in again.json()["detail"]


def test_another_persons_token_does_nothing_and_stays_theirs(world: GatewayWorld, client: TestClient) -> None:
    editor, admin = world.members[Role.EDITOR], world.members[Role.ADMIN]
    token = _offer_delete(Chat(client, editor, world.ids["project_id"]))
    assert_problem(_post(client, world, {"confirm": token}, admin.auth), 409)
    assert _shot_ids(client, world) == [world.ids["shot_id"]]
    done = Chat(client, editor, world.ids["project_id"]).confirm(token)
    assert only(done, "action")["tool"] == "delete_shot"


def test_a_token_for_another_project_does_nothing(world: GatewayWorld, client: TestClient) -> None:
    token = _offer_delete(Chat(client, world.owner, world.ids["project_id"]))
    other = world.container.projects.create_project(as_owner("acme"), ProjectIn(name="Other")).value.id
    refused = client.post(f"/v1/projects/{other}/messages", json={"confirm": token}, headers=world.owner.auth)
    assert_problem(refused, 409)
    assert _shot_ids(client, world) == [world.ids["shot_id"]]


def test_an_expired_token_does_nothing(world: GatewayWorld, client: TestClient) -> None:
    token = _offer_delete(Chat(client, world.owner, world.ids["project_id"]))
    # Time passes: the stored offer's expiry is moved into the past, as any process would read it.
    key = hashlib.sha256(token.encode()).hexdigest()
    metadata = world.container.metadata
    record = metadata.get("acme", CONFIRMATIONS, key)
    expired = {**record.data, "expires_at": "2020-01-01T00:00:00+00:00"}
    metadata.commit("acme", [Put(CONFIRMATIONS, key, expired, expect=record.revision)])
    assert_problem(_post(client, world, {"confirm": token}, world.owner.auth), 409)
    assert _shot_ids(client, world) == [world.ids["shot_id"]]


def test_malformed_bodies_are_refused_before_anything(world: GatewayWorld, client: TestClient) -> None:
    auth = world.owner.auth
    for body in (
        {"confirm": "short"},
        {"text": "   "},
        {"text": "hi", "confirm": "x" * 43},
        {},
        {"text": ""},
    ):
        assert_problem(_post(client, world, body, auth), 422)
    unknown = _post(client, world, {"confirm": "A" * 43}, auth)
    assert_problem(unknown, 409)
    missing = client.post("/v1/projects/no-such-project/messages", json={"text": "hi"}, headers=auth)
    assert_problem(missing, 404)
    listed = client.get(f"/v1/projects/{world.ids['project_id']}/messages", headers=auth).json()
    assert listed["items"] == []  # a refused request is no turn of the conversation


def test_a_run_offered_for_one_plan_is_not_started_for_another(
    world: GatewayWorld, client: TestClient
) -> None:
    chat = Chat(client, world.owner, world.ids["project_id"])
    offer = only(chat.say("approve the plan"), "confirm")
    patch = {"name": "Mia Rossi"}  # the sheet reads the name
    card_url = f"/v1/projects/{world.ids['project_id']}/cards/{world.ids['card_id']}"
    assert (
        client.patch(card_url, json=patch, headers={**world.owner.auth, "If-Match": "*"}).status_code == 200
    )
    runs_url = f"/v1/projects/{world.ids['project_id']}/runs"
    runs_before = client.get(runs_url, headers=world.owner.auth).json()

    events = chat.confirm(offer["token"])
    assert "the plan changed since it was previewed" in only(events, "error")["message"]
    assert not named(events, "action")
    assert client.get(runs_url, headers=world.owner.auth).json() == runs_before


def test_expired_offers_do_not_pile_up(world: GatewayWorld, client: TestClient) -> None:
    chat = Chat(client, world.owner, world.ids["project_id"])
    first = hashlib.sha256(_offer_delete(chat).encode()).hexdigest()
    metadata = world.container.metadata
    record = metadata.get("acme", CONFIRMATIONS, first)
    expired = {**record.data, "expires_at": "2020-01-01T00:00:00+00:00"}
    metadata.commit("acme", [Put(CONFIRMATIONS, first, expired, expect=record.revision)])
    second = hashlib.sha256(_offer_delete(chat).encode()).hexdigest()
    assert [r.id for r in metadata.scan("acme", CONFIRMATIONS)] == [second]


def test_an_offer_made_by_one_api_process_is_confirmed_in_another(
    world: GatewayWorld, client: TestClient
) -> None:
    token = _offer_delete(Chat(client, world.owner, world.ids["project_id"]))
    container, app = world.second_app()
    try:
        with TestClient(app, raise_server_exceptions=False) as other:
            done = Chat(other, world.owner, world.ids["project_id"]).confirm(token)
            assert only(done, "action")["tool"] == "delete_shot"
    finally:
        container.close()
    assert _shot_ids(client, world) == []
    assert_problem(_post(client, world, {"confirm": token}, world.owner.auth), 409)
