"""A move and one list page in a large project, through ProjectService on the real SQLite store: both
read an index range around their place, so neither grows with the project."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

from craftology.adapters.metadata.sqlite import SqliteMetadataStore
from craftology.controlplane.db import connect
from craftology.identity.principal import system_principal
from craftology.policy.agent import PolicyAgent
from craftology.policy.center import PolicyCenter
from craftology.policy.grants import GrantStore
from craftology.ports.metadata import Put
from craftology.projects.base import SEQUENCES, SHOTS
from craftology.projects.models import ProjectIn, Shot
from craftology.projects.order_keys import position_key
from craftology.projects.service import ProjectService

TENANT = "bench"
BATCH = 5000


def shot_read_ms(shot_count: int, repeats: int = 7, page: int = 100) -> tuple[float, float]:
    """Median ms of a move (a random shot after another) and of one `page`-shot list page."""
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteMetadataStore(Path(tmp))
        store.provision(TENANT)
        try:
            control = connect(f"sqlite:///{Path(tmp) / 'control.db'}")
            service = ProjectService(store, PolicyAgent(PolicyCenter(control), GrantStore(control)))
            project_id = service.create_project(
                system_principal(TENANT), ProjectIn(name="Long board")
            ).value.id
            ids = [f"shot-{n:06d}" for n in range(shot_count)]
            # The records appends would write, in large commits (single-shot commits only measure set-up).
            ops = [
                Put(
                    SHOTS,
                    shot_id,
                    Shot(
                        id=shot_id, project_id=project_id, order=position_key(n), description="x"
                    ).model_dump(mode="json"),
                    project_id=project_id,
                )
                for n, shot_id in enumerate(ids)
            ]
            sequence = store.get(TENANT, SEQUENCES, project_id)
            tail = {**sequence.data, "tail": position_key(shot_count - 1)}
            ops.append(Put(SEQUENCES, project_id, tail, project_id=project_id))
            for start in range(0, len(ops), BATCH):
                store.commit(TENANT, ops[start : start + BATCH])
            rng = random.Random(5)
            moves, pages = [], []
            for _ in range(repeats):
                shot, anchor = rng.sample(ids, 2)
                start = time.perf_counter()
                service.move_shot(
                    system_principal(TENANT), project_id, shot, after=anchor, expect_revision=None
                )
                moves.append((time.perf_counter() - start) * 1000)
                at = rng.randrange(shot_count - page)
                cursor = f"{position_key(at)}.{ids[at]}"  # a page from the middle, as a client resumes
                start = time.perf_counter()
                listing = service.list_shots(system_principal(TENANT), project_id, cursor, limit=page)
                pages.append((time.perf_counter() - start) * 1000)
                assert len(listing.items) == page
            return statistics.median(moves), statistics.median(pages)
        finally:
            store.close()
