"""Scores the checker against the labelled development set (tests/safety/devset.jsonl)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sociable.safety import CheckResult, check
from sociable.safety.findings import FLAGS

DEVSET = Path(__file__).with_name("devset.jsonl")
CATEGORIES = tuple(f"R{i}" for i in range(1, 14))


def load(half: str | None = None) -> list[dict[str, Any]]:
    """The labelled posts, optionally one half ("dev" or "holdout")."""
    rows = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if half is None or r["half"] == half]


def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@dataclass
class Scores:
    """Flag-level, per-category and identifier-span figures for one run over the set."""

    posts: int = 0
    flag: tuple[float, float, float] = (0.0, 0.0, 0.0)
    near_miss_fpr: float = 0.0
    span_recall: float = 0.0
    categories: dict[str, tuple[float, float, float, int]] = field(default_factory=dict)
    micro: tuple[float, float, float] = (0.0, 0.0, 0.0)
    mean_ms: float = 0.0
    errors: list[str] = field(default_factory=list)


def _flagged_categories(result: CheckResult) -> set[str]:
    return {f.category for f in result.findings if f.severity in FLAGS}


def score(rows: list[dict[str, Any]]) -> Scores:
    """Run the checker over the rows and compute every figure the targets refer to."""
    check("")  # load the rules and word lists first, so the mean is the cost of a check
    started = time.perf_counter()
    results = [check(r["text"]) for r in rows]
    elapsed = time.perf_counter() - started
    s = Scores(posts=len(rows), mean_ms=1000 * elapsed / max(1, len(rows)))
    tp = sum(1 for r, res in zip(rows, results, strict=True) if r["flag"] and res.flagged)
    fp = sum(1 for r, res in zip(rows, results, strict=True) if not r["flag"] and res.flagged)
    fn = sum(1 for r, res in zip(rows, results, strict=True) if r["flag"] and not res.flagged)
    s.flag = _f1(tp, fp, fn)
    quiet = [res for r, res in zip(rows, results, strict=True) if not r["flag"]]
    s.near_miss_fpr = sum(res.flagged for res in quiet) / max(1, len(quiet))
    spans = [(sp, res) for r, res in zip(rows, results, strict=True) for sp in r["spans"]]
    found = sum(
        any(f.start < sp["end"] and sp["start"] < f.end for f in res.findings if f.severity in FLAGS)
        for sp, res in spans
    )
    s.span_recall = found / max(1, len(spans))
    totals = [0, 0, 0]
    for cat in CATEGORIES:
        ctp = cfp = cfn = 0
        for r, res in zip(rows, results, strict=True):
            expected, got = cat in r["categories"], cat in _flagged_categories(res)
            ctp += expected and got
            cfp += got and not expected
            cfn += expected and not got
        s.categories[cat] = (*_f1(ctp, cfp, cfn), ctp + cfn)
        totals = [totals[0] + ctp, totals[1] + cfp, totals[2] + cfn]
    s.micro = _f1(*totals)
    for r, res in zip(rows, results, strict=True):
        if r["flag"] != res.flagged or (r["flag"] and not set(r["categories"]) <= _flagged_categories(res)):
            s.errors.append(
                f"{r['id']} want {r['categories'] or 'ok'} got {res.verdict} "
                f"{sorted(_flagged_categories(res))}: {r['text'][:90]}"
            )
    return s


def report(name: str, s: Scores) -> str:
    """The figures as a small text table."""
    lines = [
        f"{name}: {s.posts} posts, flag P/R/F1 {s.flag[0]:.3f}/{s.flag[1]:.3f}/{s.flag[2]:.3f}, "
        f"near-miss FPR {s.near_miss_fpr:.3f}, identifier-span recall {s.span_recall:.3f}, "
        f"category micro F1 {s.micro[2]:.3f}, mean {s.mean_ms:.2f} ms/post",
    ]
    for cat, (p, r, f, n) in s.categories.items():
        lines.append(f"  {cat:>3}  P {p:.2f}  R {r:.2f}  F1 {f:.2f}  (n={n})")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    half = sys.argv[1] if len(sys.argv) > 1 else None
    result = score(load(half))
    print(report(half or "all", result))
    if "-v" in sys.argv:
        print("\n".join(result.errors))
