"""ETags are record revisions: `ETag: "<revision>"`. Writes to existing records need If-Match."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Header

from craftology.errors import BadInput, PreconditionFailed, PreconditionRequired

IF_MATCH_PATTERN = r'^(\*|(W/)?"[!#-~]*")$'
"""`*` or one entity tag (RFC 9110 §8.8.3), weak or strong."""
_IF_MATCH = re.compile(IF_MATCH_PATTERN)


def etag(revision: int) -> str:
    return f'"{revision}"'


def required_revision(
    if_match: Annotated[
        str | None,
        Header(description='The ETag from a GET (e.g. `"3"`), or `*` for any revision. Required.'),
    ] = None,
) -> int | None:
    """The revision the client expects (None for `*`). 428 without If-Match; 422 when it is not `*`
    or an entity tag; an entity tag that can never match (weak, or not a revision) is 412, as RFC
    9110 uses strong comparison for If-Match."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired("send If-Match with the ETag of your last read (or `*`) to change this")
    value = if_match.strip()
    if not _IF_MATCH.fullmatch(value):
        raise BadInput(f'If-Match must be `*` or an entity tag such as `"3"`, not {value!r}')
    if value == "*":
        return None
    digits = value[1:-1]
    if value.startswith("W/") or not digits.isdigit():
        raise PreconditionFailed(f"If-Match {value} does not match the current revision")
    return int(digits)
