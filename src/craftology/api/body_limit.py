"""Request body size limit as a plain ASGI middleware (it must see the raw byte stream).

The declared Content-Length is checked before the app runs; bodies without one (chunked) are counted
while the app reads them. JSON and form bodies get `max_body_bytes`; other media types (uploads) get
`max_upload_bytes`.
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from craftology.errors import PayloadTooLarge


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a streamed body passes its limit (rendered as a 413 problem)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body exceeds the limit of {limit} bytes")


def _is_structured(content_type: str | None) -> bool:
    if not content_type:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return (
        media.endswith(("/json", "+json"))
        or media.startswith("text/")
        or media in {"application/x-www-form-urlencoded"}
    )


class BodySizeLimit:
    """Reject request bodies over the limit with 413 before they are buffered anywhere."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.max_body_bytes if _is_structured(headers.get("content-type")) else self.max_upload_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _reject(scope, send, limit)
            return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            # Normally the app's handlers render it; this covers a body read outside them.
            if started:
                raise
            await _reject(scope, send, limit)


async def _reject(scope: Scope, send: Send, limit: int) -> None:
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
