"""Projects service: projects, cards and shots of a tenant, validated and optimistically versioned.

How writes stay consistent under concurrency is explained in craftology.projects.base.
"""

from __future__ import annotations

from craftology.assets.records import ASSETS, TARGETS
from craftology.errors import BadInput, Conflict, NotFound
from craftology.identity.principal import Principal
from craftology.ports.metadata import Query, Record
from craftology.projects.base import (
    CARDS,
    COLLECTIONS,
    PROJECTS,
    SEQUENCES,
    SHOTS,
    SINGULAR,
    Batch,
    Patch,
    check_revision,
    editable,
    versioned,
)
from craftology.projects.changes import Listing, Versioned
from craftology.projects.models import Card, CardIn, Project, ProjectIn, Shot
from craftology.projects.shots import ShotMethods
from craftology.projects.validation import merge_patch, new_id, validate


class ProjectService(ShotMethods):
    """Create, read, update and delete projects, cards and shots of one tenant at a time.

    Every method takes the Principal asking first and asks the policy (through the guard) before it
    reads or writes; writes act in the principal's own tenant, and reads may name another tenant's
    project (`tenant=`), which only a B2B grant allows. `listeners` (constructor) are called after
    each successful commit with one Change per record written; they cannot affect the write.
    """

    # -- projects -------------------------------------------------------------------------------

    def create_project(self, principal: Principal, project: ProjectIn) -> Versioned[Project]:
        """Create a project with a generated id."""
        tenant = self._guard.check(principal, "create_project", "Project")

        def build() -> Batch:
            value = Project(id=new_id(project.name, "project"), **project.model_dump())
            batch = Batch(tenant, value.id)
            batch.put(PROJECTS, value.id, value.model_dump(mode="json"), None)
            batch.put(SEQUENCES, value.id, {"tail": None}, None)
            return batch

        return versioned(Project, self._write(tenant, build)[0])

    def get_project(
        self, principal: Principal, project_id: str, *, tenant: str | None = None
    ) -> Versioned[Project]:
        """The project; NotFound if this tenant has none with that id."""
        tenant = self._guard.check(principal, "read_project", "Project", project_id, tenant=tenant)
        return versioned(Project, self._get(tenant, PROJECTS, project_id))

    def list_projects(
        self, principal: Principal, cursor: str | None = None, limit: int = 50, *, tenant: str | None = None
    ) -> Listing[Project]:
        """Projects in id order, one page at a time."""
        tenant = self._guard.check(principal, "read_project", "Project", tenant=tenant)
        page = self._store.find(tenant, Query(PROJECTS, cursor=cursor, limit=limit))
        return Listing([versioned(Project, r) for r in page.records], page.next_cursor)

    def update_project(
        self, principal: Principal, project_id: str, changes: ProjectIn | Patch, expect_revision: int | None
    ) -> Versioned[Project]:
        """Replace (ProjectIn) or merge-patch (mapping) the editable fields. `expect_revision` None
        means any revision (If-Match: *)."""
        tenant = self._guard.check(principal, "update_project", "Project", project_id)

        def build() -> Batch:
            before = self._get(tenant, PROJECTS, project_id)
            check_revision(before, expect_revision)
            if isinstance(changes, ProjectIn):
                edited = changes
            else:
                edited = validate(ProjectIn, merge_patch(editable(ProjectIn, before.data), changes))
            batch = Batch(tenant, project_id)
            data = Project(id=project_id, **edited.model_dump()).model_dump(mode="json")
            if data != before.data:
                batch.put(PROJECTS, project_id, data, before)
            return batch

        return self._write_one(tenant, PROJECTS, project_id, Project, build)

    def delete_project(self, principal: Principal, project_id: str, expect_revision: int | None) -> None:
        """Delete the project with all its cards and shots, and the records of its assets and targets,
        in one commit: its blobs are then unreferenced, and blob collection frees them after the grace
        period (record history keeps what was there)."""
        tenant = self._guard.check(principal, "delete_project", "Project", project_id)

        def build() -> Batch:
            project = self._get(tenant, PROJECTS, project_id)
            check_revision(project, expect_revision)
            batch = Batch(tenant, project_id)
            for collection in (SHOTS, CARDS, ASSETS, TARGETS):
                for record in self._store.scan(tenant, collection, project_id):
                    batch.delete(record)
            batch.delete(self._get(tenant, SEQUENCES, project_id))
            batch.delete(project)
            return batch

        self._write(tenant, build)

    # -- cards ----------------------------------------------------------------------------------

    def create_card(self, principal: Principal, project_id: str, card: CardIn) -> Versioned[Card]:
        """Add a card to a project (id generated from its name)."""
        tenant = self._guard.check(principal, "create_card", "Card", project=project_id)

        def build() -> Batch:
            self._get(tenant, PROJECTS, project_id)
            value = Card(id=new_id(card.name, "card"), project_id=project_id, **card.model_dump())
            batch = Batch(tenant, project_id)
            batch.put(CARDS, value.id, value.model_dump(mode="json"), None)
            return batch

        return versioned(Card, self._write(tenant, build)[0])

    def get_card(
        self, principal: Principal, project_id: str, card_id: str, *, tenant: str | None = None
    ) -> Versioned[Card]:
        """The card; NotFound unless it belongs to this project of this tenant."""
        tenant = self._guard.check(principal, "read_card", "Card", card_id, project=project_id, tenant=tenant)
        return versioned(Card, self._get(tenant, CARDS, card_id, project_id))

    def list_cards(
        self,
        principal: Principal,
        project_id: str,
        cursor: str | None = None,
        limit: int = 50,
        *,
        tenant: str | None = None,
    ) -> Listing[Card]:
        """Cards of a project in id order, one page at a time."""
        tenant = self._guard.check(principal, "read_card", "Card", project=project_id, tenant=tenant)
        self._get(tenant, PROJECTS, project_id)
        page = self._store.find(tenant, Query(CARDS, project_id=project_id, cursor=cursor, limit=limit))
        return Listing([versioned(Card, r) for r in page.records], page.next_cursor)

    def update_card(
        self,
        principal: Principal,
        project_id: str,
        card_id: str,
        changes: CardIn | Patch,
        expect_revision: int | None,
    ) -> Versioned[Card]:
        """Replace or merge-patch (RFC 7396, also inside `attributes`) the card's editable fields."""
        tenant = self._guard.check(principal, "update_card", "Card", card_id, project=project_id)

        def build() -> Batch:
            before = self._get(tenant, CARDS, card_id, project_id)
            check_revision(before, expect_revision)
            if isinstance(changes, CardIn):
                edited = changes
            else:
                edited = validate(CardIn, merge_patch(editable(CardIn, before.data), changes))
            data = Card(id=card_id, project_id=project_id, **edited.model_dump()).model_dump(mode="json")
            batch = Batch(tenant, project_id)
            if data != before.data:
                batch.put(CARDS, card_id, data, before)
            return batch

        return self._write_one(tenant, CARDS, card_id, Card, build)

    def delete_card(
        self, principal: Principal, project_id: str, card_id: str, expect_revision: int | None
    ) -> None:
        """Delete a card; Conflict (naming them) while shots still reference it."""
        tenant = self._guard.check(principal, "delete_card", "Card", card_id, project=project_id)

        def build() -> Batch:
            card = self._get(tenant, CARDS, card_id, project_id)
            check_revision(card, expect_revision)
            users = [r.id for r in self._shots(tenant, project_id) if card_id in r.data.get("cards", [])]
            if users:
                raise Conflict(
                    f"card {card_id!r} is used by shots {', '.join(users)}; remove it from them first",
                    shots=users,
                )
            batch = Batch(tenant, project_id)
            batch.delete(card)
            batch.bump_sequence(self._get(tenant, SEQUENCES, project_id))
            return batch

        self._write(tenant, build)

    # -- history and bulk reads -----------------------------------------------------------------

    def history(
        self,
        principal: Principal,
        collection: str,
        record_id: str,
        project_id: str | None = None,
        *,
        tenant: str | None = None,
    ) -> list[Record]:
        """Every revision of a project, card or shot, oldest first (a deletion has empty data).
        With `project_id`, NotFound unless the record belongs to that project."""
        if collection not in COLLECTIONS:
            raise BadInput(f"collection must be one of {', '.join(COLLECTIONS)}")
        kind = SINGULAR[collection]
        tenant = self._guard.check(
            principal, f"read_{kind}", kind.title(), record_id, project=project_id or "", tenant=tenant
        )
        try:
            revisions = self._store.history(tenant, collection, record_id)
        except (NotFound, BadInput):
            revisions = []
        # Every revision carries the project it belongs to (a project belongs to itself).
        if not revisions or (project_id is not None and revisions[-1].project_id != project_id):
            raise NotFound(f"no {SINGULAR[collection]} {record_id!r}")
        return revisions

    def load_project(
        self, principal: Principal, project_id: str, *, tenant: str | None = None
    ) -> tuple[Project, dict[str, Card], dict[str, Shot]]:
        """The project with all its cards and shots (shots in order), read with two scans."""
        tenant = self._guard.check(principal, "read_project", "Project", project_id, tenant=tenant)
        project = Project.model_validate(self._get(tenant, PROJECTS, project_id).data)
        cards = {r.id: Card.model_validate(r.data) for r in self._store.scan(tenant, CARDS, project_id)}
        shots = {r.id: Shot.model_validate(r.data) for r in self._shots(tenant, project_id)}
        return project, cards, shots
