"""The stance model: a multinomial logistic regression over `features.featurise`, kept as a small .npz.

`load_model()` reads the weights that ship beside this module (stance.npz, made by
bench/validity/train_stance.py from RumourEval 2017 train and dev and our health-and-care reactions;
see STANCE_CARD.md) once.
`predict` gives each reaction a stance (support, deny, query, comment) and the probability the
model gave it. `train` fits the weights with numpy alone (full-batch gradient descent with Adam,
L2 penalty, optional class weights), so training needs nothing the package does not already need.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from sociable.analyses.stance.features import CUE_NAMES, VECTOR_KINDS, Vocabulary, featurise
from sociable.errors import SociableError

STANCES: tuple[str, ...] = ("support", "deny", "query", "comment")
WEIGHTS = Path(__file__).with_name("stance.npz")


class StanceModelMissing(SociableError):
    """The stance model's weights file is missing or unreadable."""


@dataclass(frozen=True, slots=True)
class StanceModel:
    """Weights (features × classes), bias, per-class offsets tuned for macro-F1, and the vocabulary."""

    vocabulary: Vocabulary
    weights: np.ndarray
    bias: np.ndarray
    offsets: np.ndarray
    classes: tuple[str, ...] = STANCES
    vectors: str = "none"  # which sentence vectors end the features (features.VECTOR_KINDS)

    def probabilities(self, texts: Sequence[str], targets: Sequence[str | None],
                      parents: Sequence[str | None]) -> np.ndarray:
        """Class probabilities (n × classes), before the tuned offsets."""
        if not texts:
            return np.zeros((0, len(self.classes)), dtype=np.float64)
        x = featurise(self.vocabulary, texts, targets, parents, self.vectors)
        return softmax(x.astype(np.float64) @ self.weights + self.bias)

    def predict(self, texts: Sequence[str], targets: Sequence[str | None],
                parents: Sequence[str | None]) -> tuple[list[str], list[float]]:
        """Each reaction's stance (offsets applied to the log-probabilities) and the probability of that stance."""
        probs = self.probabilities(texts, targets, parents)
        chosen = np.argmax(np.log(probs + 1e-12) + self.offsets, axis=1)
        return [self.classes[i] for i in chosen], [float(probs[r, i]) for r, i in enumerate(chosen)]

    def save(self, path: Path) -> None:
        np.savez_compressed(path, vocabulary=np.array(self.vocabulary.terms, dtype=np.str_),
                            cues=np.array(CUE_NAMES, dtype=np.str_), weights=self.weights.astype(np.float32),
                            bias=self.bias.astype(np.float32), offsets=self.offsets.astype(np.float32),
                            classes=np.array(self.classes, dtype=np.str_), vectors=np.array(self.vectors))


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def read_model(path: Path) -> StanceModel:
    """A model from an .npz written by `StanceModel.save`."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if tuple(str(c) for c in data["cues"]) != CUE_NAMES:
                raise StanceModelMissing(f"{path} was made with other stance cues; retrain it with "
                                         "bench/validity/train_stance.py.")
            return StanceModel(Vocabulary(tuple(str(t) for t in data["vocabulary"])),
                               data["weights"].astype(np.float64), data["bias"].astype(np.float64),
                               data["offsets"].astype(np.float64), tuple(str(c) for c in data["classes"]),
                               _vectors(data))
    except (OSError, KeyError, ValueError) as exc:
        raise StanceModelMissing(f"the stance model {path} could not be read ({exc}); reinstall sociable or "
                                 "retrain it with bench/validity/train_stance.py.") from None


def _vectors(data: Any) -> str:
    """The file's vector kind (older files say only whether they end with averaged sentence vectors)."""
    if "vectors" in data:
        kind = str(data["vectors"])
        if kind not in VECTOR_KINDS:
            raise ValueError(f"unknown sentence vectors {kind!r}")
        return kind
    return "sentence" if "embedded" in data and bool(data["embedded"]) else "none"


@cache
def load_model() -> StanceModel:
    """The stance model that ships with sociable (read once)."""
    return read_model(WEIGHTS)


def train(x: np.ndarray, y: np.ndarray, *, l2: float = 1e-3, class_power: float = 0.0, epochs: int = 250,
          rate: float = 0.05, classes: int = len(STANCES)) -> tuple[np.ndarray, np.ndarray]:
    """Weights and bias of a multinomial logistic regression (Adam on the mean weighted log-loss + L2).

    `class_power` weights each class by (n / (k · count))**power: 0 is no weighting, 1 is balanced.
    """
    n, d = x.shape
    x32 = np.ascontiguousarray(x, dtype=np.float32)
    counts = np.bincount(y, minlength=classes).astype(np.float64)
    class_weight = (n / (classes * np.maximum(counts, 1))) ** class_power
    sample = class_weight[y]
    sample = sample / sample.mean()
    onehot = np.eye(classes)[y]
    w = np.zeros((d, classes))
    b = np.log((counts + 1) / (n + classes))
    m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    for step in range(1, epochs + 1):
        scores = (x32 @ w.astype(np.float32)).astype(np.float64)
        error = (softmax(scores + b) - onehot) * sample[:, None] / n
        grad_w = (x32.T @ error.astype(np.float32)).astype(np.float64) + l2 * w
        grad_b = error.sum(axis=0)
        for grad, m, v, value in ((grad_w, m_w, v_w, w), (grad_b, m_b, v_b, b)):
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            value -= rate * (m / (1 - 0.9 ** step)) / (np.sqrt(v / (1 - 0.999 ** step)) + 1e-8)
    return w, b
