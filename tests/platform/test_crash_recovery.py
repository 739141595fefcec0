"""kill -9 of `craftology up` during a sync run, then a restart: the run completes, every target ends
with exactly one accepted asset, no duplicate or orphaned blob is left, and generator calls were
repeated only for the targets in flight at the kill (counted from the durable event log)."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from craftology.adapters.events.local import LocalEventLog
from craftology.adapters.metadata.sqlite import SqliteMetadataStore
from craftology.assets.records import ASSETS, TARGETS
from craftology.ports.events import Event
from tests.platform.conftest import Platform, create_card, create_project, create_shot, start_run, statuses

pytestmark = [pytest.mark.temporal, pytest.mark.slow]

SHOTS = 6
WAIT_FOR_FLIGHT = 60.0


def generation_events(data_dir: Path, tenant: str) -> list[Event]:
    log = LocalEventLog(data_dir / "events.db")
    try:
        events: list[Event] = []
        after = 0
        while batch := log.read(after=after, limit=1000):
            events += [d.event for d in batch if d.event.tenant == tenant]
            after = batch[-1].offset
        return [e for e in events if e.type in ("generation.started", "target.generated")]
    finally:
        log.close()


def in_flight(events: list[Event]) -> tuple[set[str], set[str]]:
    """(targets generated, targets whose generation started but has not finished)."""
    started = {e.subject for e in events if e.type == "generation.started"}
    generated = {e.subject for e in events if e.type == "target.generated"}
    return generated, started - generated


def wait_for_work_in_flight(data_dir: Path, tenant: str) -> set[str]:
    """Polls the event log until a few targets are done and at least one is mid-generation; returns
    the targets in flight at that moment."""
    deadline = time.monotonic() + WAIT_FOR_FLIGHT
    while time.monotonic() < deadline:
        generated, flying = in_flight(generation_events(data_dir, tenant))
        if len(generated) >= 3 and flying:
            return flying
        time.sleep(0.05)
    raise AssertionError("never saw a target in flight after three were generated")


def blobs_on_disk(data_dir: Path, tenant: str) -> tuple[list[str], list[str]]:
    """(blob keys stored, temp files left) of the tenant's asset directory."""
    root = data_dir / "tenants" / tenant / "assets"
    blobs: list[str] = []
    temps: list[str] = []
    for directory, _, files in os.walk(root):
        target = temps if Path(directory).relative_to(root).parts[:1] == (".tmp",) else blobs
        target += files
    return blobs, temps


def test_kill9_mid_run_then_restart_completes_without_duplicates(
    make_platform: Callable[..., Platform],
) -> None:
    platform = make_platform(
        CRAFTOLOGY_GENERATION__SIMULATED_LATENCY_SECONDS="1.0", CRAFTOLOGY_TEMPORAL__MAX_PARALLEL="2"
    )
    platform.start()
    tenant, token = platform.new_tenant("Crashco")
    with platform.client(token) as http:
        project = create_project(http, "Crash Course")
        mia = create_card(http, project, "character", "Mia", appearance={"hair": "brown"})
        ridge = create_card(http, project, "location", "Ridge", setting="a ridge at dusk")
        shoe = create_card(http, project, "prop", "Shoe", color="orange")
        for n in range(SHOTS):
            cards = [[mia, ridge], [ridge], [mia, shoe]][n % 3]
            create_shot(http, project, f"shot {n}: trail running", cards)
        targets = set(statuses(http, project))
        assert len(targets) == 3 + 2 * SHOTS + 1
        run = start_run(http, project)
    assert run["plan_size"] == len(targets)

    flying = wait_for_work_in_flight(platform.data_dir, tenant)
    platform.kill9()
    assert platform.temporal_pid() is not None, "the Temporal server should survive the crash of `up`"

    restarted_at = time.monotonic()
    platform.start()
    runs = platform.wait_run(token, run["id"])
    recovery = time.monotonic() - restarted_at
    assert [r["status"] for r in runs] == ["succeeded"] * len(runs), runs
    with platform.client(token) as http:
        final = statuses(http, project)
    assert {t: s["status"] for t, s in final.items()} == dict.fromkeys(targets, "FRESH")
    platform.stop()

    # Generator calls: once per target, twice at most for the ones in flight at the kill.
    started = Counter(e.subject for e in generation_events(platform.data_dir, tenant)
                      if e.type == "generation.started")  # fmt: skip
    assert set(started) == targets
    repeated = {target for target, count in started.items() if count > 1}
    assert repeated <= flying, (repeated, flying)
    assert max(started.values()) <= 2

    # Exactly one asset per target, accepted; blobs on disk are exactly the referenced ones.
    store = SqliteMetadataStore(platform.data_dir / "tenants")
    try:
        assets = list(store.scan(tenant, ASSETS, project))
        accepted = {r.id: r.data["accepted_asset_id"] for r in store.scan(tenant, TARGETS, project)}
    finally:
        store.close()
    per_target = Counter(a.data["target"] for a in assets)
    assert per_target == Counter(dict.fromkeys(targets, 1))
    assert accepted == {a.data["target"]: a.id for a in assets}
    blobs, temps = blobs_on_disk(platform.data_dir, tenant)
    assert temps == []
    assert sorted(blobs) == sorted({a.data["blob_key"] for a in assets})
    print(f"recovered in {recovery:.1f} s; in flight at the kill: {sorted(flying)}; repeated: {repeated}")
