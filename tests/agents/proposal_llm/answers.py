"""A valid proposal as a model would write it, for the LLM proposal engine's tests (their servers come
from tests/agents/conftest.py)."""

from __future__ import annotations

import json
from typing import Any

from tests.openai_server import Reply

BRIEF = "A 30-second film about a lighthouse keeper and a storm; her cat Whiskers watches"


def model_proposal(shots: int = 3, **changes: Any) -> dict[str, Any]:
    """What a good model answers: richer attributes than the lexicons give."""
    proposal: dict[str, Any] = {
        "project": {"name": "The Keeper and the Storm", "brief": "(the model's paraphrase)",
                    "settings": {"aspect_ratio": "2.39:1", "fps": 24, "style": "cold teal storm light"}},
        "cards": [
            {"draft_id": "keeper", "kind": "character", "name": "Lighthouse Keeper",
             "attributes": {"age": "sixties", "wardrobe": "yellow oilskin coat", "hair": "grey braid"}},
            {"draft_id": "whiskers", "kind": "character", "name": "Whiskers",
             "attributes": {"species": "cat", "fur": "ginger tabby"}},
            {"draft_id": "lighthouse", "kind": "location", "name": "Lighthouse",
             "attributes": {"weather": "storm", "time_of_day": "night"}},
            {"draft_id": "look", "kind": "style", "name": "Look",
             "attributes": {"palette": "teal and amber"}},
        ],
        "shots": [
            {"draft_id": f"shot-{n}", "description": f"Beat {n}: waves break on the rocks",
             "camera": "handheld", "framing": "wide", "motion": "fast", "duration": 3.5,
             "cards": ["keeper", "lighthouse"]}
            for n in range(1, shots + 1)
        ],
        "notes": [],
    }  # fmt: skip
    proposal.update(changes)
    return proposal


def proposes(proposal: dict[str, Any]) -> Reply:
    return Reply(tool_calls=(("propose_project", json.dumps(proposal)),))
