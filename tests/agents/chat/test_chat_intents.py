"""Each intent's path through the chat route, read from the event stream by a real HTTP client, and
checked against what the REST API then shows."""

from __future__ import annotations

from typing import Any

from tests.agents.chat.conftest import Chat, named, only
from tests.api.conftest import TestClient
from tests.api.gateway_world import GatewayWorld


def _get(client: TestClient, world: GatewayWorld, path: str) -> Any:
    response = client.get(f"/v1/projects/{world.ids['project_id']}{path}", headers=world.owner.auth)
    assert response.status_code == 200, response.text
    return response.json()


def _shots(client: TestClient, world: GatewayWorld) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = _get(client, world, "/shots")["items"]
    return items


def _owner_chat(client: TestClient, world: GatewayWorld) -> Chat:
    return Chat(client, world.owner, world.ids["project_id"])


def test_add_shot_creates_it_through_the_tool_and_says_so(world: GatewayWorld, client: TestClient) -> None:
    events = _owner_chat(client, world).say("add a shot of the sea at dawn")
    assert only(events, "intent")["intent"] == "add_shot"
    assert only(events, "action")["tool"] == "create_shot"
    assert [s["description"] for s in _shots(client, world)] == ["Mia runs up the ridge", "the sea at dawn"]
    assert "the sea at dawn" in only(events, "message")["text"]


def test_add_shot_at_a_place_puts_it_there(world: GatewayWorld, client: TestClient) -> None:
    events = _owner_chat(client, world).say("add a shot of waves as the first shot")
    assert [a["tool"] for a in named(events, "action")] == ["create_shot", "move_shot"]
    assert [s["description"] for s in _shots(client, world)] == ["waves", "Mia runs up the ridge"]


def test_edit_shot_changes_the_field_named(world: GatewayWorld, client: TestClient) -> None:
    events = _owner_chat(client, world).say("make shot 1 a close-up")
    assert only(events, "action")["arguments"]["patch"] == {"framing": "close_up"}
    assert _shots(client, world)[0]["framing"] == "close_up"


def test_edit_shot_of_a_shot_that_is_not_there_asks_which(world: GatewayWorld, client: TestClient) -> None:
    events = _owner_chat(client, world).say("make shot 7 a close-up")
    assert not named(events, "action")
    assert "Which shot?" in only(events, "message")["text"]
    assert _shots(client, world)[0]["framing"] == "medium"


def test_add_card_and_edit_card(world: GatewayWorld, client: TestClient) -> None:
    chat = _owner_chat(client, world)
    added = chat.say("add a character named Tom with red hair")
    assert only(added, "action")["tool"] == "create_card"
    edited = chat.say("make Mia's hair red")
    assert only(edited, "action")["tool"] == "update_card"
    cards = {c["name"]: c for c in _get(client, world, "/cards")["items"]}
    assert cards["Tom"]["kind"] == "character"
    assert cards["Mia"]["attributes"]["appearance"] == "hair red"
    assert cards["Mia"]["attributes"]["hair"] == "brown"  # a merge patch: the rest stays


def test_show_status_reports_counts_and_the_plan(world: GatewayWorld, client: TestClient) -> None:
    events = _owner_chat(client, world).say("what's the status?")
    assert [a["tool"] for a in named(events, "action")] == ["target_status", "preview_plan"]
    plan = _get(client, world, "/plan")
    text = only(events, "message")["text"]
    assert f"regenerate {plan['count']} of them for {plan['total_cost']}" in text


def test_show_usage_reports_runs_and_the_plan_cost(world: GatewayWorld, client: TestClient) -> None:
    events = _owner_chat(client, world).say("how much have we spent so far?")
    assert only(events, "intent")["intent"] == "show_usage"
    assert named(events, "action")[0]["tool"] == "list_runs"
    assert "1 planned" in only(events, "message")["text"]  # the seeded run


def test_regenerate_offers_the_run_with_its_cost_and_starts_nothing(
    world: GatewayWorld, client: TestClient
) -> None:
    runs_before = _get(client, world, "/runs")
    events = _owner_chat(client, world).say("regenerate shot 1")
    offer = only(events, "confirm")
    plan = _get(client, world, "/plan")
    assert offer["tool"] == "approve_plan"
    assert offer["cost"] == plan["total_cost"]
    assert f"shot/{world.ids['shot_id']}/keyframe" in offer["summary"]
    assert len(offer["arguments"]["plan_digest"]) == 64
    assert _get(client, world, "/runs") == runs_before


def test_approve_plan_offers_the_run(world: GatewayWorld, client: TestClient) -> None:
    offer = only(_owner_chat(client, world).say("approve the plan"), "confirm")
    assert offer["tool"] == "approve_plan"
    assert offer["token"]


def test_share_says_it_is_not_available(world: GatewayWorld, client: TestClient) -> None:
    events = _owner_chat(client, world).say("share the project with globex")
    assert not named(events, "action")
    assert "not available yet" in only(events, "message")["text"]


def test_other_lists_what_the_agent_can_do(world: GatewayWorld, client: TestClient) -> None:
    events = _owner_chat(client, world).say("hello there")
    assert only(events, "intent")["intent"] == "other"
    assert "Anything that spends or deletes waits for your confirmation" in only(events, "message")["text"]


def test_create_project_drafts_a_proposal_and_creates_no_project(
    world: GatewayWorld, client: TestClient
) -> None:
    before = client.get("/v1/projects", headers=world.owner.auth).json()["items"]
    events = _owner_chat(client, world).say("create a project about a lighthouse keeper and a storm, 3 shots")
    proposal_id = only(events, "action")["summary"].split()[1].rstrip(":")
    proposal = client.get(f"/v1/proposals/{proposal_id}", headers=world.owner.auth).json()
    assert proposal["status"] == "draft"
    assert len(proposal["proposal"]["shots"]) == 3
    assert client.get("/v1/projects", headers=world.owner.auth).json()["items"] == before


def test_the_conversation_is_listed_in_order(world: GatewayWorld, client: TestClient) -> None:
    chat = _owner_chat(client, world)
    chat.say("add a shot of the sea at dawn")
    chat.say("what's the status?")
    listed = _get(client, world, "/messages")["items"]
    assert [(m["role"], m["text"][:18]) for m in listed] == [
        ("user", "add a shot of the "),
        ("agent", "Added a shot: the "),
        ("user", "what's the status?"),
        ("agent", "Targets: 1 fresh, "),
    ]
    assert [e["event"] for e in listed[1]["events"]] == ["intent", "action", "message"]
    assert {m["user_id"] for m in listed} == {world.owner.user_id}
    page = _get(client, world, "/messages?limit=3")
    assert len(page["items"]) == 3
    assert page["next_cursor"]


def test_another_api_process_lists_the_same_conversation(world: GatewayWorld, client: TestClient) -> None:
    _owner_chat(client, world).say("add a shot of the sea at dawn")
    container, app = world.second_app()
    try:
        with TestClient(app) as other:
            url = f"/v1/projects/{world.ids['project_id']}/messages"
            listed = other.get(url, headers=world.owner.auth).json()["items"]
    finally:
        container.close()
    assert [m["role"] for m in listed] == ["user", "agent"]
