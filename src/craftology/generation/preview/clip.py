"""preview-clip: a shot clip made by moving a virtual camera over the accepted keyframe."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from craftology.errors import BadInput
from craftology.generation.preview.drawing import decode_image, metadata, preview_label
from craftology.generation.preview.video import encode_mp4
from craftology.ports.generator import ClipRequest, GenerationRequest, Media

Box = tuple[float, float, float, float]
CAMERAS = ("static", "pan_left", "pan_right", "tilt_up", "tilt_down", "dolly_in", "dolly_out", "handheld")
# How far the camera travels. A shot that asks for a pan with motion "none" still pans, gently:
# the camera move is explicit, motion only sets its pace.
MOTION_SCALE = {"none": 0.5, "slow": 0.75, "medium": 1.0, "fast": 1.5}
TRAVEL = 0.12  # share of the frame a full-pace pan/tilt crosses
ZOOM = 0.22  # share of the frame a full-pace dolly crops away
SHAKE = 0.012  # handheld jitter amplitude, share of the frame
MAX_SIDE = 768


class PreviewClipGenerator:
    """Renders `duration * fps` frames from the keyframe with the requested camera move and encodes
    them as H.264 MP4 (yuv420p, even dimensions)."""

    model_id = "preview-clip"
    version = "1.0"

    def generate(self, request: GenerationRequest) -> Media:
        if not isinstance(request, ClipRequest):
            raise BadInput(f"{self.model_id} expects a ClipRequest, got {type(request).__name__}")
        if request.camera not in CAMERAS:
            raise BadInput(f"unknown camera move {request.camera!r}")
        if request.motion not in MOTION_SCALE:
            raise BadInput(f"unknown motion {request.motion!r}")
        if not 2.0 <= request.duration <= 4.0:
            raise BadInput(f"clip duration must be 2..4 seconds, not {request.duration}")
        if not 8 <= request.fps <= 60:
            raise BadInput(f"fps must be 8..60, not {request.fps}")
        keyframe = decode_image(request.keyframe, "keyframe")
        if max(keyframe.size) > MAX_SIDE:
            # An uploaded replacement keyframe can be huge; a preview clip stays cheap to encode.
            keyframe.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        width, height = keyframe.width - keyframe.width % 2, keyframe.height - keyframe.height % 2
        if width < 16 or height < 16:
            raise BadInput(f"keyframe is too small ({keyframe.width}x{keyframe.height})")
        count = max(1, round(request.duration * request.fps))
        boxes = camera_path(request, width, height, count)
        frames = (_render(keyframe, box, (width, height)) for box in boxes)
        content, encoded = encode_mp4(frames, (width, height), request.fps)
        return Media(
            content=content,
            content_type="video/mp4",
            metadata=metadata(
                self.model_id,
                self.version,
                width=width,
                height=height,
                fps=request.fps,
                frames=encoded,
                duration=encoded / request.fps,
            ),
        )


def camera_path(request: ClipRequest, width: int, height: int, count: int) -> list[Box]:
    """The crop window (left, top, right, bottom) over the keyframe for each frame."""
    pace = MOTION_SCALE[request.motion]
    boxes: list[Box] = []
    rng = np.random.default_rng(request.seed)
    # Handheld: a smoothed random walk, so the frame drifts like a hand rather than flickering.
    walk = np.cumsum(rng.normal(0.0, 1.0, size=(count, 2)), axis=0)
    walk = walk / max(1.0, float(np.abs(walk).max()))
    for index in range(count):
        # Ease in and out: a real operator does not start or stop a move at full speed.
        t = 0.5 - 0.5 * math.cos(math.pi * index / max(1, count - 1))
        travel = TRAVEL * pace
        if request.camera in ("pan_left", "pan_right", "tilt_up", "tilt_down"):
            w, h = width * (1 - travel), height * (1 - travel)
            along = t if request.camera in ("pan_right", "tilt_down") else 1 - t
            x = width * travel * along if request.camera.startswith("pan") else width * travel / 2
            y = height * travel * along if request.camera.startswith("tilt") else height * travel / 2
            boxes.append((x, y, x + w, y + h))
        elif request.camera in ("dolly_in", "dolly_out"):
            crop = ZOOM * pace * (t if request.camera == "dolly_in" else 1 - t)
            dx, dy = width * crop / 2, height * crop / 2
            boxes.append((dx, dy, width - dx, height - dy))
        elif request.camera == "handheld":
            margin = SHAKE * 2 * pace
            dx = width * (margin + SHAKE * pace * float(walk[index, 0]))
            dy = height * (margin + SHAKE * pace * float(walk[index, 1]))
            boxes.append((dx, dy, dx + width * (1 - 2 * margin), dy + height * (1 - 2 * margin)))
        else:
            boxes.append((0.0, 0.0, float(width), float(height)))
    return boxes


def _render(keyframe: Image.Image, box: Box, size: tuple[int, int]) -> Image.Image:
    frame = keyframe.resize(size, Image.Resampling.BILINEAR, box=box)
    # The crop can move the keyframe's own badge out of view; every frame must still say PREVIEW.
    preview_label(frame)
    return frame
