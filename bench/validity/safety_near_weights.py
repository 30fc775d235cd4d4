"""Near misses, and all posts that must stay quiet, weighed more in training (out of fold only).

Near misses alone counted more were tried and not shipped (ordinary text flagged more); near misses,
ordinary posts and background tweets counted four times together is what the shipped head does since
December 2026 (`QUIET_WEIGHT_GRID` in `sociable.safety.train`, chosen on a fresh writing; docs/validity.md).

The head learns each category against every post that is not in it; a near miss (written to sit close
to a flag and stay quiet) counts as one negative among thousands. Here near misses count 2, 4 or 8
times in every category's fit (scikit-learn's sample weights, beside the balanced class weights), and
in two more rows ordinary posts and the background tweets count as much, on the same features and
folds as `safety_heads.py`. The post-level curve is compared: a post's score is its highest category
probability; for each share of near misses allowed to be flagged, the cut that allows it and the flag
precision, recall and F1 there, and the share of ordinary posts flagged at the 5 % cut. The held-out
part is never read. Needs scikit-learn (`pip install -e '.[train]'`). Run:
`SOCIABLE_DATA=.data PYTHONPATH=src:bench/validity python bench/validity/safety_near_weights.py`.
"""

from __future__ import annotations

import time

import numpy as np
from safety_heads import NEAR_SHARES, curve

from sociable.safety import train
from sociable.safety.corpus import CATEGORIES, corpus
from sociable.text import train_head


def weighted_logistic(x: np.ndarray, y: np.ndarray, held: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The shipped head (one logistic regression per category, C = 16, classes balanced) with sample weights."""
    labels = [[c for c, wanted in zip(CATEGORIES, row, strict=True) if wanted] for row in y]
    return train_head("trial", x, labels, CATEGORIES, kind="sigmoid", c=16.0, balanced=True,
                      sample_weight=weight).scores(held)


def main() -> None:
    data = train.prepare_corpus(corpus(), train.background_tweets())
    x = train._features(data, train._spec(1.0))
    pooled = (data.split == "train") | (data.split == "dev")
    near_all = np.array([e.kind == "near miss" for e in data.examples])
    folds = np.array([train._fold_of(e.id) if keep else -1 for e, keep in zip(data.examples, pooled, strict=True)])
    background = data.split == "background"
    wanted = data.truth[pooled].any(axis=1)
    near = near_all[pooled]
    print(f"{int(pooled.sum()):,} train + dev posts scored out of fold ({int(near.sum()):,} near misses); "
          "flag F1 (precision/recall) with this share of near misses flagged:")
    print("| near misses counted | " + " | ".join(f"{share:.0%}" for share in NEAR_SHARES)
          + " | ordinary posts flagged at 5 % | seconds |")
    print("|---|" + "---|" * (len(NEAR_SHARES) + 2))
    plain = np.array([e.kind == "ordinary" for e in data.examples]) | background
    variants = [(f"{factor:g} times", np.where(near_all, factor, 1.0)) for factor in (1.0, 2.0, 4.0, 8.0)]
    variants += [(f"{factor:g} times, ordinary posts and background tweets too",
                  np.where(near_all | plain, factor, 1.0)) for factor in (4.0, 8.0)]
    ordinary = np.array([e.kind == "ordinary" for e, keep in zip(data.examples, pooled, strict=True) if keep])
    for name, weight in variants:
        started = time.perf_counter()
        proba = np.zeros(data.truth.shape)
        for fold in range(train.FOLDS):
            held = folds == fold
            rows = (pooled & ~held) | background
            proba[held] = weighted_logistic(x[rows], data.truth[rows], x[held], weight[rows])
        scores = proba[pooled].max(axis=1)
        at_five = scores > np.quantile(scores[near], 0.95)
        print(f"| {name} | {curve(scores, wanted, near)} | {at_five[ordinary].mean():.1%} | "
              f"{time.perf_counter() - started:.0f} |", flush=True)


if __name__ == "__main__":
    main()
