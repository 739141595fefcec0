"""The CLI as a person uses it against a running `craftology up`: plan, sync, status, events."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.platform.conftest import CLI, Platform, create_card, create_project, create_shot

pytestmark = pytest.mark.temporal


def cli(platform: Platform, *args: str, token: str | None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CRAFTOLOGY_API_URL": platform.base_url}
    env.pop("CRAFTOLOGY_TOKEN", None)
    if token is not None:
        env["CRAFTOLOGY_TOKEN"] = token
    return subprocess.run(
        [str(CLI), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_plan_sync_status_and_events_from_the_command_line(platform: Platform) -> None:
    _, token = platform.new_tenant("Initech")
    with platform.client(token) as http:
        project = create_project(http, "Launch")
        hero = create_card(http, project, "character", "Hero", appearance={"hair": "black"})
        create_shot(http, project, "Hero waves", [hero])

    plan = cli(platform, "plan", "--project", project, token=token)
    assert plan.returncode == 0, plan.stderr
    assert f"MISSING card/{hero}/sheet" in plan.stdout
    assert "4 targets, estimated cost" in plan.stdout

    sync = cli(platform, "sync", "--project", project, token=token)
    assert sync.returncode == 0, sync.stderr
    assert "4 generated" in sync.stderr

    status = cli(platform, "status", "--project", project, token=token)
    assert status.returncode == 0, status.stderr
    assert "FRESH: 4" in status.stdout

    events = subprocess.run([str(CLI), "events", "--data-dir", str(platform.data_dir)], capture_output=True,
                            text=True, timeout=60, check=False)  # fmt: skip
    assert events.returncode == 0, events.stderr
    assert f"target.generated     card/{hero}/sheet" in events.stdout
    assert "run.finished" in events.stdout


def test_command_line_errors_are_one_readable_line(platform: Platform) -> None:
    missing = cli(platform, "plan", "--project", "nope", token=None)
    assert missing.returncode == 2
    assert missing.stderr.strip() == "error: no API token: pass --token or set CRAFTOLOGY_TOKEN"

    wrong = cli(platform, "status", "--project", "nope", token="cft_not-a-token")
    assert wrong.returncode == 2
    assert wrong.stderr.strip().startswith("error: 401 ")
    assert len(wrong.stderr.strip().splitlines()) == 1

    _, token = platform.new_tenant("Hooli")
    unknown = cli(platform, "plan", "--project", "no-such-project", token=token)
    assert unknown.returncode == 2
    assert unknown.stderr.strip().startswith("error: 404 ")


def test_models_registered_by_the_command_line_are_served_by_the_running_api(platform: Platform) -> None:
    _, token = platform.new_tenant("Umbrella")

    def models(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(CLI), "models", *args], env=platform.env, capture_output=True, text=True,
                              timeout=120, check=False)  # fmt: skip

    register = [
        "cli-keyframe",
        "0.9",
        "--kind",
        "keyframe",
        "--backend",
        "preview",
        "--template-version",
        "1",
    ]
    done = models("register", *register, "--cost", "1.5", "--unit", "image")
    assert done.returncode == 0, done.stderr
    # Not the default model of keyframes: the plans of the other tests on this platform do not change.
    assert done.stdout.splitlines() == [
        "cli-keyframe 0.9 registered",
        "keyframe is served by preview-keyframe 1.0",
    ]
    listed = models("list")
    assert listed.returncode == 0, listed.stderr
    assert any(line.split()[:3] == ["keyframe", "cli-keyframe", "0.9"] for line in listed.stdout.splitlines())

    with platform.client(token) as http:
        served = http.get("/models")
        assert served.status_code == 200, served.text
        item = next(m for m in served.json()["items"] if m["id"] == "cli-keyframe")
        assert (item["version"], item["cost_per_unit"], item["current"]) == ("0.9", 1.5, False)
        # No operator token is configured for this platform: registry writes over the API are disabled.
        denied = http.post("/models", json={**item, "version": "1.0"}, headers={"X-Admin-Token": "guess"})
        assert denied.status_code == 403, denied.text
        assert denied.headers["content-type"] == "application/problem+json"

    wrong = models("set-default", "clip", "cli-keyframe")
    assert wrong.returncode == 2
    assert wrong.stderr.strip() == "error: model cli-keyframe is a keyframe model; it cannot serve clip"
