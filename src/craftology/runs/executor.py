"""Runs one target of a sync run: the body of the `run_target` activity.

Idempotent by construction: the asset id derives from (target, fingerprint) and blobs are
content-addressed, so a retry after a crash at any point either finds the finished asset and skips,
or regenerates the same thing into the same places. Nothing is recorded before its blob is stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from temporalio import activity

from craftology.assets.acceptance import accept, accepted_blob, current_target
from craftology.assets.records import ASSETS, generated_asset_id, now_iso
from craftology.errors import BadInput, NotFound
from craftology.events.catalogue import new_event
from craftology.events.outbox import Outbox
from craftology.events.relay import OutboxRelay
from craftology.ports.assets import AssetStore
from craftology.ports.events import Event, EventPublisher
from craftology.ports.generator import Generator, Media
from craftology.ports.metadata import MetadataStore, Put
from craftology.projects.models import ReviewMode
from craftology.projects.service import ProjectService
from craftology.runs.heartbeat import heartbeating
from craftology.runs.partial import load_for_target, resolve_target
from craftology.runs.requests import build_request
from craftology.runs.state import ProjectModels
from craftology.sync.fingerprint import Resolved
from craftology.workflows.models import GENERATED, SKIPPED, SUPERSEDED, TargetActivityInput, TargetOutcome

SOURCE = "craftology/worker"


@dataclass
class TargetExecutor:
    """Implements the workflow's TargetRunner over the stores, the registry and the generators."""

    projects: ProjectService
    metadata: MetadataStore
    assets: AssetStore
    events: EventPublisher
    generators: dict[str, Generator]  # by model id
    models: ProjectModels
    simulated_latency: float = 0.0
    outbox: Outbox = field(init=False)

    def __post_init__(self) -> None:
        self.outbox = Outbox(self.metadata, OutboxRelay(self.metadata, self.events))

    def run(self, task: TargetActivityInput, heartbeat: Callable[[str], None]) -> TargetOutcome:
        tenant, project_id, target = task.tenant, task.project_id, task.target
        state = load_for_target(tenant, project_id, target, self.projects, self.metadata, self.models)
        resolved = resolve_target(state, target)
        if resolved.inputs_digest != task.inputs_digest:
            return TargetOutcome(target, SUPERSEDED, detail="inputs changed after planning")
        missing = [up for up, fp in resolved.upstream.items() if fp is None]
        if missing:
            raise BadInput(f"{target} needs an accepted {missing[0]} first", target=target)
        auto_accept = state.project.settings.review_mode is ReviewMode.AUTO_ACCEPT
        asset_id = generated_asset_id(target, resolved.fingerprint)
        try:
            self.metadata.get(tenant, ASSETS, asset_id)
        except NotFound:
            pass
        else:
            if auto_accept:
                self._accept(tenant, project_id, asset_id, resolved, extra=[])
            self._publish(task, "target.skipped", {"asset_id": asset_id, "fingerprint": resolved.fingerprint})
            return TargetOutcome(target, SKIPPED, asset_id, "an asset with this fingerprint exists")

        generator = self.generators.get(resolved.code.model_id)
        if generator is None:
            raise BadInput(f"no generator serves model {resolved.code.model_id!r}", target=target)
        request = build_request(state, resolved, self._blob_of_accepted(tenant))
        heartbeat(f"generating {target}")
        # Each attempt is a model call of its own (it costs again), so the attempt is part of the fact.
        started = {
            "model": resolved.code.model_id,
            "fingerprint": resolved.fingerprint,
            "attempt": _attempt(),
        }
        self._publish(task, "generation.started", started)
        self._simulate_latency(target, heartbeat)
        with heartbeating(heartbeat, f"generating {target}"):
            media = generator.generate(request)
        heartbeat(f"storing {target}")
        blob = self.assets.put_bytes(tenant, media.content)
        asset = _asset_record(target, resolved, blob.key, blob.size, media, task.run_id)
        put_asset = Put(ASSETS, asset_id, asset, project_id=project_id)
        # Written with the asset in one commit (the outbox): a crash can neither lose nor invent them.
        made = [
            self._event(task, "asset.stored", {"asset_id": asset_id, "blob": blob.key, "size": blob.size}),
            self._event(task, "target.generated",
                        {"asset_id": asset_id, "model": resolved.code.model_id, "accepted": auto_accept}),
        ]  # fmt: skip
        if auto_accept:
            self._accept(tenant, project_id, asset_id, resolved, extra=[put_asset], events=made)
        else:
            self.outbox.commit(tenant, [put_asset], made)
        return TargetOutcome(target, GENERATED, asset_id)

    def _simulate_latency(self, target: str, heartbeat: Callable[[str], None]) -> None:
        deadline = time.monotonic() + self.simulated_latency
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.5))
            heartbeat(f"generating {target}")

    def _accept(
        self,
        tenant: str,
        project_id: str,
        asset_id: str,
        resolved: Resolved,
        extra: list[Put],
        events: Sequence[Event] = (),
    ) -> None:
        provenance = resolved.provenance()
        if (
            not extra
            and current_target(self.metadata, tenant, resolved.target).get("accepted_asset_id") == asset_id
        ):
            return  # a retried activity whose first attempt got this far

        def with_acceptance(_record: dict[str, object], revision: int) -> list[Event]:
            data = {"project_id": project_id, "asset_id": asset_id, "revision": revision}
            return [*events, new_event("target.accepted", SOURCE, tenant, resolved.target, data)]

        accept(self.metadata, tenant, project_id, asset_id, provenance, extra,
               outbox=self.outbox, describe=with_acceptance)  # fmt: skip

    def _blob_of_accepted(self, tenant: str) -> Callable[[str], bytes]:
        return partial(accepted_blob, self.metadata, self.assets, tenant)

    def _event(self, task: TargetActivityInput, kind: str, data: dict[str, object]) -> Event:
        data = {"project_id": task.project_id, "run_id": task.run_id, **data}
        return new_event(kind, SOURCE, task.tenant, task.target, data)

    def _publish(self, task: TargetActivityInput, kind: str, data: dict[str, object]) -> None:
        """Events that describe no store change go to the bus directly (ids still per fact)."""
        self.events.publish(self._event(task, kind, data))


def _attempt() -> int:
    """The Temporal attempt of the running activity (1 when called outside one, as in tests)."""
    return activity.info().attempt if activity.in_activity() else 1


def _asset_record(
    target: str, resolved: Resolved, blob_key: str, size: int, media: Media, run_id: str
) -> dict[str, object]:
    return {
        "target": target,
        "fingerprint": resolved.fingerprint,
        "blob_key": blob_key,
        "size": size,
        "content_type": media.content_type,
        "provenance": resolved.provenance().to_dict(),
        "source": "generated",
        "metadata": media.metadata,
        "run_id": run_id,
        "created_at": now_iso(),
    }
