"""Events of sync runs. The runs repository writes them in the transaction that changes the run (the
control plane's outbox, craftology.controlplane.event_outbox). Their ids derive from the run, so a fact
told twice (a retried step, two relays) is one event.
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
