"""The embedded intent engine: a linear classifier over n-gram features for the intent, rules for
the slots, the project's cards and shots for resolving references. No network, no torch.

The classifier is trained from training.tsv the first time a process asks for it (well under a
second) and kept for the process's life: it is derived from a file in the package, so every process
computes the same weights and nothing is known only to one of them."""

from __future__ import annotations

import threading

import numpy as np

from craftology.agents.intent.classifier import LinearModel, train
from craftology.agents.intent.features import Vocabulary, grams
from craftology.agents.intent.resolve import resolve
from craftology.agents.intent.slots import extract
from craftology.agents.intent.text import plain
from craftology.agents.intent.training import training_set
from craftology.errors import BadInput
from craftology.ports.intent import Intent, IntentResult, ProjectContext

MAX_MESSAGE_CHARS = 4000


class Classifier:
    def __init__(self, examples: list[tuple[str, Intent]]) -> None:
        documents = [grams(text) for text, _ in examples]
        self.vocabulary = Vocabulary(documents)
        self.model: LinearModel = train(self.vocabulary.matrix(documents), [i.value for _, i in examples])

    def scores(self, text: str) -> dict[Intent, float]:
        probabilities = self.model.probabilities(self.vocabulary.vector(grams(text)))
        return {Intent(label): float(p) for label, p in zip(self.model.labels, probabilities, strict=True)}

    def classify(self, text: str) -> tuple[Intent, float]:
        probabilities = self.model.probabilities(self.vocabulary.vector(grams(text)))
        best = int(np.argmax(probabilities))
        return Intent(self.model.labels[best]), float(probabilities[best])


_lock = threading.Lock()
_shared: Classifier | None = None


def shared_classifier() -> Classifier:
    """The classifier trained on the packaged training set, built once per process."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = Classifier(training_set())
        return _shared


class EmbeddedIntentEngine:
    def __init__(self, classifier: Classifier | None = None) -> None:
        self._classifier = classifier

    def detect(self, text: str, context: ProjectContext | None = None) -> IntentResult:
        message = plain(text)
        if not message:
            raise BadInput("the message is empty")
        if len(message) > MAX_MESSAGE_CHARS:
            raise BadInput(f"the message is {len(message)} characters; the limit is {MAX_MESSAGE_CHARS}")
        classifier = self._classifier or shared_classifier()
        intent, confidence = classifier.classify(message)
        slots = extract(intent, message)
        if context is not None:
            slots = resolve(intent, slots, context)
        return IntentResult(intent, slots, round(confidence, 3))
