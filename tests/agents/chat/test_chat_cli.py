"""`craftology chat` as a person runs it, on a real data dir (typer's runner, in-process): the same
agent as the API, its events printed, confirmations asked as y/n; as the tenant's owner, or as the
person an API token names."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from craftology.cli import app
from craftology.config import Settings
from craftology.container import Container, build_container
from craftology.identity.principal import Role, Scope
from craftology.projects.models import CardIn, ProjectIn, ShotIn
from tests.principals import as_owner

TENANT = "harbour"


@dataclass
class Studio:
    data_dir: Path
    project_id: str
    viewer_token: str
    foreign_token: str  # an owner's token of another tenant
    env: dict[str, str | None]

    def chat(self, *args: str, answers: str = "") -> Result:
        command = ["chat", "--project", self.project_id, "--tenant", TENANT, "--data-dir", str(self.data_dir)]
        return CliRunner().invoke(app, [*command, *args], input=answers, env=self.env)

    def shots(self) -> list[str]:
        container = self.open()
        try:
            listing = container.projects.list_shots(as_owner(TENANT), self.project_id, None, 50)
            return [s.value.description for s in listing.items]
        finally:
            container.close()

    def open(self) -> Container:
        return build_container(Settings(data_dir=self.data_dir))


@pytest.fixture
def studio(tmp_path: Path) -> Studio:
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("CRAFTOLOGY_")}
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("CRAFTOLOGY_")}
    try:
        container = build_container(Settings(data_dir=tmp_path / "data"))
    finally:
        os.environ.update(saved)
    try:
        container.tenancy.create_tenant("Harbour Films", tenant_id=TENANT)
        foreign = container.tenancy.create_tenant("Elsewhere").token
        projects, owner = container.projects, as_owner(TENANT)
        project_id = projects.create_project(owner, ProjectIn(name="Lighthouse")).value.id
        projects.create_card(owner, project_id, CardIn(kind="character", name="Keeper"))
        projects.create_shot(owner, project_id, ShotIn(description="the keeper climbs the stairs"))
        viewer = container.accounts.create_user("viewer@harbour.example", password="correct horse battery")
        container.accounts.add_member(TENANT, viewer.id, Role.VIEWER)
        viewer_token = container.api_tokens.create(TENANT, viewer.id, "cli", list(Scope)).secret
    finally:
        container.close()
    return Studio(tmp_path / "data", project_id, viewer_token, foreign, env)


def test_one_message_acts_and_prints_what_it_did(studio: Studio) -> None:
    done = studio.chat("--message", "add a shot of a storm over the sea")
    assert done.exit_code == 0, (done.stdout, done.stderr)
    assert "(add_shot" in done.stdout
    assert "-> create_shot: added shot" in done.stdout
    assert "Added a shot: a storm over the sea." in done.stdout
    assert studio.shots() == ["the keeper climbs the stairs", "a storm over the sea"]


def test_a_delete_waits_for_yes(studio: Studio) -> None:
    declined = studio.chat("--message", "delete shot 1", answers="n\n")
    assert declined.exit_code == 0, (declined.stdout, declined.stderr)
    assert "Confirm: delete shot 1 (the keeper climbs the stairs)?" in declined.stdout
    assert "Not done." in declined.stdout
    assert studio.shots() == ["the keeper climbs the stairs"]

    confirmed = studio.chat("--message", "delete shot 1", answers="y\n")
    assert confirmed.exit_code == 0, (confirmed.stdout, confirmed.stderr)
    assert "-> delete_shot:" in confirmed.stdout
    assert studio.shots() == []


def test_the_prompt_loop_keeps_the_conversation(studio: Studio) -> None:
    done = studio.chat(answers="add a shot of gulls at noon\nwhat's the status?\nexit\n")
    assert done.exit_code == 0, (done.stdout, done.stderr)
    assert "Added a shot: gulls at noon." in done.stdout
    assert "A sync would regenerate" in done.stdout
    container = studio.open()
    try:
        turns = container.metadata.scan(TENANT, "chat_messages", studio.project_id)
        assert sorted(r.data["role"] for r in turns) == ["agent", "agent", "user", "user"]
    finally:
        container.close()


def test_a_viewers_token_reads_but_never_writes(studio: Studio) -> None:
    refused = studio.chat("--message", "add a shot of a storm", "--token", studio.viewer_token)
    assert refused.exit_code == 1
    assert "create_shot failed: Forbidden" in refused.stderr
    assert studio.shots() == ["the keeper climbs the stairs"]
    status = studio.chat("--message", "what's the status?", "--token", studio.viewer_token)
    assert status.exit_code == 0, (status.stdout, status.stderr)


def test_bad_input_is_one_line_and_exit_2(studio: Studio) -> None:
    unknown = CliRunner().invoke(
        app,
        ["chat", "--project", "nope", "--tenant", TENANT, "--data-dir", str(studio.data_dir), "-m", "hi"],
        env=studio.env,
    )
    assert unknown.exit_code == 2
    assert "no project 'nope'" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1
    foreign = studio.chat("-m", "hi", "--token", studio.foreign_token)
    assert foreign.exit_code == 2
    assert "not one of tenant 'harbour'" in foreign.stderr
