"""EventBus contract: run against every adapter listed in conftest.EVENT_BUS_ADAPTERS."""

from __future__ import annotations

import threading
import uuid

import pytest

from craftology.errors import BadInput
from craftology.ports.events import Consumer, Delivered, Event, EventBus


def _tail_offset(bus: EventBus) -> int:
    """The last offset so far, so the suite also works on a log that already holds events."""
    last = 0
    while batch := bus.read(after=last):
        last = batch[-1].offset
    return last


def test_published_events_come_back_in_order_with_every_field(event_bus: EventBus) -> None:
    start = _tail_offset(event_bus)
    sent = [
        Event("run.started", "craftology/sync", "acme", subject="run/1", data={"targets": 3, "ü": [1, None]}),
        Event(
            "target.generated", "craftology/worker", "acme", subject="shot/s1/keyframe", data={"gpu_s": 1.5}
        ),
        Event("asset.stored", "craftology/worker", "globex"),
    ]
    for event in sent:
        event_bus.publish(event)
    delivered = event_bus.read(after=start)
    assert [d.event for d in delivered] == sent
    offsets = [d.offset for d in delivered]
    assert offsets == sorted(set(offsets))
    assert offsets[0] > start


def test_publish_is_idempotent_by_event_id(event_bus: EventBus) -> None:
    start = _tail_offset(event_bus)
    event = Event("quota.spent", "craftology/quotas", "acme", data={"n": 1})
    for _ in range(3):
        event_bus.publish(event)
    event_bus.publish(Event("quota.spent", "craftology/quotas", "acme", data={"n": 2}))
    delivered = event_bus.read(after=start)
    assert [d.event.data["n"] for d in delivered] == [1, 2]
    assert delivered[0].event == event


def test_read_after_and_limit_page_through_the_log(event_bus: EventBus) -> None:
    start = _tail_offset(event_bus)
    ids = []
    for i in range(25):
        event = Event("tick", "tests", "acme", data={"i": i})
        event_bus.publish(event)
        ids.append(event.id)
    seen: list[str] = []
    after = start
    while batch := event_bus.read(after=after, limit=4):
        assert len(batch) <= 4
        assert all(d.offset > after for d in batch)
        seen += [d.event.id for d in batch]
        after = batch[-1].offset
    assert seen == ids
    assert event_bus.read(after=after) == []


@pytest.mark.parametrize("limit", [0, -1])
def test_read_rejects_non_positive_limits(event_bus: EventBus, limit: int) -> None:
    with pytest.raises(BadInput):
        event_bus.read(limit=limit)


# Consumer groups: what Kafka will implement too (see craftology.ports.events for the semantics).


def _group() -> str:
    return f"g-{uuid.uuid4().hex[:12]}"


def _publish_ticks(bus: EventBus, n: int) -> list[str]:
    events = [Event("tick", "tests", "acme", data={"i": i}) for i in range(n)]
    for event in events:
        bus.publish(event)
    return [event.id for event in events]


def _drain(consumer: Consumer, limit: int = 100) -> list[Delivered]:
    got: list[Delivered] = []
    while batch := consumer.poll(limit):
        got += batch
    return got


def _catch_up(bus: EventBus, group: str) -> None:
    """Commit a new group up to the current tail, so the test sees only its own events."""
    consumer = bus.subscribe(group)
    tail = _tail_offset(bus)
    if tail:
        consumer.commit(tail)
    consumer.close()


def test_a_group_resumes_after_its_committed_offset(event_bus: EventBus) -> None:
    group = _group()
    _catch_up(event_bus, group)
    ids = _publish_ticks(event_bus, 10)
    first = event_bus.subscribe(group)
    assert first.group == group
    handled = first.poll(limit=4)
    assert [d.event.id for d in handled] == ids[:4]
    first.commit(handled[-1].offset)
    assert first.committed() == handled[-1].offset
    first.close()
    second = event_bus.subscribe(group)  # a restart, or another member
    assert [d.event.id for d in _drain(second)] == ids[4:]


def test_successive_polls_move_on_without_committing(event_bus: EventBus) -> None:
    group = _group()
    _catch_up(event_bus, group)
    ids = _publish_ticks(event_bus, 6)
    consumer = event_bus.subscribe(group)
    assert [d.event.id for d in consumer.poll(limit=3)] == ids[:3]
    assert [d.event.id for d in consumer.poll(limit=3)] == ids[3:]
    assert consumer.poll() == []


def test_uncommitted_events_are_delivered_again_to_the_next_member(event_bus: EventBus) -> None:
    group = _group()
    _catch_up(event_bus, group)
    ids = _publish_ticks(event_bus, 5)
    crashed = event_bus.subscribe(group)
    assert len(crashed.poll()) == 5
    crashed.close()  # died before committing: nothing is lost
    survivor = event_bus.subscribe(group)
    assert [d.event.id for d in _drain(survivor)] == ids


def test_a_commit_never_moves_the_group_back_or_past_the_log(event_bus: EventBus) -> None:
    group = _group()
    _catch_up(event_bus, group)
    _publish_ticks(event_bus, 4)
    fast, slow = event_bus.subscribe(group), event_bus.subscribe(group)
    batch = _drain(fast)
    slow_batch = slow.poll(limit=1)
    fast.commit(batch[-1].offset)
    slow.commit(slow_batch[-1].offset)  # older: ignored
    assert slow.committed() == fast.committed() == batch[-1].offset
    with pytest.raises(BadInput):
        fast.commit(batch[-1].offset + 1_000_000)
    with pytest.raises(BadInput):
        fast.commit(-1)
    assert fast.committed() == batch[-1].offset


def test_groups_are_independent(event_bus: EventBus) -> None:
    one, two = _group(), _group()
    _catch_up(event_bus, one)
    _catch_up(event_bus, two)
    ids = _publish_ticks(event_bus, 3)
    a = event_bus.subscribe(one)
    a.commit(_drain(a)[-1].offset)
    assert [d.event.id for d in _drain(event_bus.subscribe(two))] == ids


@pytest.mark.parametrize("group", ["", " spaces ", "-leading-dash", "x" * 201, "a/b"])
def test_invalid_group_names_are_refused(event_bus: EventBus, group: str) -> None:
    with pytest.raises(BadInput):
        event_bus.subscribe(group)


def test_two_members_of_one_group_neither_lose_nor_skip_events(event_bus: EventBus) -> None:
    """Two members poll and commit concurrently while events are published; one dies mid-way without
    committing. Every event is handled by some member, and the group ends committed at the tail."""
    group = _group()
    _catch_up(event_bus, group)
    ids = _publish_ticks(event_bus, 40)
    handled: dict[str, list[str]] = {"steady": [], "dying": []}
    errors: list[BaseException] = []

    def member(name: str, die_after: int | None) -> None:
        consumer = event_bus.subscribe(group)
        try:
            polls = 0
            while batch := consumer.poll(limit=3):
                polls += 1
                if die_after is not None and polls > die_after:
                    return  # received a batch, never handled or committed it
                handled[name] += [d.event.id for d in batch]
                consumer.commit(batch[-1].offset)
        except BaseException as error:  # surfaced in the main thread
            errors.append(error)
        finally:
            consumer.close()

    threads = [
        threading.Thread(target=member, args=("dying", 2)),
        threading.Thread(target=member, args=("steady", None)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert set(handled["steady"]) | set(handled["dying"]) == set(ids)
    assert event_bus.subscribe(group).poll() == []
