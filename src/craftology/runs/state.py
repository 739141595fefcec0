"""Loads what the sync engine needs about one project from the stores."""

from __future__ import annotations

from dataclasses import dataclass

from craftology.assets.records import TARGETS
from craftology.errors import BadInput, NotFound
from craftology.identity.principal import system_principal
from craftology.ports.metadata import MetadataStore
from craftology.projects.models import Project
from craftology.projects.service import ProjectService
from craftology.registry.models import CostUnit, ModelKind, ModelRecord
from craftology.registry.service import ModelRegistry
from craftology.sync.fingerprint import CodeVersion, ModelSpec, Provenance
from craftology.sync.plan import KeptModel
from craftology.sync.state import ProjectState
from craftology.sync.targets import SPECS, TargetKind, parse_target


def model_spec(record: ModelRecord) -> ModelSpec:
    """A registry record as the engine's code version and price."""
    return ModelSpec(
        kind=TargetKind(record.kind.value),
        code=CodeVersion(record.id, record.version, record.template_version, dict(record.params)),
        cost_per_unit=record.cost_per_unit,
        # A per-clip price is one unit per generation, like an image.
        unit="second" if record.unit is CostUnit.SECOND else "image",
    )


def model_specs(registry: ModelRegistry) -> dict[TargetKind, ModelSpec]:
    """The registry's current model per target kind, read in one query."""
    current = registry.current_all()
    wanted = {kind: ModelKind(spec.model_kind) for kind, spec in SPECS.items()}
    absent = [model_kind.value for model_kind in wanted.values() if model_kind not in current]
    if absent:
        raise NotFound(f"no model registered for {', '.join(absent)}")
    return {kind: model_spec(current[model_kind]) for kind, model_kind in wanted.items()}


@dataclass(frozen=True)
class ProjectModels:
    """The models a project's targets are made with now: the registry's current one per kind, except
    the exact versions the project keeps. Read afresh on every call, so a version registered through
    any process reaches the next plan of every process."""

    registry: ModelRegistry

    def __call__(self, project: Project) -> dict[TargetKind, ModelSpec]:
        specs = model_specs(self.registry)
        for kind_name, kept in project.settings.keep_models.items():
            kind = TargetKind(kind_name)
            try:
                record = self.registry.get(kept.model_id, kept.version)
            except NotFound:
                raise BadInput(
                    f"project {project.id} keeps {kind.value} model {kept.model_id} {kept.version}, "
                    "which is not registered; choose a registered version or stop keeping it"
                ) from None
            if record.kind.value != kind.value:
                raise BadInput(f"model {kept.model_id} makes {record.kind.value} targets, not {kind.value}")
            specs[kind] = model_spec(record)
        return specs

    def kept(self, project: Project) -> tuple[KeptModel, ...]:
        """The kinds this project keeps on a version older than (or other than) the current one."""
        notes = []
        for kind_name, kept in sorted(project.settings.keep_models.items()):
            current = self.registry.current(ModelKind(kind_name))
            if (current.id, current.version) != (kept.model_id, kept.version):
                kind = TargetKind(kind_name)
                notes.append(KeptModel(kind, kept.model_id, kept.version, current.id, current.version))
        return tuple(notes)


def load_state(
    tenant: str,
    project_id: str,
    projects: ProjectService,
    metadata: MetadataStore,
    models: dict[TargetKind, ModelSpec],
) -> ProjectState:
    project, cards, shots = projects.load_project(system_principal(tenant), project_id)
    accepted: dict[str, Provenance] = {}
    pinned: set[str] = set()
    seeds: dict[str, int] = {}
    for record in metadata.scan(tenant, TARGETS, project_id):
        target = record.data["target"]
        kind, subject = parse_target(target)
        # Target records outlive deleted cards and shots (their assets stay downloadable).
        exists = subject in cards if kind is TargetKind.SHEET else kind is TargetKind.CUT or subject in shots
        if not exists:
            continue
        if record.data.get("provenance"):
            accepted[target] = Provenance.from_dict(record.data["provenance"])
        if record.data.get("pinned"):
            pinned.add(target)
        if isinstance(record.data.get("seed"), int):
            seeds[target] = record.data["seed"]
    return ProjectState(
        project=project,
        cards=cards,
        shots=shots,
        accepted=accepted,
        pinned=pinned,
        models=models,
        seeds=seeds,
    )
