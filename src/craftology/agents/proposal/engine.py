"""The embedded proposal engine: rules and lexicons, offline, fast, and the same proposal for the same
input. It reads the brief (and the text of any script or treatment), proposes settings, cards with
the attributes the text gives them, and a storyboard that follows a story arc."""

from __future__ import annotations

import math
from collections.abc import Sequence

from craftology.agents.proposal import cast as cards
from craftology.agents.proposal.arc import beats, durations
from craftology.agents.proposal.draft import (
    MAX_SHOT_COUNT,
    Attachment,
    CardDraft,
    Proposal,
    ShotDraft,
    SourceDocument,
)
from craftology.agents.proposal.extract import mentions
from craftology.agents.proposal.lexicon import NOUNS, Noun
from craftology.agents.proposal.scene import Scene, read_scene
from craftology.agents.proposal.script import named_in_script
from craftology.agents.proposal.storyboard import Board, Member, plan_shot
from craftology.errors import BadInput
from craftology.projects.models import MAX_TEXT, CardKind, ProjectIn, ProjectSettings

DEFAULT_SHOTS = 6
SECONDS_PER_SHOT = 3.0


class EmbeddedProposalEngine:
    """ProposalEngine (craftology.ports.proposals) without a model: see the module docstring."""

    def propose(self, brief: str, documents: Sequence[SourceDocument], shot_count: int | None) -> Proposal:
        if not brief.strip():
            raise BadInput("brief: say what to make, e.g. 'a 30-second ad for trail shoes at dusk'")
        texts = [d.text for d in documents if d.text]
        scene = read_scene(brief)
        for text in texts:  # the brief decides; documents fill in what it leaves open
            _fill(scene, read_scene(text))
        named = [item for text in texts for item in named_in_script(text)]
        found = cards.gather(mentions("\n".join([brief, *texts])), named)
        if not found.locations:
            fallback = "studio" if scene.genre == "commercial" else "open landscape"
            noun = NOUNS.get(fallback, Noun(CardKind.LOCATION, fallback))
            found.locations.append(cards.Entity(fallback, noun, fallback))
        drafts, board = _cards(found, scene)
        count, notes = _shot_count(scene, shot_count)
        shot_beats = beats(count)
        seconds, reached = durations(shot_beats, scene.duration)
        if reached is not None and scene.duration is not None:
            notes.append(
                f"the brief asks for {scene.duration:g} s; {count} shots of 2 to 4 s make {reached:g} s"
            )
        shots = []
        seen: dict[str, int] = {}
        for index, (beat, duration) in enumerate(zip(shot_beats, seconds, strict=True)):
            within = seen.get(beat, 0)
            seen[beat] = within + 1
            planned = plan_shot(board, beat, within, last=index == count - 1)
            shots.append(
                ShotDraft(
                    draft_id=f"shot-{index + 1:03d}",
                    description=f"{beat.value.capitalize()}: {planned.description}",
                    camera=planned.camera,
                    framing=planned.framing,
                    motion=planned.motion,
                    duration=duration,
                    cards=planned.cards,
                )
            )
        settings = ProjectSettings(
            shot_count=count,
            style=drafts[-1].attributes["look"] + (f", {', '.join(scene.moods[:2])}" if scene.moods else ""),
            **({"aspect_ratio": scene.aspect_ratio} if scene.aspect_ratio else {}),
            **({"fps": scene.fps} if scene.fps else {}),
        )
        attachments = [Attachment(name=d.name, asset_id=d.asset_id) for d in documents if d.asset_id]
        project = ProjectIn(name=_title(found, scene, brief), brief=brief[:MAX_TEXT], settings=settings)
        return Proposal(project=project, cards=drafts, shots=shots, attachments=attachments, notes=notes)


def _fill(scene: Scene, more: Scene) -> None:
    for name in ("weather", "times", "moods", "looks"):
        mine: list[str] = getattr(scene, name)
        mine += [value for value in getattr(more, name) if value not in mine]


def _shot_count(scene: Scene, asked: int | None) -> tuple[int, list[str]]:
    if asked is not None:
        return asked, []
    if scene.shot_count is not None:
        if scene.shot_count > MAX_SHOT_COUNT:
            return MAX_SHOT_COUNT, [
                f"the brief asks for {scene.shot_count} shots; a proposal holds at most {MAX_SHOT_COUNT}"
            ]
        return scene.shot_count, []
    if scene.duration is not None:
        fits = round(scene.duration / SECONDS_PER_SHOT)
        low, high = math.ceil(scene.duration / 4), math.floor(scene.duration / 2)
        return max(1, min(MAX_SHOT_COUNT, max(low, min(high, fits)) if low <= high else fits)), []
    return DEFAULT_SHOTS, []


def _cards(found: cards.Cast, scene: Scene) -> tuple[list[CardDraft], Board]:
    drafts: list[CardDraft] = []

    def add(entity: cards.Entity, kind: CardKind, attributes: dict[str, object]) -> Member:
        draft_id = base = cards.slug(entity.name)
        taken = {d.draft_id for d in drafts}
        suffix = 2
        while draft_id in taken:
            draft_id, suffix = f"{base}-{suffix}", suffix + 1
        drafts.append(CardDraft(draft_id=draft_id, kind=kind, name=_card_name(entity), attributes=attributes))
        return Member(draft_id, entity.name, proper=entity.name[:1].isupper())

    characters = [
        add(e, CardKind.CHARACTER, cards.character(e, "lead" if i == 0 else "supporting"))
        for i, e in enumerate(found.characters)
    ]
    places = [add(e, CardKind.LOCATION, cards.location(e, scene)) for e in found.locations]
    props = [add(e, CardKind.PROP, cards.prop(e)) for e in found.props]
    style_id = "style"
    drafts.append(
        CardDraft(draft_id=style_id, kind=CardKind.STYLE, name="Look", attributes=cards.style(scene, found))
    )
    board = Board(
        style=style_id,
        places=places,
        characters=characters,
        props=props,
        weather=scene.weather[0] if scene.weather else None,
        time=scene.times[0] if scene.times else None,
        mood=scene.moods[0] if scene.moods else "quiet",
        commercial=scene.genre == "commercial",
        handheld=scene.handheld,
    )
    return drafts, board


def _card_name(entity: cards.Entity) -> str:
    return entity.name if entity.name[:1].isupper() else entity.name.title()


def _title(found: cards.Cast, scene: Scene, brief: str) -> str:
    if not found.characters + found.props:
        return brief.strip().split("\n")[0][:60].strip() or "Untitled"
    lead = (found.characters + found.props)[0]
    title = lead.name if lead.name[:1].isupper() else f"The {lead.name.title()}"
    if scene.weather:
        title += f" and the {scene.weather[0].title()}"
    elif len(found.characters) + len(found.props) > 1:
        second = (found.characters + found.props)[1]
        title += f" and {second.name}" if second.name[:1].isupper() else f" and the {second.name.title()}"
    return title
