"""Every error the API returns is RFC 9457 `application/problem+json`: type, title, status, detail,
instance, plus the error's own fields.

Malformed JSON is a 400 (`/problems/malformed-json`): the request cannot be parsed at all, unlike a
well-formed body that breaks the schema, which is a 422 (`/problems/bad-input`) with an `errors` list
of `{loc, msg}`.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException

from craftology.api.routing import allowed_methods
from craftology.errors import BadInput, CraftologyError, PayloadTooLarge, RangeNotSatisfiable, Unauthenticated

PROBLEM_JSON = "application/problem+json"
_STANDARD = {"type", "title", "status", "detail", "instance"}
_HTTP_TYPES = {
    # FastAPI's own 400: a body it cannot decode at all (e.g. bytes that are not UTF-8).
    400: ("/problems/malformed-json", "Malformed JSON"),
    404: ("/problems/not-found", "Not found"),
    405: ("/problems/method-not-allowed", "Method not allowed"),
    413: (PayloadTooLarge.problem_type, PayloadTooLarge.title),
}

log = logging.getLogger(__name__)


class Problem(BaseModel):
    """An RFC 9457 problem document; some problems add fields (e.g. `errors`, `current_revision`)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str


_PROBLEM_DESCRIPTIONS = {
    400: "The body is not valid JSON (or not valid UTF-8)",
    401: "Missing, unknown, expired or revoked credentials (bearer token or session cookie)",
    403: "The policy does not allow this caller to do this (its role, its token's scopes), or a "
    "cookie-authenticated write failed its CSRF check",
    404: "No such resource for this tenant",
    409: "The change conflicts with the current state (e.g. records still refer to it, or the "
    "project already has an unfinished run)",
    412: "If-Match names a revision that is no longer current",
    413: "The request body is over the size limit",
    416: "The Range selects no byte of the content",
    422: "The input breaks the schema or refers to unknown records",
    428: "If-Match is required to change this record",
    429: "Too many requests from this caller or tenant this minute; see Retry-After",
    503: "A backend the request needs (sessions, rate limits, storage) is briefly unavailable",
}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` documenting the given problem statuses of a route."""
    return {
        code: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": _PROBLEM_DESCRIPTIONS[code]}
        for code in codes
    }


PROBLEM_RESPONSES = problem_responses(401, 403, 404, 413, 422, 429, 503)
"""What any /v1 route can answer (403: the policy; 413: any body over the route's limit; 429: rate
limits; 503: a backend down)."""
BODY_PROBLEMS = problem_responses(400)
"""Routes that read a JSON body."""
WRITE_PROBLEMS = problem_responses(412, 428)
"""Routes that need If-Match."""


def problem_response(
    request: Request,
    status: int,
    type_: str,
    title: str,
    detail: str,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Render one problem document; extra fields never override the standard ones."""
    body: dict[str, Any] = {k: v for k, v in (extra or {}).items() if k not in _STANDARD}
    body.update(type=type_, title=title, status=status, detail=detail, instance=request.url.path)
    return JSONResponse(jsonable_encoder(body), status_code=status, media_type=PROBLEM_JSON, headers=headers)


def render_error(request: Request, exc: Exception) -> JSONResponse:
    """The problem document of an expected failure (a CraftologyError)."""
    assert isinstance(exc, CraftologyError)
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    if "retry_after" in exc.extra:
        headers["Retry-After"] = str(exc.extra["retry_after"])
    if isinstance(exc, RangeNotSatisfiable) and "size" in exc.extra:
        headers["Content-Range"] = f"bytes */{exc.extra['size']}"
    if exc.status_code >= 500:
        log.error("request %s failed: %s", request.url.path, exc.detail)
    return problem_response(
        request, exc.status_code, exc.problem_type, exc.title, exc.detail, exc.extra, headers or None
    )


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": ".".join(str(p) for p in e["loc"]), "msg": e["msg"]} for e in exc.errors()]
    broken = [e for e in exc.errors() if e.get("type") == "json_invalid"]
    if broken:
        reason = broken[0].get("ctx", {}).get("error", "JSON decode error")
        return problem_response(
            request,
            400,
            "/problems/malformed-json",
            "Malformed JSON",
            f"request body is not valid JSON: {reason}",
        )
    detail = "; ".join(f"{e['loc']}: {e['msg']}" for e in errors)
    return problem_response(request, 422, BadInput.problem_type, BadInput.title, detail, {"errors": errors})


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    type_, title = _HTTP_TYPES.get(exc.status_code, ("about:blank", "HTTP error"))
    headers = dict(exc.headers) if exc.headers else {}
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request.app.router, request.scope))
    return problem_response(request, exc.status_code, type_, title, str(exc.detail), headers=headers or None)


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # No stack trace in the response: it leaks internals. Starlette re-raises the exception after this
    # response, so the server logs the traceback once.
    log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return problem_response(request, 500, "about:blank", "Internal error", "an unexpected error occurred")


def install_problem_handlers(app: FastAPI) -> None:
    """Route every kind of failure to its problem+json rendering."""
    app.add_exception_handler(CraftologyError, render_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
