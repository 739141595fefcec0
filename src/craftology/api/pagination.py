"""Cursor pagination: `?limit=1..200&cursor=...` → `{"items": [...], "next_cursor": ...}` plus a
`Link: <next page>; rel="next"` header while there is a next page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Query, Request, Response
from pydantic import BaseModel

from craftology.projects.changes import Listing, Versioned

T = TypeVar("T")
Out = TypeVar("Out", bound=BaseModel)

MAX_LIMIT = 200


class PageOut(BaseModel, Generic[Out]):
    """One page of a list; pass `next_cursor` as `cursor` to get the next (null on the last page)."""

    items: list[Out]
    next_cursor: str | None


@dataclass(frozen=True)
class PageParams:
    limit: int
    cursor: str | None


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = 50,
    cursor: Annotated[
        str | None, Query(max_length=512, description="`next_cursor` of the previous page.")
    ] = None,
) -> PageParams:
    """The page a list request asks for."""
    return PageParams(limit, cursor)


def page_response(
    request: Request, response: Response, listing: Listing[T], convert: Callable[[Versioned[T]], Out]
) -> PageOut[Out]:
    """Convert a service Listing into the response body and set the Link header."""
    if listing.next_cursor is not None:
        following = request.url.include_query_params(cursor=listing.next_cursor)
        response.headers["Link"] = f'<{following}>; rel="next"'
    return PageOut(items=[convert(item) for item in listing.items], next_cursor=listing.next_cursor)
