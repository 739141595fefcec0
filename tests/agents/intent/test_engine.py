"""The embedded engine behind the port: bad input, determinism, confidence."""

from __future__ import annotations

import pytest

from craftology.agents.intent import EmbeddedIntentEngine
from craftology.agents.intent.engine import MAX_MESSAGE_CHARS, Classifier
from craftology.agents.intent.training import training_set
from craftology.errors import BadInput
from craftology.ports.intent import Intent, IntentEngine


def test_it_is_an_intent_engine() -> None:
    assert isinstance(EmbeddedIntentEngine(), IntentEngine)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_an_empty_message_is_bad_input(text: str) -> None:
    with pytest.raises(BadInput, match="empty"):
        EmbeddedIntentEngine().detect(text)


def test_an_overlong_message_is_bad_input() -> None:
    with pytest.raises(BadInput, match="limit"):
        EmbeddedIntentEngine().detect("add a shot " * (MAX_MESSAGE_CHARS // 5))


def test_training_is_deterministic() -> None:
    first, second = Classifier(training_set()), Classifier(training_set())
    for text in ("make shot 2 a close up", "share it with acme", "hmm", "regenerate the cut"):
        assert first.scores(text) == pytest.approx(second.scores(text), abs=1e-12)


def test_confidence_is_a_probability_and_lower_for_nonsense() -> None:
    engine = EmbeddedIntentEngine()
    clear = engine.detect("delete shot 4")
    vague = engine.detect("zxq vbnm")
    assert clear.intent is Intent.REMOVE_SHOT
    assert 0.0 <= vague.confidence < clear.confidence <= 1.0


def test_as_json_is_plain_data() -> None:
    result = EmbeddedIntentEngine().detect("Make shot 2 a close-up")
    assert result.as_json() == {
        "intent": "edit_shot",
        "slots": {"shot": 2, "field": "framing", "value": "close_up"},
        "confidence": result.confidence,
    }
