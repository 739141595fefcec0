"""Call an ASGI app directly with a body sent one chunk per `receive`, counting what it pulls: the
test client hands a body over in one message, which cannot show when reading stopped."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from starlette.types import ASGIApp, Message


@dataclass(frozen=True)
class Streamed:
    status: int
    pulled: int  # chunks the app asked for


def stream_to(app: ASGIApp, method: str, path: str, headers: dict[str, str], chunks: list[bytes]) -> Streamed:
    pulled = 0
    status = 0

    async def receive() -> Message:
        nonlocal pulled
        if pulled < len(chunks):
            pulled += 1
            return {"type": "http.request", "body": chunks[pulled - 1], "more_body": pulled < len(chunks)}
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])

    raw = [(b"host", b"testserver"), (b"transfer-encoding", b"chunked")]
    raw += [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": raw, "client": ("127.0.0.1", 1), "server": ("testserver", 80),
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    return Streamed(status, pulled)
