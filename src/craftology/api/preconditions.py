"""ETags are record revisions: `ETag: "<revision>"`. Writes to existing records need If-Match."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from craftology.errors import PreconditionFailed, PreconditionRequired


def etag(revision: int) -> str:
    return f'"{revision}"'


def required_revision(
    if_match: Annotated[
        str | None,
        Header(description='The ETag from a GET (e.g. `"3"`), or `*` for any revision. Required.'),
    ] = None,
) -> int | None:
    """The revision the client expects (None for `*`). 428 without If-Match; an ETag that can never
    match (weak or malformed) is 412, as RFC 9110 uses strong comparison for If-Match."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired("send If-Match with the ETag of your last read (or `*`) to change this")
    value = if_match.strip()
    if value == "*":
        return None
    digits = value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
    if not digits.isdigit():
        raise PreconditionFailed(f"If-Match {value} does not match the current revision")
    return int(digits)
