"""Intent detection: what a person's message asks Craftology to do, with the details it named.

Two engines stand behind this port: the embedded one (no network, no torch) and the LLM one
(craftology.agents.intent.llm) through an OpenAI-compatible chat API. Both answer the same `IntentResult`.

Slots hold JSON values. Without a `ProjectContext` they stay as the user said them, normalised only
in form: an ordinal or a number becomes an int ("the second shot" -> 2), a field name its canonical
spelling ("close-up" -> "close_up"). With a context, references resolve to the project's real ids
("the lighthouse keeper" -> the card's id, "shot 3" -> the third shot's id) where they match.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

SlotValue = str | int | float | dict[str, str]


class Intent(StrEnum):
    CREATE_PROJECT = "create_project"  # slots: brief, shot_count
    ADD_SHOT = "add_shot"  # description, position
    EDIT_SHOT = "edit_shot"  # shot, field, value
    REMOVE_SHOT = "remove_shot"  # shot
    ADD_CARD = "add_card"  # kind, name, attributes
    EDIT_CARD = "edit_card"  # card, field, value
    REGENERATE = "regenerate"  # target
    APPROVE_PLAN = "approve_plan"
    SHOW_STATUS = "show_status"
    SHOW_USAGE = "show_usage"
    SHARE = "share"  # what, tenant
    OTHER = "other"


@dataclass(frozen=True)
class CardRef:
    id: str
    name: str
    kind: str  # character, location, prop or style


@dataclass(frozen=True)
class ShotRef:
    id: str
    number: int  # 1-based place in the storyboard, as a person counts shots
    description: str


@dataclass(frozen=True)
class ProjectContext:
    """What a caller knows of the project a message is about, so references resolve to ids."""

    project_id: str
    cards: tuple[CardRef, ...] = ()
    shots: tuple[ShotRef, ...] = ()  # in storyboard order


@dataclass(frozen=True)
class IntentResult:
    intent: Intent
    slots: Mapping[str, SlotValue] = field(default_factory=dict)
    confidence: float = 0.0  # 0..1: how sure the engine is of `intent`

    def as_json(self) -> dict[str, object]:
        return {"intent": self.intent.value, "slots": dict(self.slots), "confidence": self.confidence}


@runtime_checkable
class IntentEngine(Protocol):
    def detect(self, text: str, context: ProjectContext | None = None) -> IntentResult:
        """The intent of one message, its slots (resolved against `context` when given), and the
        engine's confidence. Raises BadInput for an empty message."""
        ...
