"""One live SyncEngine per project, caught up from the stores before every answer.

The cache is an optimisation, never the place something is known: before it answers, an engine
reads the project's change feed in the metadata store from the last write it applied, and the
registry's current models, and applies what it has not seen as incremental changes. So every process
over the same stores gives the same statuses and plans, at once, and status and plans still cost
what an edit touches rather than what the project holds. Anything unexpected drops the entry; the
next use rebuilds it from the stores.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass

from craftology.errors import BadInput, CraftologyError, NotFound, ProjectDeleted
from craftology.identity.principal import system_principal
from craftology.ports.metadata import MetadataStore, RecordChange
from craftology.projects.models import Card, Project, Shot
from craftology.projects.service import ProjectService
from craftology.runs.state import ProjectModels, load_state
from craftology.sync.engine import SyncEngine
from craftology.sync.fingerprint import ModelSpec, Provenance
from craftology.sync.plan import KeptModel
from craftology.sync.state import (
    AssetAccepted,
    CardDeleted,
    CardUpserted,
    ModelChanged,
    Pinned,
    ProjectUpdated,
    SeedChanged,
    ShotDeleted,
    ShotUpserted,
)
from craftology.sync.state import Change as EngineChange
from craftology.sync.targets import TargetKind

log = logging.getLogger(__name__)
Key = tuple[str, str]
FEED_PAGE = 1000
# A build reads the feed's head, then the records; writes landing in between are replayed on top.
# A replay can trip over a state that already holds a later write, so the build is tried again.
BUILD_ATTEMPTS = 3


@dataclass
class _Entry:
    engine: SyncEngine
    seq: int  # the last change-feed entry applied


def record_changes(engine: SyncEngine, change: RecordChange) -> list[EngineChange]:
    """What one committed record write means to the engine, given what it already holds. Replaying a
    write the engine has seen yields nothing, so catching up from an older seq is harmless."""
    data, state = change.data, engine.state
    match change.collection:
        case "projects":
            if data is None:
                raise ProjectDeleted(f"no project {change.id!r}")
            project = Project.model_validate(data)
            return [ProjectUpdated(project)] if project != state.project else []
        case "cards":
            if data is None:
                return [CardDeleted(change.id)] if change.id in state.cards else []
            card = Card.model_validate(data)
            return [CardUpserted(card)] if state.cards.get(card.id) != card else []
        case "shots":
            if data is None:
                return [ShotDeleted(change.id)] if change.id in state.shots else []
            shot = Shot.model_validate(data)
            return [ShotUpserted(shot)] if state.shots.get(shot.id) != shot else []
        case "targets" if data is not None:
            return _target_changes(engine, data)
    return []


def _target_changes(engine: SyncEngine, data: dict[str, object]) -> list[EngineChange]:
    target = str(data["target"])
    if not engine.graph.exists(target):
        return []  # the record outlives its card or shot
    state = engine.state
    found: list[EngineChange] = []
    raw = data.get("provenance")
    if isinstance(raw, dict):
        provenance = Provenance.from_dict(raw)
        if state.accepted.get(target) != provenance:
            found.append(AssetAccepted(target, provenance))
    if bool(data.get("pinned")) != (target in state.pinned):
        found.append(Pinned(target, bool(data.get("pinned"))))
    seed = data.get("seed")
    if seed != state.seeds.get(target):
        found.append(SeedChanged(target, seed if isinstance(seed, int) else None))
    return found


def model_changes(engine: SyncEngine, wanted: dict[TargetKind, ModelSpec]) -> list[EngineChange]:
    have = engine.state.models
    return [ModelChanged(kind, spec) for kind, spec in wanted.items() if have.get(kind) != spec]


class EngineCache:
    def __init__(
        self,
        projects: ProjectService,
        metadata: MetadataStore,
        models: ProjectModels,
        capacity: int = 64,
    ) -> None:
        self._capacity = capacity
        self._projects = projects
        self._metadata = metadata
        self._models = models
        # Least recently used last; a server with many projects keeps only the busy ones in memory.
        self._engines: OrderedDict[Key, _Entry] = OrderedDict()
        self._lock = threading.RLock()

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def get(self, tenant: str, project_id: str) -> SyncEngine:
        """The project's engine, caught up with every committed write; callers hold `lock` while
        they read from it. NotFound when the project does not exist (any more)."""
        with self._lock:
            key = (tenant, project_id)
            entry = self._engines.get(key)
            if entry is not None:
                try:
                    self._catch_up(tenant, project_id, entry)
                except Exception as error:
                    # Half-applied or refused: nothing of it is kept; a rebuild says what is wrong.
                    del self._engines[key]
                    entry = None
                    if isinstance(error, ProjectDeleted):
                        raise
                    if not isinstance(error, CraftologyError):
                        log.exception("catching up %s/%s failed; rebuilding it", tenant, project_id)
            if entry is None:
                entry = self._build(tenant, project_id)
                self._engines[key] = entry
                while len(self._engines) > self._capacity:
                    self._engines.popitem(last=False)
            self._engines.move_to_end(key)
            return entry.engine

    def kept_models(self, project: Project) -> tuple[KeptModel, ...]:
        return self._models.kept(project)

    def _build(self, tenant: str, project_id: str) -> _Entry:
        for attempt in range(BUILD_ATTEMPTS):
            seq = self._metadata.head(tenant)
            project = self._projects.get_project(system_principal(tenant), project_id).value
            try:
                state = load_state(tenant, project_id, self._projects, self._metadata, self._models(project))
                entry = _Entry(SyncEngine(state), seq)
                self._catch_up(tenant, project_id, entry)
                return entry
            except ProjectDeleted:
                raise
            except (BadInput, NotFound):
                # Writes landed while the records were read (a shot naming a card read too early);
                # the next attempt starts from a newer head.
                if attempt == BUILD_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _catch_up(self, tenant: str, project_id: str, entry: _Entry) -> None:
        engine = entry.engine
        while True:
            page = self._metadata.changes(tenant, project_id, after=entry.seq, limit=FEED_PAGE)
            for change in page:
                for update in record_changes(engine, change):
                    engine.apply(update)
                entry.seq = change.seq
            if len(page) < FEED_PAGE:
                break
        for update in model_changes(engine, self._models(engine.state.project)):
            engine.apply(update)
