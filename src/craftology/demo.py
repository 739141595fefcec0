"""The headless main job: brief -> project -> sync -> edit one card -> plan with causes -> re-sync.

Writes DIR/storyboard.png (the keyframes as a contact sheet), DIR/cut.mp4 and DIR/report.json.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from craftology.agents.proposal.service import ProposalService
from craftology.assets.acceptance import accepted_blob
from craftology.container import Container
from craftology.controlplane.runs import Run
from craftology.identity.principal import Principal, system_principal
from craftology.projects.models import Card, CardKind
from craftology.runs.state import load_state
from craftology.sync.audit import expected_targets_for_card_visual_edit
from craftology.sync.plan import Plan
from craftology.sync.targets import cut_target, keyframe_target

# The demo edits one visual field of the lead card: a character's hair, else a prop's colour, else
# a place's light. (Field, value, value when the card already has that one.)
EDITS = {
    CardKind.CHARACTER: (("appearance", "hair"), "red", "silver"),
    CardKind.PROP: (("color",), "red", "blue"),
    CardKind.LOCATION: (("lighting",), "moonlight", "harsh noon sun"),
}

ShowPlan = Callable[[Plan], None]
FollowRun = Callable[[Container, Principal, Run], Any]


@dataclass
class DemoProject:
    tenant: str
    principal: Principal  # the demo acts as the platform's operator for the tenant it made
    project_id: str
    cards: list[Card]  # in the order the proposal gave them: the lead first
    shot_ids: list[str]
    proposal: dict[str, Any]  # what the agent proposed, for the report


def create_from_brief(c: Container, brief: str, shots: int | None) -> DemoProject:
    """The project creation agent, as the API uses it: propose from the brief, then approve."""
    tenant = c.tenancy.create_tenant(f"Demo {time.strftime('%Y-%m-%d %H:%M:%S')}").tenant.id
    operator = system_principal(tenant)  # the demo acts as the platform's operator for its tenant
    agent = ProposalService.embedded(c.metadata, c.projects, c.access.policy)
    draft = agent.propose(operator, brief, (), shots)
    project_id = agent.approve(operator, draft.id).project_id
    _, cards, shot_records = c.projects.load_project(operator, project_id)
    # Cards come back by id; the proposal's order (lead character first) is by kind and name.
    rank = {(card.kind, card.name): index for index, card in enumerate(draft.proposal.cards)}
    ordered = sorted(cards.values(), key=lambda card: rank.get((card.kind, card.name), len(rank)))
    summary = {
        "id": draft.id,
        "name": draft.proposal.project.name,
        "settings": draft.proposal.project.settings.model_dump(mode="json"),
        "cards": [{"name": k.name, "kind": k.kind.value, "attributes": k.attributes} for k in ordered],
        "shots": [shot.description for shot in draft.proposal.shots],
        "notes": draft.proposal.notes,
    }
    return DemoProject(tenant, operator, project_id, ordered, list(shot_records), summary)


def edit_of(card: Card) -> tuple[list[str], object, object]:
    """The attribute path the demo edits on `card`, its value now (None when unset) and the new one."""
    path, value, otherwise = EDITS.get(card.kind, (("palette",), "teal and orange", "black and white"))
    old: object = card.attributes
    for part in path:
        old = old.get(part) if isinstance(old, dict) else None
    return list(path), old, otherwise if old == value else value


def lead_card(demo: DemoProject) -> Card:
    """The first character, else the first prop, else the first place, else the style."""
    order = (CardKind.CHARACTER, CardKind.PROP, CardKind.LOCATION, CardKind.STYLE)
    return min(demo.cards, key=lambda card: order.index(card.kind))


async def sync(c: Container, demo: DemoProject, follow: FollowRun) -> tuple[Run, float]:
    started = time.perf_counter()
    run = await c.sync.start_run(demo.principal, demo.project_id)
    await follow(c, demo.principal, run)
    last = await c.sync.wait(demo.principal, run.id)
    return last, time.perf_counter() - started


def _generated_targets(c: Container, principal: Principal, first: Run, last: Run) -> list[str]:
    """Targets generated across a run and the follow-ups it started."""
    targets: list[str] = []
    run = first
    while True:
        targets += [t.target for t in c.sync.outcomes(principal, run.id) if t.state == "generated"]
        if run.id == last.id or not run.summary.follow_up:
            return targets
        run = c.runs.get(principal.tenant, run.summary.follow_up)


def _accepted_blob(c: Container, tenant: str, target: str) -> bytes:
    return accepted_blob(c.metadata, c.assets, tenant, target)


def contact_sheet(frames: list[bytes], columns: int = 3, thumb_width: int = 384) -> Image.Image:
    images = [Image.open(io.BytesIO(frame)).convert("RGB") for frame in frames]
    thumbs = [
        image.resize((thumb_width, max(1, image.height * thumb_width // image.width))) for image in images
    ]
    cell_h = max(t.height for t in thumbs) + 24
    rows = (len(thumbs) + columns - 1) // columns
    sheet = Image.new("RGB", (columns * (thumb_width + 8) + 8, rows * (cell_h + 8) + 8), (24, 24, 28))
    draw = ImageDraw.Draw(sheet)
    for index, thumb in enumerate(thumbs):
        x = 8 + (index % columns) * (thumb_width + 8)
        y = 8 + (index // columns) * (cell_h + 8)
        draw.text((x, y), f"SHOT {index + 1}", fill=(235, 235, 235))
        sheet.paste(thumb, (x, y + 20))
    return sheet


def _count(c: Container, run: Run, status: str) -> int:
    operator = system_principal(run.tenant_id)
    return sum(1 for task in c.sync.outcomes(operator, run.id) if task.state == status)


async def run_demo(
    c: Container, brief: str, out: Path, shots: int | None, show_plan: ShowPlan, follow: FollowRun
) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (once, before any work starts)
    demo = create_from_brief(c, brief, shots)
    first_plan = c.sync.plan(demo.principal, demo.project_id)
    first, first_seconds = await sync(c, demo, follow)
    first_last = first if not first.summary.follow_up else await c.sync.wait(demo.principal, first.id)

    card_id = lead_card(demo).id
    card = c.projects.get_card(demo.principal, demo.project_id, card_id)
    path, old_value, new_value = edit_of(card.value)
    change: object = new_value
    for part in reversed(path):
        change = {part: change}
    c.projects.update_card(demo.principal, demo.project_id, card_id, {"attributes": change}, card.revision)
    plan = c.sync.plan(demo.principal, demo.project_id)
    show_plan(plan)
    state = load_state(
        demo.tenant,
        demo.project_id,
        c.projects,
        c.metadata,
        c.models(c.projects.get_project(demo.principal, demo.project_id).value),
    )
    expected = sorted(expected_targets_for_card_visual_edit(state, card_id))

    second, second_seconds = await sync(c, demo, follow)
    second_last = await c.sync.wait(demo.principal, second.id)
    generated = _generated_targets(c, demo.principal, second, second_last)

    frames = [_accepted_blob(c, demo.tenant, keyframe_target(s)) for s in demo.shot_ids]
    contact_sheet(frames).save(out / "storyboard.png")
    (out / "cut.mp4").write_bytes(_accepted_blob(c, demo.tenant, cut_target(demo.project_id)))
    report = {
        "tenant": demo.tenant,
        "project": demo.project_id,
        "proposal": demo.proposal,
        "first_run": {
            "run_id": first.id,
            "status": first_last.status.value,
            "plan_size": len(first_plan.items),
            "generated": _count(c, first, "generated"),
            "skipped": _count(c, first, "skipped"),
            "estimated_cost": first_plan.total_cost,
            "seconds": round(first_seconds, 3),
        },
        "edit": {
            "card": card_id,
            "card_name": card.value.name,
            "path": ".".join(["attributes", *path]),
            "old": old_value,
            "new": new_value,
            "plan_targets": plan.targets,
            "expected_targets": expected,
            "plan_matches_expected": sorted(plan.targets) == expected,
            "estimated_cost": plan.total_cost,
            "causes": {item.target: [cause.render() for cause in item.causes] for item in plan.items},
        },
        "second_run": {
            "run_id": second.id,
            "status": second_last.status.value,
            "generated": len(generated),
            "generated_targets": generated,
            "skipped": _count(c, second, "skipped"),
            "seconds": round(second_seconds, 3),
        },
        "outputs": {"storyboard": str(out / "storyboard.png"), "cut": str(out / "cut.mp4")},
    }
    tmp = out / "report.json.tmp"
    tmp.write_text(json.dumps(report, indent=2))
    tmp.replace(out / "report.json")
    return report
