"""Propose, edit, approve against the real SQLite metadata store and projects service: drafts are in
the store (another service over it sees them), edits are validated, approval saves once and never
half (it deletes what it made when it fails, and takes over a claim a dead approval left)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from craftology.adapters.metadata.sqlite import SqliteMetadataStore
from craftology.agents.proposal.approval import Approval, Approved
from craftology.agents.proposal.draft import Proposal, SourceDocument
from craftology.agents.proposal.engine import EmbeddedProposalEngine
from craftology.agents.proposal.project_writer import ProjectWriter
from craftology.agents.proposal.records import PROPOSALS, ProposalRecords, Status
from craftology.agents.proposal.service import ProposalService
from craftology.errors import BadInput, Conflict, PreconditionFailed
from craftology.identity.principal import Principal
from craftology.projects.models import ProjectIn, ShotIn
from craftology.projects.service import ProjectService
from tests.principals import as_owner, default_policy

TENANT = "acme"
OWNER = as_owner(TENANT)
LIGHTHOUSE = "A 60-second film about a lighthouse keeper and a storm, a cat, a boat"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteMetadataStore]:
    metadata = SqliteMetadataStore(tmp_path / "tenants")
    metadata.provision(TENANT)
    yield metadata
    metadata.close()


@pytest.fixture
def projects(store: SqliteMetadataStore) -> ProjectService:
    return ProjectService(store, default_policy())


@pytest.fixture
def service(store: SqliteMetadataStore, projects: ProjectService) -> ProposalService:
    return ProposalService.embedded(store, projects, default_policy())


def project_ids(projects: ProjectService) -> list[str]:
    return [p.value.id for p in projects.list_projects(OWNER).items]


class Crash(BaseException):
    """A process dying mid-approval: nothing after it runs, not even the clean-up."""


class FailingWriter(ProjectWriter):
    """Fails (or dies) when adding the `at`-th shot."""

    def __init__(self, projects: ProjectService, at: int, error: BaseException) -> None:
        super().__init__(projects)
        self.at, self.error, self.shots = at, error, 0

    def add_shot(self, who: Principal, project_id: str, shot: ShotIn) -> str:
        self.shots += 1
        if self.shots == self.at:
            raise self.error
        return super().add_shot(who, project_id, shot)


def test_a_draft_is_in_the_store_for_every_process(
    store: SqliteMetadataStore, projects: ProjectService
) -> None:
    made = ProposalService.embedded(store, projects, default_policy()).propose(
        OWNER, LIGHTHOUSE, shot_count=24
    )
    seen = ProposalService.embedded(store, ProjectService(store, default_policy()), default_policy()).get(
        OWNER, made.id
    )
    assert seen == made
    assert seen.status is Status.DRAFT
    assert project_ids(projects) == []  # nothing is saved before approval


def test_edits_are_merge_patches_validated_as_a_whole(service: ProposalService) -> None:
    draft = service.propose(OWNER, LIGHTHOUSE, shot_count=6)
    edited = service.edit(
        OWNER,
        draft.id,
        {"cards": {"lighthouse-keeper": {"attributes": {"appearance": {"hair": "white"}}}},
         "project": {"name": "Keeper"}},
        draft.revision,
    )  # fmt: skip
    keeper = next(c for c in edited.proposal.cards if c.draft_id == "lighthouse-keeper")
    assert keeper.attributes["appearance"]["hair"] == "white"
    assert keeper.attributes["appearance"]["summary"]  # the rest of the card is kept
    assert edited.proposal.project.name == "Keeper"
    assert edited.revision == draft.revision + 1

    with pytest.raises(PreconditionFailed):
        service.edit(OWNER, draft.id, {"project": {"name": "Late"}}, draft.revision)
    with pytest.raises(BadInput, match="unknown cards: ghost"):
        service.edit(OWNER, draft.id, {"shots": {"shot-001": {"cards": ["ghost"]}}}, None)
    with pytest.raises(BadInput, match="unknown cards: boat"):
        service.edit(OWNER, draft.id, {"cards": {"boat": None}}, None)  # still in shots
    with pytest.raises(BadInput, match="duration"):
        service.edit(OWNER, draft.id, {"shots": {"shot-002": {"duration": 9}}}, None)
    assert service.get(OWNER, draft.id) == edited  # refused edits wrote nothing

    # Removing a shot and adding one, by draft id.
    shots = service.edit(
        OWNER, draft.id, {"shots": {"shot-002": None, "shot-new": {"description": "The cat sleeps",
                                                                     "cards": ["cat"]}}}, None
    ).proposal.shots  # fmt: skip
    assert [s.draft_id for s in shots][-1] == "shot-new"
    assert "shot-002" not in [s.draft_id for s in shots]


def test_approval_saves_the_proposal_once(service: ProposalService, projects: ProjectService) -> None:
    draft = service.propose(OWNER, LIGHTHOUSE, shot_count=24)
    first = service.approve(OWNER, draft.id)
    assert first.created
    project, cards, shots = projects.load_project(OWNER, first.project_id)
    assert project.name == draft.proposal.project.name
    assert sorted(c.name for c in cards.values()) == sorted(c.name for c in draft.proposal.cards)
    ordered = list(shots.values())
    assert [s.description for s in ordered] == [s.description for s in draft.proposal.shots]
    names = {card_id: card.name for card_id, card in cards.items()}
    assert [[names[c] for c in s.cards] for s in ordered] == [
        [next(c.name for c in draft.proposal.cards if c.draft_id == ref) for ref in s.cards]
        for s in draft.proposal.shots
    ]
    assert sum(s.duration for s in ordered) == pytest.approx(60.0)

    again = service.approve(OWNER, draft.id)
    assert again.project_id == first.project_id
    assert not again.created
    assert project_ids(projects) == [first.project_id]
    assert service.get(OWNER, draft.id).status is Status.APPROVED
    with pytest.raises(Conflict, match="approved"):
        service.edit(OWNER, draft.id, {"project": {"name": "Too late"}}, None)


def test_a_failure_midway_deletes_what_it_made(store: SqliteMetadataStore, projects: ProjectService) -> None:
    service = ProposalService.embedded(store, projects, default_policy())
    draft = service.propose(OWNER, LIGHTHOUSE, shot_count=10)
    records = ProposalRecords(store)
    failing = Approval(records, FailingWriter(projects, at=5, error=RuntimeError("disk full")))
    with pytest.raises(RuntimeError, match="disk full"):
        failing.approve(OWNER, draft.id)
    assert project_ids(projects) == []  # no half project
    assert store.head(TENANT) > 0
    after = service.get(OWNER, draft.id)
    assert (after.status, after.project_id) == (Status.DRAFT, None)

    approved = service.approve(OWNER, draft.id)  # and it can be approved again
    assert project_ids(projects) == [approved.project_id]
    assert len(projects.load_project(OWNER, approved.project_id)[2]) == 10


def test_an_approval_that_died_is_taken_over(store: SqliteMetadataStore, projects: ProjectService) -> None:
    service = ProposalService.embedded(store, projects, default_policy())
    draft = service.propose(OWNER, LIGHTHOUSE, shot_count=10)
    dying = Approval(ProposalRecords(store), FailingWriter(projects, at=4, error=Crash()))
    with pytest.raises(Crash):
        dying.approve(OWNER, draft.id)
    left = service.get(OWNER, draft.id)
    assert left.status is Status.APPROVING
    assert project_ids(projects) == [left.project_id]  # the half project the dead process left

    approved = service.approve(OWNER, draft.id)
    assert project_ids(projects) == [approved.project_id]  # the half one is gone
    assert approved.project_id != left.project_id
    assert len(projects.load_project(OWNER, approved.project_id)[2]) == 10


def test_an_overtaken_approval_does_not_leave_a_second_project(
    store: SqliteMetadataStore, projects: ProjectService
) -> None:
    """An approval that was slow, not dead, while another took its claim over: its next step fails
    (its project is gone), and it answers with the other one's project; that is the only one."""
    service = ProposalService.embedded(store, projects, default_policy())
    draft = service.propose(OWNER, LIGHTHOUSE, shot_count=6)
    records = ProposalRecords(store)
    outcome: dict[str, object] = {}

    class SlowWriter(ProjectWriter):
        def add_shot(self, who: Principal, project_id: str, shot: ShotIn) -> str:
            if "other" not in outcome:  # while this approval is midway, another one runs whole
                outcome["other"] = service.approve(OWNER, draft.id)
            return super().add_shot(who, project_id, shot)

    slow = Approval(records, SlowWriter(projects)).approve(OWNER, draft.id)
    winner = outcome["other"]
    assert isinstance(winner, Approved)
    assert winner.created
    assert (slow.project_id, slow.created) == (winner.project_id, False)
    assert project_ids(projects) == [winner.project_id]
    assert len(projects.load_project(OWNER, winner.project_id)[2]) == 6
    assert service.get(OWNER, draft.id).status is Status.APPROVED


def test_a_concurrent_edit_makes_approval_use_the_edited_proposal(
    store: SqliteMetadataStore, projects: ProjectService
) -> None:
    service = ProposalService.embedded(store, projects, default_policy())
    draft = service.propose(OWNER, LIGHTHOUSE, shot_count=3)
    records = ProposalRecords(store)
    edited_once: list[bool] = []

    class EditingWriter(ProjectWriter):
        def create_project(self, who: Principal, project: ProjectIn) -> str:
            if not edited_once:  # an edit lands between the read and the claim
                edited_once.append(True)
                service.edit(OWNER, draft.id, {"project": {"name": "Edited"}}, None)
            return super().create_project(who, project)

    approved = Approval(records, EditingWriter(projects)).approve(OWNER, draft.id)
    assert project_ids(projects) == [approved.project_id]
    assert projects.get_project(OWNER, approved.project_id).value.name == "Edited"
    assert service.get(OWNER, draft.id).status is Status.APPROVED


def test_an_engines_invalid_output_is_refused_and_nothing_stored(
    store: SqliteMetadataStore, projects: ProjectService
) -> None:
    """Whatever an engine returns (a model's output, later) is held to the domain's rules."""

    class CarelessEngine:
        def propose(
            self, brief: str, documents: Sequence[SourceDocument], shot_count: int | None
        ) -> Proposal:
            good = EmbeddedProposalEngine().propose(brief, documents, shot_count)
            shots = [good.shots[0].model_copy(update={"cards": ["nobody"]})]
            return Proposal.model_construct(**{**dict(good), "shots": shots})  # skips validation

    careless = ProposalService(store, CarelessEngine(), ProjectWriter(projects), default_policy())
    with pytest.raises(BadInput, match="nobody"):
        careless.propose(OWNER, LIGHTHOUSE, shot_count=2)
    assert list(store.scan(TENANT, PROPOSALS)) == []
