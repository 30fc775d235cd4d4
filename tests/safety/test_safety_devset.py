"""The labelled development set: targets on flag-level F1, near-miss false positives and span recall."""

from __future__ import annotations

from collections import Counter

import pytest
from safety_devset import CATEGORIES, load, report, score

FLAG_F1 = 0.90
NEAR_MISS_FPR = 0.05
SPAN_RECALL = 0.95


def test_devset_shape() -> None:
    rows = load()
    assert len(rows) >= 400
    assert len({r["id"] for r in rows}) == len(rows)
    assert sum(not r["flag"] for r in rows) >= 150
    covered = Counter(c for r in rows for c in r["categories"])
    assert all(covered[c] >= 5 for c in CATEGORIES)
    for r in rows:
        for span in r["spans"]:
            assert r["text"][span["start"] : span["end"]] == span["text"]


@pytest.mark.parametrize("half", ["dev", "holdout", None])
def test_targets(half: str | None) -> None:
    scores = score(load(half))
    message = report(half or "all", scores) + "\n" + "\n".join(scores.errors)
    assert scores.flag[2] >= FLAG_F1, message
    assert scores.near_miss_fpr <= NEAR_MISS_FPR, message
    assert scores.span_recall >= SPAN_RECALL, message
