"""Which errors an activity must not retry, derived from the error tree.

Every ``CraftologyError`` whose HTTP status is 4xx says the request itself is wrong (bad input, a
deleted card, a conflict, a stale revision...): repeating it cannot help. Derived, not listed, so a new
error class is classified by the status it declares.
"""

from __future__ import annotations

from craftology.errors import CraftologyError


def _subclasses(cls: type[CraftologyError]) -> list[type[CraftologyError]]:
    found: list[type[CraftologyError]] = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def is_request_error(error: BaseException) -> bool:
    return isinstance(error, CraftologyError) and 400 <= error.status_code < 500


NON_RETRYABLE_ERROR_TYPES = sorted(
    {cls.__name__ for cls in _subclasses(CraftologyError) if 400 <= cls.status_code < 500}
)
