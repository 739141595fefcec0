"""LLM proposals run as a Temporal activity on a real dev server, with the local OpenAI-compatible
server as the tenant's provider: stored once validated, refused with nothing stored, retried by
Temporal when the provider is down, and the same through POST /v1/proposals."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from pydantic import SecretStr

from craftology.agents.proposal.llm_activity import ProposalActivities
from craftology.agents.proposal.records import PROPOSALS
from craftology.agents.proposal.service import ProposalService
from craftology.cli.serve import build_api
from craftology.config import Settings
from craftology.container import Container, build_container
from craftology.errors import Forbidden
from craftology.genai.keys.schemas import ProviderKeyIn
from craftology.identity.principal import Role
from craftology.ports.chat import InvalidModelOutput
from craftology.workflows.devserver import EmbeddedTemporal
from craftology.workflows.proposal_messages import Actor, ProposeInput
from tests.agents.proposal_llm.answers import BRIEF, model_proposal, proposes
from tests.api.conftest import assert_problem
from tests.openai_server import Fail, ScriptedChat
from tests.principals import as_owner, member

pytestmark = [pytest.mark.temporal]
T = TypeVar("T")
KEY = "sk-proposal-0123456789-abcdef"


class World:
    def __init__(self, container: Container, tenant: str, token: str) -> None:
        self.c, self.tenant, self.token = container, tenant, token
        self.service = ProposalService.embedded(
            container.metadata, container.projects, container.access.policy, container.llm_proposals()
        )

    def stored(self) -> list[str]:
        return [record.id for record in self.c.metadata.scan(self.tenant, PROPOSALS)]

    def run(self, scenario: Coroutine[Any, Any, T]) -> T:
        """The scenario with this container's worker serving the task queue (same event loop)."""

        async def served() -> T:
            async with self.c.sync_worker():
                return await scenario

        return asyncio.run(served())


@pytest.fixture
def world(tmp_path: Path, temporal_server: EmbeddedTemporal, chat: ScriptedChat) -> Iterator[World]:
    settings = Settings(data_dir=tmp_path / "data")
    settings.temporal.address = temporal_server.address
    settings.temporal.task_queue = f"test-{uuid.uuid4().hex}"
    settings.genai.max_attempts = 1  # outages are retried by Temporal here, visibly
    container = build_container(settings)
    created = container.tenancy.create_tenant("Harbour Films")
    given = ProviderKeyIn(api_key=SecretStr(KEY), model="gpt-test", base_url=chat.base_url)
    container.genai.keys.set(created.tenant.id, "openai", given, by="test")
    yield World(container, created.tenant.id, created.token)
    container.close()


def test_the_validated_proposal_is_stored_as_a_draft(world: World, chat: ScriptedChat) -> None:
    chat.push(proposes(model_proposal(shots=3)))
    stored = world.run(world.service.propose_with_llm(as_owner(world.tenant), BRIEF, shot_count=3))
    assert stored.status.value == "draft"
    assert world.stored() == [stored.id]
    assert world.service.get(as_owner(world.tenant), stored.id).proposal == stored.proposal
    assert {card.name for card in stored.proposal.cards} >= {"Lighthouse Keeper", "Whiskers"}
    (sent,) = chat.requests
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert BRIEF in sent.body["messages"][1]["content"]


def test_invalid_output_is_retried_then_refused_with_nothing_stored(world: World, chat: ScriptedChat) -> None:
    chat.push(*[proposes(model_proposal(shots=2))] * 3)  # 4 shots are asked for, every time
    with pytest.raises(InvalidModelOutput, match="no valid propose_project in 3 attempts"):
        world.run(world.service.propose_with_llm(as_owner(world.tenant), BRIEF, shot_count=4))
    assert len(chat.requests) == 3  # the activity's own corrections; Temporal does not repeat them
    assert world.stored() == []


def test_a_provider_outage_is_retried_by_temporal_and_stored_once(world: World, chat: ScriptedChat) -> None:
    chat.push(Fail(503, "overloaded"), proposes(model_proposal(shots=2)))
    stored = world.run(world.service.propose_with_llm(as_owner(world.tenant), BRIEF, shot_count=2))
    assert len(chat.requests) == 2
    assert world.stored() == [stored.id]


def test_the_activity_is_idempotent(world: World, chat: ScriptedChat) -> None:
    chat.push(proposes(model_proposal(shots=1)))
    activities = ProposalActivities(world.c.genai.chat, world.c.metadata, world.c.access.policy)
    request = ProposeInput("proposal-0123456789ab", Actor.of(as_owner(world.tenant)), "openai", BRIEF)

    async def twice() -> list[str]:
        return [await activities.propose(request), await activities.propose(request)]

    assert asyncio.run(twice()) == [request.proposal_id] * 2
    assert len(chat.requests) == 1  # the second attempt found it stored
    assert world.stored() == [request.proposal_id]


def test_the_api_chooses_the_engine_per_request(world: World, chat: ScriptedChat) -> None:
    app = build_api(world.c)
    auth = {"Authorization": f"Bearer {world.token}"}
    other = world.c.tenancy.create_tenant("No Keys Ltd")
    chat.push(proposes(model_proposal(shots=3)), *[proposes(model_proposal(shots=1))] * 3)

    async def requests() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            body = {"brief": BRIEF, "shot_count": 3}
            return [
                await client.post("/v1/proposals", json={**body, "engine": "llm"}, headers=auth),
                await client.post("/v1/proposals", json=body, headers=auth),  # embedded by default
                await client.post("/v1/proposals", json={**body, "engine": "llm"}, headers=auth),  # invalid
                await client.post(
                    "/v1/proposals",
                    json={**body, "engine": "llm"},
                    headers={"Authorization": f"Bearer {other.token}"},
                ),
                await client.post("/v1/proposals", json={**body, "engine": "gpt"}, headers=auth),
            ]

    llm, embedded, invalid, no_key, unknown = world.run(requests())
    assert llm.status_code == 201, llm.text
    assert {c["name"] for c in llm.json()["proposal"]["cards"]} >= {"Whiskers"}
    assert embedded.status_code == 201, embedded.text
    assert len(chat.requests) == 4  # the embedded proposal asked no model; the no-key one neither
    assert assert_problem(invalid, 502)["type"] == "/problems/invalid-model-output"
    problem = assert_problem(no_key, 409)
    assert problem["type"] == "/problems/provider-not-configured"
    assert assert_problem(unknown, 422)
    assert sorted(world.stored()) == sorted([llm.json()["id"], embedded.json()["id"]])
    assert list(world.c.metadata.scan(other.tenant.id, PROPOSALS)) == []


def test_the_activity_acts_as_the_user_who_asked(world: World, chat: ScriptedChat) -> None:
    """A viewer may not create projects: the activity refuses it before calling any model, even when
    started directly (say by a request that passed an older policy)."""
    activities = ProposalActivities(world.c.genai.chat, world.c.metadata, world.c.access.policy)
    viewer = Actor.of(member(world.tenant, Role.VIEWER))
    with pytest.raises(Forbidden):
        asyncio.run(activities.propose(ProposeInput("proposal-aaaaaaaaaaaa", viewer, "openai", BRIEF)))
    assert chat.requests == []
    assert world.stored() == []
