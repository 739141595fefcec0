"""Events of sync runs, for the run service (which records runs in the control plane).

A run's record is not in a tenant store, so its events cannot share that commit; instead they are
recorded in the tenant's outbox first (`Outbox.record`) and relayed from there. Their ids derive from
the run, so recording a run again after a restart or a retried activity publishes nothing twice.
"""

from __future__ import annotations

from typing import Any

from craftology.events.catalogue import new_event
from craftology.ports.events import Event

SOURCE = "craftology/sync"


def run_event(tenant: str, kind: str, run_id: str, data: dict[str, Any]) -> Event:
    """run.started / run.finished of run `run_id`."""
    return new_event(kind, SOURCE, tenant, f"run/{run_id}", data)


def unfinished_target_event(
    tenant: str, kind: str, run_id: str, project_id: str, target: str, detail: str
) -> Event:
    """target.failed / target.superseded: a target that run `run_id` did not finish, and why."""
    return new_event(
        kind, SOURCE, tenant, target, {"project_id": project_id, "run_id": run_id, "detail": detail}
    )
