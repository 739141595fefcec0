"""preview-cut: the project's cut, every accepted clip in order with its shot number burned in."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

from PIL import Image, ImageDraw

from craftology.errors import BadInput
from craftology.generation.preview.drawing import font, metadata, preview_label
from craftology.generation.preview.video import decode_mp4, encode_mp4
from craftology.ports.generator import CutClip, CutRequest, GenerationRequest, Media


class PreviewCutGenerator:
    """Concatenates the clips at the request fps, scaled to the first clip's size, burning
    "SHOT n" into each clip's frames."""

    model_id = "preview-cut"
    version = "1.0"

    def generate(self, request: GenerationRequest) -> Media:
        if not isinstance(request, CutRequest):
            raise BadInput(f"{self.model_id} expects a CutRequest, got {type(request).__name__}")
        if not request.clips:
            raise BadInput("a cut needs at least one clip")
        if not 8 <= request.fps <= 60:
            raise BadInput(f"fps must be 8..60, not {request.fps}")
        first = next(decode_mp4(request.clips[0].clip, f"clip of shot {request.clips[0].number}"), None)
        if first is None:
            raise BadInput(f"clip of shot {request.clips[0].number} has no frames")
        size = (first[0].width - first[0].width % 2, first[0].height - first[0].height % 2)
        segments: list[int] = []
        content, count = encode_mp4(self._frames(request, size, segments), size, request.fps)
        return Media(
            content=content,
            content_type="video/mp4",
            metadata=metadata(
                self.model_id,
                self.version,
                width=size[0],
                height=size[1],
                fps=request.fps,
                frames=count,
                duration=count / request.fps,
                shots=[clip.number for clip in request.clips],
                segment_frames=segments,
            ),
        )

    def _frames(
        self, request: CutRequest, size: tuple[int, int], segments: list[int]
    ) -> Iterator[Image.Image]:
        for clip in request.clips:
            produced = 0
            for frame in _resampled(clip, request.fps):
                yield _burn(frame, clip.number, size)
                produced += 1
            if produced == 0:
                raise BadInput(f"clip of shot {clip.number} has no frames")
            segments.append(produced)


def _resampled(clip: CutClip, fps: int) -> Iterator[Image.Image]:
    """The clip's frames retimed to fps by nearest earlier frame, so each clip keeps its duration."""
    emitted = 0
    for index, (image, rate) in enumerate(decode_mp4(clip.clip, f"clip of shot {clip.number}")):
        # Output frame k shows the source frame on screen at time k/fps.
        while Fraction(emitted, fps) < Fraction(index + 1) / rate:
            yield image
            emitted += 1


def _burn(frame: Image.Image, number: int, size: tuple[int, int]) -> Image.Image:
    if frame.size != size:
        frame = frame.resize(size, Image.Resampling.BILINEAR)
    frame = frame.copy()
    text_size = max(14, size[1] // 14)
    draw = ImageDraw.Draw(frame)
    label = f"SHOT {number}"
    # Top centre: the keyframe's tag sits top-left, its badge top-right and its caption at the bottom.
    width = draw.textlength(label, font=font(text_size))
    left = (size[0] - width) / 2
    draw.rectangle((left - 8, 6, left + width + 8, 18 + text_size), fill=(0, 0, 0))
    draw.text((left, 10), label, font=font(text_size), fill=(255, 255, 0))
    preview_label(frame)
    return frame
