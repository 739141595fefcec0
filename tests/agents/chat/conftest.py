"""The API as `craftology up` builds it (tests/api/gateway_world: tenant `acme` with one member per
role, each with an API token, and a seeded project: a card "Mia" and one shot), read by a real HTTP
client that follows the server-sent event stream of the chat route."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import TestClient
from tests.api.gateway_world import GatewayWorld, Member, gateway_settings, gateway_world

Event = tuple[str, dict[str, Any]]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[GatewayWorld]:
    with gateway_world(gateway_settings(tmp_path / "data")) as made:
        yield made


@pytest.fixture
def client(world: GatewayWorld) -> Iterator[TestClient]:
    with TestClient(world.app, raise_server_exceptions=False) as test_client:
        yield test_client


def read_stream(client: TestClient, member: Member, project_id: str, body: dict[str, Any]) -> list[Event]:
    """POST a chat message and read its event stream to the end: (event name, data) in order."""
    url = f"/v1/projects/{project_id}/messages"
    events: list[Event] = []
    with client.stream("POST", url, json=body, headers=member.auth) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].split(";")[0] == "text/event-stream"
        name = ""
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((name, json.loads(line.removeprefix("data: "))))
    assert events, "no events"
    assert events[-1][0] == "done", events
    return events


@dataclass
class Chat:
    """One person chatting about one project."""

    client: TestClient
    member: Member
    project_id: str

    def say(self, text: str) -> list[Event]:
        return read_stream(self.client, self.member, self.project_id, {"text": text})

    def confirm(self, token: str) -> list[Event]:
        return read_stream(self.client, self.member, self.project_id, {"confirm": token})


def named(events: list[Event], name: str) -> list[dict[str, Any]]:
    return [data for event, data in events if event == name]


def only(events: list[Event], name: str) -> dict[str, Any]:
    (data,) = named(events, name)
    return data
