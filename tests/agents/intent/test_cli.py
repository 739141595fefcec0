"""`craftology agent intent` as a person runs it, on a real data dir with a real project in it.

In-process (typer's runner): starting the CLI costs seconds per command."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from craftology.cli import app
from craftology.config import Settings
from craftology.container import build_container
from craftology.projects.models import CardIn, CardKind, ProjectIn, ShotIn
from tests.principals import as_owner


class Project:
    def __init__(self, data_dir: Path, tenant: str, project_id: str, cards: dict[str, str], shots: list[str]):
        self.data_dir, self.tenant, self.id, self.cards, self.shots = (
            data_dir,
            tenant,
            project_id,
            cards,
            shots,
        )


@pytest.fixture(scope="module")
def env() -> dict[str, str | None]:
    return {k: None for k in os.environ if k.startswith("CRAFTOLOGY_")}


@pytest.fixture(scope="module")
def lighthouse(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str | None]) -> Project:
    data_dir = tmp_path_factory.mktemp("data")
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("CRAFTOLOGY_")}
    try:
        container = build_container(Settings(data_dir=data_dir))
    finally:
        os.environ.update(saved)
    try:
        tenant = container.tenancy.create_tenant("Harbour Films").tenant.id
        projects = container.projects
        project = projects.create_project(
            as_owner(tenant), ProjectIn(name="Lighthouse", brief="a keeper")
        ).value
        keeper = projects.create_card(
            as_owner(tenant), project.id, CardIn(kind=CardKind.CHARACTER, name="Lighthouse Keeper")
        )
        cat = projects.create_card(
            as_owner(tenant), project.id, CardIn(kind=CardKind.CHARACTER, name="Whiskers the cat")
        )
        shots = [
            projects.create_shot(as_owner(tenant), project.id, ShotIn(description=text)).value.id
            for text in ("the keeper climbs the stairs", "a storm hits the sea", "the cat sleeps on the boat")
        ]
    finally:
        container.close()
    return Project(data_dir, tenant, project.id, {"keeper": keeper.value.id, "cat": cat.value.id}, shots)


def _run(env: dict[str, str | None], *args: str) -> Result:
    return CliRunner().invoke(app, ["agent", "intent", *args], env=env)


def _json(done: Result) -> dict[str, object]:
    assert done.exit_code == 0, (done.stdout, done.stderr, done.exception)
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_json_without_a_project_keeps_slots_as_said(env: dict[str, str | None]) -> None:
    out = _json(_run(env, "Make the second shot a close-up", "--json"))
    assert out["intent"] == "edit_shot"
    assert out["slots"] == {"shot": 2, "field": "framing", "value": "close_up"}
    assert 0.5 < out["confidence"] <= 1.0  # type: ignore[operator]


def test_readable_line(env: dict[str, str | None]) -> None:
    done = _run(env, "delete shot 3")
    assert done.exit_code == 0
    assert done.stdout.startswith("remove_shot (")
    assert "shot=3" in done.stdout


def test_a_project_resolves_shots_and_cards_to_ids(lighthouse: Project, env: dict[str, str | None]) -> None:
    where = [
        "--project",
        lighthouse.id,
        "--tenant",
        lighthouse.tenant,
        "--data-dir",
        str(lighthouse.data_dir),
    ]
    second = _json(_run(env, "make the second shot handheld", *where, "--json"))
    assert second["slots"] == {"shot": lighthouse.shots[1], "field": "camera", "value": "handheld"}
    cat_shot = _json(_run(env, "remove the shot with the cat", *where, "--json"))
    assert cat_shot == {**cat_shot, "intent": "remove_shot", "slots": {"shot": lighthouse.shots[2]}}
    keeper = _json(_run(env, "the lighthouse keeper should have a grey beard", *where, "--json"))
    assert keeper["slots"] == {
        "card": lighthouse.cards["keeper"],
        "field": "appearance",
        "value": "grey beard",
    }
    cut = _json(_run(env, "re-render the final video", *where, "--json"))
    assert cut["slots"] == {"target": f"project/{lighthouse.id}/cut"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["   "], "the message is empty"),
        (["delete shot 2", "--project", "nope"], "no project 'nope'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    lighthouse: Project, env: dict[str, str | None], args: list[str], message: str
) -> None:
    done = _run(env, *args, "--tenant", lighthouse.tenant, "--data-dir", str(lighthouse.data_dir))
    assert done.exit_code == 2, (done.stdout, done.exception)
    assert done.stdout == ""
    assert done.stderr.strip() == f"error: {message}"


def test_another_tenant_has_no_such_project(lighthouse: Project, env: dict[str, str | None]) -> None:
    done = _run(env, "delete shot 2", "--project", lighthouse.id, "--tenant", "nobody",
                "--data-dir", str(lighthouse.data_dir))  # fmt: skip
    assert done.exit_code == 2
    assert done.stderr.strip() == f"error: no project {lighthouse.id!r}"
    assert not list((lighthouse.data_dir / "tenants").glob("nobody*")), "reading made a sandbox"
