from __future__ import annotations

import re

import pytest

from craftology.errors import BadInput, Conflict, NotFound, PreconditionFailed
from craftology.ports.metadata import Put
from craftology.projects.changes import Change
from craftology.projects.models import CardIn, CardKind, ProjectIn, ShotIn
from craftology.projects.order_keys import position_key
from craftology.projects.service import ProjectService
from tests.principals import as_owner, default_policy
from tests.projects.conftest import OTHER, TENANT, add_card

ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def test_create_project_generates_a_slug_id_and_reads_back(service: ProjectService) -> None:
    created = service.create_project(as_owner(TENANT), ProjectIn(name="Trail Shoes: Dusk!"))
    assert ID.fullmatch(created.value.id)
    assert created.value.id.startswith("trail-shoes-dusk-")
    assert created.revision == 1
    again = service.get_project(as_owner(TENANT), created.value.id)
    assert again.value == created.value
    other = service.create_project(as_owner(TENANT), ProjectIn(name="Trail Shoes: Dusk!"))
    assert other.value.id != created.value.id


def test_update_project_merges_settings_and_bumps_revision(service: ProjectService, project_id: str) -> None:
    updated = service.update_project(
        as_owner(TENANT), project_id, {"settings": {"fps": 30}}, expect_revision=1
    )
    assert updated.revision == 2
    assert updated.value.settings.fps == 30
    assert updated.value.settings.aspect_ratio == "16:9"  # untouched members survive the merge
    assert updated.value.brief == "30 seconds"
    removed = service.update_project(as_owner(TENANT), project_id, {"brief": None}, expect_revision=2)
    assert removed.value.brief == ""  # null removes the member; the default applies


def test_stale_revision_is_precondition_failed_and_writes_nothing(
    service: ProjectService, project_id: str
) -> None:
    service.update_project(as_owner(TENANT), project_id, {"name": "First"}, expect_revision=1)
    with pytest.raises(PreconditionFailed) as error:
        service.update_project(as_owner(TENANT), project_id, {"name": "Second"}, expect_revision=1)
    assert error.value.extra["current_revision"] == 2
    assert service.get_project(as_owner(TENANT), project_id).value.name == "First"


def test_invalid_patch_lists_field_paths_and_writes_nothing(service: ProjectService, project_id: str) -> None:
    with pytest.raises(BadInput) as error:
        service.update_project(
            as_owner(TENANT), project_id, {"settings": {"fps": 999}, "colour": "red"}, None
        )
    assert "settings.fps" in error.value.detail
    assert "colour" in error.value.detail
    assert "\n" not in error.value.detail
    assert {e["loc"] for e in error.value.extra["errors"]} == {"settings.fps", "colour"}
    assert service.get_project(as_owner(TENANT), project_id).revision == 1


def test_card_patch_merges_attributes_recursively(service: ProjectService, project_id: str) -> None:
    card_id = add_card(service, project_id)
    patch = {"attributes": {"appearance": {"eyes": "green"}, "backstory": "runner"}}
    card = service.update_card(as_owner(TENANT), project_id, card_id, patch, expect_revision=1).value
    assert card.attributes == {"appearance": {"hair": "brown", "eyes": "green"}, "backstory": "runner"}
    card = service.update_card(
        as_owner(TENANT), project_id, card_id, {"attributes": {"appearance": None}}, None
    ).value
    assert card.attributes == {"backstory": "runner"}
    with pytest.raises(BadInput, match="kind"):
        service.update_card(as_owner(TENANT), project_id, card_id, {"kind": "dragon"}, None)


def test_shot_cards_must_exist_in_the_same_project(service: ProjectService, project_id: str) -> None:
    mia = add_card(service, project_id)
    elsewhere = service.create_project(as_owner(TENANT), ProjectIn(name="Other")).value.id
    foreign = add_card(service, elsewhere, "Bob")
    with pytest.raises(BadInput) as error:
        service.create_shot(
            as_owner(TENANT), project_id, ShotIn(description="run", cards=[mia, "ghost", foreign])
        )
    assert error.value.extra["unknown_cards"] == ["ghost", foreign]
    assert "ghost" in error.value.detail
    assert service.list_shots(as_owner(TENANT), project_id).items == []
    first = service.create_shot(as_owner(TENANT), project_id, ShotIn(description="run", cards=[mia])).value
    assert first.order == position_key(0)  # the refused shot took no place in the sequence
    with pytest.raises(BadInput, match="nobody"):
        service.update_shot(as_owner(TENANT), project_id, first.id, {"cards": ["nobody"]}, None)


def test_card_delete_refused_while_shots_use_it(service: ProjectService, project_id: str) -> None:
    mia = add_card(service, project_id)
    shot = service.create_shot(as_owner(TENANT), project_id, ShotIn(description="run", cards=[mia])).value
    with pytest.raises(Conflict) as error:
        service.delete_card(as_owner(TENANT), project_id, mia, None)
    assert error.value.extra["shots"] == [shot.id]
    assert shot.id in error.value.detail
    service.update_shot(as_owner(TENANT), project_id, shot.id, {"cards": []}, expect_revision=1)
    service.delete_card(as_owner(TENANT), project_id, mia, expect_revision=1)
    with pytest.raises(NotFound):
        service.get_card(as_owner(TENANT), project_id, mia)


def test_shots_append_delete_move_and_reorder(service: ProjectService, project_id: str) -> None:
    ids = [
        service.create_shot(as_owner(TENANT), project_id, ShotIn(description=f"s{i}")).value.id
        for i in range(4)
    ]
    keys = [s.value.order for s in service.list_shots(as_owner(TENANT), project_id).items]
    assert keys == [position_key(i) for i in range(4)]
    service.delete_shot(as_owner(TENANT), project_id, ids[1], expect_revision=1)
    listed = service.list_shots(as_owner(TENANT), project_id).items
    assert [s.value.id for s in listed] == [ids[0], ids[2], ids[3]]
    assert [s.revision for s in listed] == [1, 1, 1]  # the others keep their keys
    new_order = [ids[3], ids[0], ids[2]]
    reordered = service.reorder_shots(as_owner(TENANT), project_id, new_order)
    assert [s.value.id for s in reordered] == new_order
    assert [s.revision for s in reordered] == [2, 1, 1]  # only the shot that left its run moved
    moved = service.move_shot(as_owner(TENANT), project_id, ids[3], after=ids[2], expect_revision=2)
    assert moved.revision == 3
    assert [s.value.id for s in service.list_shots(as_owner(TENANT), project_id).items] == [
        ids[0],
        ids[2],
        ids[3],
    ]
    appended = service.create_shot(as_owner(TENANT), project_id, ShotIn(description="last")).value
    # Moved to the end, the shot still sits below the next append's key.
    assert [s.value.id for s in service.list_shots(as_owner(TENANT), project_id).items][-2:] == [
        ids[3],
        appended.id,
    ]
    first = service.move_shot(as_owner(TENANT), project_id, appended.id, before=ids[0], expect_revision=None)
    assert next(s.value.id for s in service.list_shots(as_owner(TENANT), project_id).items) == appended.id
    assert first.value.order < position_key(0)


def test_move_names_one_shot_of_the_project_and_checks_the_revision(
    service: ProjectService, project_id: str
) -> None:
    ids = [
        service.create_shot(as_owner(TENANT), project_id, ShotIn(description=f"s{i}")).value.id
        for i in range(3)
    ]
    with pytest.raises(BadInput, match="exactly one"):
        service.move_shot(as_owner(TENANT), project_id, ids[0], expect_revision=None)
    with pytest.raises(BadInput, match="exactly one"):
        service.move_shot(
            as_owner(TENANT), project_id, ids[0], after=ids[1], before=ids[2], expect_revision=None
        )
    with pytest.raises(BadInput, match="itself"):
        service.move_shot(as_owner(TENANT), project_id, ids[0], after=ids[0], expect_revision=None)
    with pytest.raises(BadInput, match="no shot 'ghost'"):
        service.move_shot(as_owner(TENANT), project_id, ids[0], after="ghost", expect_revision=None)
    with pytest.raises(PreconditionFailed):
        service.move_shot(as_owner(TENANT), project_id, ids[0], after=ids[2], expect_revision=7)
    with pytest.raises(NotFound):
        service.move_shot(as_owner(TENANT), project_id, "ghost", after=ids[2], expect_revision=None)
    # Already in place: nothing is written.
    same = service.move_shot(as_owner(TENANT), project_id, ids[1], after=ids[0], expect_revision=1)
    assert same.revision == 1
    assert [s.revision for s in service.list_shots(as_owner(TENANT), project_id).items] == [1, 1, 1]


def test_pages_follow_the_storyboard_with_the_last_key_as_cursor(
    service: ProjectService, project_id: str
) -> None:
    ids = [
        service.create_shot(as_owner(TENANT), project_id, ShotIn(description=f"s{i}")).value.id
        for i in range(5)
    ]
    service.move_shot(as_owner(TENANT), project_id, ids[4], before=ids[0], expect_revision=None)
    seen, cursor = [], None
    while True:
        page = service.list_shots(as_owner(TENANT), project_id, cursor, limit=2)
        seen += [s.value.id for s in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [ids[4], *ids[:4]]
    for bad in ("7", "nope", f"{position_key(0)}", f"{position_key(0)}.Bad Id"):
        with pytest.raises(BadInput, match="cursor"):
            service.list_shots(as_owner(TENANT), project_id, bad)


@pytest.mark.parametrize(
    "make_bad", [lambda ids: ids[:-1], lambda ids: [*ids, ids[0]], lambda ids: [*ids[:-1], "x"]]
)
def test_reorder_must_be_a_permutation_and_is_all_or_nothing(
    service: ProjectService, project_id: str, make_bad: object
) -> None:
    ids = [
        service.create_shot(as_owner(TENANT), project_id, ShotIn(description=f"s{i}")).value.id
        for i in range(3)
    ]
    before = [(s.value.id, s.revision) for s in service.list_shots(as_owner(TENANT), project_id).items]
    assert callable(make_bad)
    with pytest.raises(BadInput, match="exactly once"):
        service.reorder_shots(as_owner(TENANT), project_id, make_bad(list(reversed(ids))))
    assert [
        (s.value.id, s.revision) for s in service.list_shots(as_owner(TENANT), project_id).items
    ] == before


def test_delete_project_cascades_only_its_own_records(service: ProjectService, project_id: str) -> None:
    mia = add_card(service, project_id)
    service.create_shot(as_owner(TENANT), project_id, ShotIn(description="run", cards=[mia]))
    kept = service.create_project(as_owner(TENANT), ProjectIn(name="Kept")).value.id
    kept_card = add_card(service, kept)
    store = service._store
    for collection in ("assets", "targets"):  # what runs and uploads leave for the project, and another's
        store.commit(TENANT, [Put(collection, f"{collection}-of-{project_id}", {}, project_id=project_id)])
        store.commit(TENANT, [Put(collection, f"{collection}-of-kept", {}, project_id=kept)])
    service.delete_project(as_owner(TENANT), project_id, expect_revision=1)
    with pytest.raises(NotFound):
        service.get_project(as_owner(TENANT), project_id)
    for collection in ("cards", "shots", "shot_sequences", "assets", "targets"):
        assert list(store.scan(TENANT, collection, project_id)) == [], collection
    for collection in ("assets", "targets"):
        assert [r.id for r in store.scan(TENANT, collection, kept)] == [f"{collection}-of-kept"]
    assert service.get_card(as_owner(TENANT), kept, kept_card).value.name == "Mia"


def test_history_lists_every_revision_including_deletion(service: ProjectService, project_id: str) -> None:
    card_id = add_card(service, project_id)
    service.update_card(as_owner(TENANT), project_id, card_id, {"name": "Mia R."}, 1)
    service.delete_card(as_owner(TENANT), project_id, card_id, 2)
    revisions = service.history(as_owner(TENANT), "cards", card_id, project_id)
    assert [r.data.get("name") for r in revisions] == ["Mia", "Mia R.", None]
    assert revisions[-1].data == {}
    with pytest.raises(NotFound):
        service.history(as_owner(TENANT), "cards", card_id, "another-project")
    with pytest.raises(BadInput):
        service.history(as_owner(TENANT), "assets", card_id)


def test_other_tenants_see_nothing(service: ProjectService, project_id: str) -> None:
    card_id = add_card(service, project_id)
    with pytest.raises(NotFound):
        service.get_project(as_owner(OTHER), project_id)
    with pytest.raises(NotFound):
        service.get_card(as_owner(OTHER), project_id, card_id)
    with pytest.raises(NotFound):
        service.update_project(as_owner(OTHER), project_id, {"name": "pwned"}, None)
    with pytest.raises(NotFound):
        service.history(as_owner(OTHER), "projects", project_id, project_id)
    assert service.list_projects(as_owner(OTHER)).items == []


def test_listeners_get_before_and_after_of_each_record(
    service: ProjectService, project_id: str, changes: list[Change]
) -> None:
    changes.clear()
    ids = [
        service.create_shot(as_owner(TENANT), project_id, ShotIn(description=f"s{i}")).value.id
        for i in range(3)
    ]
    assert [(c.collection, c.record_id, c.before) for c in changes] == [("shots", i, None) for i in ids]
    changes.clear()
    service.move_shot(as_owner(TENANT), project_id, ids[0], after=ids[1], expect_revision=None)
    (moved,) = changes
    assert moved.before is not None
    assert moved.after is not None
    assert moved.after["order"] > moved.before["order"]
    changes.clear()
    service.delete_shot(as_owner(TENANT), project_id, ids[0], None)
    assert [(c.record_id, c.after) for c in changes] == [(ids[0], None)]
    assert all(c.tenant == TENANT and c.project_id == project_id for c in changes)
    assert "shot_sequences" not in {c.collection for c in changes}


def test_a_failing_or_meddling_listener_cannot_corrupt_the_write(store: object, project_id: str) -> None:
    from craftology.adapters.metadata.sqlite import SqliteMetadataStore

    assert isinstance(store, SqliteMetadataStore)
    heard: list[Change] = []

    def meddle(change: Change) -> None:
        assert change.after is not None
        change.after["name"] = "meddled"
        raise RuntimeError("listener bug")

    service = ProjectService(store, default_policy(), listeners=[meddle, heard.append])
    updated = service.update_project(as_owner(TENANT), project_id, {"name": "Renamed"}, None)
    assert updated.value.name == "Renamed"
    assert service.get_project(as_owner(TENANT), project_id).value.name == "Renamed"
    assert heard[0].after is not None
    assert heard[0].after["name"] == "Renamed"


def test_unchanged_update_writes_nothing(
    service: ProjectService, project_id: str, changes: list[Change]
) -> None:
    changes.clear()
    same = service.update_project(as_owner(TENANT), project_id, {"name": "Trail Shoes Ad"}, expect_revision=1)
    assert same.revision == 1
    assert changes == []


def test_card_kind_validated_by_model(service: ProjectService, project_id: str) -> None:
    card = service.create_card(as_owner(TENANT), project_id, CardIn(kind=CardKind.PROP, name="Shoe")).value
    assert card.project_id == project_id
    assert service.list_cards(as_owner(TENANT), project_id).items[0].value == card
    replaced = service.update_card(
        as_owner(TENANT), project_id, card.id, CardIn(kind=CardKind.STYLE, name="Noir"), 1
    )
    assert (replaced.value.kind, replaced.value.name, replaced.value.attributes) == ("style", "Noir", {})
    with pytest.raises(NotFound):
        service.get_card(as_owner(TENANT), project_id, "Not An Id/..")
