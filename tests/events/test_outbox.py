"""The outbox: events are committed with their change, so a process that dies between its commit and
its publish loses nothing (the next relay pass delivers, exactly once in the log), a failed commit
publishes nothing, and several relays at once are harmless."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from craftology.assets.curation import Curation
from craftology.assets.records import TARGETS
from craftology.config import Settings
from craftology.container import build_container
from craftology.errors import StorageError
from craftology.events.catalogue import new_event
from craftology.events.outbox import Outbox
from craftology.events.relay import DEQUEUE_BATCH, OutboxRelay
from craftology.events.runs import run_event, unfinished_target_event
from craftology.events.schedule import OWN_ENTRIES_S, RelaySchedule
from craftology.ports.events import Event, EventPublisher
from craftology.ports.metadata import MetadataStore, Op, OutboxEntry, Record
from craftology.workflows.models import GENERATED, SKIPPED, TargetActivityInput
from tests.principals import as_owner

from .conftest import Shop, build_shop

CRASHED = 7


class DieOnPublish:
    """Stands for a process killed right after its commit: the first publish of one of `types`
    ends the process on the spot (no cleanup, no finally blocks)."""

    def __init__(self, inner: EventPublisher, types: Sequence[str]) -> None:
        self._inner = inner
        self._types = types

    def publish(self, event: Event) -> None:
        if event.type in self._types:
            os._exit(CRASHED)
        self._inner.publish(event)

    def close(self) -> None:
        self._inner.close()


class RefusingPublisher:
    """A bus that is down."""

    def publish(self, event: Event) -> None:
        raise StorageError("the bus is down")

    def close(self) -> None:
        pass


class FailingCommits:
    """The real store, except that every commit fails (a disk error, a lost connection)."""

    def __init__(self, inner: MetadataStore) -> None:
        self._inner = inner

    def commit(self, tenant: str, ops: Sequence[Op], outbox: Sequence[OutboxEntry] = ()) -> list[Record]:
        raise StorageError("commit: disk I/O error")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def pin_then_die(data_dir: str, tenant: str, project: str, target: str) -> None:
    c = build_container(Settings(data_dir=Path(data_dir)))
    curation = Curation(
        c.metadata, c.assets, DieOnPublish(c.events, ["target.pinned"]), c.engines, c.access.policy
    )
    curation.pin(as_owner(tenant), project, target, pinned=True)


def generate_then_die(data_dir: str, task: TargetActivityInput) -> None:
    c = build_container(Settings(data_dir=Path(data_dir)))
    executor = replace(c.executor, events=DieOnPublish(c.events, ["asset.stored", "target.generated"]))
    executor.run(task, lambda _detail: None)


def in_child(function: Any, *args: object) -> int | None:
    process = multiprocessing.get_context("spawn").Process(target=function, args=args)
    process.start()
    process.join(timeout=120)
    return process.exitcode


def relay_at_once(shop: Shop, relays: int) -> None:
    """Several relays (as several processes would run) over the same outbox at the same time."""
    threads = [
        threading.Thread(target=OutboxRelay(shop.c.metadata, shop.c.events).relay_all, args=([shop.tenant],))
        for _ in range(relays)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_a_pin_whose_process_died_before_publishing_is_delivered_by_the_next_relay_once(
    shop: Shop, settings: Settings
) -> None:
    code = in_child(pin_then_die, str(settings.data_dir), shop.tenant, shop.project, shop.sheet)
    assert code == CRASHED
    record = shop.c.metadata.get(shop.tenant, TARGETS, shop.sheet)
    assert record.data["pinned"] is True  # the change was committed ...
    assert shop.logged("target.pinned") == []  # ... its event never published ...
    assert len(shop.outbox()) == 1  # ... but it is in the outbox, from the same commit
    relay_at_once(shop, relays=3)
    shop.c.relay.relay_all([shop.tenant])
    pinned = shop.logged("target.pinned")
    assert [(e.subject, e.data["revision"]) for e in pinned] == [(shop.sheet, record.revision)]
    assert shop.outbox() == []


def test_a_generated_asset_whose_process_died_is_not_lost_when_the_retry_skips(
    shop: Shop, settings: Settings
) -> None:
    task = shop.task(shop.sheet)
    code = in_child(generate_then_die, str(settings.data_dir), task)
    assert code == CRASHED
    assert shop.logged("target.generated") == []
    retried = shop.execute(task)  # Temporal retries the activity: the asset exists, so it skips
    assert retried.status == SKIPPED
    shop.c.relay.relay_all([shop.tenant])
    shop.c.relay.relay_all([shop.tenant])
    generated = shop.logged("target.generated")
    assert [(e.subject, e.data["asset_id"]) for e in generated] == [(shop.sheet, retried.asset_id)]
    assert [e.data["asset_id"] for e in shop.logged("asset.stored")] == [retried.asset_id]
    assert [e.data["asset_id"] for e in shop.logged("target.accepted")] == [retried.asset_id]
    assert shop.outbox() == []


def test_a_failed_commit_publishes_nothing(shop: Shop) -> None:
    broken = FailingCommits(shop.c.metadata)
    curation = Curation(broken, shop.c.assets, shop.c.events, shop.c.engines, shop.c.access.policy)  # type: ignore[arg-type]
    with pytest.raises(StorageError):
        curation.pin(as_owner(shop.tenant), shop.project, shop.sheet, pinned=True)
    shop.c.executor = replace(shop.c.executor, metadata=broken)  # type: ignore[arg-type]
    with pytest.raises(StorageError):
        shop.run(shop.sheet)
    shop.c.relay.relay_all([shop.tenant])
    # generation.started describes no store change: it is published when the model is called.
    assert {e.type for e in shop.logged()} == {"generation.started"}
    assert shop.outbox() == []
    assert list(shop.c.metadata.scan(shop.tenant, TARGETS)) == []


def test_events_wait_in_the_outbox_while_the_bus_is_down_and_stay_out_of_the_change_feed(
    shop: Shop,
) -> None:
    head = shop.c.metadata.head(shop.tenant)
    feed = shop.c.metadata.changes(shop.tenant, shop.project, after=head)
    assert feed == []
    down = Curation(shop.c.metadata, shop.c.assets, RefusingPublisher(), shop.c.engines, shop.c.access.policy)
    down.pin(as_owner(shop.tenant), shop.project, shop.sheet, pinned=True)  # the change succeeds regardless
    down.pin(as_owner(shop.tenant), shop.project, shop.sheet, pinned=False)
    assert len(shop.outbox()) == 2
    assert shop.logged() == []
    collections = {c.collection for c in shop.c.metadata.changes(shop.tenant, shop.project, after=head)}
    assert collections == {TARGETS}  # the engines' project feed never sees the outbox
    shop.c.relay.relay_all([shop.tenant])
    assert [e.type for e in shop.logged()] == ["target.pinned", "target.unpinned"]  # in commit order


def test_many_relays_at_once_publish_each_of_many_events_exactly_once(shop: Shop) -> None:
    outbox = Outbox(shop.c.metadata, OutboxRelay(shop.c.metadata, RefusingPublisher()))
    events = [
        new_event(
            "target.pinned", "tests", shop.tenant, f"card/c{i}/sheet", {"project_id": "p", "revision": 1}
        )
        for i in range(450)
    ]
    for start in range(0, len(events), 50):
        outbox.commit(shop.tenant, [], events[start : start + 50])
    assert len(shop.outbox()) == len(events)
    relay_at_once(shop, relays=4)
    logged = Counter(e.id for e in shop.logged())
    assert logged == Counter({e.id: 1 for e in events})
    assert shop.outbox() == []


def test_the_scheduled_relay_delivers_what_a_dead_process_left(shop: Shop) -> None:
    assert shop.run(shop.sheet).status == GENERATED
    assert len(shop.logged("target.generated")) == 1  # published right after its commit
    down = Curation(shop.c.metadata, shop.c.assets, RefusingPublisher(), shop.c.engines, shop.c.access.policy)
    down.pin(as_owner(shop.tenant), shop.project, shop.sheet, pinned=True)

    async def one_pass() -> None:
        # What a dead process left is older than OWN_ENTRIES_S in real life; here it is made just now.
        schedule = RelaySchedule(shop.c.relay, lambda: [shop.tenant], 3600, min_age_s=0).begin()
        deadline = time.monotonic() + 30
        while schedule.passes == 0:
            assert time.monotonic() < deadline, "the relay never ran"
            await asyncio.sleep(0.01)
        await schedule.stop()

    asyncio.run(one_pass())
    assert len(shop.logged("target.pinned")) == 1
    assert shop.c.metadata.outbox(shop.tenant) == []


def test_a_scheduled_pass_leaves_young_entries_to_the_process_that_wrote_them(shop: Shop) -> None:
    down = Curation(shop.c.metadata, shop.c.assets, RefusingPublisher(), shop.c.engines, shop.c.access.policy)
    down.pin(as_owner(shop.tenant), shop.project, shop.sheet, pinned=True)
    assert shop.c.relay.relay_all([shop.tenant], min_age_s=OWN_ENTRIES_S) == 0
    assert len(shop.outbox()) == 1
    assert shop.logged("target.pinned") == []
    assert shop.c.relay.relay_all([shop.tenant], min_age_s=0) == 1
    assert shop.outbox() == []
    assert len(shop.logged("target.pinned")) == 1


def test_published_entries_are_dequeued_in_batches_not_one_write_per_commit(shop: Shop) -> None:
    for revision in range(DEQUEUE_BATCH - 1):
        event = new_event(
            "target.pinned", "tests", shop.tenant, shop.sheet, {"project_id": "p", "revision": revision}
        )
        shop.c.outbox.record(shop.tenant, [event])
    assert len(shop.outbox()) == DEQUEUE_BATCH - 1  # every one published, none dequeued yet
    assert len(shop.logged("target.pinned")) == DEQUEUE_BATCH - 1
    last = new_event("target.pinned", "tests", shop.tenant, shop.sheet, {"project_id": "p", "revision": 999})
    shop.c.outbox.record(shop.tenant, [last])
    assert shop.outbox() == []  # the batch is full: one dequeue for all of them


def test_run_events_recorded_twice_are_published_once(shop: Shop) -> None:
    """Events that describe no record change can be recorded on their own; ids that follow the fact
    mean recording them again (after a restart) adds nothing."""
    for _ in range(2):
        shop.c.outbox.record(shop.tenant, [
            run_event(shop.tenant, "run.started", "r1", {"project_id": shop.project, "plan_size": 3,
                                                         "estimated_cost": 1.5}),
            unfinished_target_event(shop.tenant, "target.failed", "r1", shop.project, shop.sheet, "refused"),
        ])  # fmt: skip
    assert [(e.type, e.subject) for e in shop.logged()] == [
        ("run.started", "run/r1"),
        ("target.failed", shop.sheet),
    ]
    assert len(shop.outbox()) == 4  # published, dequeued in a batch (a crash now republishes: same ids)
    shop.c.relay.flush()
    assert shop.outbox() == []


def test_closing_the_container_dequeues_what_its_curation_published(settings: Settings) -> None:
    """A pin made through the container's curation is published at once and dequeued in a batch;
    closing the process dequeues the rest, so no later relay pass publishes it again."""
    c = build_container(settings)
    shop = build_shop(c)
    c.curation.pin(as_owner(shop.tenant), shop.project, shop.sheet, pinned=True)
    assert len(shop.outbox()) == 1  # published, waiting for its batch's dequeue
    c.close()
    reopened = build_container(settings)
    try:
        assert reopened.metadata.outbox(shop.tenant) == []
        assert reopened.relay.relay_all([shop.tenant], min_age_s=0) == 0
    finally:
        reopened.close()
