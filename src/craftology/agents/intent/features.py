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

    def matrix(self, documents: Sequence[Counter[str]]) -> Sparse:
        parts = [self.entries(d) for d in documents]
        rows = np.concatenate([np.full(len(cols), n, dtype=np.intp) for n, (cols, _) in enumerate(parts)])
        cols = np.concatenate([cols for cols, _ in parts])
        values = np.concatenate([values for _, values in parts])
        return Sparse(rows, cols, values, (len(documents), len(self.index)))


class Sparse:
    """A row-sparse matrix with the two products training needs. A message has a few hundred
    n-grams of thousands, so this is what keeps training at first use in a fraction of a second."""

    def __init__(
        self, rows: npt.NDArray[np.intp], cols: npt.NDArray[np.intp], values: Vector, shape: tuple[int, int]
    ) -> None:
        self.shape = shape
        self._rows, self._values = rows, values
        self._row_starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        by_col = np.argsort(cols, kind="stable")
        self._t_cols, self._t_rows, self._t_values = cols[by_col], rows[by_col], values[by_col]
        self._col_starts = np.flatnonzero(np.r_[True, self._t_cols[1:] != self._t_cols[:-1]])
        self._cols = cols

    def dot(self, w: Vector) -> Vector:
        """self @ w."""
        out = np.zeros((self.shape[0], w.shape[1]))
        sums = np.add.reduceat(self._values[:, None] * w[self._cols], self._row_starts, axis=0)
        out[self._rows[self._row_starts]] = sums
        return out

    def t_dot(self, e: Vector) -> Vector:
        """self.T @ e."""
        out = np.zeros((self.shape[1], e.shape[1]))
        sums = np.add.reduceat(self._t_values[:, None] * e[self._t_rows], self._col_starts, axis=0)
        out[self._t_cols[self._col_starts]] = sums
        return out
