"""EventBus contract: run against every adapter listed in conftest.EVENT_BUS_ADAPTERS."""

from __future__ import annotations

import pytest

from craftology.errors import BadInput
from craftology.ports.events import Event, EventBus


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
