"""Intents that edit the storyboard and the cards, each through one MCP tool (two for a shot added at
a given place, undone together). Removing a shot deletes: it is only offered, for confirmation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from craftology.agents.chat.acting import Acting
from craftology.agents.chat.confirmations import Pending
from craftology.agents.chat.events import ChatEvent, action, message
from craftology.agents.chat.tools import ToolRefused
from craftology.ports.intent import IntentResult

CARD_FIELDS = frozenset({"name", "kind"})  # a card's own fields; any other is one of its attributes


def _shots_list(acting: Acting) -> str:
    return ", ".join(f"{s.number} ({s.description[:40]})" for s in acting.project.shots) or "none yet"


async def add_shot(result: IntentResult, acting: Acting) -> AsyncIterator[ChatEvent]:
    description = result.slots.get("description")
    if not isinstance(description, str) or not description.strip():
        yield message(
            "What should the new shot show? For example: add a shot of the keeper climbing the stairs."
        )
        return
    arguments: dict[str, Any] = {"project_id": acting.project_id, "shot": {"description": description}}
    created = await acting.tools.call("create_shot", arguments)
    yield action("create_shot", arguments, f"added shot {created['id']!r}: {description}")
    position = result.slots.get("position")
    shots = acting.project.shots
    if isinstance(position, int) and 1 <= position <= len(shots):
        move = {"project_id": acting.project_id, "shot_id": created["id"], "before": shots[position - 1].id}
        try:
            await acting.tools.call("move_shot", move)
        except ToolRefused:
            # Half an edit is not kept: the shot goes again rather than stay in the wrong place.
            await acting.tools.call(
                "delete_shot", {"project_id": acting.project_id, "shot_id": created["id"]}
            )
            raise
        yield action("move_shot", move, f"moved it to place {position}")
    yield message(f"Added a shot: {description}.")


async def edit_shot(result: IntentResult, acting: Acting) -> AsyncIterator[ChatEvent]:
    shot_id = acting.known_shot(result.slots.get("shot"))
    field, value = result.slots.get("field"), result.slots.get("value")
    if shot_id is None:
        yield message(f"Which shot? The storyboard has: {_shots_list(acting)}.")
        return
    if not isinstance(field, str) or value is None:
        yield message(
            "What should change? For example: make shot 2 a close-up, or set its duration to 3 seconds."
        )
        return
    arguments = {"project_id": acting.project_id, "shot_id": shot_id, "patch": {field: value}}
    await acting.tools.call("update_shot", arguments)
    number = acting.shot_number(shot_id)
    yield action("update_shot", arguments, f"set {field} of shot {number} to {value}")
    yield message(f"Shot {number}: {field} is now {value}.")


async def remove_shot(result: IntentResult, acting: Acting) -> AsyncIterator[ChatEvent]:
    shot_id = acting.known_shot(result.slots.get("shot"))
    if shot_id is None:
        yield message(f"Which shot should go? The storyboard has: {_shots_list(acting)}.")
        return
    number = acting.shot_number(shot_id)
    description = next(s.description for s in acting.project.shots if s.id == shot_id)
    arguments = {"project_id": acting.project_id, "shot_id": shot_id}
    yield await acting.offer(Pending("delete_shot", arguments, f"delete shot {number} ({description[:60]})"))


async def add_card(result: IntentResult, acting: Acting) -> AsyncIterator[ChatEvent]:
    kind, name = result.slots.get("kind"), result.slots.get("name")
    if not isinstance(name, str) or not name.strip():
        yield message("What is the new card called? For example: add a character named Tom with red hair.")
        return
    attributes = result.slots.get("attributes")
    card = {
        "kind": kind if isinstance(kind, str) else "character",
        "name": name,
        "attributes": attributes if isinstance(attributes, dict) else {},
    }
    arguments = {"project_id": acting.project_id, "card": card}
    created = await acting.tools.call("create_card", arguments)
    yield action("create_card", arguments, f"added {card['kind']} card {created['id']!r}")
    yield message(f"Added the {card['kind']} {name}.")


async def edit_card(result: IntentResult, acting: Acting) -> AsyncIterator[ChatEvent]:
    card_id = acting.known_card(result.slots.get("card"))
    field, value = result.slots.get("field"), result.slots.get("value")
    if card_id is None:
        names = ", ".join(c.name for c in acting.project.cards) or "none yet"
        yield message(f"Which card? The project has: {names}.")
        return
    if not isinstance(field, str) or value is None:
        yield message("What should change? For example: make Mia's hair red.")
        return
    patch = {field: value} if field in CARD_FIELDS else {"attributes": {field: value}}
    arguments = {"project_id": acting.project_id, "card_id": card_id, "patch": patch}
    await acting.tools.call("update_card", arguments)
    yield action("update_card", arguments, f"set {field} of card {card_id!r} to {value}")
    yield message(f"Updated {card_id}: {field} is now {value}.")
