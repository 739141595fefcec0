"""A real, throwaway PostgreSQL server for tests.

`postgres_url` (session scope) runs initdb into a temporary directory, starts the server on a free
127.0.0.1 port and stops it at the end. `fresh_postgres_db` gives each test its own empty database.
Import both into a conftest.py: ``from tests.pg_server import postgres_url, fresh_postgres_db``.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

PG_ROOT = "/usr/lib/postgresql"
OS_USER = "postgres"  # postgres refuses to run as root


def _pg_bin_dir() -> Path:
    candidates = [Path(p) for p in glob.glob(f"{PG_ROOT}/*/bin") if Path(p, "initdb").exists()]
    if not candidates:
        pytest.fail(
            f"PostgreSQL server binaries not found under {PG_ROOT}/<version>/bin; "
            "run scripts/install-servers.sh first"
        )
    return max(candidates, key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.name)] or [0])


def _as_server_user() -> list[str]:
    """Command prefix running the server binaries as an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(OS_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", OS_USER], check=True)
    return ["runuser", "-u", OS_USER, "--"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(cmd: list[str]) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a PostgreSQL server started for this test session (user `postgres`, trust auth)."""
    bin_dir = _pg_bin_dir()
    prefix = _as_server_user()
    # Not under pytest's tmp dir: that lives in a 0700 directory the server user cannot enter.
    root = Path(tempfile.mkdtemp(prefix="craftology-pg-"))
    data, sockets, log = root / "data", root / "sockets", root / "server.log"
    sockets.mkdir()
    if prefix:
        account = pwd.getpwnam(OS_USER)
        os.chown(root, account.pw_uid, account.pw_gid)
        os.chown(sockets, account.pw_uid, account.pw_gid)
    pg_ctl = str(bin_dir / "pg_ctl")
    started = False
    initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync"]
    try:
        _run([*prefix, *initdb, "-E", "UTF8"])
        for _attempt in range(3):  # the free port may be taken between probing and binding
            port = _free_port()
            options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off"
            start = [pg_ctl, "-D", str(data), "-o", options, "-l", str(log), "-w", "-t", "60", "start"]
            try:
                _run([*prefix, *start])
            except RuntimeError:
                continue
            started = True
            break
        if not started:
            raise RuntimeError(f"PostgreSQL did not start; log:\n{log.read_text() if log.exists() else ''}")
        url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        with psycopg.connect(url, connect_timeout=10) as conn:  # ready for TCP clients, not just the socket
            conn.execute("SELECT 1")
        yield url
    finally:
        if started:
            _run([*prefix, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"])
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def fresh_postgres_db(postgres_url: str) -> Iterator[str]:
    """URL of a new empty database on the test server, dropped after the test."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        # FORCE: an engine the test forgot to dispose must not keep the database alive.
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
