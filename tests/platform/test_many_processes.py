"""Two real `craftology api` processes and a separate `craftology worker` over one set of stores and one
Temporal server: edits go through one API, plans and runs through the other, and the worker (the only
process running activities) makes the assets. Every answer is what one process would give."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from craftology.workflows.devserver import EmbeddedTemporal
from tests.platform.conftest import (
    CLI,
    START_TIMEOUT,
    create_card,
    create_project,
    create_shot,
    free_port,
    patch_card,
    plan_targets,
    start_run,
    statuses,
    wait_runs,
)

pytestmark = [pytest.mark.temporal, pytest.mark.slow]


class Role:
    """One `craftology <role>` process on the shared data dir, logging to a file beside it."""

    def __init__(self, role: str, env: dict[str, str], log: Path) -> None:
        self.role, self.log = role, log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(CLI), role], env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
            )

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])

    def alive(self) -> None:
        assert self.process.poll() is None, f"`craftology {self.role}` exited:\n{self.tail()}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    """A Temporal server of its own (none of the roles starts one) and the environment every role
    shares: the data dir of the stores and the server's address."""
    with EmbeddedTemporal(tmp_path / "temporal", port=free_port()) as server:
        env = {**os.environ, "CRAFTOLOGY_DATA_DIR": str(tmp_path / "data"),
               "CRAFTOLOGY_TEMPORAL__ADDRESS": server.address}  # fmt: skip
        yield env, tmp_path


def start_api(env: dict[str, str], logs: Path, name: str) -> tuple[Role, str]:
    port = free_port()
    role = Role("api", {**env, "CRAFTOLOGY_API__PORT": str(port)}, logs / f"{name}.log")
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        role.alive()
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/healthz", timeout=2.0).status_code == 200:
                return role, base
        time.sleep(0.2)
    raise AssertionError(f"{name} not healthy:\n{role.tail()}")


def test_two_api_processes_and_a_worker_give_one_answer(shared: tuple[dict[str, str], Path]) -> None:
    env, logs = shared
    made = subprocess.run([str(CLI), "tenant", "Acme"], env=env, capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    token = dict(line.split(None, 1) for line in made.stdout.splitlines() if line.strip())["token"].strip()
    roles: list[Role] = []
    try:
        one, one_url = start_api(env, logs, "api-one")
        two, two_url = start_api(env, logs, "api-two")
        roles += [one, two, Role("worker", env, logs / "worker.log")]
        headers = {"Authorization": f"Bearer {token}"}
        with (
            httpx.Client(base_url=f"{one_url}/v1", headers=headers, timeout=30) as a,
            httpx.Client(base_url=f"{two_url}/v1", headers=headers, timeout=30) as b,
        ):
            project = create_project(a, "Spot")
            mia = create_card(a, project, "character", "Mia", appearance={"hair": "brown"})
            park = create_card(a, project, "location", "Park", time_of_day="dusk")
            shots = [
                create_shot(a, project, "Mia runs", [mia, park]),
                create_shot(a, project, "Dusk", [park]),
            ]
            # Read-your-writes across processes: B plans what A was just told.
            assert sorted(plan_targets(b, project)) == sorted(statuses(a, project))

            first = wait_runs(a, start_run(b, project)["id"])  # started by B, read through A
            assert first[-1]["status"] == "succeeded", first
            assert {s["status"] for s in statuses(b, project).values()} == {"FRESH"}
            assert statuses(a, project) == statuses(b, project)

            patch_card(a, project, park, {"time_of_day": "night"})
            expected = {f"card/{park}/sheet", *(f"shot/{s}/{k}" for s in shots for k in ("keyframe", "clip")),
                        f"project/{project}/cut"}  # fmt: skip
            assert set(plan_targets(b, project)) == expected
            second = wait_runs(a, start_run(b, project)["id"])
            assert second[-1]["status"] == "succeeded", second
            assert sum(run["generated"] for run in second) == len(expected)
            assert statuses(a, project) == statuses(b, project)
            assert {s["status"] for s in statuses(a, project).values()} == {"FRESH"}

            # An operator registers a newer clip model with the CLI, a process of its own.
            clip = next(m for m in a.get("/models").json()["items"] if m["kind"] == "clip" and m["current"])
            registered = subprocess.run(
                [str(CLI), "models", "register", clip["id"], "9.0", "--kind", "clip", "--backend",
                 clip["backend"], "--template-version", clip["template_version"], "--cost",
                 str(clip["cost_per_unit"]), "--unit", clip["unit"], "--params", json.dumps(clip["params"])],
                env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
            assert registered.returncode == 0, registered.stderr
            for http in (a, b):
                stale = {t: s for t, s in statuses(http, project).items() if s["status"] == "STALE"}
                assert set(stale) == {f"shot/{s}/clip" for s in shots} | {f"project/{project}/cut"}
                code = [c["text"] for c in stale[f"shot/{shots[0]}/clip"]["causes"]]
                assert f"CODE {clip['id']} {clip['version']}→9.0" in code
            for role in roles:
                role.alive()
    finally:
        for role in roles:
            role.stop()
