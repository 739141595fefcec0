"""Roles as processes: a run started through one `craftology up` is finished and recorded by a
`craftology worker` process alone, after the process that started it is gone (kill -9). Nothing watches
the run: its workflow records it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from craftology.config import Settings
from craftology.controlplane.db import connect
from craftology.controlplane.runs import Run, RunsRepository, RunStatus
from tests.platform.conftest import (
    CLI,
    RUN_TIMEOUT,
    Platform,
    create_card,
    create_project,
    create_shot,
    free_port,
    start_run,
)

pytestmark = [pytest.mark.temporal, pytest.mark.slow]


@contextlib.contextmanager
def worker_process(platform: Platform, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    log = platform.data_dir.parent / "worker.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(CLI), "worker", *args], env=platform.env, stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def run_record(data_dir: Path, tenant: str, run_id: str) -> Run:
    engine = connect(Settings(data_dir=data_dir).database_url)
    try:
        return RunsRepository(engine).get(tenant, run_id)
    finally:
        engine.dispose()


def wait_until_ended(data_dir: Path, tenant: str, run_id: str) -> list[Run]:
    """Reads the control plane directly (no API process runs) until the run and its follow-ups end."""
    deadline = time.monotonic() + RUN_TIMEOUT
    ended: list[Run] = []
    while time.monotonic() < deadline:
        run = run_record(data_dir, tenant, run_id)
        if run.status.terminal:
            ended.append(run)
            if not run.summary.follow_up:
                return ended
            run_id = run.summary.follow_up
            continue
        time.sleep(0.25)
    raise AssertionError(f"run {run_id} did not end")


def test_a_worker_process_alone_finishes_and_records_a_run_whose_starter_died(
    make_platform: Callable[..., Platform],
) -> None:
    platform = make_platform(
        CRAFTOLOGY_GENERATION__SIMULATED_LATENCY_SECONDS="0.5", CRAFTOLOGY_TEMPORAL__MAX_PARALLEL="1"
    )
    platform.start()
    tenant, token = platform.new_tenant("Workco")
    with platform.client(token) as http:
        project = create_project(http, "Roles")
        card = create_card(http, project, "prop", "Shoe", color="orange")
        for n in range(3):
            create_shot(http, project, f"shot {n}", [card])
        run = start_run(http, project)
    platform.kill9()  # the API and its in-process worker are gone; the Temporal server is not
    assert run_record(platform.data_dir, tenant, run["id"]).status in (RunStatus.PLANNED, RunStatus.RUNNING)

    with worker_process(platform, "--data-dir", str(platform.data_dir)) as worker:
        ended = wait_until_ended(platform.data_dir, tenant, run["id"])
        assert worker.poll() is None, "the worker exited early"
    assert [r.status for r in ended] == [RunStatus.SUCCEEDED] * len(ended)
    assert sum(r.generated + r.skipped for r in ended) >= 1 + 2 * 3 + 1
    assert ended[0].plan_size == 1 + 2 * 3 + 1
    assert ended[-1].done == ended[-1].plan_size


def worker_once(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLI), "worker", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("CRAFTOLOGY_")},
    )


def test_a_worker_without_a_temporal_server_says_so_in_one_line(tmp_path: Path) -> None:
    nothing = worker_once(tmp_path / "empty")
    assert nothing.returncode == 2
    assert nothing.stderr.startswith("error: no Temporal server")
    assert len(nothing.stderr.strip().splitlines()) == 1

    # A pidfile left by a server that is gone: nothing listens on its port.
    (tmp_path / "stale").mkdir()
    (tmp_path / "stale" / "temporal.pid").write_text(json.dumps({"pid": 1, "port": free_port()}))
    gone = worker_once(tmp_path / "stale")
    assert gone.returncode == 2
    assert gone.stderr.startswith("error: cannot reach Temporal at 127.0.0.1:")
    assert len(gone.stderr.strip().splitlines()) == 1
