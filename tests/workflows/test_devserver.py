"""The embedded Temporal dev server: persistence, pidfile reuse after a crash, busy ports."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import psutil
import pytest
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import WorkflowExecutionStatus

from craftology.workflows.bare import run_bare
from craftology.workflows.devserver import EmbeddedTemporal, TemporalServerError
from craftology.workflows.models import SyncRunInput
from craftology.workflows.worker import connect, start_sync_run
from tests.workflows.conftest import free_port, run

pytestmark = pytest.mark.temporal


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def dead_pid() -> int:
    probe = subprocess.Popen([sys.executable, "-c", "pass"])
    probe.wait()
    return probe.pid


def test_workflows_survive_a_restart_and_a_stale_pidfile_is_ignored(tmp_path: Path) -> None:
    server = EmbeddedTemporal(tmp_path / "data", port=free_port())
    server.start()
    try:  # a failed assertion must not leave the server running
        first_pid = server.pid
        assert first_pid is not None
        assert json.loads(server.pidfile.read_text()) == {
            "pid": first_pid,
            "port": server.port,
            "owner": os.getpid(),
        }
        # Submitted to a queue no worker serves: it stays running, holding nothing but ids.
        run_input = SyncRunInput(tenant="acme", project_id="p1", run_id=uuid.uuid4().hex)

        async def submit() -> str:
            client = await connect(server.address)
            return (await start_sync_run(client, run_input, f"nobody-{uuid.uuid4().hex}")).id

        workflow_id = run(submit())
    finally:
        server.stop()
    assert gone(first_pid)
    assert not server.pidfile.exists()

    server.pidfile.write_text(json.dumps({"pid": dead_pid(), "port": server.port}))
    with server:
        assert not server.reused
        assert server.pid not in (None, first_pid)

        async def status() -> WorkflowExecutionStatus | None:
            client = await connect(server.address)
            handle = client.get_workflow_handle(workflow_id)
            found = (await handle.describe()).status
            await handle.terminate("test done")
            return found

        assert run(status()) == WorkflowExecutionStatus.RUNNING
    assert server.log_path.exists()


OWNER = """
import sys, time
from pathlib import Path
from craftology.workflows.devserver import EmbeddedTemporal
server = EmbeddedTemporal(Path(sys.argv[1]), port=int(sys.argv[2])).start()
print(server.pid, flush=True)
time.sleep(600)
"""


def test_server_of_a_killed_owner_is_reused(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "data", free_port()
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(data_dir), str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert owner.stdout is not None
        server_pid = int(owner.stdout.readline())
    finally:
        os.kill(owner.pid, signal.SIGKILL)
        owner.wait()
        if owner.stdout is not None:
            owner.stdout.close()
    assert not gone(server_pid)  # the owner's death did not take its server down

    successor = EmbeddedTemporal(data_dir, port=port)
    with successor:
        assert successor.reused
        assert successor.pid == server_pid

        async def server_version() -> str:
            client = await connect(successor.address)
            return (await client.workflow_service.get_system_info(GetSystemInfoRequest())).server_version

        assert run(server_version())
    assert gone(server_pid)
    assert not successor.pidfile.exists()


def test_a_guest_of_a_live_owner_leaves_the_server_running(tmp_path: Path) -> None:
    """`craftology demo` beside a running `craftology up` on the same data dir borrows its server."""
    data_dir, port = tmp_path / "data", free_port()
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(data_dir), str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert owner.stdout is not None
        server_pid = int(owner.stdout.readline())
        guest = EmbeddedTemporal(data_dir, port=port)
        with guest:
            assert guest.reused
            assert guest.guest
        assert not gone(server_pid)  # still the owner's
        assert json.loads(guest.pidfile.read_text())["owner"] == owner.pid
    finally:
        os.kill(owner.pid, signal.SIGKILL)
        owner.wait()
        if owner.stdout is not None:
            owner.stdout.close()
    heir = EmbeddedTemporal(data_dir, port=port)
    with heir:  # the owner died: the next start adopts the server and stops it on exit
        assert heir.reused
        assert not heir.guest
    assert gone(server_pid)


def test_a_port_held_by_a_stranger_is_refused(tmp_path: Path) -> None:
    with socket.socket() as stranger:
        stranger.bind(("127.0.0.1", 0))
        stranger.listen()
        server = EmbeddedTemporal(tmp_path / "data", port=stranger.getsockname()[1])
        with pytest.raises(TemporalServerError, match="already in use"):
            server.start()
    assert not server.pidfile.exists()


def test_bare_baseline_runs_every_activity(temporal_server: EmbeddedTemporal) -> None:
    async def scenario() -> int:
        return await run_bare(await connect(temporal_server.address), count=20, max_parallel=4)

    assert run(scenario()) == 20
