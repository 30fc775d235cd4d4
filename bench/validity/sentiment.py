"""Sentiment on TweetEval's test split, beside VADER (compound ±0.05), measured in the same run.

    PYTHONPATH=src python bench/validity/sentiment.py [--record]

Data: cardiffnlp/tweeteval (commit 4fbd22cd78421f05b1ecdb4fc5725bc7a7bd8f66), datasets/sentiment
test_text.txt and test_labels.txt: 12,284 tweets (the SemEval-2017 Task 4A test set) that the model
never saw. Macro-averaged recall is the task's official measure. `--record` writes the figures into
the model file's metadata, where `sociable` reads them to tell users how well it measured.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "train"))

from sentiment import read_tweeteval  # noqa: E402

from sociable.text import save_head  # noqa: E402
from sociable.text.sentiment import CLASSES, HEAD, classify_sentiment, clean, model, vader_scores  # noqa: E402
from sociable.text.static import MODEL_DIR  # noqa: E402


def report(name: str, truth: list[str], got: list[str], seconds: float) -> dict[str, float]:
    recalls, rows = [], []
    for c in CLASSES:
        tp = sum(t == c and g == c for t, g in zip(truth, got, strict=True))
        support, chosen = truth.count(c), got.count(c)
        p, r = tp / chosen if chosen else 0.0, tp / support if support else 0.0
        recalls.append(r)
        rows.append(f"{c} P={p:.3f} R={r:.3f} F1={2 * p * r / (p + r) if p + r else 0:.3f}")
    accuracy = float(np.mean([t == g for t, g in zip(truth, got, strict=True)]))
    neutral_as_positive = sum(t == "neutral" and g == "positive" for t, g in zip(truth, got, strict=True))
    figures = {"recall": float(np.mean(recalls)), "accuracy": accuracy,
               "neutral_as_positive": neutral_as_positive / truth.count("neutral")}
    print(f"| {name} | {figures['recall']:.3f} | {accuracy:.3f} | {figures['neutral_as_positive']:.1%} | "
          f"{'; '.join(rows)} | {len(truth) / seconds:,.0f} |")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="keep the figures in the model file's metadata")
    args = parser.parse_args()
    texts, truth = read_tweeteval("test")
    classify_sentiment(texts[:10])  # load once, outside the timing
    print(f"TweetEval sentiment test split: {len(texts):,} tweets\n")
    print("| model | macro-recall | accuracy | neutral called positive | per class | tweets/s |")
    print("|---|---|---|---|---|---|")
    start = time.perf_counter()
    got = [s.label for s in classify_sentiment(texts)]
    ours = report("sociable (vectors + VADER scores + word pairs)", truth, got, time.perf_counter() - start)
    start = time.perf_counter()
    compound = vader_scores([clean(t) for t in texts])[:, 3]
    vader = ["positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral" for c in compound]
    reference = report("VADER, compound ±0.05", truth, vader, time.perf_counter() - start)
    if args.record:
        head = model()
        meta = {**head.meta, "test": {"recall": round(ours["recall"], 3), "accuracy": round(ours["accuracy"], 3),
                                      "vader_recall": round(reference["recall"], 3),
                                      "vader_accuracy": round(reference["accuracy"], 3),
                                      "dataset": "TweetEval sentiment test split (12,284 tweets)"}}
        save_head(type(head)(head.name, head.classes, head.weights, head.bias, head.kind, head.thresholds, meta),
                  MODEL_DIR / f"{HEAD}.npz")
        print(f"\nrecorded in {MODEL_DIR / f'{HEAD}.npz'}")


if __name__ == "__main__":
    main()
