"""What the LLM intent engine asks a model for: one `record_intent` call holding the intent, its slots
(typed per intent) and the model's confidence. Validated strictly: a slot of the wrong type, an unknown
slot, or an id the project does not have is sent back to the model as an error, never passed on.

References (a shot, a card, a target) may be one of the project's ids or the words the user said; an
id-shaped value that is not one of the project's is a made-up id and is refused.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from craftology.genai.chat.structured import describe
from craftology.ports.intent import Intent, ProjectContext, SlotValue

TOOL_NAME = "record_intent"
# How craftology.projects.validation.new_id spells the ids it makes: a slug and six hex digits.
_GENERATED_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*-[0-9a-f]{6}$")
_TARGET = re.compile(r"^(shot|card|project)/([^/]+)(/(?:keyframe|clip|sheet|cut))?$")

Words = Annotated[str, Field(min_length=1, max_length=4000)]
Said = Annotated[str, Field(min_length=1, max_length=200)]
Count = Annotated[int, Field(ge=1, le=500)]


class _Slots(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class CreateProject(_Slots):
    brief: Words | None = None
    shot_count: Count | None = None


class AddShot(_Slots):
    description: Words | None = None
    position: Count | Literal["end"] | None = Field(default=None, description="1-based place, or end")


class EditShot(_Slots):
    shot: Count | Said | None = Field(default=None, description="A shot id, or the shot's number")
    field: Literal["description", "camera", "framing", "motion", "duration"] | None = None
    value: Words | float | None = None


class RemoveShot(_Slots):
    shot: Count | Said | None = Field(default=None, description="A shot id, or the shot's number")


class AddCard(_Slots):
    kind: Literal["character", "location", "prop", "style"] | None = None
    name: Said | None = None
    attributes: dict[str, Words] | None = None


class EditCard(_Slots):
    card: Said | None = Field(default=None, description="A card id, or the name the user said")
    field: Said | None = None
    value: Words | float | None = None


class Regenerate(_Slots):
    target: Said | None = Field(
        default=None,
        description="shot/<shot id or number>[/keyframe|/clip], card/<card id or name>/sheet, cut or all",
    )


class Share(_Slots):
    what: Said | None = Field(default=None, description="card/<card id or name>, cut, shots, cards, assets")
    tenant: Said | None = None


class NoSlots(_Slots):
    pass


SLOTS: dict[Intent, type[_Slots]] = {
    Intent.CREATE_PROJECT: CreateProject,
    Intent.ADD_SHOT: AddShot,
    Intent.EDIT_SHOT: EditShot,
    Intent.REMOVE_SHOT: RemoveShot,
    Intent.ADD_CARD: AddCard,
    Intent.EDIT_CARD: EditCard,
    Intent.REGENERATE: Regenerate,
    Intent.SHARE: Share,
}


def _slot_schemas() -> list[JsonValue]:
    schemas: list[JsonValue] = []
    for intent in Intent:
        schema = SLOTS.get(intent, NoSlots).model_json_schema()
        schema["title"] = f"slots of {intent.value}"
        schemas.append(schema)
    return schemas


class IntentCall(BaseModel):
    """The arguments of `record_intent`. Validate with the ProjectContext (or None) as context."""

    model_config = ConfigDict(extra="forbid", strict=True)

    intent: Intent = Field(
        description="The one intent the message expresses; other when it asks for none of these."
    )
    slots: dict[str, Any] = Field(
        default_factory=dict,
        description="What the message says for that intent; leave out what it does not say.",
        json_schema_extra={"anyOf": _slot_schemas()},
    )
    confidence: float = Field(default=1.0, ge=0.0, le=1.0, description="How sure you are, 0 to 1.")

    @field_validator("slots", mode="before")
    @classmethod
    def _object(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError("slots must be an object")
        return value

    @model_validator(mode="after")
    def _typed_slots(self, info: ValidationInfo) -> IntentCall:
        kind = SLOTS.get(self.intent, NoSlots)
        try:
            typed = kind.model_validate(self.slots, strict=True)
        except ValidationError as error:
            raise ValueError(f"slots of {self.intent.value}: {describe(error)}") from None
        context = info.context if isinstance(info.context, ProjectContext) else None
        problems = _made_up_ids(typed.model_dump(exclude_none=True), context)
        if problems:
            raise ValueError("; ".join(problems))
        self.slots = typed.model_dump(exclude_none=True)
        return self

    def slot_values(self) -> dict[str, SlotValue]:
        return dict(self.slots)


def _made_up_ids(slots: dict[str, Any], context: ProjectContext | None) -> list[str]:
    shots = {s.id for s in context.shots} if context else set()
    cards = {c.id for c in context.cards} if context else set()
    problems = []
    for name, kind in (("shot", "shot"), ("card", "card")):
        value = slots.get(name)
        known = shots if kind == "shot" else cards
        if isinstance(value, str) and _GENERATED_ID.match(value) and value not in known:
            problems.append(f"slots.{name}: the project has no {kind} with id {value!r}")
    for name in ("target", "what"):
        value = slots.get(name)
        found = _TARGET.match(value) if isinstance(value, str) else None
        if found is None or found.group(1) == "project":
            continue
        ref = found.group(2)
        known = shots if found.group(1) == "shot" else cards
        if _GENERATED_ID.match(ref) and ref not in known:
            problems.append(f"slots.{name}: the project has no {found.group(1)} with id {ref!r}")
    if problems:
        problems.append("use an id listed in the project context, or the user's own words")
    return problems
