"""The numerical core of benchmarks/train_distress_model.py: the hashed feature matrix (the same
vector cogs/escalation/detection/learned.py scores) and full-batch logistic regressions. Numpy,
offline only; deterministic (no random numbers, full-batch Adam from zero weights)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from cogs.escalation.detection.learned import bucket, tokens, units

# ---------------------------------------------------------------------------- features


@dataclass
class Matrix:
    """Rows of hashed counts, each row divided by the square root of its total count (the same
    vector learned.py scores), in compressed sparse rows."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    size: int

    @property
    def rows(self) -> int:
        return len(self.indptr) - 1

    def _row_of(self) -> np.ndarray:
        return np.repeat(np.arange(self.rows), np.diff(self.indptr))

    def dot(self, w: np.ndarray) -> np.ndarray:
        """X @ w; w may have several columns."""
        rows = self._row_of()
        if w.ndim == 1:
            return np.bincount(rows, weights=self.data * w[self.indices], minlength=self.rows)
        return np.stack(
            [
                np.bincount(rows, weights=self.data * w[self.indices, k], minlength=self.rows)
                for k in range(w.shape[1])
            ],
            axis=1,
        )

    def tdot(self, g: np.ndarray) -> np.ndarray:
        """X.T @ g."""
        rows = self._row_of()
        if g.ndim == 1:
            return np.bincount(self.indices, weights=self.data * g[rows], minlength=self.size)
        return np.stack(
            [
                np.bincount(self.indices, weights=self.data * g[rows, k], minlength=self.size)
                for k in range(g.shape[1])
            ],
            axis=1,
        )

    def take(self, which: np.ndarray) -> Matrix:
        indptr = [0]
        indices: list[np.ndarray] = []
        data: list[np.ndarray] = []
        for r in which:
            a, b = int(self.indptr[r]), int(self.indptr[r + 1])
            indices.append(self.indices[a:b])
            data.append(self.data[a:b])
            indptr.append(indptr[-1] + b - a)
        return Matrix(
            np.array(indptr, dtype=np.int64),
            np.concatenate(indices) if indices else np.zeros(0, np.int64),
            np.concatenate(data) if data else np.zeros(0),
            self.size,
        )


def featurise(texts: Sequence[str], size: int) -> Matrix:
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for text in texts:
        counts: dict[int, int] = defaultdict(int)
        total = 0
        for _, features in units(tokens(text)):
            for f in features:
                counts[bucket(f, size)] += 1
                total += 1
        norm = 1.0 / np.sqrt(total) if total else 0.0
        for slot in sorted(counts):
            indices.append(slot)
            data.append(counts[slot] * norm)
        indptr.append(len(indices))
    return Matrix(
        np.array(indptr, dtype=np.int64),
        np.array(indices, dtype=np.int64),
        np.array(data, dtype=np.float64),
        size,
    )


# ---------------------------------------------------------------------------- fitting


def adam(
    grad: Callable[[np.ndarray], np.ndarray], w: np.ndarray, steps: int, rate: float
) -> np.ndarray:
    """Full-batch Adam from the given start: deterministic."""
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    b1, b2, eps = 0.9, 0.999, 1e-8
    for t in range(1, steps + 1):
        g = grad(w)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - rate * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return w


def fit_binary(
    x: Matrix, y: np.ndarray, l2: float, negative_weight: float, steps: int
) -> tuple[np.ndarray, float]:
    """Weighted logistic regression: each class weighs the same in total, negatives then times
    `negative_weight`; L2 on the weights, not on the bias."""
    pos = y == 1
    sw = np.where(pos, 0.5 / max(1, pos.sum()), 0.5 * negative_weight / max(1, (~pos).sum()))
    sw = sw / sw.sum()

    def grad(theta: np.ndarray) -> np.ndarray:
        w, b = theta[:-1], theta[-1]
        z = x.dot(w) + b
        p = 1 / (1 + np.exp(-z))
        r = sw * (p - y)
        return np.concatenate([x.tdot(r) + l2 * w, [r.sum()]])

    theta = adam(grad, np.zeros(x.size + 1), steps, 0.05)
    return theta[:-1], float(theta[-1])


def fit_levels(
    x: Matrix, labels: np.ndarray, classes: int, l2: float, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression over the alerting levels (positives only), classes
    balanced."""
    onehot = np.zeros((x.rows, classes))
    onehot[np.arange(x.rows), labels] = 1
    counts = onehot.sum(axis=0)
    sw = 1.0 / np.maximum(counts[labels], 1)
    sw = sw / sw.sum()

    def grad(theta: np.ndarray) -> np.ndarray:
        w, b = theta[:-1], theta[-1]
        z = x.dot(w) + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        r = sw[:, None] * (p - onehot)
        return np.concatenate([x.tdot(r) + l2 * w, r.sum(axis=0, keepdims=True)])

    theta = adam(grad, np.zeros((x.size + 1, classes)), steps, 0.05)
    return theta[:-1], theta[-1]


def predict(x: Matrix, w: np.ndarray, b: float) -> np.ndarray:
    return 1 / (1 + np.exp(-(x.dot(w) + b)))
