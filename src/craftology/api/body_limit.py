"""Request body limits, chosen by the route a request goes to, never by the Content-Type it claims.

Every route takes at most `max_body_bytes`. A route that declares a large binary body (its
`openapi_extra` made by `upload_body`, which also documents the body) takes up to `max_upload_bytes`.
A declared Content-Length over the limit is refused before the app runs; a body without one
(chunked) is counted while the app reads it.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import Message, Receive, Scope, Send

from craftology.errors import PayloadTooLarge

LARGE_BODY = "x-large-binary-body"
"""OpenAPI extension marking an operation whose body may be up to the upload limit."""


def upload_body(*media_types: str) -> dict[str, Any]:
    """`openapi_extra` of a route that reads a large raw body of one of `media_types` itself."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {
        LARGE_BODY: True,
        "requestBody": {"required": True, "content": dict.fromkeys(media_types, binary)},
    }


def takes_large_body(route: object) -> bool:
    extra = getattr(route, "openapi_extra", None)
    return bool(extra and extra.get(LARGE_BODY))


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a streamed body passes its limit (rendered as a 413 problem)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body exceeds the limit of {limit} bytes")


def declared_over(headers: Headers, limit: int) -> bool:
    declared = headers.get("content-length", "")
    return declared.isdigit() and int(declared) > limit


def expects_body(headers: Headers) -> bool:
    return headers.get("content-length", "0") not in ("", "0") or "transfer-encoding" in headers


def counting(receive: Receive, limit: int) -> Receive:
    """`receive` that raises BodyTooLarge as soon as more than `limit` body bytes came in."""
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
        return message

    return counted


async def reject_too_large(scope: Scope, send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "type": PayloadTooLarge.problem_type,
            "title": PayloadTooLarge.title,
            "status": 413,
            "detail": f"request body exceeds the limit of {limit} bytes",
            "instance": scope.get("path", ""),
        }
    ).encode()
    headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
    # Tell the client we will not read the rest of its body.
    headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
