"""A real `craftology up` (API + worker + embedded Temporal dev server) as a subprocess.

The tests here talk to it over HTTP only, exactly as a user would; crash tests kill it with SIGKILL.
Processes are always cleaned up, even when a test fails: the `up` process and the Temporal server it
started (which runs in its own session and survives a kill of `up`).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

CLI = Path(sys.executable).parent / "craftology"
START_TIMEOUT = 90.0
STOP_TIMEOUT = 40.0
RUN_TIMEOUT = 150.0
TERMINAL = ("succeeded", "failed", "cancelled")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _kill_pid(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)  # the Temporal server leads its own process group
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)


class Platform:
    """One data directory served by `craftology up`, started and stopped as a subprocess."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.api_port = free_port()
        self.temporal_port = free_port()
        self.env = {
            **os.environ,
            "CRAFTOLOGY_DATA_DIR": str(data_dir),
            "CRAFTOLOGY_API__PORT": str(self.api_port),
            "CRAFTOLOGY_TEMPORAL__EMBEDDED_PORT": str(self.temporal_port),
            **(env or {}),
        }
        self.env.pop("CRAFTOLOGY_TEMPORAL__ADDRESS", None)  # always the embedded server
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}-up.log"

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(FileNotFoundError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return "(no log)"

    # --- lifecycle ---

    def start(self) -> Platform:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts} ---\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [str(CLI), "up"], env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"`craftology up` exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/healthz", timeout=2.0).status_code == 200:
                    return self
            time.sleep(0.2)
        self.cleanup()
        raise AssertionError(f"`craftology up` not healthy after {START_TIMEOUT:.0f}s:\n{self.log_tail()}")

    def kill9(self) -> None:
        """SIGKILL the `up` process only: its Temporal server survives, as in a real crash."""
        assert self.process is not None, "never started"
        assert self.process.poll() is None, "not running"
        self.process.kill()
        self.process.wait(timeout=10)

    def restart(self) -> Platform:
        if self.process is not None and self.process.poll() is None:
            self.stop()
        return self.start()

    def stop(self) -> int:
        """SIGTERM and wait; asserts a clean exit and that no Temporal server of this data dir is left."""
        assert self.process is not None, "never started"
        temporal = self.temporal_pid()
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.cleanup()
            raise AssertionError(f"`craftology up` ignored SIGTERM:\n{self.log_tail()}") from None
        assert code in (0, -signal.SIGTERM), f"exit code {code}:\n{self.log_tail()}"
        assert temporal is None or not psutil.pid_exists(temporal) or _zombie(temporal)
        assert self.temporal_processes() == [], "a Temporal server of this data dir outlived `up`"
        assert not (self.data_dir / "temporal.pid").exists()
        return code

    def cleanup(self) -> None:
        """Kill whatever is still running (the test may have failed half way)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        pids = set(self.temporal_processes())
        recorded = self.temporal_pid()
        if recorded is not None:
            pids.add(recorded)
        for pid in pids:
            _kill_pid(pid)

    def temporal_pid(self) -> int | None:
        """The pid recorded in `<data_dir>/temporal.pid` if that process is alive."""
        try:
            pid = int(json.loads((self.data_dir / "temporal.pid").read_text())["pid"])
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None
        return pid if psutil.pid_exists(pid) and not _zombie(pid) else None

    def temporal_processes(self) -> list[int]:
        """Live processes serving this data dir's Temporal database (pids in the pidfile can lie)."""
        db = str(self.data_dir / "temporal.db")
        found = []
        for proc in psutil.process_iter(["cmdline", "status"]):
            with contextlib.suppress(psutil.Error):
                if db in (proc.info["cmdline"] or []) and proc.info["status"] != psutil.STATUS_ZOMBIE:
                    found.append(proc.pid)
        return found

    # --- tenants and HTTP ---

    def new_tenant(self, name: str) -> tuple[str, str]:
        """Runs `craftology tenant NAME` on the same data dir; returns (tenant id, API token)."""
        done = subprocess.run(
            [str(CLI), "tenant", name], env=self.env, capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stderr
        fields = dict(line.split(None, 1) for line in done.stdout.splitlines() if line.strip())
        return fields["tenant"].strip(), fields["token"].strip()

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=f"{self.base_url}/v1", headers=headers, timeout=30.0)

    def wait_run(self, token: str, run_id: str, timeout: float = RUN_TIMEOUT) -> list[dict[str, Any]]:
        """Polls the run until it ends, then each follow-up run it started; returns them all, in order."""
        with self.client(token) as http:
            return wait_runs(http, run_id, timeout, self.log_tail)


def wait_runs(
    http: httpx.Client, run_id: str, timeout: float = RUN_TIMEOUT, context: Callable[[], str] = str
) -> list[dict[str, Any]]:
    """Polls a run until it ends, then each follow-up it started; returns them all, in order.
    `context` says what to show when it does not end in time (a server log)."""
    runs: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        response = http.get(f"/runs/{run_id}")
        assert response.status_code == 200, response.text
        run: dict[str, Any] = response.json()
        if run["status"] in TERMINAL:
            runs.append(run)
            follow_up = run["summary"].get("follow_up")
            if not follow_up:
                return runs
            run_id = follow_up
            continue
        assert time.monotonic() < deadline, f"run {run_id} still {run['status']}:\n{context()}"
        time.sleep(0.25)


def _zombie(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


# --- building projects over HTTP ---


def create_project(http: httpx.Client, name: str, **settings: Any) -> str:
    response = http.post("/projects", json={"name": name, "settings": settings})
    assert response.status_code == 201, response.text
    project_id: str = response.json()["id"]
    return project_id


def create_card(http: httpx.Client, project_id: str, kind: str, name: str, **attributes: Any) -> str:
    response = http.post(
        f"/projects/{project_id}/cards", json={"kind": kind, "name": name, "attributes": attributes}
    )
    assert response.status_code == 201, response.text
    card_id: str = response.json()["id"]
    return card_id


def create_shot(http: httpx.Client, project_id: str, description: str, cards: list[str]) -> str:
    response = http.post(f"/projects/{project_id}/shots", json={"description": description, "cards": cards})
    assert response.status_code == 201, response.text
    shot_id: str = response.json()["id"]
    return shot_id


def patch_card(http: httpx.Client, project_id: str, card_id: str, attributes: dict[str, Any]) -> None:
    current = http.get(f"/projects/{project_id}/cards/{card_id}")
    assert current.status_code == 200, current.text
    response = http.patch(
        f"/projects/{project_id}/cards/{card_id}",
        json={"attributes": attributes},
        headers={"If-Match": current.headers["etag"]},
    )
    assert response.status_code == 200, response.text


def start_run(http: httpx.Client, project_id: str) -> dict[str, Any]:
    response = http.post(f"/projects/{project_id}/runs")
    assert response.status_code == 202, response.text
    run: dict[str, Any] = response.json()
    assert response.headers["location"].endswith(f"/v1/runs/{run['id']}")
    return run


def statuses(http: httpx.Client, project_id: str, limit: int = 200) -> dict[str, dict[str, Any]]:
    """Every target's status, walking the pages."""
    found: dict[str, dict[str, Any]] = {}
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        response = http.get(f"/projects/{project_id}/targets", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        for item in body["items"]:
            assert item["target"] not in found, "a target appeared on two pages"
            found[item["target"]] = item
        cursor = body["next_cursor"]
        if cursor is None:
            assert sum(body["counts"].values()) == len(found)
            return found


def plan_targets(http: httpx.Client, project_id: str) -> list[str]:
    response = http.get(f"/projects/{project_id}/plan")
    assert response.status_code == 200, response.text
    return [item["target"] for item in response.json()["items"]]


# --- fixtures ---


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """One `craftology up` shared by the API tests (each test makes its own tenants' projects)."""
    running = Platform(tmp_path_factory.mktemp("platform") / "data")
    try:
        running.start()
        yield running
        running.stop()
    finally:
        running.cleanup()


@pytest.fixture
def make_platform(tmp_path: Path) -> Iterator[Callable[..., Platform]]:
    """Per-test platforms (crash tests), each on its own data dir; all cleaned up afterwards."""
    made: list[Platform] = []

    def make(**env: str) -> Platform:
        created = Platform(tmp_path / f"data{len(made)}", env)
        made.append(created)
        return created

    try:
        yield make
    finally:
        for created in made:
            created.cleanup()
