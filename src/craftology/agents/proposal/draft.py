"""A proposal: the project a brief describes, before anything is saved.

It holds the same records the projects service takes (ProjectIn, CardIn, ShotIn) so an approved
proposal becomes a project without translation. Cards and shots carry draft ids, stable across edits,
because the real ids exist only once the project is saved: a shot names its cards by draft id.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from craftology.projects.models import MAX_NAME, CardIn, Id, ProjectIn, ShotIn, Strict

MAX_CARDS = 200
MAX_SHOTS = 1000
MAX_DOCUMENT_CHARS = 100_000
MAX_DOCUMENTS = 20
MAX_SHOT_COUNT = 500

DocumentKind = Literal["script", "treatment", "notes", "image"]


class CardDraft(CardIn):
    """A card of the proposal; shots name it by `draft_id`."""

    draft_id: Id


class ShotDraft(ShotIn):
    """A shot of the proposal; `cards` holds card draft ids."""

    draft_id: Id


class Attachment(Strict):
    """A reference image (or other file) in the tenant's asset storage, listed with the proposal."""

    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
    asset_id: Id


class SourceDocument(Strict):
    """Material behind a brief: the text of a script, treatment or notes, or a reference image by
    its asset id."""

    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
    kind: DocumentKind = "script"
    text: Annotated[str, Field(max_length=MAX_DOCUMENT_CHARS)] | None = None
    asset_id: Id | None = None

    @model_validator(mode="after")
    def _content(self) -> SourceDocument:
        if self.kind == "image" and self.asset_id is None:
            raise ValueError(f"document {self.name!r}: an image is named by its asset_id")
        if self.kind != "image" and not (self.text or "").strip():
            raise ValueError(f"document {self.name!r}: a {self.kind} needs its text")
        return self


class Proposal(Strict):
    """A proposed project: its settings, cards and shots (in storyboard order), and what it was
    made from. Every shot's cards must be cards of the proposal."""

    project: ProjectIn
    cards: list[CardDraft] = Field(default_factory=list, max_length=MAX_CARDS)
    shots: list[ShotDraft] = Field(default_factory=list, max_length=MAX_SHOTS)
    attachments: list[Attachment] = Field(default_factory=list, max_length=MAX_DOCUMENTS)
    notes: list[Annotated[str, Field(max_length=1000)]] = Field(
        default_factory=list,
        max_length=20,
        description="What the engine could not do as asked (e.g. a length the shot count cannot fill).",
    )

    @model_validator(mode="after")
    def _references(self) -> Proposal:
        for label, ids in (
            ("card", [c.draft_id for c in self.cards]),
            ("shot", [s.draft_id for s in self.shots]),
        ):
            repeated = sorted({i for i in ids if ids.count(i) > 1})
            if repeated:
                raise ValueError(f"{label} draft ids must be unique; repeated: {', '.join(repeated)}")
        known = {card.draft_id for card in self.cards}
        for shot in self.shots:
            unknown = [card for card in shot.cards if card not in known]
            if unknown:
                raise ValueError(
                    f"shot {shot.draft_id!r} names unknown cards: {', '.join(unknown)} "
                    f"(the proposal's cards are: {', '.join(sorted(known)) or 'none'})"
                )
        return self
