"""A real, throwaway Redis server for tests.

`redis_server` (session scope) starts `redis-server` on a free 127.0.0.1 port in a temporary
directory, with persistence off, and stops it at the end. `fresh_redis` gives each test its own key
prefix on it (returned with the URL) and deletes that prefix's keys afterwards. `RedisServer` can
also be started alone, e.g. by a test that stops and restarts its own server.
Import into a conftest.py or test module: ``from tests.redis_server import redis_server, fresh_redis``.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

STARTUP_SECONDS = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One redis-server process; `stop` and `start` again keep the same port (data is not kept)."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server not found; run scripts/install-servers.sh first")
        self.binary = binary
        self.root = Path(tempfile.mkdtemp(prefix="craftology-redis-"))
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        for _attempt in range(3):  # the free port may be taken between probing and binding
            if self._launch():
                return
            self.port = _free_port()
        raise RuntimeError(f"redis-server did not start; log:\n{self._log()}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def _launch(self) -> bool:
        command = [
            self.binary,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.root),
            "--save", "",
            "--appendonly", "no",
            "--logfile", str(self.root / "redis.log"),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + STARTUP_SECONDS
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    self.process = None
                    return False
                try:
                    client.ping()
                    return True
                except redis.ConnectionError:
                    time.sleep(0.05)
        finally:
            client.close()
        self.stop()
        return False

    def _log(self) -> str:
        log = self.root / "redis.log"
        return log.read_text() if log.exists() else ""


@dataclass(frozen=True)
class RedisTarget:
    url: str
    prefix: str  # every key a test writes starts with this


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.remove()


@pytest.fixture
def fresh_redis(redis_server: RedisServer) -> Iterator[RedisTarget]:
    """The session server's URL and a fresh key prefix; the prefix's keys are deleted afterwards."""
    target = RedisTarget(redis_server.url, f"test-{uuid.uuid4().hex[:12]}:")
    yield target
    client = redis.Redis.from_url(target.url)
    try:
        keys = list(client.scan_iter(match=f"{target.prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
