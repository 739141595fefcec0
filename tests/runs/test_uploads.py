from __future__ import annotations

import pytest

from craftology.assets.uploads import HEAD_BYTES, check_upload, sniff, split_head
from craftology.errors import BadInput

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L"
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (WEBP, "image/webp"),
        (MP4, "video/mp4"),
        (b"RIFF\x1a\x00\x00\x00WAVEfmt ", None),
        (b"GIF89a\x01\x00\x01\x00", None),
        (b"\x89PNG", None),
        (b"", None),
        (b"<html>", None),
    ],
)
def test_sniff_tells_the_accepted_formats_by_their_first_bytes(head: bytes, expected: str | None) -> None:
    assert sniff(head) == expected


def test_check_upload_needs_a_type_the_target_takes_and_bytes_of_that_type() -> None:
    check_upload("card/mia/sheet", "image/png", PNG)
    check_upload("shot/s1/clip", "video/mp4", MP4)
    for target, declared, head in [
        ("card/mia/sheet", "video/mp4", MP4),  # a sheet is an image
        ("shot/s1/clip", "video/mp4", PNG),
        ("card/mia/sheet", "image/jpeg", PNG),
        ("card/mia/sheet", "image/png", b""),
        ("nonsense", "image/png", PNG),
    ]:
        with pytest.raises(BadInput):
            check_upload(target, declared, head)


def test_split_head_keeps_every_byte() -> None:
    chunks = [b"\x89P", b"NG", b"\r\n\x1a\n\x00", b"\x00\x00\rIHDR and the rest", b"!"]
    head, stream = split_head(iter(chunks))
    assert head == b"".join(chunks)[:HEAD_BYTES]
    assert b"".join(stream) == b"".join(chunks)
    head, stream = split_head(iter([b"ab"]))
    assert (head, b"".join(stream)) == (b"ab", b"ab")
    head, stream = split_head(iter([]))
    assert (head, list(stream)) == (b"", [])
