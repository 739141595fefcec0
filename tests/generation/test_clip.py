from __future__ import annotations

import numpy as np
import pytest

from craftology.errors import BadInput
from craftology.ports.generator import ClipRequest, Generator
from tests.generation.conftest import decode_frames, has_preview_badge, mean_abs_diff, png


def clip_request(keyframe: bytes, camera: str, motion: str = "medium", **kw: object) -> ClipRequest:
    fields: dict[str, object] = {"duration": 2.0, "fps": 12, "seed": 5} | kw
    return ClipRequest("s1", keyframe, camera, motion, **fields)  # type: ignore[arg-type]


def body(frame: np.ndarray) -> np.ndarray:
    """The frame without the top band where the PREVIEW badge sits."""
    return frame[frame.shape[0] // 4 :]


@pytest.fixture(scope="module")
def vertical_keyframe() -> bytes:
    ramp = np.linspace(0, 255, 180)[:, None, None]
    return png(np.broadcast_to(ramp, (180, 320, 3)))


@pytest.fixture(scope="module")
def spot_keyframe() -> bytes:
    # A bright square in the middle of a dark frame: zooming in makes it fill more of the frame.
    image = np.full((180, 320, 3), 20)
    image[60:120, 120:200] = 235
    return png(image)


def test_frame_count_size_and_labels(generators: dict[str, Generator], gradient_keyframe: bytes) -> None:
    media = generators["clip"].generate(clip_request(gradient_keyframe, "pan_right", duration=3.0, fps=24))
    assert media.content_type == "video/mp4"
    assert media.content[4:8] == b"ftyp"
    assert media.metadata["model"] == "preview-clip"
    assert media.metadata["version"] == "1.0"
    assert media.metadata["preview"] is True
    assert media.metadata["label"] == "preview"
    frames = decode_frames(media.content)
    assert len(frames) == 72 == media.metadata["frames"]
    assert frames[0].shape == (180, 320, 3)
    assert all(has_preview_badge(frame) for frame in (frames[0], frames[36], frames[-1]))


def test_odd_keyframe_is_trimmed_to_even_dimensions(generators: dict[str, Generator]) -> None:
    odd = png(np.full((101, 151, 3), 128))
    frames = decode_frames(generators["clip"].generate(clip_request(odd, "static")).content)
    assert frames[0].shape == (100, 150, 3)


def test_static_stays_still_and_pans_move(generators: dict[str, Generator], gradient_keyframe: bytes) -> None:
    static = decode_frames(generators["clip"].generate(clip_request(gradient_keyframe, "static")).content)
    right = decode_frames(generators["clip"].generate(clip_request(gradient_keyframe, "pan_right")).content)
    left = decode_frames(generators["clip"].generate(clip_request(gradient_keyframe, "pan_left")).content)
    assert mean_abs_diff(static[0], static[-1]) < 1.0
    assert mean_abs_diff(right[0], right[-1]) > 5.0
    # The keyframe brightens to the right: panning right ends brighter, panning left ends darker.
    assert body(right[-1]).mean() > body(right[0]).mean() + 5
    assert body(left[-1]).mean() < body(left[0]).mean() - 5


def test_tilts_move_vertically(generators: dict[str, Generator], vertical_keyframe: bytes) -> None:
    down = decode_frames(generators["clip"].generate(clip_request(vertical_keyframe, "tilt_down")).content)
    up = decode_frames(generators["clip"].generate(clip_request(vertical_keyframe, "tilt_up")).content)
    assert body(down[-1]).mean() > body(down[0]).mean() + 5
    assert body(up[-1]).mean() < body(up[0]).mean() - 5


def test_dollies_zoom(generators: dict[str, Generator], spot_keyframe: bytes) -> None:
    def bright(frame: np.ndarray) -> int:
        return int((body(frame).mean(axis=2) > 150).sum())

    dolly_in = decode_frames(generators["clip"].generate(clip_request(spot_keyframe, "dolly_in")).content)
    dolly_out = decode_frames(generators["clip"].generate(clip_request(spot_keyframe, "dolly_out")).content)
    assert bright(dolly_in[-1]) > bright(dolly_in[0]) * 1.2
    assert bright(dolly_out[-1]) * 1.2 < bright(dolly_out[0])


def test_motion_scales_the_move(generators: dict[str, Generator], gradient_keyframe: bytes) -> None:
    travel = {}
    for motion in ["none", "slow", "medium", "fast"]:
        frames = decode_frames(
            generators["clip"].generate(clip_request(gradient_keyframe, "pan_right", motion)).content
        )
        travel[motion] = body(frames[-1]).mean() - body(frames[0]).mean()
    assert 0 < travel["none"] < travel["slow"] < travel["medium"] < travel["fast"]


def test_handheld_jitters_by_seed(generators: dict[str, Generator], spot_keyframe: bytes) -> None:
    one = generators["clip"].generate(clip_request(spot_keyframe, "handheld", seed=1)).content
    two = generators["clip"].generate(clip_request(spot_keyframe, "handheld", seed=2)).content
    assert one == generators["clip"].generate(clip_request(spot_keyframe, "handheld", seed=1)).content
    assert one != two
    frames = decode_frames(one)
    shifts = [mean_abs_diff(frames[0], frame) for frame in frames[1:]]
    assert max(shifts) > 1.0  # it moves ...
    assert max(shifts) < 40.0  # ... but only a little


@pytest.mark.parametrize(
    "change",
    [{"camera": "orbit"}, {"motion": "warp"}, {"duration": 10.0}, {"fps": 2}, {"keyframe": b"GIF89a broken"}],
)
def test_unusable_requests_are_bad_input(
    generators: dict[str, Generator], gradient_keyframe: bytes, change: dict[str, object]
) -> None:
    fields: dict[str, object] = {"keyframe": gradient_keyframe, "camera": "static", "motion": "none"} | change
    keyframe, camera, motion = fields.pop("keyframe"), fields.pop("camera"), fields.pop("motion")
    with pytest.raises(BadInput):
        generators["clip"].generate(clip_request(keyframe, camera, motion, **fields))  # type: ignore[arg-type]


def test_a_huge_keyframe_is_scaled_down_to_preview_size(generators: dict[str, Generator]) -> None:
    huge = png(np.full((900, 1600, 3), 90))
    media = generators["clip"].generate(clip_request(huge, "static"))
    assert (media.metadata["width"], media.metadata["height"]) == (768, 432)
    assert decode_frames(media.content)[0].shape == (432, 768, 3)
