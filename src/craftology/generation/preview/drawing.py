"""Shared drawing helpers of the preview models: fonts, colours from text, labels, PNG in and out.

Everything here is a pure function of its arguments so preview outputs are byte-identical across
processes for the same request.
"""

from __future__ import annotations

import hashlib
import io
import re
from functools import lru_cache
from typing import Any

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from craftology.errors import BadInput

Rgb = tuple[int, int, int]

# Common colour words a writer puts in a card ("red hair", "navy coat"), mapped to a fixed RGB so the
# sheet looks like what was asked; words we do not know fall back to a colour hashed from the text.
COLOUR_WORDS: dict[str, Rgb] = {
    "red": (200, 40, 40),
    "crimson": (170, 20, 50),
    "maroon": (120, 25, 35),
    "orange": (235, 130, 30),
    "amber": (230, 160, 20),
    "yellow": (240, 210, 40),
    "gold": (210, 170, 50),
    "golden": (210, 170, 50),
    "blonde": (230, 200, 120),
    "beige": (220, 200, 160),
    "tan": (200, 160, 110),
    "brown": (120, 75, 40),
    "auburn": (150, 60, 30),
    "olive": (120, 120, 40),
    "green": (50, 150, 60),
    "teal": (20, 130, 130),
    "turquoise": (50, 200, 190),
    "cyan": (40, 200, 220),
    "blue": (40, 80, 200),
    "navy": (25, 35, 90),
    "purple": (120, 50, 160),
    "violet": (140, 80, 200),
    "magenta": (200, 40, 160),
    "pink": (240, 150, 180),
    "white": (240, 240, 240),
    "ivory": (245, 240, 220),
    "silver": (190, 190, 200),
    "grey": (128, 128, 128),
    "gray": (128, 128, 128),
    "black": (25, 25, 25),
}

PREVIEW_TEXT = "PREVIEW"


@lru_cache(maxsize=32)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled font at a size: no system font files, so every machine draws the same."""
    return ImageFont.load_default(size=size)


def hashed_colour(text: str) -> Rgb:
    """A stable, mid-saturation colour for any text (sha256, not hash(): that is salted per process)."""
    digest = hashlib.sha256(text.encode()).digest()
    return (60 + digest[0] % 160, 60 + digest[1] % 160, 60 + digest[2] % 160)


def colour_words(text: str) -> list[Rgb]:
    """The known colour words in text, in order of appearance."""
    return [COLOUR_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in COLOUR_WORDS]


def colour_for(text: str, fallback_key: str) -> Rgb:
    """The first colour word of text, else a colour hashed from fallback_key."""
    found = colour_words(text)
    return found[0] if found else hashed_colour(fallback_key)


def mix(a: Rgb, b: Rgb, t: float) -> Rgb:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested attributes as ("appearance.hair", "brown") pairs, keys sorted so order never matters."""
    if isinstance(value, dict):
        pairs: list[tuple[str, str]] = []
        for key in sorted(value, key=str):
            pairs.extend(flatten(value[key], f"{prefix}.{key}" if prefix else str(key)))
        return pairs
    if isinstance(value, list):
        if all(not isinstance(item, dict | list) for item in value):
            return [(prefix, ", ".join("" if item is None else str(item) for item in value))]
        return [pair for index, item in enumerate(value) for pair in flatten(item, f"{prefix}[{index}]")]
    return [(prefix, "" if value is None else str(value))]


def wrap(draw: ImageDraw.ImageDraw, text: str, size: int, max_width: int, max_lines: int) -> list[str]:
    """Greedy word wrap by rendered width; the last line ends with an ellipsis when text is cut."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font(size)) <= max_width or not current:
            current = candidate
            continue
        lines.append(current)
        current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(".,;") + " ..."
    return lines


def preview_label(image: Image.Image) -> None:
    """Draw the visible PREVIEW badge in the top-right corner of image (in place)."""
    size = max(12, min(image.size) // 18)
    draw = ImageDraw.Draw(image)
    width = draw.textlength(PREVIEW_TEXT, font=font(size))
    pad = size // 3
    x1, y0 = image.width - pad * 2, pad * 2
    x0, y1 = x1 - width - pad * 2, y0 + size + pad * 2
    draw.rectangle((x0, y0, x1, y1), fill=(230, 30, 60), outline=(255, 255, 255), width=2)
    draw.text((x0 + pad, y0 + pad), PREVIEW_TEXT, font=font(size), fill=(255, 255, 255))


def encode_png(image: Image.Image) -> bytes:
    """PNG bytes without ancillary chunks (no time, no text), so equal pixels give equal bytes."""
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", compress_level=6)
    return out.getvalue()


def decode_image(content: bytes, what: str) -> Image.Image:
    """Decode upstream image bytes to RGB; garbage is BadInput (retrying cannot fix it)."""
    try:
        with Image.open(io.BytesIO(content)) as opened:
            opened.load()
            return opened.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise BadInput(f"{what} is not a decodable image: {exc}") from exc


def metadata(model_id: str, version: str, **extra: Any) -> dict[str, Any]:
    """The metadata every preview output carries, plus model-specific facts."""
    return {"model": model_id, "version": version, "preview": True, "label": "preview", **extra}
