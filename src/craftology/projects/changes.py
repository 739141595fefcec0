"""What the projects service hands back and what it tells listeners after each write."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Versioned(Generic[T]):
    """A value with the store revision it was read or written at; the revision is its ETag."""

    value: T
    revision: int
    updated_at: str = ""


@dataclass(frozen=True)
class Listing(Generic[T]):
    """One page of a list, with the cursor of the next page (None on the last page)."""

    items: list[Versioned[T]]
    next_cursor: str | None = None


@dataclass(frozen=True)
class Change:
    """One record changed by a committed write. `before` is None on create, `after` None on delete."""

    tenant: str
    project_id: str
    collection: str
    record_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


Listener = Callable[[Change], None]


def notify(listeners: Sequence[Listener], changes: Sequence[Change]) -> None:
    """Tell every listener about every change. Runs after the commit, so a failing listener is
    logged and skipped: the write already happened and the other listeners still hear about it."""
    for listener in listeners:
        for change in changes:
            # Each listener gets its own copy so one cannot alter what the next one sees.
            try:
                listener(copy.deepcopy(change))
            except Exception:
                log.exception(
                    "project change listener %r failed on %s/%s",
                    listener,
                    change.collection,
                    change.record_id,
                )
