"""A multinomial logistic regression in numpy, trained by full-batch gradient descent.

Deterministic: zero initial weights, a fixed number of steps, no sampling; the same training set
gives the same weights on every machine (up to floating-point summation order).

Training runs in the span of the training messages: started at zero, every gradient step adds a
combination of the rows of X, so the weights are always X.T @ A for some (messages x labels) A, and
the scores X @ W are K @ A with the Gram matrix K = X @ X.T. With a few hundred messages and
thousands of n-grams, a step then costs a few hundred squared products instead of a pass over every
feature, and the result is the same descent (L2 penalty and momentum included)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from craftology.agents.intent.features import Vector


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
    x: Vector, labels: Sequence[str], *, l2: float = 1e-4, steps: int = 150, rate: float = 4.0
) -> LinearModel:
    """Fits softmax regression to the rows of x (unit tf-idf vectors, so one step size suits every
    training set) with Nesterov momentum."""
    names = tuple(sorted(set(labels)))
    y = np.zeros((len(labels), len(names)))
    y[np.arange(len(labels)), [names.index(label) for label in labels]] = 1.0
    gram = x @ x.T
    a = np.zeros_like(y)  # weights = x.T @ a
    b = np.zeros(len(names))
    va, vb = np.zeros_like(a), np.zeros_like(b)
    momentum = 0.9
    for _ in range(steps):
        la, lb = a + momentum * va, b + momentum * vb  # look ahead
        error = (softmax(gram @ la + lb) - y) / len(labels)
        va = momentum * va - rate * (error + l2 * la)  # the gradient x.T @ error + l2 * w, in the span
        vb = momentum * vb - rate * error.sum(axis=0)
        a, b = a + va, b + vb
    return LinearModel(names, x.T @ a, b)
