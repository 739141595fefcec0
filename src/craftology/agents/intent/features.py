"""Features of a message for the linear classifier: word 1-2-grams and character 2-4-grams within
words (the character n-grams are what make "chnage" and "regnerate" look like what they mean)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from craftology.agents.intent.text import normal, words

Vector = npt.NDArray[np.float64]


def _shape(word: str) -> str:
    # Every number reads alike: "shot 3" and "shot 12" are the same request.
    return "<num>" if word[0].isdigit() else word.replace("'", "")


def grams(text: str) -> Counter[str]:
    tokens = [_shape(w) for w in words(normal(text))] or ["<empty>"]
    found: Counter[str] = Counter()
    found.update(f"w:{t}" for t in tokens)
    found.update(f"b:{a} {b}" for a, b in zip(["<s>", *tokens], [*tokens, "</s>"], strict=True))
    for token in tokens:
        padded = f" {token} "
        for size in (2, 3, 4):
            found.update(f"c:{padded[i : i + size]}" for i in range(len(padded) - size + 1))
    return found


class Vocabulary:
    """The n-grams seen in training with their inverse document frequencies; a message becomes an
    L2-normalised tf-idf vector over them (sublinear tf, so a repeated word does not shout)."""

    def __init__(self, documents: Sequence[Counter[str]], min_count: int = 1) -> None:
        seen: Counter[str] = Counter()
        for document in documents:
            seen.update(document.keys())
        kept = sorted(gram for gram, count in seen.items() if count >= min_count)
        self.index = {gram: i for i, gram in enumerate(kept)}
        n = len(documents)
        self.idf = np.array([math.log((1 + n) / (1 + seen[g])) + 1.0 for g in kept])

    def __len__(self) -> int:
        return len(self.index)

    def entries(self, document: Counter[str]) -> tuple[npt.NDArray[np.intp], Vector]:
        """The columns and values of the message's non-zero features."""
        found = [(i, count) for gram, count in document.items() if (i := self.index.get(gram)) is not None]
        cols = np.array([i for i, _ in found], dtype=np.intp)
        values = np.array([1.0 + math.log(count) for _, count in found]) * self.idf[cols]
        norm = float(np.linalg.norm(values))
        return cols, values / norm if norm else values

    def vector(self, document: Counter[str]) -> Vector:
        out = np.zeros(len(self.index))
        cols, values = self.entries(document)
        out[cols] = values
        return out

    def matrix(self, documents: Sequence[Counter[str]]) -> Vector:
        out = np.zeros((len(documents), len(self.index)))
        for row, document in enumerate(documents):
            cols, values = self.entries(document)
            out[row, cols] = values
        return out
