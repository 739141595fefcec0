"""`craftology gc` as a person runs it: a real process over a real data directory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from craftology.assets.records import ASSETS
from craftology.cli.app import app
from craftology.config import Settings
from craftology.container import Container, build_container
from craftology.ports.metadata import Put
from tests.assets.conftest import HOUR

CLI = Path(sys.executable).parent / "craftology"


def gc(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CRAFTOLOGY_")}
    environment["COLUMNS"] = "250"  # the table must not wrap 64-digit keys
    return subprocess.run([str(CLI), "gc", *args], capture_output=True, text=True, timeout=60,
                          env={**environment, **(env or {})}, check=False)  # fmt: skip


@pytest.fixture
def platform_data(tmp_path: Path) -> Iterator[tuple[Path, Container, str]]:
    data_dir = tmp_path / "data"
    container = build_container(Settings(data_dir=data_dir))
    tenant = container.tenancy.create_tenant("Acme").tenant.id
    yield data_dir, container, tenant
    container.close()


def store(container: Container, tenant: str, content: bytes, age: float) -> str:
    key = container.assets.put_bytes(tenant, content).key
    when = time.time() - age
    os.utime(container.settings.data_dir / "tenants" / tenant / "assets" / key[:2] / key, (when, when))
    return key


def test_gc_removes_old_orphans_and_prints_what_it_freed(platform_data: tuple[Path, Container, str]) -> None:
    data_dir, container, tenant = platform_data
    referenced = store(container, tenant, b"an accepted keyframe", age=3 * HOUR)
    container.metadata.commit(tenant, [Put(ASSETS, "g1", {"blob_key": referenced}, project_id="p")])
    orphan = store(container, tenant, b"x" * 2500, age=2 * HOUR)
    young = store(container, tenant, b"stored a minute ago", age=60)

    dry = gc("--data-dir", str(data_dir), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert orphan in dry.stdout
    assert (
        "dry run: would remove 1 unreferenced blob from 1 of 1 tenants, 2.5 KB would be freed" in dry.stdout
    )
    assert set(container.assets.keys(tenant)) == {referenced, orphan, young}

    done = gc("--data-dir", str(data_dir))
    assert done.returncode == 0, done.stderr
    assert orphan in done.stdout
    assert referenced not in done.stdout
    assert young not in done.stdout
    assert "removed 1 unreferenced blob from 1 of 1 tenants, 2.5 KB freed" in done.stdout
    assert "kept 1 unreferenced blob younger than the grace period (1h)" in done.stdout
    assert set(container.assets.keys(tenant)) == {referenced, young}

    short_grace = gc("--data-dir", str(data_dir), "--grace", "30")
    assert short_grace.returncode == 0, short_grace.stderr
    assert "removed 1 unreferenced blob" in short_grace.stdout
    assert set(container.assets.keys(tenant)) == {referenced}
    assert container.assets.read_bytes(tenant, referenced) == b"an accepted keyframe"


def test_the_grace_period_setting_is_the_default(platform_data: tuple[Path, Container, str]) -> None:
    data_dir, container, tenant = platform_data
    orphan = store(container, tenant, b"ten minutes old", age=600)
    kept = gc("--data-dir", str(data_dir))
    assert "removed 0 unreferenced blobs" in kept.stdout
    removed = gc("--data-dir", str(data_dir), env={"CRAFTOLOGY_GC__GRACE_SECONDS": "300"})
    assert removed.returncode == 0, removed.stderr
    assert orphan in removed.stdout
    assert list(container.assets.keys(tenant)) == []


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--grace", "-5"], {}, "error: --grace must be a number of seconds, 0 or more, not '-5'"),
        (["--grace", "soon"], {}, "error: --grace must be a number of seconds, 0 or more, not 'soon'"),
        (["--grace", "nan"], {}, "error: --grace must be a number of seconds, 0 or more, not 'nan'"),
        ([], {"CRAFTOLOGY_GC__GRACE_SECONDS": "-1"}, "error: CRAFTOLOGY_GC__GRACE_SECONDS: Input should be"),
        ([], {"CRAFTOLOGY_ASSETS__URL": "s3"}, "error: unsupported asset engine 's3'"),
        (
            [],
            {"CRAFTOLOGY_DATABASE__URL": "postgresql://nobody@127.0.0.1:1/control"},
            "error: control-plane database: connection failed",
        ),
    ],
)
def test_bad_input_is_one_readable_line_and_exit_2(
    platform_data: tuple[Path, Container, str], args: list[str], env: dict[str, str], message: str
) -> None:
    """In process (a real process per case would only add start-up time): the same command code."""
    data_dir, container, tenant = platform_data
    orphan = store(container, tenant, b"orphan", age=2 * HOUR)
    failed = CliRunner().invoke(app, ["gc", "--data-dir", str(data_dir), *args], env=env)
    assert failed.exit_code == 2
    assert failed.stderr.startswith(message), failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1
    assert list(container.assets.keys(tenant)) == [orphan]  # nothing removed


def test_a_missing_data_directory_is_an_error_not_an_empty_platform(tmp_path: Path) -> None:
    typo = tmp_path / "[bold]typo"  # printed as it is, not read as markup
    failed = gc("--data-dir", str(typo))
    assert failed.returncode == 2
    assert failed.stderr.strip() == f"error: no data directory at {typo}"
    assert not typo.exists()
