"""LocalEventLog specifics: several processes appending, redelivery across processes, the follow tail."""

from __future__ import annotations

import multiprocessing
import os
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


GROUP_EVENTS = 200


def publish_then_done(path: str, ready: list[str]) -> None:
    """Waits until every consumer polls, then publishes at a pace that lets them interleave."""
    while not all(Path(flag).exists() for flag in ready):
        time.sleep(0.005)
    bus = LocalEventLog(Path(path))
    try:
        for i in range(GROUP_EVENTS):
            bus.publish(Event("tick", "publisher", "acme", id=f"p{i}"))
            time.sleep(0.001)
        bus.publish(Event("done", "publisher", "acme", id="done"))
    finally:
        bus.close()


def consume(path: str, handled_file: str, die_after_polls: int) -> None:
    """A group member that writes each handled id to `handled_file` before committing; it dies
    (os._exit, no cleanup) holding an uncommitted batch at its `die_after_polls`th batch (0: never).
    It ends when it handled "done" or the group has committed past it."""
    bus = LocalEventLog(Path(path))
    consumer = bus.subscribe("indexer")
    Path(handled_file + ".ready").touch()
    polls = 0
    with open(handled_file, "a", encoding="utf-8") as out:
        while True:
            batch = consumer.poll(limit=7)
            if not batch:
                done = [d.offset for d in bus.read(limit=10_000) if d.event.id == "done"]
                if done and consumer.committed() >= done[0]:
                    break
                time.sleep(0.005)
                continue
            polls += 1
            if polls == die_after_polls:
                os._exit(9)
            out.write("".join(f"{d.event.id}\n" for d in batch))
            out.flush()
            consumer.commit(batch[-1].offset)
            if any(d.event.id == "done" for d in batch):
                break
    bus.close()


def test_two_consumer_processes_of_one_group_lose_nothing_when_one_dies(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    bus = LocalEventLog(path)
    ctx = multiprocessing.get_context("spawn")
    files = [tmp_path / "steady.txt", tmp_path / "dying.txt"]
    processes = [
        ctx.Process(target=consume, args=(str(path), str(files[0]), 0)),
        ctx.Process(target=consume, args=(str(path), str(files[1]), 3)),
        ctx.Process(target=publish_then_done, args=(str(path), [f"{f}.ready" for f in files])),
    ]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=120)
    assert [p.exitcode for p in processes] == [0, 9, 0]
    handled = {line for f in files if f.exists() for line in f.read_text().split()}
    assert handled == {f"p{i}" for i in range(GROUP_EVENTS)} | {"done"}
    late = bus.subscribe("indexer")
    assert late.poll() == []  # the group is committed at the tail
    assert late.committed() == bus.read(limit=10_000)[-1].offset
    bus.close()
