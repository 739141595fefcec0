"""Saving an approved proposal as a project: once, and never half.

The projects service gives every project a new random id and writes one record per call (the project,
then each card, then each shot), so a proposal cannot be saved in one commit under an id known in
advance. Approval therefore deletes on failure:

1. create the project, then claim the proposal for it (APPROVING with its `project_id`), a
   compare-and-set on the proposal's revision. Losing the claim (someone approved or edited first)
   deletes the project just made and starts over from the proposal as it now is.
2. add the cards, then the shots (in order, naming the new card ids).
3. mark the proposal APPROVED (compare-and-set again).

A failure in 2 or 3 deletes the project (one commit, with everything in it) and puts the proposal
back to DRAFT. A process that dies in 2 leaves the claim: the next approval takes the claim over
(compare-and-set, so only one does) and only then deletes the project the claim names, so a live
approval that was overtaken fails its own step 3 instead of ending as a second project. Approving an
APPROVED proposal returns its project. What no claim names is a project created by a process that
died between its create and its claim (step 1): an empty project, the one gap a service that takes
the project id from the caller would close.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace

from craftology.agents.proposal.draft import Proposal
from craftology.agents.proposal.project_writer import ProjectWriter
from craftology.agents.proposal.records import ProposalRecords, Status, StoredProposal
from craftology.errors import Conflict, PreconditionFailed
from craftology.identity.principal import Principal
from craftology.projects.models import CardIn, ProjectIn, ShotIn

_ATTEMPTS = 5  # rounds lost to concurrent edits or approvals before giving up with a Conflict


@dataclass(frozen=True)
class Approved:
    project_id: str
    created: bool  # False: the proposal had already been approved (this call saved nothing)


class Approval:
    def __init__(self, records: ProposalRecords, writer: ProjectWriter) -> None:
        self._records = records
        self._writer = writer

    def approve(self, who: Principal, proposal_id: str) -> Approved:
        tenant = who.tenant
        for _ in range(_ATTEMPTS):
            stored = self._records.get(tenant, proposal_id)
            if stored.status is Status.APPROVED and stored.project_id is not None:
                return Approved(stored.project_id, created=False)
            project_id = self._writer.create_project(who, _project(stored.proposal))
            try:
                claimed = self._records.put(
                    tenant, replace(stored, status=Status.APPROVING, project_id=project_id)
                )
            except (PreconditionFailed, Conflict):
                self._writer.delete_project(who, project_id)
                continue
            if stored.status is Status.APPROVING and stored.project_id is not None:
                # A claim taken over: the approval that held it died (or now fails its final step).
                self._writer.delete_project(who, stored.project_id)
            return self._save(who, claimed, project_id)
        raise Conflict(f"proposal {proposal_id!r} kept changing while it was being approved; try again")

    def _save(self, who: Principal, claimed: StoredProposal, project_id: str) -> Approved:
        tenant = who.tenant
        try:
            self._fill(who, project_id, claimed.proposal)
            self._records.put(tenant, replace(claimed, status=Status.APPROVED))
        except Exception:
            self._writer.delete_project(who, project_id)
            # Back to a draft, unless another approval took the claim over: the proposal is its now.
            with contextlib.suppress(PreconditionFailed, Conflict):
                self._records.put(tenant, replace(claimed, status=Status.DRAFT, project_id=None))
            now = self._records.get(tenant, claimed.id)
            if now.status is Status.APPROVED and now.project_id is not None:
                return Approved(now.project_id, created=False)
            if now.status is Status.APPROVING and now.project_id != project_id:
                raise Conflict(
                    f"proposal {claimed.id!r} is being saved by another approval; read it again shortly"
                ) from None
            raise
        return Approved(project_id, created=True)

    def _fill(self, who: Principal, project_id: str, proposal: Proposal) -> None:
        card_ids: dict[str, str] = {}
        for card in proposal.cards:
            fields = card.model_dump(exclude={"draft_id"})
            card_ids[card.draft_id] = self._writer.add_card(who, project_id, CardIn(**fields))
        for shot in proposal.shots:
            fields = shot.model_dump(exclude={"draft_id", "cards"})
            shot_in = ShotIn(**fields, cards=[card_ids[c] for c in shot.cards])
            self._writer.add_shot(who, project_id, shot_in)


def _project(proposal: Proposal) -> ProjectIn:
    """The project's settings, with the shot count the storyboard ended up with after edits."""
    settings = proposal.project.settings
    if proposal.shots and settings.shot_count != len(proposal.shots):
        settings = settings.model_copy(update={"shot_count": len(proposal.shots)})
    return proposal.project.model_copy(update={"settings": settings})
