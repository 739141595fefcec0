"""One live SyncEngine per project, kept current incrementally.

Built from the stores on first use (a full audit), then every committed edit made through the
ProjectService, and every asset this process accepts, is applied as an incremental change, so
status and plans cost what an edit touches rather than what the project holds. Anything
unexpected drops the entry; the next use rebuilds it from the stores.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

from craftology.errors import NotFound
from craftology.ports.metadata import MetadataStore
from craftology.projects.changes import Change
from craftology.projects.models import Card, Project, Shot
from craftology.projects.service import ProjectService
from craftology.runs.records import TARGETS
from craftology.runs.state import load_state
from craftology.sync.engine import SyncEngine
from craftology.sync.fingerprint import ModelSpec, Provenance
from craftology.sync.state import (
    AssetAccepted,
    CardDeleted,
    CardUpserted,
    Pinned,
    ProjectUpdated,
    ShotDeleted,
    ShotUpserted,
)
from craftology.sync.state import (
    Change as EngineChange,
)
from craftology.sync.targets import TargetKind

log = logging.getLogger(__name__)
Key = tuple[str, str]


def engine_change(change: Change) -> EngineChange | None:
    """The sync engine's view of one committed record change (None: nothing the engine reads)."""
    after = change.after
    match change.collection:
        case "projects" if after is not None:
            return ProjectUpdated(Project.model_validate(after))
        case "cards":
            return CardUpserted(Card.model_validate(after)) if after else CardDeleted(change.record_id)
        case "shots":
            return ShotUpserted(Shot.model_validate(after)) if after else ShotDeleted(change.record_id)
    return None


class EngineCache:
    def __init__(
        self,
        projects: ProjectService,
        metadata: MetadataStore,
        models: Callable[[], dict[TargetKind, ModelSpec]],
        capacity: int = 64,
    ) -> None:
        self._capacity = capacity
        self._projects = projects
        self._metadata = metadata
        self._models = models
        # Least recently used last; a server with many projects keeps only the busy ones in memory.
        self._engines: OrderedDict[Key, SyncEngine] = OrderedDict()
        self._lock = threading.RLock()

    def get(self, tenant: str, project_id: str) -> SyncEngine:
        """The project's engine; callers hold `lock` while they read from it."""
        with self._lock:
            key = (tenant, project_id)
            engine = self._engines.get(key)
            if engine is None:
                state = load_state(tenant, project_id, self._projects, self._metadata, self._models())
                engine = SyncEngine(state)
                self._engines[key] = engine
                while len(self._engines) > self._capacity:
                    self._engines.popitem(last=False)
            self._engines.move_to_end(key)
            return engine

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def forget(self, tenant: str, project_id: str | None = None) -> None:
        with self._lock:
            for key in [k for k in self._engines if k[0] == tenant and project_id in (None, k[1])]:
                del self._engines[key]

    def on_project_change(self, change: Change) -> None:
        """ProjectService listener."""
        if change.collection == "projects" and change.after is None:
            self.forget(change.tenant, change.project_id)
            return
        update = engine_change(change)
        if update is not None:
            self._apply(change.tenant, change.project_id, update)

    def on_accepted(self, tenant: str, project_id: str, provenance: Provenance) -> None:
        self._apply(tenant, project_id, AssetAccepted(provenance.target, provenance))

    def reconcile(self, tenant: str, project_id: str, targets: Iterable[str]) -> None:
        """Catch up with assets accepted by workers in other processes: re-read these targets'
        records and apply what this engine has not seen. Costs what the run touched."""
        with self._lock:
            engine = self._engines.get((tenant, project_id))
            if engine is None:
                return
            for target in targets:
                try:
                    record = self._metadata.get(tenant, TARGETS, target)
                except NotFound:
                    continue
                data = record.data.get("provenance")
                if not data:
                    continue
                provenance = Provenance.from_dict(data)
                if engine.state.accepted.get(target) != provenance:
                    self._apply(tenant, project_id, AssetAccepted(target, provenance))

    def on_pinned(self, tenant: str, project_id: str, target: str, pinned: bool) -> None:
        self._apply(tenant, project_id, Pinned(target, pinned))

    def _apply(self, tenant: str, project_id: str, update: EngineChange) -> None:
        with self._lock:
            engine = self._engines.get((tenant, project_id))
            if engine is None:
                return
            try:
                engine.apply(update)
            except Exception:
                log.exception(
                    "incremental sync update failed; rebuilding %s/%s on next use", tenant, project_id
                )
                del self._engines[(tenant, project_id)]
