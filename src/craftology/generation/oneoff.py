"""One-off generation: a single image from a prompt, made for a project but attached to no target.

A sync run makes what a project's cards and shots describe; a one-off is what someone (or an agent)
asks for on the side: "show me a misty harbour at dawn". It is stored as an asset of the project, so
it is listed and downloaded like any other, with its own provenance (prompt, model, seed, cost), but
no target record changes: sync status and plans never see it.

Only the image kinds take a prompt: a clip is made from an accepted keyframe and a cut from clips,
which is what sync runs are for.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from craftology.assets.records import ASSETS, now_iso
from craftology.errors import BadInput
from craftology.events.catalogue import new_event
from craftology.events.outbox import Outbox
from craftology.identity.principal import Principal
from craftology.policy.guard import Guard
from craftology.ports.assets import AssetStore
from craftology.ports.generator import GenerationRequest, Generator, KeyframeRequest, SheetRequest
from craftology.ports.metadata import Put, Record
from craftology.ports.policy import PolicyPort, Resource
from craftology.projects.models import Camera, CardKind, Framing, Project
from craftology.projects.service import ProjectService
from craftology.registry.models import ModelKind, ModelRecord, version_key
from craftology.registry.service import ModelRegistry

if TYPE_CHECKING:
    from craftology.container import Container

SOURCE = "craftology/oneoff"
ONE_OFF = "one-off"
PROMPT_KINDS = (ModelKind.SHEET, ModelKind.KEYFRAME)
MAX_PROMPT = 2000
MAX_SEED = 2**63 - 1
# A model may say who uses it through these params (see craftology.policy.evaluate.allowed_roles).
_MODEL_ACCESS = ("allowed_roles", "min_role")


def oneoff_asset_id() -> str:
    return "o" + uuid.uuid4().hex[:31]


@dataclass(frozen=True)
class OneOffGeneration:
    projects: ProjectService
    registry: ModelRegistry
    generators: dict[str, Generator]  # by model id, the executor's
    assets: AssetStore
    outbox: Outbox  # commits the asset record with its event
    policy: PolicyPort

    @classmethod
    def of(cls, container: Container) -> OneOffGeneration:
        return cls(
            projects=container.projects,
            registry=container.registry,
            generators=container.executor.generators,
            assets=container.assets,
            outbox=container.outbox,
            policy=container.access.policy,
        )

    def generate(
        self,
        principal: Principal,
        project_id: str,
        kind: str,
        prompt: str,
        model_id: str | None = None,
        seed: int | None = None,
    ) -> Record:
        """Make one image from `prompt` with the model serving `kind` (or `model_id`, newest version)
        and store it as an asset of the project. Everything that can refuse (policy, project, kind,
        model, prompt, seed) is checked before the model is called, so a refusal stores nothing."""
        guard = Guard(self.policy)
        # Spending (a model call) and writing (an asset) are both asked for: a token with one scope
        # but not the other cannot do it.
        tenant = guard.check(principal, "generate_target", "Project", project_id)
        guard.check(principal, "create_asset", "Asset", project=project_id)
        project = self.projects.get_project(principal, project_id).value  # NotFound outside the tenant
        model_kind = _prompt_kind(kind)
        text = _prompt(prompt)
        model = self._model(model_kind, model_id)
        self.policy.authorize(principal, "use_model", _model_resource(model))
        generator = self.generators.get(model.id)
        if generator is None:
            raise BadInput(f"no generator serves model {model.id!r} in this deployment")
        if seed is not None and not 0 <= seed <= MAX_SEED:
            raise BadInput("a seed is a whole number from 0 to 2^63-1")
        chosen_seed = _default_seed(model_kind, text) if seed is None else seed

        media = generator.generate(_request(model_kind, text, project, chosen_seed))
        blob = self.assets.put_bytes(tenant, media.content)
        asset_id = oneoff_asset_id()
        provenance = _provenance(model, text, chosen_seed, project)
        data = {
            "target": "",  # attached to no target: sync status and plans never count it
            "fingerprint": _fingerprint(provenance),
            "blob_key": blob.key,
            "size": blob.size,
            "content_type": media.content_type,
            "provenance": provenance,
            "source": ONE_OFF,
            "metadata": media.metadata,
            "run_id": None,
            "created_at": now_iso(),
        }
        stored = new_event("asset.stored", SOURCE, tenant, f"asset/{asset_id}", {
            "project_id": project_id, "run_id": None, "asset_id": asset_id, "blob": blob.key,
            "size": blob.size,
        })  # fmt: skip
        # The blob is stored first: should this commit fail, it is only an unreferenced blob, which
        # the blob garbage collector removes after its grace period.
        [record] = self.outbox.commit(tenant, [Put(ASSETS, asset_id, data, project_id=project_id)], [stored])
        return record

    def _model(self, kind: ModelKind, model_id: str | None) -> ModelRecord:
        if model_id is None:
            serving = self.registry.current_all().get(kind)
            if serving is None:
                raise BadInput(f"no model is registered for {kind.value}")
            return serving
        versions = [record for record in self.registry.list() if record.id == model_id]
        if not versions:
            raise BadInput(f"no model {model_id!r} is registered")
        newest = max(versions, key=lambda record: version_key(record.version))
        if newest.kind is not kind:
            raise BadInput(f"model {model_id} makes {newest.kind.value}, not {kind.value}")
        return newest


def _prompt_kind(kind: str) -> ModelKind:
    names = ", ".join(k.value for k in PROMPT_KINDS)
    try:
        model_kind = ModelKind(kind)
    except ValueError:
        raise BadInput(f"unknown kind {kind!r}: one-off generation makes {names}") from None
    if model_kind not in PROMPT_KINDS:
        raise BadInput(f"a {kind} is made from accepted upstream by a sync run; a prompt makes {names}")
    return model_kind


def _prompt(prompt: str) -> str:
    text = prompt.strip()
    if not text:
        raise BadInput("the prompt is empty")
    if len(text) > MAX_PROMPT:
        raise BadInput(f"the prompt is over {MAX_PROMPT} characters")
    return text


def _model_resource(model: ModelRecord) -> Resource:
    access = {key: value for key in _MODEL_ACCESS if isinstance(value := model.params.get(key), str)}
    return Resource(type="Model", id=model.id, tenant="", attributes=access)


def _default_seed(kind: ModelKind, prompt: str) -> int:
    """Derived from the request, as a target's default seed is from its id: the same prompt gives
    the same image until someone asks for another seed."""
    digest = hashlib.sha256(f"{kind.value}\n{prompt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & MAX_SEED


def _request(kind: ModelKind, prompt: str, project: Project, seed: int) -> GenerationRequest:
    settings = project.settings
    if kind is ModelKind.SHEET:
        # A free prompt names no card kind; a style sheet is the one that draws no fixed subject.
        return SheetRequest("", CardKind.STYLE.value, prompt, {}, settings.style, seed)
    frame = (Camera.STATIC.value, Framing.WIDE.value, settings.aspect_ratio.value)
    return KeyframeRequest("", prompt, *frame, settings.style, [], seed)


def _provenance(model: ModelRecord, prompt: str, seed: int, project: Project) -> dict[str, Any]:
    return {
        "kind": model.kind.value,
        "prompt": prompt,
        "model_id": model.id,
        "model_version": model.version,
        "template_version": model.template_version,
        "params": model.params,
        "seed": seed,
        "style": project.settings.style,
        "aspect_ratio": project.settings.aspect_ratio.value,
        # One image at the registry's price when it was made.
        "cost": model.cost_per_unit,
        "unit": model.unit.value,
    }


def _fingerprint(provenance: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(provenance, sort_keys=True).encode()).hexdigest()
