"""What an upload may be, checked by its bytes: a file is what its first bytes (magic numbers) say,
not what the client's Content-Type claims. Pure: the caller reads the bytes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain

from craftology.errors import BadInput
from craftology.sync.targets import SPECS, TargetKind, parse_target

UPLOAD_TYPES: dict[TargetKind, tuple[str, ...]] = {kind: spec.media_types for kind, spec in SPECS.items()}
UPLOAD_MEDIA_TYPES = tuple(sorted({media for allowed in UPLOAD_TYPES.values() for media in allowed}))
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "video/mp4": "mp4"}

HEAD_BYTES = 12
"""Enough bytes to tell every accepted format apart."""


def sniff(head: bytes) -> str | None:
    """The media type the first bytes of a file show, or None when none of the accepted ones."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":  # ISO base media file (MP4): a box of type `ftyp` comes first
        return "video/mp4"
    return None


def check_upload(target: str, content_type: str, head: bytes) -> None:
    """BadInput unless `content_type` is one the target takes and `head` (the first HEAD_BYTES bytes
    of the upload, or all of it when shorter) shows a file of that type."""
    kind, _ = parse_target(target)
    if content_type not in UPLOAD_TYPES[kind]:
        allowed = ", ".join(UPLOAD_TYPES[kind])
        raise BadInput(f"a {kind.value} upload must be one of {allowed}, not {content_type!r}")
    if not head:
        raise BadInput("the upload is empty")
    found = sniff(head)
    if found != content_type:
        shown = f"a {found} file" if found else "no file of an accepted type"
        raise BadInput(f"the upload is declared {content_type} but its first bytes show {shown}")


def split_head(chunks: Iterable[bytes], size: int = HEAD_BYTES) -> tuple[bytes, Iterator[bytes]]:
    """The first `size` bytes of a stream (fewer if it is shorter), and the whole stream again."""
    stream = iter(chunks)
    taken: list[bytes] = []
    length = 0
    for chunk in stream:
        taken.append(chunk)
        length += len(chunk)
        if length >= size:
            break
    return b"".join(taken)[:size], chain(taken, stream)
