"""preview-sheet: a card's reference sheet drawn with Pillow (a labelled three-view turnaround)."""

from __future__ import annotations

import json
import random

from PIL import Image, ImageDraw

from craftology.errors import BadInput
from craftology.generation.preview.drawing import (
    Rgb,
    colour_for,
    colour_words,
    encode_png,
    flatten,
    font,
    hashed_colour,
    metadata,
    mix,
    preview_label,
    wrap,
)
from craftology.ports.generator import GenerationRequest, Media, SheetRequest

WIDTH, HEIGHT = 768, 512
VIEWS = (("FRONT", 1.0), ("THREE-QUARTER", 0.75), ("SIDE", 0.45))
PANEL_TOP, PANEL_BOTTOM, PANEL_WIDTH, MARGIN = 78, 330, 232, 24
SKIN: Rgb = (224, 182, 150)
# Light words for locations: time of day matters more for a preview than any hue written in the card.
SKY_WORDS: dict[str, Rgb] = {
    "night": (20, 24, 60),
    "dusk": (230, 120, 70),
    "sunset": (240, 110, 60),
    "dawn": (240, 170, 150),
    "morning": (170, 210, 240),
    "noon": (120, 180, 240),
    "day": (130, 190, 240),
    "overcast": (150, 155, 165),
    "rain": (110, 120, 135),
    "fog": (200, 200, 205),
}


class PreviewSheetGenerator:
    """Draws a card sheet: name, kind, three views coloured from the visual attributes, the
    attribute lines and the style. A changed visual attribute always changes the pixels."""

    model_id = "preview-sheet"
    version = "1.0"

    def generate(self, request: GenerationRequest) -> Media:
        if not isinstance(request, SheetRequest):
            raise BadInput(f"{self.model_id} expects a SheetRequest, got {type(request).__name__}")
        pairs = flatten(request.visual)
        signature = json.dumps(request.visual, sort_keys=True, default=str)
        rng = random.Random(request.seed)
        style_colour = colour_for(request.style, f"style:{request.style}")
        # The seed nudges the paper tone: two seeds are two takes of the same card, not two cards.
        paper = mix((250, 250, 247), style_colour, 0.12 + rng.randint(0, 4) / 100)
        image = Image.new("RGB", (WIDTH, HEIGHT), paper)
        draw = ImageDraw.Draw(image)

        # A stripe hashed from every visual attribute: the cheapest guarantee that an edit shows.
        draw.rectangle((0, 0, WIDTH, 6), fill=hashed_colour(f"{request.kind}:{signature}"))
        draw.text((MARGIN, 16), request.name[:48], font=font(28), fill=(20, 20, 28))
        draw.text(
            (MARGIN, 50),
            f"{request.kind.upper()} SHEET  ·  {request.card_id}",
            font=font(14),
            fill=(90, 90, 100),
        )

        for index, (title, squash) in enumerate(VIEWS):
            x0 = MARGIN + index * (PANEL_WIDTH + 12)
            box = (x0, PANEL_TOP, x0 + PANEL_WIDTH, PANEL_BOTTOM)
            tone = rng.randint(-6, 6)
            draw.rectangle(box, fill=(236 + tone, 236 + tone, 240 + tone), outline=(190, 190, 196))
            _draw_subject(draw, request.kind, pairs, box, squash, signature)
            draw.text((x0 + 8, PANEL_BOTTOM - 20), title, font=font(12), fill=(80, 80, 90))

        y = PANEL_BOTTOM + 12
        for path, text in pairs[:7]:
            line = wrap(draw, f"{path}: {text}", 14, WIDTH - 2 * MARGIN, 1)
            draw.text((MARGIN, y), line[0] if line else path, font=font(14), fill=(40, 40, 48))
            y += 19
        if not pairs:
            draw.text((MARGIN, y), "(no visual attributes)", font=font(14), fill=(120, 120, 128))
        style = wrap(draw, f"style: {request.style}", 13, WIDTH - 2 * MARGIN, 1)
        draw.text((MARGIN, HEIGHT - 26), style[0] if style else "style:", font=font(13), fill=style_colour)
        preview_label(image)
        return Media(
            content=encode_png(image),
            content_type="image/png",
            metadata=metadata(self.model_id, self.version, width=WIDTH, height=HEIGHT),
        )


def _pick(pairs: list[tuple[str, str]], keys: tuple[str, ...], salt: str) -> Rgb:
    text = " ".join(value for path, value in pairs if any(key in path for key in keys))
    return colour_for(text, f"{salt}:{keys}:{text}")


def _has(pairs: list[tuple[str, str]], words: tuple[str, ...]) -> bool:
    text = " ".join(value.lower() for _, value in pairs)
    return any(word in text for word in words)


def _draw_subject(
    draw: ImageDraw.ImageDraw,
    kind: str,
    pairs: list[tuple[str, str]],
    box: tuple[int, int, int, int],
    squash: float,
    signature: str,
) -> None:
    x0, y0, x1, y1 = box
    cx, ground = (x0 + x1) // 2, y1 - 30
    if kind == "character":
        hair = _pick(pairs, ("hair", "appearance"), signature)
        cloth = _pick(pairs, ("wardrobe", "palette"), signature)
        found = colour_words(" ".join(v for p, v in pairs if "wardrobe" in p))
        legs = found[1] if len(found) > 1 else mix(cloth, (20, 20, 30), 0.45)
        wide = 1.3 if _has(pairs, ("broad", "stocky", "heavy", "muscular")) else 1.0
        wide *= 0.8 if _has(pairs, ("slim", "thin", "slender")) else 1.0
        tall = 0.75 if _has(pairs, ("child", "kid", "young boy", "young girl")) else 1.0
        half = round(34 * wide * squash)
        top = ground - round(200 * tall)
        head = round(24 * tall)
        draw.rectangle((cx - half // 2, top + 2 * head + 70, cx + half // 2, ground), fill=legs)
        draw.rounded_rectangle(
            (cx - half, top + 2 * head, cx - half + 2 * half, top + 2 * head + 80), radius=10, fill=cloth
        )
        hx = max(6, round(head * (0.7 + 0.3 * squash)))
        draw.ellipse((cx - hx, top, cx + hx, top + 2 * head), fill=SKIN)
        draw.chord((cx - hx - 2, top - 4, cx + hx + 2, top + 2 * head), 180, 360, fill=hair)
    elif kind == "prop":
        main = _pick(pairs, ("color", "material"), signature)
        scale = (
            1.3 if _has(pairs, ("large", "big", "huge")) else 0.7 if _has(pairs, ("small", "tiny")) else 1.0
        )
        half_w, h = round(55 * scale * squash), round(120 * scale)
        if _has(pairs, ("tall", "bottle", "cylinder", "long")):
            half_w, h = max(8, half_w // 2), round(h * 1.4)
        shape = (cx - half_w, ground - h, cx + half_w, ground)
        if _has(pairs, ("round", "sphere", "ball", "circle", "oval")):
            draw.ellipse(shape, fill=main, outline=mix(main, (0, 0, 0), 0.5), width=3)
        else:
            draw.rounded_rectangle(shape, radius=12, fill=main, outline=mix(main, (0, 0, 0), 0.5), width=3)
    elif kind == "location":
        light = " ".join(v.lower() for p, v in pairs if p in ("time_of_day", "weather", "lighting"))
        sky = next(
            (rgb for word, rgb in SKY_WORDS.items() if word in light), _pick(pairs, ("lighting",), signature)
        )
        land = _pick(pairs, ("setting", "palette"), signature)
        horizon = y0 + round((y1 - y0) * (0.45 + 0.15 * (1 - squash)))
        draw.rectangle((x0 + 1, y0 + 1, x1 - 1, horizon), fill=sky)
        draw.rectangle((x0 + 1, horizon, x1 - 1, y1 - 1), fill=land)
        peak = cx + round(40 * (1 - squash))
        draw.polygon([(x0 + 1, horizon), (peak, horizon - 60), (x1 - 1, horizon)], fill=mix(land, sky, 0.4))
    else:  # style: swatches of the palette, then the look's hashed colour
        colours = colour_words(" ".join(v for _, v in pairs))
        colours += [hashed_colour(f"{signature}:{i}") for i in range(4)]
        step = max(1, round(36 * squash))
        for i, colour in enumerate(colours[:4]):
            draw.rectangle((cx - 2 * step + i * step, y0 + 40, cx - step + i * step, ground), fill=colour)
