from __future__ import annotations

import io

import av
import numpy as np
import pytest

from craftology.errors import BadInput
from craftology.ports.generator import ClipRequest, CutClip, CutRequest, Generator
from tests.generation.conftest import decode_frames, has_preview_badge, mean_abs_diff, png


def top_centre(frame: np.ndarray) -> np.ndarray:
    """Where the cut burns "SHOT n"."""
    height, width = frame.shape[:2]
    return frame[: height // 5, width // 3 : 2 * width // 3]


def rest(frame: np.ndarray) -> np.ndarray:
    return frame[frame.shape[0] // 4 :]


def test_cut_concatenates_and_numbers_each_clip(generators: dict[str, Generator], static_clip: bytes) -> None:
    # The same source clip twice: any difference between the two segments is the burned-in number.
    request = CutRequest("p1", [CutClip(1, static_clip), CutClip(2, static_clip)], fps=12, seed=0)
    media = generators["cut"].generate(request)
    assert media.content_type == "video/mp4"
    assert media.metadata["model"] == "preview-cut"
    assert media.metadata["version"] == "1.0"
    assert media.metadata["preview"] is True
    assert media.metadata["label"] == "preview"
    source = decode_frames(static_clip)
    frames = decode_frames(media.content)
    assert len(frames) == 2 * len(source) == media.metadata["frames"]
    with av.open(io.BytesIO(media.content)) as container:
        assert container.duration is not None
        assert container.duration / 1_000_000 == pytest.approx(4.0, abs=0.1)
    first, second = frames[0], frames[len(source)]
    assert mean_abs_diff(top_centre(first), top_centre(source[0])) > 5  # the number was burned in
    assert mean_abs_diff(top_centre(first), top_centre(second)) > 1  # "SHOT 1" is not "SHOT 2"
    assert mean_abs_diff(rest(first), rest(second)) < 1.5  # and nothing else differs
    assert all(has_preview_badge(frame) for frame in (first, second, frames[-1]))


def test_cut_retimes_to_the_request_fps_and_scales_to_the_first_clip(
    generators: dict[str, Generator], static_clip: bytes
) -> None:
    small = png(np.full((90, 160, 3), 200))
    small_clip = generators["clip"].generate(ClipRequest("s2", small, "static", "none", 3.0, 8, 1)).content
    request = CutRequest("p1", [CutClip(1, static_clip), CutClip(2, small_clip)], fps=24, seed=0)
    media = generators["cut"].generate(request)
    frames = decode_frames(media.content)
    # 2 s at 12 fps and 3 s at 8 fps, both retimed to 24 fps: 48 + 72 frames, 5 seconds.
    assert media.metadata["segment_frames"] == [48, 72]
    assert len(frames) == 120
    assert media.metadata["duration"] == pytest.approx(5.0)
    assert {frame.shape for frame in frames} == {(180, 320, 3)}
    assert rest(frames[-1]).mean() == pytest.approx(200, abs=4)  # the small clip, scaled up


def test_cut_is_deterministic(generators: dict[str, Generator], static_clip: bytes) -> None:
    request = CutRequest("p1", [CutClip(3, static_clip)], fps=12, seed=0)
    assert generators["cut"].generate(request).content == generators["cut"].generate(request).content


@pytest.mark.parametrize("clips", [[], [CutClip(1, b"\x00\x00\x00\x18ftypmp42 garbage")]])
def test_unusable_cuts_are_bad_input(generators: dict[str, Generator], clips: list[CutClip]) -> None:
    with pytest.raises(BadInput):
        generators["cut"].generate(CutRequest("p1", clips, fps=24, seed=0))


def test_a_garbage_clip_after_a_good_one_is_bad_input(
    generators: dict[str, Generator], static_clip: bytes
) -> None:
    request = CutRequest("p1", [CutClip(1, static_clip), CutClip(2, b"not a video")], fps=24, seed=0)
    with pytest.raises(BadInput, match="shot 2"):
        generators["cut"].generate(request)
