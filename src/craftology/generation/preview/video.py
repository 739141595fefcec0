"""MP4 in and out with PyAV, tuned so the same frames always give the same bytes."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from fractions import Fraction
from typing import cast

import av
import numpy as np
from av.video.stream import VideoStream
from PIL import Image

from craftology.errors import BadInput

CODEC = "libx264"
# bitexact keeps library version strings and wall-clock times out of the container; one encoder
# thread because x264's frame-threaded rate control can differ run to run.
CONTAINER_OPTIONS = {"fflags": "+bitexact"}
ENCODER_OPTIONS = {"preset": "veryfast", "crf": "26", "tune": "stillimage"}


def encode_mp4(frames: Iterable[Image.Image], size: tuple[int, int], fps: int) -> tuple[bytes, int]:
    """Encode RGB frames (all of `size`, even sides) as H.264 yuv420p MP4; returns (bytes, frame count)."""
    out = io.BytesIO()
    count = 0
    with av.open(out, mode="w", format="mp4", options=CONTAINER_OPTIONS) as container:
        stream = cast(VideoStream, container.add_stream(CODEC, rate=fps))
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.codec_context.thread_count = 1
        stream.options = dict(ENCODER_OPTIONS)
        for image in frames:
            frame = av.VideoFrame.from_ndarray(np.asarray(image.convert("RGB")), format="rgb24")
            frame.pts = count
            frame.time_base = Fraction(1, fps)
            container.mux(stream.encode(frame))
            count += 1
        container.mux(stream.encode(None))
    return out.getvalue(), count


def decode_mp4(content: bytes, what: str) -> Iterator[tuple[Image.Image, Fraction]]:
    """Yield (RGB frame, stream frame rate) for each frame; undecodable bytes are BadInput."""
    try:
        with av.open(io.BytesIO(content), mode="r") as container:
            if not container.streams.video:
                raise BadInput(f"{what} has no video stream")
            stream = container.streams.video[0]
            rate = Fraction(stream.average_rate or stream.guessed_rate or 24)
            for frame in container.decode(stream):
                yield Image.fromarray(frame.to_ndarray(format="rgb24")), rate
    except av.FFmpegError as exc:
        raise BadInput(f"{what} is not a decodable video: {exc}") from exc
