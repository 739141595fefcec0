"""The proof of blob GC: a kill -9 between a blob's write and its asset record leaves an orphan that
GC keeps within the grace period and removes after it, never touching a referenced blob.

The platform runs as a real subprocess (tests/assets/crash_platform.py) with a generator whose output
differs on every call, so the retried generation after the crash stores a different blob.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from craftology.adapters.assets.local import LocalAssetStore
from craftology.adapters.metadata.sqlite import SqliteMetadataStore
from craftology.assets.records import ASSETS
from tests.assets.conftest import HOUR
from tests.platform.conftest import (
    START_TIMEOUT,
    Platform,
    create_card,
    create_project,
    create_shot,
    start_run,
    statuses,
)

pytestmark = [pytest.mark.temporal, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).parent / "craftology"
WAIT = 120.0


class CrashPlatform(Platform):
    """`Platform`, started as tests.assets.crash_platform instead of `craftology up`."""

    def start(self) -> CrashPlatform:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts} ---\n".encode())
            log.flush()
            self.process = subprocess.Popen([sys.executable, "-m", "tests.assets.crash_platform"], cwd=REPO,
                                            env=self.env, stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT)  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"exited with {self.process.returncode}:\n{self.log_tail()}"
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=2.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"not healthy after {START_TIMEOUT:.0f}s:\n{self.log_tail()}")

    def wait_for_exit(self) -> int:
        assert self.process is not None
        return self.process.wait(timeout=WAIT)


@pytest.fixture
def crash_platform(tmp_path: Path) -> Iterator[CrashPlatform]:
    created = CrashPlatform(tmp_path / "data", {
        "CRAFTOLOGY_TEST_KILL_MARKER": str(tmp_path / "killed-after-put"),
        "CRAFTOLOGY_TEMPORAL__MAX_PARALLEL": "1",  # one activity in flight: exactly one is killed
    })  # fmt: skip
    try:
        yield created
    finally:
        created.cleanup()


def stored_and_referenced(data_dir: Path, tenant: str) -> tuple[set[str], set[str]]:
    """(blob keys on disk, blob keys some asset record references), read from the stores directly."""
    metadata = SqliteMetadataStore(data_dir / "tenants")
    try:
        referenced = {record.data["blob_key"] for record in metadata.scan(tenant, ASSETS)}
    finally:
        metadata.close()
    return set(LocalAssetStore(data_dir / "tenants").keys(tenant)), referenced


def gc(platform: Platform, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRAFTOLOGY_")} | {"COLUMNS": "250"}
    done = subprocess.run([str(CLI), "gc", "--data-dir", str(platform.data_dir), *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def every_asset_downloads(platform: Platform, token: str, project: str, referenced: set[str]) -> None:
    with platform.client(token) as http:
        assets = http.get(f"/projects/{project}/assets", params={"limit": 200}).json()["items"]
        downloaded = set()
        for asset in assets:
            content = http.get(f"/assets/{asset['id']}/content")
            assert content.status_code == 200, content.text
            assert len(content.content) == asset["size"]
            downloaded.add(hashlib.sha256(content.content).hexdigest())
    assert downloaded == referenced


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.2)


def test_kill9_between_blob_and_record_leaves_an_orphan_that_only_gc_after_the_grace_removes(
    crash_platform: CrashPlatform, tmp_path: Path
) -> None:
    platform = crash_platform.start()
    tenant, token = platform.new_tenant("Orphanage")
    with platform.client(token) as http:
        project = create_project(http, "Crash Between Writes")
        mia = create_card(http, project, "character", "Mia", appearance={"hair": "brown"})
        for n in range(2):
            create_shot(http, project, f"shot {n}: Mia runs", [mia])
        targets = set(statuses(http, project))
        run = start_run(http, project)

    # The first generation stores its blob, then the process dies before recording the asset.
    assert platform.wait_for_exit() == -9, platform.log_tail()
    orphan = (tmp_path / "killed-after-put").read_text()
    stored, referenced = stored_and_referenced(platform.data_dir, tenant)
    assert stored == {orphan}
    assert referenced == set()

    platform.start()  # its start-up GC pass runs with the default grace: the orphan is young
    runs = platform.wait_run(token, run["id"])
    assert [r["status"] for r in runs] == ["succeeded"] * len(runs), runs
    with platform.client(token) as http:
        assert {t: s["status"] for t, s in statuses(http, project).items()} == dict.fromkeys(targets, "FRESH")

    stored, referenced = stored_and_referenced(platform.data_dir, tenant)
    assert len(referenced) == len(targets)
    assert orphan not in referenced  # the retry made different bytes: the first blob is an orphan
    assert stored == referenced | {orphan}

    within_grace = gc(platform)
    assert "removed 0 unreferenced blobs" in within_grace
    assert "kept 1 unreferenced blob younger than the grace period (1h)" in within_grace
    dry = gc(platform, "--grace", "0", "--dry-run")
    assert orphan in dry
    assert "dry run: would remove 1 unreferenced blob" in dry
    assert stored_and_referenced(platform.data_dir, tenant)[0] == referenced | {orphan}

    after_grace = gc(platform, "--grace", "0")  # while the platform runs
    assert orphan in after_grace
    assert "removed 1 unreferenced blob from 1 of 1 tenants" in after_grace
    assert stored_and_referenced(platform.data_dir, tenant) == (referenced, referenced)
    every_asset_downloads(platform, token, project, referenced)

    # The schedule inside the platform: a restart with a short grace collects a new orphan at start-up.
    platform.stop()
    planted = LocalAssetStore(platform.data_dir / "tenants").put_bytes(tenant, b"left by another crash").key
    path = platform.data_dir / "tenants" / tenant / "assets" / planted[:2] / planted
    old = time.time() - 2 * HOUR
    os.utime(path, (old, old))
    platform.env["CRAFTOLOGY_GC__GRACE_SECONDS"] = "60"
    platform.start()
    wait_until(lambda: not path.exists(), "the scheduled GC removed the planted orphan")
    assert stored_and_referenced(platform.data_dir, tenant) == (referenced, referenced)
    every_asset_downloads(platform, token, project, referenced)
    platform.stop()
