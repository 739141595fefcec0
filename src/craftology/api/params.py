"""Path parameters with the shape of what they name, so the OpenAPI document states it and an id
that cannot exist is refused (422) before any lookup."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

ID = r"[a-z0-9][a-z0-9_-]{0,63}"
"""The shape of every record id (`craftology.projects.models.Id`), asset and run ids included."""
TARGET = rf"^(card/{ID}/sheet|shot/{ID}/(keyframe|clip)|project/{ID}/cut)$"
"""A target id: `card/<id>/sheet`, `shot/<id>/keyframe`, `shot/<id>/clip` or `project/<id>/cut`."""


def _id(what: str) -> object:
    return Path(pattern=f"^{ID}$", description=f"The {what}'s id.")


ProjectId = Annotated[str, _id("project")]
CardId = Annotated[str, _id("card")]
ShotId = Annotated[str, _id("shot")]
AssetId = Annotated[str, _id("asset")]
RunId = Annotated[str, _id("run")]
TargetId = Annotated[
    str,
    Path(
        pattern=TARGET,
        description="A target: `card/<id>/sheet`, `shot/<id>/keyframe`, `shot/<id>/clip` or "
        "`project/<id>/cut`.",
    ),
]
