"""preview-keyframe: a shot's keyframe composed with Pillow from the accepted sheets of its cards."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw, ImageFilter

from craftology.errors import BadInput
from craftology.generation.preview.drawing import (
    colour_for,
    decode_image,
    encode_png,
    font,
    metadata,
    mix,
    preview_label,
    wrap,
)
from craftology.ports.generator import GenerationRequest, KeyframeRequest, Media

LONG_SIDE = 768
# Subject height as a share of the frame height: the closer the framing, the bigger the subjects.
FRAMING_SCALE = {
    "extreme_wide": 0.22,
    "wide": 0.38,
    "medium": 0.58,
    "close_up": 0.85,
    "extreme_close_up": 1.25,
}


def frame_size(aspect_ratio: str) -> tuple[int, int]:
    """Keyframe size for an aspect ratio "W:H": long side 768, both sides even (video needs it)."""
    try:
        across, down = (float(part) for part in aspect_ratio.split(":"))
    except ValueError as exc:
        raise BadInput(f"aspect ratio {aspect_ratio!r} is not of the form W:H") from exc
    if not (across > 0 and down > 0 and 0.1 <= across / down <= 10):
        raise BadInput(f"aspect ratio {aspect_ratio!r} is out of range")
    short = LONG_SIDE * min(across, down) / max(across, down)
    short_even = max(2, 2 * round(short / 2))
    return (LONG_SIDE, short_even) if across >= down else (short_even, LONG_SIDE)


class PreviewKeyframeGenerator:
    """Composes a keyframe: location sheets as the backdrop, other cards' sheets as subjects scaled
    by the framing, the description, camera/framing tag, style and PREVIEW label."""

    model_id = "preview-keyframe"
    version = "1.0"

    def generate(self, request: GenerationRequest) -> Media:
        if not isinstance(request, KeyframeRequest):
            raise BadInput(f"{self.model_id} expects a KeyframeRequest, got {type(request).__name__}")
        if request.framing not in FRAMING_SCALE:
            raise BadInput(f"unknown framing {request.framing!r}")
        width, height = frame_size(request.aspect_ratio)
        sheets = [(card, decode_image(card.sheet, f"sheet of card {card.card_id}")) for card in request.cards]
        rng = random.Random(request.seed)
        image = _backdrop(
            request, width, height, rng, [img for card, img in sheets if card.kind == "location"]
        )
        subjects = [img for card, img in sheets if card.kind not in ("location", "style")]
        _place_subjects(image, subjects, FRAMING_SCALE[request.framing], rng)
        for index, style_sheet in enumerate(img for card, img in sheets if card.kind == "style"):
            # A style card is not something in the shot: show it as a small reference inset instead.
            inset = style_sheet.copy()
            inset.thumbnail((width // 6, height // 5))
            image.paste(inset, (8, 40 + index * (inset.height + 6)))
        _caption(image, request)
        preview_label(image)
        return Media(
            content=encode_png(image),
            content_type="image/png",
            metadata=metadata(self.model_id, self.version, width=width, height=height),
        )


def _backdrop(
    request: KeyframeRequest, width: int, height: int, rng: random.Random, locations: list[Image.Image]
) -> Image.Image:
    if locations:
        # The location's sheet, blurred and stretched, reads as "this place" without competing with
        # the subjects in front of it.
        image = locations[0].resize((width, height), Image.Resampling.BILINEAR)
        return image.filter(ImageFilter.GaussianBlur(radius=6))
    top = colour_for(request.style, f"sky:{request.style}:{request.seed}")
    bottom = mix(colour_for(request.description, f"ground:{request.description}"), (30, 30, 30), 0.3)
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    horizon = round(height * rng.uniform(0.45, 0.65))
    for y in range(height):
        t = y / max(1, horizon) if y < horizon else 1.0
        draw.line(
            (0, y, width, y), fill=mix(mix(top, (255, 255, 255), 0.35), top, t) if y < horizon else bottom
        )
    for _ in range(rng.randint(2, 4)):
        # Seeded hills on the horizon so two seeds of the same shot are visibly two takes.
        cx, w = rng.randint(0, width), rng.randint(width // 6, width // 2)
        rise = rng.randint(height // 12, height // 5)
        draw.ellipse((cx - w, horizon - rise, cx + w, horizon + rise), fill=mix(bottom, top, 0.25))
    return image


def _place_subjects(
    image: Image.Image, subjects: list[Image.Image], scale: float, rng: random.Random
) -> None:
    if not subjects:
        return
    width, height = image.size
    target_h = max(8, round(height * scale))
    thumbs = [s.resize((max(1, round(s.width * target_h / s.height)), target_h)) for s in subjects]
    total = sum(t.width for t in thumbs) + 12 * (len(thumbs) - 1)
    if total > width * 0.95 and scale < 1:
        # Too many subjects for the framing: shrink them together rather than overlap them all.
        shrink = width * 0.95 / total
        thumbs = [
            t.resize((max(1, round(t.width * shrink)), max(1, round(t.height * shrink)))) for t in thumbs
        ]
        total = sum(t.width for t in thumbs) + 12 * (len(thumbs) - 1)
    x = (width - total) // 2 + rng.randint(-width // 40, width // 40)
    baseline = round(height * 0.82)
    for thumb in thumbs:
        y = baseline - thumb.height if scale < 1 else (height - thumb.height) // 2
        image.paste(thumb, (x, y))
        ImageDraw.Draw(image).rectangle(
            (x, y, x + thumb.width - 1, y + thumb.height - 1), outline=(255, 255, 255)
        )
        x += thumb.width + 12


def _caption(image: Image.Image, request: KeyframeRequest) -> None:
    width, height = image.size
    draw = ImageDraw.Draw(image, "RGBA")
    size = max(12, height // 30)
    lines = wrap(draw, request.description, size, width - 24, 3)
    band = (len(lines) + 1) * (size + 4) + 12
    draw.rectangle((0, height - band, width, height), fill=(0, 0, 0, 160))
    y = height - band + 6
    for line in lines:
        draw.text((12, y), line, font=font(size), fill=(255, 255, 255))
        y += size + 4
    style = wrap(draw, f"style: {request.style}", size - 2, width - 24, 1)
    draw.text((12, y), style[0] if style else "style:", font=font(size - 2), fill=(210, 210, 220))
    tag = f"{request.camera.upper()} · {request.framing.upper().replace('_', ' ')}"
    draw.rectangle((8, 8, 16 + draw.textlength(tag, font=font(size)), 16 + size), fill=(0, 0, 0, 150))
    draw.text((12, 11), tag, font=font(size), fill=(255, 230, 120))
