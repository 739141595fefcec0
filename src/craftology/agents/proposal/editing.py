"""Edits of a proposal: an RFC 7396 merge patch of its document, validated as a whole afterwards.

Plain merge patch replaces an array whole, which would make changing one card's hair resend every
card. So `cards` and `shots` also take an object keyed by draft id: each member is merge-patched
into the item with that id, null removes it, and an id not there yet adds an item at the end.
An array still replaces the list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from craftology.agents.proposal.draft import Proposal
from craftology.errors import BadInput
from craftology.projects.validation import merge_patch, validate

KEYED = ("cards", "shots")


def apply_patch(proposal: Proposal, patch: Mapping[str, Any]) -> Proposal:
    """The edited proposal; BadInput (every problem at once) when the result is not a valid one,
    e.g. a shot naming a card the proposal does not have."""
    document = proposal.model_dump(mode="json")
    rest = dict(patch)
    for name in KEYED:
        keyed = rest.get(name)
        if isinstance(keyed, Mapping):
            document[name] = _patch_items(document[name], keyed, name)
            del rest[name]
    return validate(Proposal, merge_patch(document, rest))


def _patch_items(items: list[dict[str, Any]], patch: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    by_id = {item["draft_id"]: item for item in items}
    missing = [key for key, value in patch.items() if value is None and key not in by_id]
    if missing:
        raise BadInput(
            f"{name}: no {name[:-1]} with draft id {', '.join(missing)} to remove", unknown=missing
        )
    for key, value in patch.items():
        if value is not None and not isinstance(value, Mapping):
            raise BadInput(f"{name}.{key}: give an object (a merge patch of that {name[:-1]}) or null")
    edited = []
    for item in items:
        change = patch.get(item["draft_id"], {})
        if change is not None:
            edited.append({**merge_patch(item, change), "draft_id": item["draft_id"]})
    edited += [
        {**value, "draft_id": key} for key, value in patch.items() if value is not None and key not in by_id
    ]
    return edited
