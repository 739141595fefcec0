"""One error tree. Every expected failure carries its HTTP status and a problem type.

The API renders these as RFC 9457 ``application/problem+json``; the CLI prints ``detail`` on one line.
"""

from __future__ import annotations

from typing import Any


class CraftologyError(Exception):
    """Base of every expected failure."""

    status_code = 500
    problem_type = "about:blank"
    title = "Internal error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class BadInput(CraftologyError):
    status_code = 422
    problem_type = "/problems/bad-input"
    title = "Invalid input"


class Unauthenticated(CraftologyError):
    status_code = 401
    problem_type = "/problems/unauthenticated"
    title = "Authentication required"


class Forbidden(CraftologyError):
    """Authenticated, but this credential may not do this."""

    status_code = 403
    problem_type = "/problems/forbidden"
    title = "Forbidden"


class NotFound(CraftologyError):
    status_code = 404
    problem_type = "/problems/not-found"
    title = "Not found"


class Conflict(CraftologyError):
    status_code = 409
    problem_type = "/problems/conflict"
    title = "Conflict"


class PreconditionFailed(CraftologyError):
    """An If-Match revision no longer matches: someone else edited first."""

    status_code = 412
    problem_type = "/problems/precondition-failed"
    title = "Precondition failed"


class PreconditionRequired(CraftologyError):
    status_code = 428
    problem_type = "/problems/precondition-required"
    title = "Precondition required"


class PayloadTooLarge(CraftologyError):
    status_code = 413
    problem_type = "/problems/payload-too-large"
    title = "Payload too large"


class RangeNotSatisfiable(CraftologyError):
    status_code = 416
    problem_type = "/problems/range-not-satisfiable"
    title = "Range not satisfiable"


class StorageError(CraftologyError):
    """A storage backend failed in a way the caller cannot fix (adapters translate into this)."""

    status_code = 503
    problem_type = "/problems/storage-unavailable"
    title = "Storage unavailable"


class TooManyRequests(CraftologyError):
    status_code = 429
    problem_type = "/problems/too-many-requests"
    title = "Too many requests"


class ProjectDeleted(NotFound):
    """The project went away while the platform was working on it."""


class ProviderNotConfigured(CraftologyError):
    """The tenant has stored no key for this provider."""

    status_code = 409
    problem_type = "/problems/provider-not-configured"
    title = "Model provider not configured"


class TransientError(CraftologyError):
    """Worth retrying: a backend was briefly unavailable."""

    status_code = 503
    problem_type = "/problems/transient"
    title = "Temporarily unavailable"
