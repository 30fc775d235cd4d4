"""Tried and not kept: a non-linear head for the checker's categories, against the shipped logistic one.

Both read the same features of the corpus's train and dev posts and TweetEval's background tweets
(`sociable.safety.train`), and score every train and dev post out of fold (the same five folds). The
comparison is at the post level, where the targets are: a post's score is its highest category
probability; for each share of near misses allowed to be flagged, the cut that allows it, and the
flag precision, recall and F1 there. The held-out part is never read.
Needs scikit-learn (`pip install -e '.[train]'`). Run:
`SOCIABLE_DATA=.data PYTHONPATH=src python bench/validity/safety_heads.py`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from sociable.safety import train
from sociable.safety.corpus import CATEGORIES, corpus
from sociable.text import train_head

NEAR_SHARES = (0.03, 0.05, 0.08, 0.12)

Fitter = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def logistic(x: np.ndarray, y: np.ndarray, held: np.ndarray) -> np.ndarray:
    """The shipped head: one logistic regression per category, C = 16, classes balanced."""
    labels = [[c for c, wanted in zip(CATEGORIES, row, strict=True) if wanted] for row in y]
    return train_head("trial", x, labels, CATEGORIES, kind="sigmoid", c=16.0, balanced=True).scores(held)


def network(x: np.ndarray, y: np.ndarray, held: np.ndarray) -> np.ndarray:
    """One hidden layer of 256 ReLU units, one sigmoid output per category (Adam, 30 epochs, L2 1e-3)."""
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(hidden_layer_sizes=(256,), alpha=1e-3, max_iter=30, batch_size=128, random_state=0)
    model.fit(x, y.astype(int))
    return np.asarray(model.predict_proba(held))


def out_of_fold(fit: Fitter, x: np.ndarray, data: train.Prepared, pooled: np.ndarray) -> np.ndarray:
    folds = np.array([train._fold_of(e.id) if keep else -1 for e, keep in zip(data.examples, pooled, strict=True)])
    background = data.split == "background"
    proba = np.zeros(data.truth.shape)
    for fold in range(train.FOLDS):
        held = folds == fold
        rows = (pooled & ~held) | background
        proba[held] = fit(x[rows], data.truth[rows], x[held])
    return proba[pooled]


def curve(scores: np.ndarray, wanted: np.ndarray, near: np.ndarray) -> str:
    cells = []
    for share in NEAR_SHARES:
        flagged = scores > np.quantile(scores[near], 1 - share)
        tp, fp, fn = (int((flagged & wanted).sum()), int((flagged & ~wanted).sum()), int((~flagged & wanted).sum()))
        precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
        cells.append(f"{2 * precision * recall / (precision + recall):.3f} ({precision:.2f}/{recall:.2f})")
    return " | ".join(cells)


def main() -> None:
    data = train.prepare_corpus(corpus(), train.background_tweets())
    x = train._features(data, train._spec(1.0))
    pooled = (data.split == "train") | (data.split == "dev")
    wanted = data.truth[pooled].any(axis=1)
    near = np.array([e.kind == "near miss" for e, keep in zip(data.examples, pooled, strict=True) if keep])
    print(f"{int(pooled.sum()):,} train + dev posts scored out of fold ({int(near.sum()):,} near misses); "
          f"flag F1 (precision/recall) with this share of near misses flagged:")
    print("| head | " + " | ".join(f"{share:.0%}" for share in NEAR_SHARES) + " | seconds |")
    print("|---|" + "---|" * (len(NEAR_SHARES) + 1))
    found = {}
    for name, fit in (("logistic (shipped)", logistic), ("one hidden layer", network)):
        start = time.perf_counter()
        found[name] = out_of_fold(fit, x, data, pooled)
        print(f"| {name} | {curve(found[name].max(axis=1), wanted, near)} | {time.perf_counter() - start:.0f} |")
    average = np.mean(list(found.values()), axis=0)
    print(f"| the two averaged | {curve(average.max(axis=1), wanted, near)} | – |")


if __name__ == "__main__":
    main()
