"""GC on a schedule over a real container's stores (no Temporal needed: collection touches only stores)."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from craftology.assets.records import ASSETS
from craftology.assets.schedule import GcSchedule
from craftology.config import GcSettings, Settings
from craftology.container import Container, build_container
from craftology.ports.metadata import Put
from tests.assets.conftest import HOUR

WAIT = 30.0


@pytest.fixture
def make_container(tmp_path: Path) -> Iterator[Callable[[GcSettings], Container]]:
    made: list[Container] = []

    def make(gc: GcSettings) -> Container:
        made.append(build_container(Settings(data_dir=tmp_path / "data", gc=gc)))
        return made[-1]

    yield make
    for container in made:
        container.close()


def orphan(container: Container, tenant: str, content: bytes) -> str:
    key = container.assets.put_bytes(tenant, content).key
    path = container.settings.data_dir / "tenants" / tenant / "assets" / key[:2] / key
    old = time.time() - 2 * HOUR
    os.utime(path, (old, old))
    return key


async def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "the scheduled collection never happened"
        await asyncio.sleep(0.02)


def test_collects_at_start_and_again_every_interval(
    make_container: Callable[[GcSettings], Container],
) -> None:
    container = make_container(GcSettings(grace_seconds=HOUR, interval_seconds=0.05))
    tenant = container.tenancy.create_tenant("Acme").tenant.id
    kept = orphan(container, tenant, b"referenced")
    container.metadata.commit(tenant, [Put(ASSETS, "g1", {"blob_key": kept}, project_id="p")])
    young = container.assets.put_bytes(tenant, b"written a moment ago").key
    first = orphan(container, tenant, b"first orphan")

    async def scenario() -> None:
        schedule = GcSchedule.start(container)
        try:
            await until(lambda: first not in set(container.assets.keys(tenant)))
            # Planted after the pass that removed `first` had listed the blobs: only a later pass
            # can remove it.
            second = orphan(container, tenant, b"second orphan, made while the schedule runs")
            await until(lambda: second not in set(container.assets.keys(tenant)))
        finally:
            await schedule.stop()
        assert not schedule.running

    asyncio.run(scenario())
    assert set(container.assets.keys(tenant)) == {kept, young}


def test_interval_zero_disables_it(make_container: Callable[[GcSettings], Container]) -> None:
    container = make_container(GcSettings(grace_seconds=0, interval_seconds=0))
    tenant = container.tenancy.create_tenant("Acme").tenant.id
    left = orphan(container, tenant, b"stays")

    async def scenario() -> GcSchedule:
        schedule = GcSchedule.start(container)
        assert not schedule.running
        await schedule.stop()
        return schedule

    assert asyncio.run(scenario()).passes == 0
    assert list(container.assets.keys(tenant)) == [left]


def test_a_failed_pass_does_not_end_the_schedule(caplog: pytest.LogCaptureFixture) -> None:
    attempts: list[int] = []

    def flaky(should_stop: Callable[[], bool]) -> None:
        attempts.append(len(attempts))
        if len(attempts) == 1:
            raise OSError("asset store briefly unavailable")

    async def scenario() -> None:
        schedule = GcSchedule(flaky, interval_seconds=0.01)
        schedule.begin()
        await until(lambda: len(attempts) >= 3)
        await schedule.stop()

    asyncio.run(scenario())
    assert "blob garbage collection failed" in caplog.text


def test_stop_waits_for_a_pass_in_progress_to_notice() -> None:
    seen_stop: list[bool] = []
    started = threading.Event()

    def long_pass(should_stop: Callable[[], bool]) -> None:
        started.set()
        while not should_stop():  # a pass over many blobs checks between them
            time.sleep(0.01)
        seen_stop.append(True)

    async def scenario() -> None:
        schedule = GcSchedule(long_pass, interval_seconds=HOUR)
        schedule.begin()
        await until(started.is_set)
        await schedule.stop()
        assert seen_stop == [True]  # the pass had finished when stop returned

    asyncio.run(scenario())
