"""Cards from what a text mentions: one per character, location and prop (mentions of the same thing
merged), each with the attributes the text gives it, and one style card from the scene."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from craftology.agents.proposal.extract import Mention
from craftology.agents.proposal.lexicon import (
    AGES,
    BODY,
    BUILDS,
    CLOTHES,
    COLOURS,
    IMPLIED,
    LIGHTING,
    MATERIALS,
    MOOD_PALETTE,
    NOUNS,
    SHAPES,
    SIZES,
    SURROUNDINGS,
    TRAITS,
    WEATHER,
    WEATHER_LIGHT,
    Noun,
)
from craftology.agents.proposal.scene import Scene
from craftology.projects.models import CardKind

MAX_SOURCES = 3
LIMITS = {CardKind.CHARACTER: 6, CardKind.LOCATION: 3, CardKind.PROP: 6}
_HAIR_COLOURS = frozenset(
    {"blonde", "blond", "ginger", "auburn", "red", "grey", "gray", "white", "black", "brown", "silver"}
)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass
class Entity:
    """One thing the text names, gathered from all its mentions."""

    key: str  # the lexicon phrase (or a name from a script)
    noun: Noun
    name: str
    sources: list[str] = field(default_factory=list)
    modifiers: list[str] = field(default_factory=list)
    attached: list[list[str]] = field(default_factory=list)


@dataclass
class Cast:
    characters: list[Entity] = field(default_factory=list)
    locations: list[Entity] = field(default_factory=list)
    props: list[Entity] = field(default_factory=list)


def slug(name: str) -> str:
    return _NOT_SLUG.sub("-", name.lower()).strip("-")[:48].strip("-") or "card"


Named = tuple[str, CardKind, dict[str, str]]


def gather(found: list[Mention], named: Sequence[Named] = ()) -> Cast:
    """Merge mentions into entities (by lexicon phrase, or by given name), bring in implied places,
    fold a location into another whose surroundings already name it, and keep the first few of each."""
    entities: dict[str, Entity] = {}
    for name, kind, attributes in named:
        key = name.lower() if name.lower() in NOUNS else f"named:{name}"
        entities.setdefault(key, Entity(key, Noun(kind, name, attributes), name))
    for mention in found:
        if mention.worn:
            continue  # part of who wears it (its wardrobe), not a card of its own
        key = f"named:{mention.given_name}" if mention.given_name else _known(mention.phrase, entities)
        entity = entities.get(key)
        if entity is None:
            noun = mention.noun
            if mention.given_name:
                noun = Noun(noun.kind, mention.phrase, noun.attributes)
            name = mention.given_name or " ".join(filter(None, (mention.qualifier, mention.phrase)))
            entity = entities[key] = Entity(key, noun, name)
        # A long script names its people again and again: the first few descriptions are enough.
        if len(entity.sources) < MAX_SOURCES and mention.source not in entity.sources:
            entity.sources.append(mention.source)
            entity.modifiers += [m for m in mention.modifiers if m not in entity.modifiers]
            entity.attached += mention.attached
    named_places = any(e.noun.kind is CardKind.LOCATION for e in entities.values())
    for key in [] if named_places else list(entities):
        for implied in IMPLIED.get(key, ()):
            entities.setdefault(implied, Entity(implied, NOUNS[implied], implied))
    cast = Cast()
    places = [e for e in entities.values() if e.noun.kind is CardKind.LOCATION]
    for entity in entities.values():
        if entity.noun.kind is CardKind.LOCATION and _surrounds(entity, places):
            continue
        group = {
            CardKind.CHARACTER: cast.characters,
            CardKind.LOCATION: cast.locations,
            CardKind.PROP: cast.props,
        }[entity.noun.kind]
        if len(group) < LIMITS[entity.noun.kind]:
            group.append(entity)
    return cast


def _known(phrase: str, entities: dict[str, Entity]) -> str:
    """A later short mention of something already named in full is the same thing ("the keeper")."""
    if " " not in phrase:
        for key in entities:
            if key.endswith(f" {phrase}") and entities[key].noun.kind is NOUNS[phrase].kind:
                return key
    return phrase


def _surrounds(entity: Entity, places: list[Entity]) -> bool:
    """Whether another place's surroundings already are this one (the coast of a lighthouse)."""
    return any(
        other is not entity and re.search(rf"\b{re.escape(entity.key)}\b", SURROUNDINGS.get(other.key, ""))
        for other in places
    )


def _looks(entity: Entity) -> tuple[dict[str, str], list[str]]:
    """Body features ({"beard": "grey"}) and clothes ("yellow oilskin coat") from the attachments."""
    features: dict[str, str] = {}
    clothes: list[str] = []
    for clause in entity.attached:
        if any(word in CLOTHES for word in clause):
            clothes.append(" ".join(clause))
            continue
        for index, word in enumerate(clause):
            if word in BODY:
                features[word] = " ".join(clause[:index]) or "notable"
    for modifier in entity.modifiers:  # "grey-bearded", "red-haired"
        head, _, tail = modifier.partition("-")
        for body in BODY:
            if tail.startswith(body[:4]) and head:
                features[body] = head
    return features, clothes


def character(entity: Entity, role: str) -> dict[str, Any]:
    features, clothes = _looks(entity)
    attributes: dict[str, Any] = {"role": role, **entity.noun.attributes}
    if entity.noun.attributes.get("species") == "animal":
        attributes["species"] = entity.noun.name
    elif entity.name != entity.noun.name:  # "a detective named Sam": Sam is a detective
        attributes["occupation"] = entity.noun.name
    appearance: dict[str, Any] = {"summary": "; ".join(dict.fromkeys(entity.sources))}
    for word in entity.modifiers:
        if word in AGES:
            attributes["age"] = AGES[word]
        elif word in BUILDS:
            attributes["build"] = BUILDS[word]
        elif word in SIZES:
            attributes["build"] = word
        elif word in TRAITS:
            attributes.setdefault("personality", []).append(word)
        elif word in COLOURS:
            part = "fur" if "species" in attributes else ("hair" if word in _HAIR_COLOURS else "colouring")
            appearance[part] = word
    appearance.update(features)
    attributes["appearance"] = appearance
    if clothes:
        attributes["wardrobe"] = ", ".join(clothes)
    return attributes


def location(entity: Entity, scene: Scene) -> dict[str, Any]:
    words = [w for w in entity.modifiers if w not in WEATHER]  # weather has a field of its own
    setting = " ".join([*words, entity.noun.name])
    if entity.key in SURROUNDINGS:
        setting += f" {SURROUNDINGS[entity.key]}"
    attributes: dict[str, Any] = {**entity.noun.attributes, "setting": setting}
    if entity.sources:
        attributes["described_as"] = "; ".join(dict.fromkeys(entity.sources))
    if scene.times:
        attributes.setdefault("time_of_day", scene.times[0])
    if scene.weather:
        attributes["weather"] = ", ".join(scene.weather)
    light = [LIGHTING[t] for t in scene.times[:1] if t in LIGHTING] + [
        WEATHER_LIGHT[w] for w in scene.weather[:1] if w in WEATHER_LIGHT
    ]
    if light:
        attributes["lighting"] = ", ".join(light)
    return attributes


def prop(entity: Entity) -> dict[str, Any]:
    attributes: dict[str, Any] = {"described_as": "; ".join(dict.fromkeys(entity.sources))}
    for word in entity.modifiers:
        for vocabulary, name in (
            (COLOURS, "color"),
            (MATERIALS, "material"),
            (SIZES, "size"),
            (SHAPES, "shape"),
        ):
            if word in vocabulary:
                attributes[name] = f"{attributes[name]} {word}" if name in attributes else word
                break
    details = [" ".join(clause) for clause in entity.attached]
    if details:
        attributes["details"] = ", ".join(details)
    return attributes


def style(scene: Scene, cast: Cast) -> dict[str, Any]:
    look = ", ".join([*scene.looks, scene.genre]) if scene.looks else scene.genre
    attributes: dict[str, Any] = {"look": look}
    palette = [MOOD_PALETTE[m] for m in scene.moods if m in MOOD_PALETTE]
    colours = [w for e in cast.props for w in e.modifiers if w in COLOURS]
    if colours:
        palette.append(f"accents of {' and '.join(dict.fromkeys(colours))}")
    if palette:
        attributes["palette"] = "; ".join(palette[:3])
    if scene.moods:
        attributes["mood"] = ", ".join(scene.moods)
    if scene.times and scene.times[0] in LIGHTING:
        attributes["lighting"] = LIGHTING[scene.times[0]]
    attributes["camera"] = "handheld" if scene.handheld else "composed, steady"
    attributes["texture"] = "film grain" if "film" in scene.genre or "16mm" in scene.looks else "clean"
    return attributes
