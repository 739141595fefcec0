"""Edit through one process, plan from another: two containers over one data dir share nothing but the
stores (own engine caches, registry clients and store connections), exactly what two API pods share."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from craftology.assets.records import TARGETS, target_record
from craftology.config import Settings
from craftology.container import Container, build_container
from craftology.identity.principal import system_principal
from craftology.ports.metadata import Put
from craftology.projects.base import CARDS, PROJECTS, SEQUENCES, SHOTS
from craftology.sync import ProjectState, accept_everything

BATCH = 2000


def _store_project(c: Container, tenant: str, state: ProjectState) -> None:
    """Writes the records the projects service would, in large commits (10,000 single-shot commits
    would only measure set-up), with every target accepted so the project starts all FRESH."""
    project = state.project
    ops: list[Put] = [
        Put(PROJECTS, project.id, project.model_dump(mode="json"), project_id=project.id),
        Put(SEQUENCES, project.id, {"count": len(state.shots)}, project_id=project.id),
    ]
    ops += [Put(CARDS, k, v.model_dump(mode="json"), project_id=project.id) for k, v in state.cards.items()]
    ops += [Put(SHOTS, k, v.model_dump(mode="json"), project_id=project.id) for k, v in state.shots.items()]
    ops += [
        Put(TARGETS, t, target_record(t, None, p.to_dict(), pinned=False), project_id=project.id)
        for t, p in accept_everything(state).items()
    ]
    for start in range(0, len(ops), BATCH):
        c.metadata.commit(tenant, ops[start : start + BATCH])


def _set_hair(c: Container, tenant: str, project: str, card_id: str, hair: str) -> None:
    patch = {"attributes": {"appearance": {"hair": hair}}}
    c.projects.update_card(system_principal(tenant), project, card_id, patch, None)


def cross_process_ms(state: ProjectState, card_id: str, repeats: int) -> tuple[float, int]:
    """Median ms from an edit committed by process A to the plan process B answers with it."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        a, b = build_container(settings), build_container(settings)
        try:
            tenant = a.tenancy.create_tenant("Bench").tenant.id
            state.models = a.models(state.project)  # the registry's models, so all is FRESH
            _store_project(a, tenant, state)
            project = state.project.id
            assert not b.sync.plan(system_principal(tenant), project).items, (
                "the stored project must start all fresh"
            )
            timings, size = [], 0
            for _ in range(repeats):
                start = time.perf_counter()
                _set_hair(a, tenant, project, card_id, "red")
                size = len(b.sync.plan(system_principal(tenant), project).items)
                timings.append((time.perf_counter() - start) * 1000)
                _set_hair(a, tenant, project, card_id, "brown")
                assert not b.sync.plan(system_principal(tenant), project).items, (
                    "toggling back must leave all fresh"
                )
            return statistics.median(timings), size
        finally:
            a.close()
            b.close()
