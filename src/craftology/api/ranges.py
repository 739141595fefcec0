"""Byte ranges for blob downloads (RFC 9110 §14): one range per request, else the whole blob."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi.responses import StreamingResponse

from craftology.errors import RangeNotSatisfiable
from craftology.ports.assets import AssetStore

_RANGE = re.compile(r"^bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The byte range `[start, stop)` (stop exclusive, like AssetStore.open) a Range header asks of a
    blob of `size` bytes, or None to send the whole blob.

    Supports `bytes=a-b`, `bytes=a-` and `bytes=-n`. A header that is malformed, uses another unit or
    asks for several ranges is ignored (None), as RFC 9110 allows. A syntactically valid range that
    selects no byte raises RangeNotSatisfiable (416) carrying `size` for `Content-Range: bytes */size`.
    """
    if header is None or not header.strip():
        return None
    match = _RANGE.match(header.strip())
    if match is None:
        return None
    first, last = match.group(1), match.group(2)
    if not first and not last:
        return None
    if not first:  # suffix: the last n bytes
        length = int(last)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable(f"range {header!r} selects no byte of a {size}-byte blob", size=size)
        return max(size - length, 0), size
    start = int(first)
    if last and int(last) < start:
        return None  # invalid, so ignored
    if start >= size:
        raise RangeNotSatisfiable(f"range {header!r} starts past the end of a {size}-byte blob", size=size)
    stop = min(int(last) + 1, size) if last else size
    return start, stop


_BLOB_HEADERS = {
    "X-Content-Type-Options": {
        "description": "Always `nosniff`: the content is only what its Content-Type says.",
        "required": True,
        "schema": {"type": "string", "enum": ["nosniff"]},
    },
    "ETag": {"description": "The content key in quotes.", "required": True, "schema": {"type": "string"}},
    "Accept-Ranges": {"required": True, "schema": {"type": "string", "enum": ["bytes"]}},
}


def _content_response(description: str, extra_headers: dict[str, Any]) -> dict[str, Any]:
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {
        "description": description,
        "content": dict.fromkeys(BLOB_MEDIA_TYPES, binary),
        "headers": {**_BLOB_HEADERS, **extra_headers},
    }


BLOB_MEDIA_TYPES = ("image/jpeg", "image/png", "image/webp", "video/mp4")
CONTENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: _content_response("The whole content", {}),
    206: _content_response(
        "The requested range",
        {
            "Content-Range": {
                "required": True,
                "schema": {"type": "string", "pattern": r"^bytes \d+-\d+/\d+$"},
            }
        },
    ),
}
"""OpenAPI `responses=` of a route answering with `blob_response`."""


def blob_response(
    assets: AssetStore,
    tenant: str,
    key: str,
    size: int,
    content_type: str,
    range_header: str | None,
    filename: str | None = None,
) -> StreamingResponse:
    """Stream a blob: 200 with the whole blob, or 206 with the requested range. The ETag is the
    content key, so it never changes for the same bytes; `X-Content-Type-Options: nosniff` keeps
    browsers from reading the bytes as anything but `content_type`."""
    selected = parse_range(range_header, size)
    start, stop = selected if selected is not None else (0, size)
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Length": str(stop - start),
        "ETag": f'"{key}"',
        # Stored bytes are served as their recorded type only: a browser must not guess another.
        "X-Content-Type-Options": "nosniff",
    }
    if selected is not None:
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
    if filename:
        ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
        headers["Content-Disposition"] = (
            f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
        )
    body = assets.open(tenant, key, start, stop) if stop > start else iter(())
    return StreamingResponse(
        body, status_code=206 if selected is not None else 200, media_type=content_type, headers=headers
    )
