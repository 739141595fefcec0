"""A confirmed run, end to end, on a real `craftology up` (API, worker, embedded Temporal) read by a
real HTTP client over the network: the chat offers the plan's run with its cost, nothing starts until
the person confirms, and the confirmed run is exactly the plan shown and ends with every target made."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.platform.conftest import Platform

pytestmark = pytest.mark.temporal


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    running = Platform(tmp_path_factory.mktemp("chat-platform") / "data")
    try:
        running.start()
        yield running
        running.stop()
    finally:
        running.cleanup()


def _events(http: httpx.Client, project_id: str, body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    events: list[tuple[str, dict[str, Any]]] = []
    with http.stream("POST", f"/projects/{project_id}/messages", json=body) as response:
        assert response.status_code == 200, response.read()
        name = ""
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((name, json.loads(line.removeprefix("data: "))))
    assert events[-1][0] == "done", events
    return events


def test_a_confirmed_regeneration_runs_the_plan_shown(platform: Platform) -> None:
    _tenant, token = platform.new_tenant("Lighthouse Films")
    with platform.client(token) as http:
        project_id = http.post("/projects", json={"name": "Storm"}).json()["id"]
        card = {"kind": "character", "name": "Keeper", "attributes": {"appearance": "grey beard"}}
        card_id = http.post(f"/projects/{project_id}/cards", json=card).json()["id"]
        shot = {"description": "the keeper lights the lamp", "cards": [card_id]}
        assert http.post(f"/projects/{project_id}/shots", json=shot).status_code == 201

        offered = _events(http, project_id, {"text": "regenerate everything"})
        (offer,) = [data for name, data in offered if name == "confirm"]
        assert offer["cost"] == http.get(f"/projects/{project_id}/plan").json()["total_cost"]
        assert http.get(f"/projects/{project_id}/runs").json() == []

        confirmed = _events(http, project_id, {"confirm": offer["token"]})
        (started,) = [data for name, data in confirmed if name == "action"]
        assert started["tool"] == "approve_plan"
        run = started["result"]
        assert run["plan_size"] == 4  # sheet, keyframe, clip, cut
    (*_, last) = platform.wait_run(token, run["id"])
    assert last["status"] == "succeeded", last
    with platform.client(token) as http:
        targets = http.get(f"/projects/{project_id}/targets").json()
        assert targets["counts"] == {"FRESH": 4}
