"""The headless main job, run as a user runs it: the `craftology demo` command in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import av
import pytest
from PIL import Image

LIGHTHOUSE = "A 60-second film about a lighthouse keeper and a storm, a cat, a boat"


@pytest.mark.temporal
@pytest.mark.slow
def test_demo_regenerates_exactly_what_the_edit_touches(tmp_path: Path) -> None:
    cli = Path(sys.executable).parent / "craftology"
    out = tmp_path / "out"
    env = {**os.environ, "CRAFTOLOGY_TEMPORAL__EMBEDDED_PORT": "0"}
    result = subprocess.run(
        [str(cli), "demo", "--brief", LIGHTHOUSE, "--shots", "4",
         "--out", str(out), "--data-dir", str(tmp_path / "data"), "--json"],
        capture_output=True, text=True, timeout=300, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report == json.loads((out / "report.json").read_text())

    # The project is the brief's: its subjects are the cards, and the shots show them.
    proposal = report["proposal"]
    cards = {card["name"]: card["kind"] for card in proposal["cards"]}
    assert cards["Lighthouse Keeper"] == "character"
    assert cards["Cat"] == "character"
    assert cards["Boat"] == "prop"
    assert cards["Lighthouse"] == "location"
    assert "storm" in json.dumps(proposal["cards"])
    assert len(proposal["shots"]) == 4

    # 4 shots, a sheet per card, a keyframe and a clip per shot, and the cut.
    assert report["first_run"]["generated"] == len(cards) + 4 * 2 + 1
    edit = report["edit"]
    assert edit["card_name"] == "Lighthouse Keeper"
    assert edit["path"] == "attributes.appearance.hair"
    assert edit["old"] != edit["new"]
    assert sorted(edit["plan_targets"]) == edit["expected_targets"]
    assert f"card/{edit['card']}/sheet" in edit["plan_targets"]
    second = report["second_run"]
    assert sorted(second["generated_targets"]) == edit["expected_targets"]
    assert second["generated"] == len(edit["expected_targets"])
    assert second["generated"] < report["first_run"]["generated"]
    assert "DATA" in " ".join(edit["causes"][f"card/{edit['card']}/sheet"])

    with Image.open(out / "storyboard.png") as sheet:
        assert sheet.width > 400
        assert sheet.height > 200
    with av.open(str(out / "cut.mp4")) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
    assert frames > 4 * 2 * 8  # four clips of at least two seconds
    assert "plan" in result.stderr
    assert "DATA" in result.stderr
