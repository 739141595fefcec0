"""A multinomial logistic regression in numpy, trained by full-batch gradient descent.

Deterministic: zero initial weights, a fixed number of steps, no sampling; the same training set
gives the same weights on every machine (up to floating-point summation order)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from craftology.agents.intent.features import Sparse, Vector


def softmax(scores: Vector) -> Vector:
    shifted = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class LinearModel:
    labels: tuple[str, ...]
    weights: Vector  # features x labels
    bias: Vector  # labels

    def probabilities(self, x: Vector) -> Vector:
        return softmax(x @ self.weights + self.bias)


def train(
    x: Sparse, labels: Sequence[str], *, l2: float = 1e-4, steps: int = 150, rate: float = 4.0
) -> LinearModel:
    """Fits softmax regression with Nesterov momentum; the tf-idf rows are unit vectors, so one
    step size suits every training set."""
    names = tuple(sorted(set(labels)))
    y = np.zeros((len(labels), len(names)))
    y[np.arange(len(labels)), [names.index(label) for label in labels]] = 1.0
    w = np.zeros((x.shape[1], len(names)))
    b = np.zeros(len(names))
    vw, vb = np.zeros_like(w), np.zeros_like(b)
    momentum = 0.9
    for _ in range(steps):
        lw, lb = w + momentum * vw, b + momentum * vb  # look ahead
        error = (softmax(x.dot(lw) + lb) - y) / len(labels)
        gw = x.t_dot(error) + l2 * lw
        gb = error.sum(axis=0)
        vw = momentum * vw - rate * gw
        vb = momentum * vb - rate * gb
        w, b = w + vw, b + vb
    return LinearModel(names, w, b)
