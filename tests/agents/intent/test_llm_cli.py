"""`craftology agent intent --engine llm`: the tenant's stored provider key and model, the local
OpenAI-compatible server as the provider, a real project in a real data dir."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner, Result

from craftology.cli import app
from craftology.config import Settings
from craftology.container import build_container
from craftology.genai.keys.schemas import ProviderKeyIn
from craftology.projects.models import CardIn, CardKind, ProjectIn, ShotIn
from tests.openai_server import Reply, ScriptedChat
from tests.principals import as_owner

KEY = "sk-intent-cli-0123456789-abcd"


@pytest.fixture
def world(tmp_path: Path, chat: ScriptedChat) -> tuple[Path, str, str, str]:
    """A data dir with a tenant, its openai key pointing at the test server, and a project."""
    data_dir = tmp_path / "data"
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("CRAFTOLOGY_")}
    try:
        container = build_container(Settings(data_dir=data_dir))
    finally:
        os.environ.update(saved)
    try:
        tenant = container.tenancy.create_tenant("Harbour Films").tenant.id
        given = ProviderKeyIn(api_key=SecretStr(KEY), model="gpt-test", base_url=chat.base_url)
        container.genai.keys.set(tenant, "openai", given, by="test")
        project = container.projects.create_project(as_owner(tenant), ProjectIn(name="Lighthouse")).value
        container.projects.create_card(
            as_owner(tenant), project.id, CardIn(kind=CardKind.CHARACTER, name="Lighthouse Keeper")
        )
        shot = container.projects.create_shot(
            as_owner(tenant), project.id, ShotIn(description="a storm hits the sea")
        ).value.id
    finally:
        container.close()
    return data_dir, tenant, project.id, shot


def _run(data_dir: Path, *args: str) -> Result:
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("CRAFTOLOGY_")}
    return CliRunner().invoke(app, ["agent", "intent", *args, "--data-dir", str(data_dir)], env=env)


def test_the_llm_engine_uses_the_tenants_key_and_the_project(
    world: tuple[Path, str, str, str],
    chat: ScriptedChat,
) -> None:
    data_dir, tenant, project, shot = world
    arguments = {"intent": "remove_shot", "slots": {"shot": 1}, "confidence": 0.8}
    chat.push(Reply(tool_calls=(("record_intent", json.dumps(arguments)),)))
    done = _run(data_dir, "drop the storm shot", "--engine", "llm", "--tenant", tenant,
                "--project", project, "--json")  # fmt: skip
    assert done.exit_code == 0, (done.stdout, done.stderr, done.exception)
    assert json.loads(done.stdout) == {"intent": "remove_shot", "slots": {"shot": shot}, "confidence": 0.8}
    (sent,) = chat.requests
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.body["model"] == "gpt-test"
    assert "Lighthouse Keeper" in sent.body["messages"][1]["content"]


def test_without_a_key_for_the_provider_it_says_so(
    world: tuple[Path, str, str, str],
    chat: ScriptedChat,
) -> None:
    data_dir, tenant, _, _ = world
    done = _run(data_dir, "hello", "--engine", "llm", "--provider", "mistral", "--tenant", tenant)
    assert done.exit_code == 2
    assert done.stderr.startswith("error: ")
    assert "mistral" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert chat.requests == []


def test_invalid_model_output_is_one_line_and_exit_2(
    world: tuple[Path, str, str, str],
    chat: ScriptedChat,
) -> None:
    data_dir, tenant, _, _ = world
    chat.push(*[Reply(content="I think it is a greeting")] * 3)
    done = _run(data_dir, "hello", "--engine", "llm", "--tenant", tenant)
    assert done.exit_code == 2
    assert "no valid record_intent in 3 attempts" in done.stderr
    assert done.stdout == ""
