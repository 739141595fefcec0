"""Event ids are the fact's, not the attempt's: the same fact told twice has one id, so the bus keeps
one copy; different facts never share an id."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from craftology.events.catalogue import CATALOGUE, new_event
from craftology.ports.generator import GenerationRequest, Generator, Media
from craftology.workflows.models import GENERATED, TargetActivityInput

from .conftest import Shop


class RunsTheSameTaskMeanwhile:
    """A model call during which another execution of the same activity runs to the end, as when
    Temporal starts the activity again on another worker while this one is still working."""

    def __init__(self, inner: Generator, shop: Shop, task: TargetActivityInput) -> None:
        self.model_id = inner.model_id
        self.version = inner.version
        self._inner = inner
        self._shop = shop
        self._task: TargetActivityInput | None = task

    def generate(self, request: GenerationRequest) -> Media:
        task, self._task = self._task, None
        if task is not None:
            assert self._shop.execute(task).status == GENERATED  # the other execution
        return self._inner.generate(request)


def test_the_same_activity_run_twice_publishes_each_event_once(shop: Shop) -> None:
    task = shop.task(shop.sheet)
    executor = shop.c.executor
    shop.c.executor = replace(
        executor,
        generators={m: RunsTheSameTaskMeanwhile(g, shop, task) for m, g in executor.generators.items()},
    )
    outcome = shop.execute(task)
    assert outcome.status == GENERATED  # both executions generated and committed the same asset
    assert len(shop.c.metadata.history(shop.tenant, "assets", outcome.asset_id or "")) == 2
    logged = [(e.type, e.subject) for e in shop.logged()]
    counts = Counter(logged)
    for kind in ("generation.started", "asset.stored", "target.generated"):
        assert counts[(kind, shop.sheet)] == 1, logged
    # Accepting twice wrote two revisions of the target record: two facts, each told once.
    accepted = [e.data["revision"] for e in shop.logged("target.accepted")]
    assert accepted == [1, 2]


def test_ids_follow_the_identifying_fields_only() -> None:
    def stored(asset: str, blob: str, size: int) -> str:
        data = {"project_id": "p", "run_id": "r", "asset_id": asset, "blob": blob, "size": size}
        return new_event("asset.stored", "craftology/worker", "acme", "card/c/sheet", data).id

    assert stored("a1", "b1", 10) == stored("a1", "b1", 10)
    assert stored("a1", "b1", 10) == stored("a1", "b1", 99)  # size does not name the fact
    assert len({stored("a1", "b1", 10), stored("a2", "b1", 10), stored("a1", "b2", 10)}) == 3
    event = new_event("target.pinned", "s", "acme", "card/c/sheet", {"project_id": "p", "revision": 3})
    other_tenant = new_event(
        "target.pinned", "s", "globex", "card/c/sheet", {"project_id": "p", "revision": 3}
    )
    assert event.id != other_tenant.id
    assert CATALOGUE["target.pinned"].identity == ("revision",)
