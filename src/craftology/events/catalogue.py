"""Every event type Craftology emits, in one place: its name, what it means, its data fields, and which
of them identify the fact it states.

An event's id is derived from its type, tenant, subject and identifying fields, so the same fact told
twice (a retried activity, a replayed step, two relays sending one outbox record) has the same id
and the bus or its consumers keep one copy. Build events with `new_event`: it refuses a type that is
not here or data that does not match its declaration, so the catalogue is always the whole story.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from craftology.errors import BadInput
from craftology.ports.events import Event


@dataclass(frozen=True)
class EventType:
    name: str
    meaning: str
    data: tuple[str, ...]  # the data fields every event of this type carries, no more, no fewer
    identity: tuple[str, ...]  # the data fields that, with tenant and subject, name the fact
    optional: tuple[str, ...] = ()  # fields it may carry besides


_TARGET_RUN = ("project_id", "run_id")

TYPES: tuple[EventType, ...] = (
    EventType("run.started", "A sync run was recorded and its workflow is being started; subject run/<id>.",
              ("project_id", "plan_size", "estimated_cost"), (), optional=("follow_up_of",)),
    EventType("run.finished", "A sync run ended (succeeded, failed or cancelled), with its counts by "
              "outcome when its workflow returned.",
              ("status",), (), optional=("generated", "skipped", "superseded", "failed")),
    EventType("generation.started", "A model call for a target began; each activity attempt is a call "
              "of its own.", (*_TARGET_RUN, "model", "fingerprint", "attempt"),
              ("run_id", "fingerprint", "attempt")),
    EventType("asset.stored", "A new asset's blob and record were stored (generated or uploaded).",
              ("project_id", "run_id", "asset_id", "blob", "size"), ("asset_id", "blob")),
    EventType("target.generated", "A target got a newly generated asset; `accepted` when auto-accepted.",
              (*_TARGET_RUN, "asset_id", "model", "accepted"), ("asset_id",)),
    EventType("target.skipped", "A run found an asset with the target's fingerprint and made nothing.",
              (*_TARGET_RUN, "asset_id", "fingerprint"), ("run_id", "asset_id")),
    EventType("target.failed", "A run could not make a target (or an upstream of it); `detail` says why.",
              (*_TARGET_RUN, "detail"), ("run_id",)),
    EventType("target.superseded", "A run dropped a target whose inputs changed after planning.",
              (*_TARGET_RUN, "detail"), ("run_id",)),
    EventType("target.accepted", "An asset became the target's accepted version (by review, upload or "
              "auto-accept); `revision` is the target record's new revision.",
              ("project_id", "asset_id", "revision"), ("asset_id", "revision")),
    EventType("target.pinned", "A target was pinned: it keeps its asset even when stale.",
              ("project_id", "revision"), ("revision",)),
    EventType("target.unpinned", "A target's pin was removed.", ("project_id", "revision"), ("revision",)),
    EventType("target.seeded", "A target got its own seed (null: back to the default).",
              ("project_id", "seed", "revision"), ("revision",)),
    EventType("policy.decision", "An authorisation decision of the PBAC agent: every deny and a sample of "
              "allows. `policy_ids` are the @ids of the deciding policies (none: nothing permits it).",
              ("decision_id", "allowed", "user_id", "via", "action", "resource", "policy_ids",
               "policy_version"), ("decision_id",)),
)  # fmt: skip

CATALOGUE: dict[str, EventType] = {event_type.name: event_type for event_type in TYPES}


def event_id(type_name: str, tenant: str, subject: str, identity: dict[str, Any]) -> str:
    """A stable id for one fact: the same arguments always give the same id."""
    canonical = json.dumps([type_name, tenant, subject, identity], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def check_event(event: Event) -> EventType:
    """The catalogue entry of `event`; BadInput when its type or data fields are not the declared ones."""
    declared = CATALOGUE.get(event.type)
    if declared is None:
        raise BadInput(f"event type {event.type!r} is not in the catalogue")
    missing = set(declared.data) - set(event.data)
    if missing:
        raise BadInput(f"{event.type} event lacks {', '.join(sorted(missing))}")
    extra = set(event.data) - set(declared.data) - set(declared.optional)
    if extra:
        raise BadInput(f"{event.type} event has undeclared fields {', '.join(sorted(extra))}")
    return declared


def new_event(type_name: str, source: str, tenant: str, subject: str, data: dict[str, Any]) -> Event:
    """A catalogued event whose id is derived from the fact it states."""
    declared = check_event(Event(type_name, source, tenant, subject, data, id="-"))
    identity = {name: data[name] for name in declared.identity}
    return Event(type_name, source, tenant, subject, data, id=event_id(type_name, tenant, subject, identity))
