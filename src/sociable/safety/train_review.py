"""Train the checker's review head: `python -m sociable.safety.train_review`.

Review mode (`check(..., review=True)`, `sociable check --review`) is for a second look before a post
goes out, when missing a risky post costs more than being asked about a harmless one. Beside the
category heads it asks one more question of every post: should it be flagged at all? That head
(`text/models/safety-review.npz`) is a logistic regression on the same features as the category head,
the transformer's vector included, with every category's posts as positives and near misses,
ordinary posts and the public background tweets as negatives. In review mode a post the category
decisions leave quiet is flagged when this head reaches its threshold, under the category the head
scores highest.

The threshold is chosen on out-of-fold scores of the corpus's train and dev parts (the folds of
`sociable.safety.train`; the category heads are refitted per fold with the shipped settings, quiet
weight included, and read with the shipped thresholds and floors), by a rule fixed before any was scored:
the highest flag F1 among thresholds that flag at most REVIEW_NEAR_CAP of the near misses (when none does, the highest
threshold). The held-out part is scored for the card with `train.decide`, which leaves out the
checker's vetoes ("unless" words, a phrase's own sentence); `check_many(..., review=True)` gives the
figures in docs/safety.md. Needs the `train` extra and, for the background tweets, TweetEval in `.data/`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

from sociable.safety.corpus import CATEGORIES, corpus
from sociable.safety.semantic import REVIEW_NAME, FeatureSpec
from sociable.safety.train import (
    FOLDS,
    Prepared,
    _f1,
    _features,
    _fold_of,
    background_tweets,
    decide,
    prepare_corpus,
    quiet_counts,
)

REVIEW_NEAR_CAP = 0.15  # review mode may ask about up to this share of near misses, out of fold
REVIEW_GRID = tuple(round(float(t), 3) for t in (*np.arange(0.5, 0.95, 0.05), 0.95, 0.97, 0.98, 0.99))


def review_flags(proba: np.ndarray, fired: np.ndarray, thresholds: np.ndarray, floors: np.ndarray,
                 flag: np.ndarray, threshold: float) -> np.ndarray:
    """Which posts review mode flags: the category decisions, or the review head at its threshold."""
    return np.asarray(decide(proba, fired, thresholds, floors).any(axis=1) | (flag >= threshold))


def _figures(flagged: np.ndarray, data: Prepared, rows: np.ndarray) -> dict[str, float]:
    wanted = data.truth[rows].any(axis=1)
    kinds = np.array([e.kind for e, keep in zip(data.examples, rows, strict=True) if keep])
    p, r, f = _f1(int((flagged & wanted).sum()), int((flagged & ~wanted).sum()), int((~flagged & wanted).sum()))
    return {"precision": p, "recall": r, "f1": f, "near_miss_fpr": float(flagged[kinds == "near miss"].mean()),
            "ordinary_fpr": float(flagged[kinds == "ordinary"].mean())}


def train_review(out_dir: Path | None = None, quiet: bool = False) -> Path:
    """Fit the review head, choose its threshold out of fold, score held-out once; the model's path."""
    from sociable.safety.semantic import MODEL_NAME
    from sociable.text import load_head, save_head, train_head
    from sociable.text.static import MODEL_DIR

    shipped = load_head(MODEL_NAME)
    floors_meta = shipped.meta.get("rule_floors", {})
    thresholds = np.asarray(shipped.thresholds, dtype=np.float64)
    floors = np.array([float(floors_meta.get(c, 0.0)) for c in CATEGORIES])
    c = float(shipped.meta.get("c", 16.0))
    quiet_weight = float(shipped.meta.get("quiet_weight", 1.0))
    data = prepare_corpus(corpus(), background_tweets())
    spec = FeatureSpec.from_meta(shipped.meta["features"])  # the review head reads what the category head reads
    x = _features(data, spec)
    pooled = (data.split == "train") | (data.split == "dev")
    background = data.split == "background"
    folds = np.array([_fold_of(e.id) if keep else -1 for e, keep in zip(data.examples, pooled, strict=True)])
    categories = [list(e.labels) for e in data.examples]
    flags = [["flag"] if e.labels else [] for e in data.examples]
    counts = quiet_counts(data, quiet_weight)

    def fitted(rows: np.ndarray, labels: list[list[str]], classes: tuple[str, ...], name: str) -> Any:
        chosen = [label for label, keep in zip(labels, rows, strict=True) if keep]
        # the category heads are refitted as shipped (quiet posts counted more); the review head counts every post once
        weights = counts[rows] if name == MODEL_NAME else None
        return train_head(name, x[rows], chosen, classes, kind="sigmoid", c=c, balanced=True,
                          meta={"features": spec.to_meta()}, sample_weight=weights)

    proba = np.zeros((len(x), len(CATEGORIES)))
    flag = np.zeros(len(x))
    for fold in range(FOLDS):
        held = folds == fold
        rows = (pooled & ~held) | background
        proba[held] = fitted(rows, categories, CATEGORIES, MODEL_NAME).scores(x[held])
        flag[held] = fitted(rows, flags, ("flag",), REVIEW_NAME).scores(x[held])[:, 0]
        if not quiet:
            print(f"fold {fold + 1} of {FOLDS} scored", file=sys.stderr)
    candidates = []
    for t in REVIEW_GRID:
        flagged = review_flags(proba[pooled], data.rule_fired[pooled], thresholds, floors, flag[pooled], t)
        figures = _figures(flagged, data, pooled)
        candidates.append((figures["near_miss_fpr"] <= REVIEW_NEAR_CAP, figures["f1"], t, figures))
    allowed = [cand for cand in candidates if cand[0]] or [max(candidates, key=lambda cand: cand[2])]
    _, _, threshold, cv = max(allowed, key=lambda cand: (cand[1], cand[2]))
    head = fitted(pooled | background, flags, ("flag",), REVIEW_NAME)
    held_out = data.split == "heldout"
    heldout = _figures(review_flags(shipped.scores(x[held_out]), data.rule_fired[held_out], thresholds, floors,
                                    head.scores(x[held_out])[:, 0], threshold), data, held_out)
    from dataclasses import replace

    head = replace(head, thresholds=np.array([threshold], dtype=np.float32),
                   meta=dict(head.meta) | {"review_threshold": threshold, "figures": {"cv": cv, "heldout": heldout},
                                           "near_cap": REVIEW_NEAR_CAP})
    folder = out_dir or MODEL_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{REVIEW_NAME}.npz"
    save_head(head, path)
    (folder / f"{REVIEW_NAME}.md").write_text(_card(threshold, cv, heldout, candidates), encoding="utf-8")
    if not quiet:
        for name, f in (("cv", cv), ("heldout", heldout)):
            print(f"{name}: flag P/R/F1 {f['precision']:.3f}/{f['recall']:.3f}/{f['f1']:.3f}, near misses flagged "
                  f"{f['near_miss_fpr']:.3f}, ordinary {f['ordinary_fpr']:.3f}", file=sys.stderr)
    return path


def _card(threshold: float, cv: dict[str, float], heldout: dict[str, float], candidates: list[Any]) -> str:
    def row(name: str, f: dict[str, float]) -> str:
        return (f"| {name} | {f['precision']:.3f} | {f['recall']:.3f} | {f['f1']:.3f} | {f['near_miss_fpr']:.1%} | "
                f"{f['ordinary_fpr']:.1%} |")

    lines = [
        f"# {REVIEW_NAME}: should this post be flagged at all? (the checker's review mode)", "",
        "One logistic regression (scikit-learn, class weights balanced) over the category head's features",
        "(static sentence vector, the checker's word lists, hashed words and pairs, the transformer's vector),",
        "trained on the corpus's train and dev parts and the public background tweets: every category's posts",
        "are positives; near misses, ordinary posts and the tweets negatives. Made by",
        "`python -m sociable.safety.train_review`. In review mode a post the category decisions leave quiet",
        "is flagged when this head reaches the threshold, under the category the category head scores highest.",
        "",
        f"Threshold **{threshold}**: the highest out-of-fold flag F1 among thresholds that flag at most",
        f"{REVIEW_NEAR_CAP:.0%} of near misses (category heads refitted per fold, read with the shipped thresholds",
        "and floors). The held-out figures below use the training script's decisions, without the checker's",
        "vetoes; docs/safety.md gives those of `check_many(..., review=True)`.", "",
        "| split | precision | recall | flag F1 | near misses flagged | ordinary flagged |",
        "|---|---|---|---|---|---|",
        row("out of fold (train + dev)", cv), row("held out", heldout), "",
        "Out of fold, by threshold:", "",
        "| threshold | flag F1 | near misses flagged |", "|---|---|---|",
        *(f"| {t} | {f['f1']:.3f} | {f['near_miss_fpr']:.1%} |" for _, _, t, f in candidates), "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m sociable.safety.train_review",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="folder for the model and its card (default: sociable/text/models)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    print(train_review(args.out, args.quiet))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
