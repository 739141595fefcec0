from __future__ import annotations

import pytest

from craftology.api.ranges import parse_range
from craftology.errors import RangeNotSatisfiable


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        (None, 100, None),
        ("", 100, None),
        ("bytes=0-0", 100, (0, 1)),
        ("bytes=0-99", 100, (0, 100)),
        ("bytes=10-19", 100, (10, 20)),
        ("bytes=90-500", 100, (90, 100)),  # the end is clamped to the blob
        ("bytes=50-", 100, (50, 100)),
        ("bytes=99-", 100, (99, 100)),
        ("bytes=-10", 100, (90, 100)),
        ("bytes=-500", 100, (0, 100)),  # a suffix longer than the blob is the whole blob
        ("BYTES = 1 - 2", 100, (1, 3)),
        ("bytes=5-4", 100, None),  # last < first: invalid, so ignored
        ("bytes=-", 100, None),
        ("bytes=a-b", 100, None),
        ("items=0-5", 100, None),  # another unit: ignored
        ("bytes=0-1,5-6", 100, None),  # several ranges: served whole
        ("bytes=0-5", 1, (0, 1)),
    ],
)
def test_parse_range(header: str | None, size: int, expected: tuple[int, int] | None) -> None:
    assert parse_range(header, size) == expected


@pytest.mark.parametrize(
    ("header", "size"),
    [("bytes=100-", 100), ("bytes=100-200", 100), ("bytes=-0", 100), ("bytes=0-", 0), ("bytes=-5", 0)],
)
def test_unsatisfiable_ranges(header: str, size: int) -> None:
    with pytest.raises(RangeNotSatisfiable) as error:
        parse_range(header, size)
    assert error.value.extra["size"] == size
    assert error.value.status_code == 416
