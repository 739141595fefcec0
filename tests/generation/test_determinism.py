"""Same request ⇒ same bytes, also in a fresh process (no salted hashes, clocks or thread races)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from craftology.generation.preview import preview_generators
from craftology.ports.generator import (
    CardRef,
    ClipRequest,
    CutClip,
    CutRequest,
    KeyframeRequest,
    SheetRequest,
)

REPO = Path(__file__).resolve().parents[2]


def pipeline_digests() -> dict[str, str]:
    """Run sheet → keyframe → clip → cut once and return each output's sha256."""
    models = preview_generators()
    sheet = models["sheet"].generate(
        SheetRequest(
            "mia", "character", "Mia", {"appearance": {"hair": "red"}, "wardrobe": "navy coat"}, "noir", 11
        )
    )
    place = models["sheet"].generate(
        SheetRequest("pier", "location", "Pier", {"time_of_day": "night"}, "noir", 11)
    )
    keyframe = models["keyframe"].generate(
        KeyframeRequest(
            "s1",
            "Mia waits at the end of the pier.",
            "handheld",
            "close_up",
            "4:3",
            "noir",
            [
                CardRef("mia", "character", "Mia", sheet.content),
                CardRef("pier", "location", "Pier", place.content),
            ],
            12,
        )
    )
    shaky = models["clip"].generate(ClipRequest("s1", keyframe.content, "handheld", "fast", 2.0, 12, 13))
    dolly = models["clip"].generate(ClipRequest("s2", keyframe.content, "dolly_in", "slow", 2.0, 12, 14))
    cut = models["cut"].generate(
        CutRequest("p1", [CutClip(1, shaky.content), CutClip(2, dolly.content)], 12, 0)
    )
    outputs = {
        "sheet": sheet,
        "location": place,
        "keyframe": keyframe,
        "clip": shaky,
        "clip2": dolly,
        "cut": cut,
    }
    return {name: hashlib.sha256(media.content).hexdigest() for name, media in outputs.items()}


def test_outputs_are_identical_in_process_and_across_processes() -> None:
    here = pipeline_digests()
    assert here == pipeline_digests()
    assert len(set(here.values())) == len(here)
    code = (
        "import json; from tests.generation.test_determinism import pipeline_digests as p; "
        "print(json.dumps(p()))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == here
