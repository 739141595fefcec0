"""A real Keycloak for tests: the keycloak-quarkus-dist server in dev mode with the test realm imported.

Keycloak takes tens of seconds to start, so the OIDC tests' conftest calls `start_early` as soon as
collection shows a test needs it; the session-scoped `keycloak` fixture then only waits for it. The
server keeps its H2 database in a temporary directory, so a `restart()` keeps the realm (and any key
added during the session) while `stop()` leaves a port where nothing answers, as when Keycloak is down.
Installed by scripts/install-keycloak.sh into .servers/keycloak-<version>.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parent.parent
REALM_FILE = REPO / "tests" / "identity" / "oidc" / "realm-craftology.json"
REALM = "craftology"
ADMIN_USER, ADMIN_PASSWORD = "admin", "admin-password"
STARTUP_LIMIT_SECONDS = 420.0  # two shared cores: a first start (with its build step) can take minutes
MIN_JAVA = 21


def _keycloak_home() -> Path:
    scripts = glob.glob(str(REPO / ".servers" / "keycloak-*" / "bin" / "kc.sh"))
    homes = [Path(p).parent.parent for p in scripts]
    if not homes:
        pytest.fail("Keycloak is not installed under .servers/; run scripts/install-servers.sh first")
    return max(homes, key=lambda home: [int(x) for x in re.findall(r"\d+", home.name)])


def _java_major(java_home: Path) -> int:
    try:
        match = re.search(r'^JAVA_VERSION="(\d+)', (java_home / "release").read_text(), re.MULTILINE)
    except OSError:
        match = None
    if match is None:  # a JRE may come without the release file; ask the binary
        answer = subprocess.run([str(java_home / "bin" / "java"), "-version"], capture_output=True, text=True)
        match = re.search(r'version "(\d+)', answer.stderr)
    return int(match.group(1)) if match else 0


def _java_home() -> Path:
    """A JDK of Java 21+ (Keycloak 26 needs it), found as scripts/install-keycloak.sh finds it."""
    candidates = [os.environ.get("JAVA_HOME", ""), *sorted(glob.glob("/usr/lib/jvm/*"))]
    for candidate in candidates:
        home = Path(candidate)
        if candidate and (home / "bin" / "java").exists() and _java_major(home) >= MIN_JAVA:
            return home
    pytest.fail(f"no Java {MIN_JAVA}+ found (JAVA_HOME or /usr/lib/jvm); run scripts/install-servers.sh")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class KeycloakServer:
    """One Keycloak process on a fixed port; stop and start it again to simulate an outage."""

    def __init__(self) -> None:
        self.home = _keycloak_home()
        self.java_home = _java_home()
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="craftology-keycloak-"))
        self.log_path = self.root / "keycloak.log"
        self._process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.ready_after_seconds: float | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/realms/{REALM}"

    def start(self) -> None:
        """Launch Keycloak without waiting for it (see `wait_ready`)."""
        # --import-realm reads only <home>/data/import; realms already in the database are kept.
        import_dir = self.home / "data" / "import"
        import_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REALM_FILE, import_dir / REALM_FILE.name)
        env = {
            **os.environ,
            "JAVA_HOME": str(self.java_home),
            "KC_BOOTSTRAP_ADMIN_USERNAME": ADMIN_USER,
            "KC_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "JAVA_OPTS_KC_HEAP": "-Xms64m -Xmx768m",  # not 70% of a machine others share
        }
        database = f"jdbc:h2:file:{self.root / 'h2' / 'keycloakdb'};NON_KEYWORDS=VALUE;DB_CLOSE_ON_EXIT=FALSE"
        command = [
            str(self.home / "bin" / "kc.sh"),
            "start-dev",
            "--import-realm",
            "--http-host=127.0.0.1",
            f"--http-port={self.port}",
            "--db=dev-file",
            f"--db-url={database}",
        ]
        self.started_at = time.monotonic()
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_ready(self) -> None:
        """Block until the realm's discovery document answers; fail with the log if Keycloak dies."""
        deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
        url = f"{self.issuer}/.well-known/openid-configuration"
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                pytest.fail(f"Keycloak exited during start-up; log:\n{self._log_tail()}")
            try:
                if httpx.get(url, timeout=2.0).status_code == 200:
                    self.ready_after_seconds = time.monotonic() - self.started_at
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        pytest.fail(f"Keycloak not ready after {STARTUP_LIMIT_SECONDS:.0f}s; log:\n{self._log_tail()}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)

    def restart(self) -> None:
        self.stop()
        self.start()
        self.wait_ready()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-40:])
        except OSError:
            return "(no log)"

    # --- the admin REST API, for tests that change the realm -------------------------------------

    def admin_token(self) -> str:
        response = httpx.post(
            f"{self.base_url}/realms/master/protocol/openid-connect/token",
            data={
                "grant_type": "password",
                "client_id": "admin-cli",
                "username": ADMIN_USER,
                "password": ADMIN_PASSWORD,
            },
            timeout=30.0,
        )
        response.raise_for_status()
        return str(response.json()["access_token"])

    def admin(self, method: str, path: str, json: Any = None) -> httpx.Response:
        """Call the admin API (`path` relative to /admin/realms/<realm>); raises on an error status."""
        response = httpx.request(
            method,
            f"{self.base_url}/admin/realms/{REALM}{path}",
            json=json,
            headers={"Authorization": f"Bearer {self.admin_token()}"},
            timeout=30.0,
        )
        response.raise_for_status()
        return response


_server: KeycloakServer | None = None


def start_early() -> None:
    """Launch the session's Keycloak now, in the background, so its start-up overlaps other work."""
    global _server
    if _server is None:
        _server = KeycloakServer()
        _server.start()


def stop_if_started() -> None:
    """End the session's Keycloak (also when it was launched early but no test got to use it)."""
    global _server
    if _server is not None:
        _server.close()
        _server = None


@pytest.fixture(scope="session", name="keycloak")
def keycloak_fixture() -> Iterator[KeycloakServer]:
    """The session's Keycloak with the `craftology` realm imported, stopped at the end of the session."""
    start_early()
    assert _server is not None
    try:
        _server.wait_ready()
        yield _server
    finally:
        stop_if_started()
