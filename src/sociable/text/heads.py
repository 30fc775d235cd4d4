"""Small trained heads over feature vectors: logistic regression weights kept as ``.npz`` files.

A head is either ``softmax`` (one of several exclusive classes: sentiment, stance, role) or
``sigmoid`` (independent labels, one-vs-rest: the checker's categories), with an optional
threshold per class chosen on development data. Each file in ``models/`` has a data card beside it
(``<name>.md``) saying what it was trained on, from which commit, and how it measured.

Inference needs only NumPy; training (``train_head``) uses scikit-learn, installed with the
``train`` extra (``pip install -e '.[train]'``), and is run by the training scripts, never by users.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

from sociable.errors import SociableError
from sociable.text.static import MODEL_DIR

Kind = Literal["softmax", "sigmoid"]


@dataclass(frozen=True)
class Head:
    """Weights (features x classes), a bias per class and, for sigmoid heads, thresholds."""

    name: str
    classes: tuple[str, ...]
    weights: np.ndarray
    bias: np.ndarray
    kind: Kind = "softmax"
    thresholds: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def dims(self) -> int:
        return int(self.weights.shape[0])

    def scores(self, features: np.ndarray) -> np.ndarray:
        """Probabilities (rows x classes): a distribution for softmax, independent for sigmoid."""
        features = np.asarray(features, dtype=np.float32)
        if features.ndim != 2 or features.shape[1] != self.dims:
            raise SociableError(f"model {self.name!r} takes {self.dims} features, was given {features.shape[-1]}")
        logits = features @ self.weights + self.bias
        if self.kind == "sigmoid":
            return 1.0 / (1.0 + np.exp(-logits))
        logits = logits - logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        return logits / logits.sum(axis=1, keepdims=True)

    def predict(self, features: np.ndarray) -> list[tuple[str, float]]:
        """The most likely class of each row with its probability (softmax heads)."""
        proba = self.scores(features)
        best = proba.argmax(axis=1)
        return [(self.classes[i], float(proba[r, i])) for r, i in enumerate(best)]

    def labels(self, features: np.ndarray) -> list[list[tuple[str, float]]]:
        """Every class at or above its threshold, per row (sigmoid heads), most likely first."""
        proba = self.scores(features)
        cut = self.thresholds if self.thresholds is not None else np.full(len(self.classes), 0.5)
        out = []
        for row in proba:
            hits = [(self.classes[i], float(row[i])) for i in np.flatnonzero(row >= cut)]
            out.append(sorted(hits, key=lambda hit: -hit[1]))
        return out


def save_head(head: Head, path: Path) -> None:
    np.savez_compressed(
        path,
        classes=np.array(head.classes),
        weights=head.weights.astype(np.float32),
        bias=head.bias.astype(np.float32),
        kind=np.array(head.kind),
        thresholds=np.array([]) if head.thresholds is None else head.thresholds.astype(np.float32),
        meta=np.array(json.dumps(head.meta, sort_keys=True)),
    )


def read_head(path: Path) -> Head:
    try:
        data = np.load(path)
        thresholds = data["thresholds"]
        return Head(
            name=path.stem,
            classes=tuple(str(c) for c in data["classes"]),
            weights=data["weights"].astype(np.float32),
            bias=data["bias"].astype(np.float32),
            kind="sigmoid" if str(data["kind"]) == "sigmoid" else "softmax",
            thresholds=thresholds.astype(np.float32) if thresholds.size else None,
            meta=json.loads(str(data["meta"])),
        )
    except (OSError, KeyError, ValueError) as exc:
        raise SociableError(f"{path}: not a sociable model file ({exc})") from exc


@cache
def load_head(name: str) -> Head:
    """A head shipped in ``sociable/text/models`` (or any folder's ``.npz`` by path), loaded once."""
    path = Path(name) if name.endswith(".npz") else MODEL_DIR / f"{name}.npz"
    if not path.exists():
        raise SociableError(f"no model named {name!r} (looked for {path.name})")
    return read_head(path)


def train_head(
    name: str,
    features: np.ndarray,
    labels: Sequence[str] | Sequence[Sequence[str]],
    classes: Sequence[str],
    *,
    kind: Kind = "softmax",
    c: float = 1.0,
    balanced: bool = True,
    meta: dict[str, Any] | None = None,
    sample_weight: np.ndarray | None = None,
) -> Head:
    """Fit logistic regression (multinomial for softmax, one per class for sigmoid); deterministic. `sample_weight`
    counts some rows more than others (beside the balanced class weights)."""
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:
        raise SociableError("training a model needs scikit-learn: pip install -e '.[train]'") from exc
    features = np.asarray(features, dtype=np.float64)
    weight = "balanced" if balanced else None
    if kind == "softmax":
        index = {c_: i for i, c_ in enumerate(classes)}
        y = np.array([index[label] for label in labels])  # type: ignore[index]
        model = LogisticRegression(C=c, max_iter=2000, class_weight=weight)
        model.fit(features, y, sample_weight=sample_weight)
        weights = np.zeros((features.shape[1], len(classes)))
        bias = np.zeros(len(classes))
        present = list(model.classes_)
        if len(present) == 2 and len(classes) == 2:
            weights[:, 1], bias[1] = model.coef_[0], model.intercept_[0]
        else:
            for j, cls in enumerate(present):
                weights[:, cls], bias[cls] = model.coef_[j], model.intercept_[j]
            for cls in set(range(len(classes))) - set(present):
                bias[cls] = -1e4  # never seen in training: never predicted
    else:
        weights = np.zeros((features.shape[1], len(classes)))
        bias = np.zeros(len(classes))
        for j, cls in enumerate(classes):
            y = np.array([cls in row for row in labels], dtype=int)
            if y.min() == y.max():
                bias[j] = -1e4 if y.max() == 0 else 1e4
                continue
            model = LogisticRegression(C=c, max_iter=2000, class_weight=weight)
            model.fit(features, y, sample_weight=sample_weight)
            weights[:, j], bias[j] = model.coef_[0], model.intercept_[0]
    return Head(name, tuple(classes), weights.astype(np.float32), bias.astype(np.float32), kind, None, dict(meta or {}))
