"""Declared field-level inputs: snapshots of exactly the fields each kind of target reads (declared in
`sync.targets.SPECS`), and the reverse index from a field to the kinds reading it.

Paths name an entity and a field: `cards/mia.attributes.appearance`, `shots/s1.camera`,
`projects/p1.settings.style`. A field nobody declares (a card's backstory, a shot's order for a
keyframe) cannot make anything stale. Snapshots are plain JSON values (enums as their strings).
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from craftology.errors import BadInput
from craftology.projects.models import VISUAL_FIELDS, Card, Project, Shot
from craftology.sync.fingerprint import Provenance, provenance_fingerprint, same_json
from craftology.sync.targets import (
    SHOT_ORDER,
    SPECS,
    VISUAL,
    Entity,
    TargetKind,
    keyframe_target,
    parse_target,
    sheet_target,
)

# The reverse of the table at field level: (entity, declared field) -> kinds of target reading it.
READERS: dict[tuple[Entity, str], tuple[TargetKind, ...]] = {}
for _kind, _declaration in SPECS.items():
    for _read in _declaration.reads:
        READERS[_read] = (*READERS.get(_read, ()), _kind)

SHOT_FIELDS = tuple(dict.fromkeys(name for entity, name in READERS if entity is Entity.SHOT))
PROJECT_FIELDS = tuple(
    dict.fromkeys(
        name.removeprefix("settings.")
        for entity, name in READERS
        if entity is Entity.PROJECT and name.startswith("settings.")
    )
)


def plain(value: Any) -> Any:
    """A JSON-native copy: enums become their values, tuples lists; containers are copied so a
    snapshot never aliases a live record."""
    if type(value) is str:
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _field(obj: Any, dotted: str) -> Any:
    for part in _PARTS[dotted]:
        obj = getattr(obj, part)
    return plain(obj)


_PARTS = {name: tuple(name.split(".")) for declaration in SPECS.values() for _, name in declaration.reads}


def _project_reads(kind: TargetKind, project: Project, out: dict[str, Any]) -> None:
    for entity, name in SPECS[kind].reads:
        if entity is Entity.PROJECT and name != SHOT_ORDER:
            out[f"projects/{project.id}.{name}"] = _field(project, name)


def sheet_inputs(card: Card, project: Project) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for entity, name in SPECS[TargetKind.SHEET].reads:
        if entity is not Entity.CARD:
            continue
        if name == VISUAL:
            # Absent visual attributes are read as null, so adding one later shows as null→value.
            for key in VISUAL_FIELDS[card.kind]:
                out[f"cards/{card.id}.attributes.{key}"] = plain(card.attributes.get(key))
        else:
            out[f"cards/{card.id}.{name}"] = _field(card, name)
    _project_reads(TargetKind.SHEET, project, out)
    return out


def shot_inputs(kind: TargetKind, shot: Shot, project: Project) -> dict[str, Any]:
    """Snapshot for a keyframe or a clip of `shot`."""
    out: dict[str, Any] = {}
    for entity, name in SPECS[kind].reads:
        if entity is Entity.SHOT:
            out[f"shots/{shot.id}.{name}"] = _field(shot, name)
    _project_reads(kind, project, out)
    return out


def cut_inputs(project: Project, order_digest: str, shot_count: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        f"projects/{project.id}.{SHOT_ORDER}": {"count": shot_count, "order": order_digest}
    }
    _project_reads(TargetKind.CUT, project, out)
    return out


def upstream_from_inputs(kind: TargetKind, subject_id: str, inputs: dict[str, Any]) -> list[str]:
    """The upstream targets a snapshot implies (duplicates in a shot's card list count once). The
    cut's snapshot holds a digest of its shots, not their ids: see `_check_cut_upstream`.

    Raises KeyError when the snapshot lacks the path that names them."""
    if kind is TargetKind.KEYFRAME:
        return [sheet_target(c) for c in dict.fromkeys(inputs[f"shots/{subject_id}.cards"])]
    if kind is TargetKind.CLIP:
        return [keyframe_target(subject_id)]
    return []


def _check_cut_upstream(target: str, subject: str, provenance: Provenance) -> None:
    """A cut is made from one clip per shot: its upstream are clip targets, as many as it counted."""
    order = provenance.inputs.get(f"projects/{subject}.{SHOT_ORDER}")
    clips = [u for u in provenance.upstream if parse_target(u)[0] is TargetKind.CLIP]
    if isinstance(order, list):  # made before the digest: its snapshot lists the shot ids
        matches = {f"shot/{shot_id}/clip" for shot_id in order} == set(provenance.upstream)
    else:
        count = order.get("count") if isinstance(order, dict) else None
        matches = count == len(clips) == len(provenance.upstream)
    if not matches:
        raise BadInput(f"provenance of {target} records other upstream targets than its inputs imply")


def card_read_fields_changed(old: Card, new: Card) -> bool:
    """Whether an edit of a card touches anything its sheet reads (kind, name, visual attributes)."""
    if old.kind != new.kind or old.name != new.name:
        return True
    return any(
        not same_json(plain(old.attributes.get(key)), plain(new.attributes.get(key)))
        for key in VISUAL_FIELDS[new.kind]
    )


def shot_fields_changed(old: Shot, new: Shot) -> list[str]:
    return [name for name in SHOT_FIELDS if getattr(old, name) != getattr(new, name)]


def project_fields_changed(old: Project, new: Project) -> list[str]:
    return [
        f"settings.{name}"
        for name in PROJECT_FIELDS
        if getattr(old.settings, name) != getattr(new.settings, name)
    ]


def readers(entity: Entity, field: str) -> tuple[TargetKind, ...]:
    return READERS.get((entity, field), ())


def check_provenance(target: str, provenance: Provenance, *, verify: bool) -> None:
    """Refuse a provenance that cannot be this target's: another target, upstream targets its own
    inputs do not imply, or (when `verify`) a fingerprint that does not hash its contents."""
    kind, subject = parse_target(target)
    if provenance.target != target:
        raise BadInput(f"provenance of {provenance.target} given for {target}", target=target)
    if kind is TargetKind.CUT:
        _check_cut_upstream(target, subject, provenance)
    else:
        try:
            expected = set(upstream_from_inputs(kind, subject, provenance.inputs))
        except (KeyError, TypeError):
            raise BadInput(f"provenance of {target} lacks the inputs naming its upstream") from None
        if set(provenance.upstream) != expected:
            raise BadInput(f"provenance of {target} records other upstream targets than its inputs imply")
    if verify and provenance_fingerprint(kind, provenance) != provenance.fingerprint:
        raise BadInput(f"provenance of {target} does not match its fingerprint", target=target)
