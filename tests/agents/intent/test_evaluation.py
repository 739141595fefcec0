"""The embedded engine on the labelled evaluation set kept here (never trained on: see
test_evaluation_is_not_in_training). These are quality bounds; bench/intent.py reports the numbers."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from craftology.agents.intent import EmbeddedIntentEngine
from craftology.agents.intent.evaluation import Example, Score, load, score
from craftology.agents.intent.text import normal, words
from craftology.agents.intent.training import training_set
from craftology.ports.intent import Intent

EVALUATION = Path(__file__).with_name("evaluation.jsonl")


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    return load(EVALUATION)


@pytest.fixture(scope="module")
def result(examples: list[Example]) -> Score:
    return score(EmbeddedIntentEngine(), examples)


def _misses(result: Score) -> str:
    return "\n".join(
        f"{m.example.intent.value} -> {m.got.intent.value} {dict(m.got.slots)}: {m.example.text}"
        for m in result.misses
    )


def test_the_set_is_large_and_covers_every_intent(examples: list[Example]) -> None:
    assert len(examples) >= 200
    per_intent = Counter(e.intent for e in examples)
    assert set(per_intent) == set(Intent)
    assert min(per_intent.values()) >= 10
    assert len({_key(e.text) for e in examples}) == len(examples), "duplicate phrasings"


def _key(text: str) -> str:
    """A phrasing without case, punctuation or spacing: "Delete shot 3!" is "delete shot 3"."""
    return " ".join(words(normal(text)))


def test_evaluation_is_not_in_training(examples: list[Example]) -> None:
    trained = {_key(text) for text, _ in training_set()}
    leaked = [e.text for e in examples if _key(e.text) in trained]
    assert not leaked


def test_intent_accuracy(result: Score) -> None:
    assert result.accuracy >= 0.9, _misses(result)
    assert result.macro_f1 >= 0.9, _misses(result)


def test_slots_of_correctly_detected_messages(result: Score) -> None:
    assert result.slot_examples >= 100
    assert result.slot_accuracy >= 0.9, _misses(result)
