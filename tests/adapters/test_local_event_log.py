"""LocalEventLog specifics: several processes appending, redelivery across processes, the follow tail."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path

from craftology.adapters.events.follow import follow
from craftology.adapters.events.local import LocalEventLog
from craftology.ports.events import Event, EventBus

PER_PROCESS = 150


def publish_many(path: str, worker: int) -> None:
    bus = LocalEventLog(Path(path))
    try:
        for i in range(PER_PROCESS):
            bus.publish(Event("tick", f"worker-{worker}", "acme", id=f"w{worker}-{i}"))
            # Every worker redelivers a shared event: at-least-once from several publishers.
            bus.publish(Event("shared", "tests", "acme", id=f"shared-{i}"))
    finally:
        bus.close()


def test_processes_append_concurrently_without_loss_or_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    bus = LocalEventLog(path)
    assert isinstance(bus, EventBus)
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=publish_many, args=(str(path), w)) for w in range(2)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(timeout=120)
        assert p.exitcode == 0
    delivered = bus.read(limit=10_000)
    ids = [d.event.id for d in delivered]
    assert len(ids) == len(set(ids)) == 3 * PER_PROCESS
    assert {f"w{w}-{i}" for w in range(2) for i in range(PER_PROCESS)} <= set(ids)
    offsets = [d.offset for d in delivered]
    assert offsets == sorted(set(offsets))
    bus.close()


def test_follow_tails_new_events_until_stopped(tmp_path: Path) -> None:
    bus = LocalEventLog(tmp_path / "events.db")
    bus.publish(Event("before", "tests", "acme", id="e0"))
    first_offset = bus.read()[0].offset
    seen: list[str] = []

    def publish_later() -> None:
        writer = LocalEventLog(tmp_path / "events.db")
        for i in range(1, 6):
            time.sleep(0.02)
            writer.publish(Event("later", "tests", "acme", id=f"e{i}"))
        writer.close()

    thread = threading.Thread(target=publish_later)
    thread.start()
    for delivered in follow(bus, after=first_offset, poll_seconds=0.01, stop=lambda: len(seen) >= 5):
        seen.append(delivered.event.id)
    thread.join()
    assert seen == ["e1", "e2", "e3", "e4", "e5"]
    assert [d.event.id for d in follow(bus, stop=lambda: True)] == ["e0", *seen]
    bus.close()
