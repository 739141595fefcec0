"""Scoring an intent engine on a labelled set: accuracy, macro F1, and how often the expected slots
come out exactly. Used by the tests and by bench/intent.py on the evaluation set in tests/."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from craftology.ports.intent import Intent, IntentEngine, IntentResult, SlotValue


@dataclass(frozen=True)
class Example:
    text: str
    intent: Intent
    slots: Mapping[str, SlotValue]  # only the slots this example checks


@dataclass(frozen=True)
class Miss:
    example: Example
    got: IntentResult


@dataclass(frozen=True)
class Score:
    accuracy: float
    macro_f1: float
    slot_accuracy: float  # of the examples with expected slots whose intent was right
    slot_examples: int
    misses: list[Miss] = field(default_factory=list)


def load(path: Path) -> list[Example]:
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            examples.append(Example(row["text"], Intent(row["intent"]), row.get("slots", {})))
        except (ValueError, KeyError) as error:
            raise ValueError(f"{path.name} line {number}: {error}") from None
    return examples


def _macro_f1(pairs: Iterable[tuple[Intent, Intent]]) -> float:
    pairs = list(pairs)
    scores = []
    for intent in {gold for gold, _ in pairs}:
        tp = sum(1 for gold, got in pairs if gold is intent and got is intent)
        fp = sum(1 for gold, got in pairs if gold is not intent and got is intent)
        fn = sum(1 for gold, got in pairs if gold is intent and got is not intent)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def score(engine: IntentEngine, examples: list[Example]) -> Score:
    results = [engine.detect(example.text) for example in examples]
    right = sum(1 for e, r in zip(examples, results, strict=True) if r.intent is e.intent)
    checked = [(e, r) for e, r in zip(examples, results, strict=True) if e.slots and r.intent is e.intent]
    slots_right = sum(1 for e, r in checked if all(r.slots.get(k) == v for k, v in e.slots.items()))
    misses = [
        Miss(e, r)
        for e, r in zip(examples, results, strict=True)
        if r.intent is not e.intent or any(r.slots.get(k) != v for k, v in e.slots.items())
    ]
    return Score(
        accuracy=right / len(examples),
        macro_f1=_macro_f1((e.intent, r.intent) for e, r in zip(examples, results, strict=True)),
        slot_accuracy=slots_right / len(checked) if checked else 0.0,
        slot_examples=len(checked),
        misses=misses,
    )
