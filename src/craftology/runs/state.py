"""Loads what the sync engine needs about one project from the stores."""

from __future__ import annotations

from craftology.ports.metadata import MetadataStore
from craftology.projects.service import ProjectService
from craftology.registry.models import CostUnit, ModelKind
from craftology.registry.service import ModelRegistry
from craftology.runs.records import TARGETS
from craftology.sync.fingerprint import CodeVersion, ModelSpec, Provenance
from craftology.sync.state import ProjectState
from craftology.sync.targets import TargetKind, parse_target


def model_specs(registry: ModelRegistry) -> dict[TargetKind, ModelSpec]:
    """The registry's current model per target kind, as the engine's code versions and prices."""
    specs: dict[TargetKind, ModelSpec] = {}
    for kind in TargetKind:
        record = registry.current(ModelKind(kind.value))
        specs[kind] = ModelSpec(
            kind=kind,
            code=CodeVersion(record.id, record.version, record.template_version, dict(record.params)),
            cost_per_unit=record.cost_per_unit,
            # A per-clip price is one unit per generation, like an image.
            unit="second" if record.unit is CostUnit.SECOND else "image",
        )
    return specs


def load_state(
    tenant: str,
    project_id: str,
    projects: ProjectService,
    metadata: MetadataStore,
    models: dict[TargetKind, ModelSpec],
) -> ProjectState:
    project, cards, shots = projects.load_project(tenant, project_id)
    accepted: dict[str, Provenance] = {}
    pinned: set[str] = set()
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
    return ProjectState(
        project=project, cards=cards, shots=shots, accepted=accepted, pinned=pinned, models=models
    )
