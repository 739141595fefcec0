"""Argument types of the tools, with the shapes the REST API's path and query parameters have, so a
malformed id is refused before any lookup and the tool's input schema says what is expected."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from craftology.api.pagination import MAX_LIMIT
from craftology.api.params import ID, TARGET


def _id(what: str) -> Any:
    return Field(pattern=f"^{ID}$", description=f"The {what}'s id.")


ProjectId = Annotated[str, _id("project")]
CardId = Annotated[str, _id("card")]
ShotId = Annotated[str, _id("shot")]
AssetId = Annotated[str, _id("asset")]
RunId = Annotated[str, _id("run")]
TargetId = Annotated[
    str,
    Field(
        pattern=TARGET,
        description="A target: `card/<id>/sheet`, `shot/<id>/keyframe`, `shot/<id>/clip` or "
        "`project/<id>/cut`.",
    ),
]
Cursor = Annotated[
    str | None, Field(max_length=512, description="`next_cursor` of the previous page; omit for the first.")
]
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description="Items per page.")]
Revision = Annotated[
    int | None,
    Field(
        ge=1,
        description="The `revision` you last read: the change is refused if someone changed the record "
        "since. Omit it to change whatever is there now.",
    ),
]
MergePatch = Annotated[
    dict[str, Any],
    Field(description="An RFC 7396 merge patch of the editable fields (null removes a field)."),
]
