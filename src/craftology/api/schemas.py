"""Response bodies: the domain records plus their revision (the same value as the ETag header)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from craftology.ports.metadata import Record
from craftology.projects.changes import Versioned
from craftology.projects.models import Card, Id, Project, Shot


class ProjectOut(Project):
    """A project as stored, with its revision."""

    revision: int = Field(description="Current revision; the ETag is this number in quotes.")
    updated_at: str

    @classmethod
    def of(cls, item: Versioned[Project]) -> ProjectOut:
        return cls.model_validate(
            {**item.value.model_dump(), "revision": item.revision, "updated_at": item.updated_at}
        )


class CardOut(Card):
    """A card as stored, with its revision."""

    revision: int = Field(description="Current revision; the ETag is this number in quotes.")
    updated_at: str

    @classmethod
    def of(cls, item: Versioned[Card]) -> CardOut:
        return cls.model_validate(
            {**item.value.model_dump(), "revision": item.revision, "updated_at": item.updated_at}
        )


class ShotOut(Shot):
    """A shot as stored, with its revision."""

    revision: int = Field(description="Current revision; the ETag is this number in quotes.")
    updated_at: str

    @classmethod
    def of(cls, item: Versioned[Shot]) -> ShotOut:
        return cls.model_validate(
            {**item.value.model_dump(), "revision": item.revision, "updated_at": item.updated_at}
        )


class HistoryEntry(BaseModel):
    """One revision of a record; a deletion has `deleted: true` and empty data."""

    revision: int
    updated_at: str
    deleted: bool
    data: dict[str, Any]

    @classmethod
    def of(cls, record: Record) -> HistoryEntry:
        return cls(
            revision=record.revision, updated_at=record.updated_at, deleted=not record.data, data=record.data
        )


class ReorderIn(BaseModel):
    """The project's shot ids in their new order: every shot exactly once."""

    shot_ids: list[Id]


class MoveAfter(BaseModel):
    """Put the shot right after another shot of the project."""

    model_config = ConfigDict(extra="forbid")
    after: Id = Field(description="The shot the moved shot goes right after.")


class MoveBefore(BaseModel):
    """Put the shot right before another shot of the project."""

    model_config = ConfigDict(extra="forbid")
    before: Id = Field(description="The shot the moved shot goes right before.")


MoveIn = MoveAfter | MoveBefore
