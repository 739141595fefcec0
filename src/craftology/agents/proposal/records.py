"""Proposals kept in the tenant's metadata store (collection "proposals"), so every process sees the
same draft: one record per proposal, its revision the ETag, its status the approval's progress."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from craftology.agents.proposal.draft import Proposal
from craftology.errors import BadInput, NotFound
from craftology.ports.metadata import MUST_NOT_EXIST, MetadataStore, Put, Record

PROPOSALS = "proposals"


class Status(StrEnum):
    DRAFT = "draft"  # shown and edited
    APPROVING = "approving"  # an approval claimed it and is saving `project_id`
    APPROVED = "approved"  # saved as `project_id`; no more edits


@dataclass(frozen=True)
class StoredProposal:
    id: str
    status: Status
    proposal: Proposal
    project_id: str | None
    revision: int  # 0 until stored
    updated_at: str = ""

    def data(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "proposal": self.proposal.model_dump(mode="json"),
            "project_id": self.project_id,
        }


def new_proposal_id() -> str:
    return f"proposal-{secrets.token_hex(6)}"


class ProposalRecords:
    """Reads and compare-and-set writes of one tenant's proposals."""

    def __init__(self, metadata: MetadataStore) -> None:
        self._store = metadata

    def add(self, tenant: str, proposal: Proposal) -> StoredProposal:
        draft = StoredProposal(new_proposal_id(), Status.DRAFT, proposal, None, 0)
        return self.put(tenant, draft)

    def get(self, tenant: str, proposal_id: str) -> StoredProposal:
        try:
            record = self._store.get(tenant, PROPOSALS, proposal_id)
        except (NotFound, BadInput):  # an id the store cannot hold names nothing: 404
            raise NotFound(f"no proposal {proposal_id!r}") from None
        return _read(record)

    def put(self, tenant: str, changed: StoredProposal) -> StoredProposal:
        """Write `changed` if the stored record is still at `changed.revision` (0: not stored yet);
        PreconditionFailed or Conflict otherwise, and nothing is written."""
        expect = changed.revision if changed.revision else MUST_NOT_EXIST
        (record,) = self._store.commit(tenant, [Put(PROPOSALS, changed.id, changed.data(), expect=expect)])
        return replace(changed, revision=record.revision, updated_at=record.updated_at)


def _read(record: Record) -> StoredProposal:
    data = record.data
    return StoredProposal(
        id=record.id,
        status=Status(data["status"]),
        proposal=Proposal.model_validate(data["proposal"]),
        project_id=data.get("project_id"),
        revision=record.revision,
        updated_at=record.updated_at,
    )
