"""Slot extraction by rules, one reader per intent."""

from __future__ import annotations

from collections.abc import Callable

from craftology.agents.intent import card_slots, project_slots, shot_slots
from craftology.ports.intent import Intent, SlotValue

_READERS: dict[Intent, Callable[[str], dict[str, SlotValue]]] = {
    Intent.CREATE_PROJECT: project_slots.create_project,
    Intent.ADD_SHOT: shot_slots.add_shot,
    Intent.EDIT_SHOT: shot_slots.edit_shot,
    Intent.REMOVE_SHOT: shot_slots.remove_shot,
    Intent.ADD_CARD: card_slots.add_card,
    Intent.EDIT_CARD: card_slots.edit_card,
    Intent.REGENERATE: project_slots.regenerate,
    Intent.SHARE: project_slots.share,
}


def extract(intent: Intent, plain: str) -> dict[str, SlotValue]:
    """The slots of a message in plain form (see text.plain), as the user said them."""
    reader = _READERS.get(intent)
    return reader(plain) if reader is not None else {}
