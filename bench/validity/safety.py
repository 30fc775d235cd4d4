"""Safe-practice categories R3–R13: the checker with its learned head, beside the rules alone.

    .venv/bin/python bench/validity/safety.py                 # everything below
    .venv/bin/python bench/validity/safety.py --tweets 0      # our corpus only, no public data

Both checkers run in the same process on the same posts:

* **learned**: `check_many(..., learned=True)`, the rules and the trained head together (the default);
* **rules**: `check_many(..., learned=False)`, today's hand lexicons and patterns only.

Figures:

1. our corpus's held-out part (`src/sociable/safety/data/corpus`, split by a hash of the id; nothing
   was tuned on it): per-category precision / recall / F1 for R3–R13, post-level flag P / R / F1 (a
   post is flagged when any R3–R13 finding is "think again" or "do not post"), and the share of near
   misses and of ordinary posts flagged. `--split dev` or `--split train` score another part;
2. the flag rate on ordinary public tweets nobody here wrote: TweetEval's test splits
   (`$SOCIABLE_DATA/cardiffnlp+tweeteval/datasets/*/test_text.txt`, default `.data/`), any finding
   that flags the post, by task; `hate` and `offensive` are abusive on purpose and are reported apart;
3. batch speed: posts per second of `check_many` over the tweets (or the corpus), with and without
   the head.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sociable.safety import check_many
from sociable.safety.corpus import CATEGORIES, Example, part
from sociable.safety.findings import FLAGS, CheckResult

TWEETEVAL = ("cardiffnlp+tweeteval", "4fbd22cd78421f05b1ecdb4fc5725bc7a7bd8f66")
ABUSIVE_TASKS = ("hate", "offensive")


def data_folder() -> Path:
    return Path(os.environ.get("SOCIABLE_DATA", ".data"))


def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _categories(result: CheckResult) -> set[str]:
    return {f.category for f in result.findings if f.severity in FLAGS and f.category in CATEGORIES}


def score_corpus(examples: Sequence[Example], learned: bool) -> dict[str, Any]:
    results = list(check_many(((e.id, e.text) for e in examples), learned=learned))
    got = [_categories(r) for r in results]
    per = {}
    for c in CATEGORIES:
        tp = sum(1 for e, g in zip(examples, got, strict=True) if c in e.labels and c in g)
        fp = sum(1 for e, g in zip(examples, got, strict=True) if c not in e.labels and c in g)
        fn = sum(1 for e, g in zip(examples, got, strict=True) if c in e.labels and c not in g)
        per[c] = (*_f1(tp, fp, fn), tp + fn)
    tp = sum(1 for e, g in zip(examples, got, strict=True) if e.labels and g)
    fp = sum(1 for e, g in zip(examples, got, strict=True) if not e.labels and g)
    fn = sum(1 for e, g in zip(examples, got, strict=True) if e.labels and not g)
    near = [bool(g) for e, g in zip(examples, got, strict=True) if e.kind == "near miss"]
    ordinary = [bool(g) for e, g in zip(examples, got, strict=True) if e.kind == "ordinary"]
    misses = [e.text for e, g in zip(examples, got, strict=True) if e.labels and not g]
    wrong = [e.text for e, g in zip(examples, got, strict=True) if not e.labels and g]
    return {"per": per, "flag": _f1(tp, fp, fn), "near": sum(near) / max(1, len(near)), "near_n": len(near),
            "ordinary": sum(ordinary) / max(1, len(ordinary)), "ordinary_n": len(ordinary),
            "misses": misses, "wrong": wrong}


def print_corpus(split: str, learned: dict[str, Any], rules: dict[str, Any], verbose: bool) -> None:
    print(f"\n## Our corpus, {split} part\n")
    print("| category | learned P / R / F1 | rules P / R / F1 | support |")
    print("|---|---|---|---|")
    for c in CATEGORIES:
        a, b = learned["per"][c], rules["per"][c]
        print(f"| {c} | {a[0]:.2f} / {a[1]:.2f} / {a[2]:.2f} | {b[0]:.2f} / {b[1]:.2f} / {b[2]:.2f} | {a[3]} |")
    macro = [sum(r["per"][c][2] for c in CATEGORIES) / len(CATEGORIES) for r in (learned, rules)]
    print(f"| macro F1 | {macro[0]:.3f} | {macro[1]:.3f} | |")
    print("\n| checker | flag P / R / F1 | near misses flagged | ordinary flagged |")
    print("|---|---|---|---|")
    for name, r in (("learned", learned), ("rules", rules)):
        f = r["flag"]
        print(f"| {name} | {f[0]:.3f} / {f[1]:.3f} / {f[2]:.3f} | {r['near']:.3f} ({r['near_n']}) | "
              f"{r['ordinary']:.3f} ({r['ordinary_n']}) |")
    if verbose:
        print("\nMissed by the learned checker:")
        for text in learned["misses"]:
            print("  -", text)
        print("Flagged by the learned checker, though quiet in the corpus:")
        for text in learned["wrong"]:
            print("  -", text)


def tweet_files(limit: int) -> dict[str, list[str]]:
    folder = data_folder() / TWEETEVAL[0] / "datasets"
    if not folder.is_dir():
        print(f"\nTweetEval is absent ({folder}); get it with `git clone https://github.com/cardiffnlp/tweeteval "
              f"{data_folder() / TWEETEVAL[0]}` at commit {TWEETEVAL[1]}, or set SOCIABLE_DATA.", file=sys.stderr)
        return {}
    tasks = {}
    for path in sorted(folder.glob("*/test_text.txt")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        tasks[path.parent.name] = lines[:limit] if limit else lines
    return tasks


def _timed(texts: Sequence[str], learned: bool) -> tuple[list[CheckResult], float]:
    started = time.perf_counter()
    results = list(check_many(((str(i), t) for i, t in enumerate(texts)), learned=learned))
    return results, time.perf_counter() - started


def print_tweets(tasks: dict[str, list[str]], verbose: bool) -> None:
    print(f"\n## Ordinary public tweets (TweetEval test splits, commit {TWEETEVAL[1][:7]})\n")
    print("| task | tweets | learned: flagged | learned: R3–R13 | rules: flagged | rules: R3–R13 "
          "| learned: categories |")
    print("|---|---|---|---|---|---|---|")
    totals = {True: [0, 0, 0], False: [0, 0, 0]}
    timing = {True: [0, 0.0], False: [0, 0.0]}
    examples = []
    for task, texts in tasks.items():
        row, semantic = {}, {}
        for learned in (True, False):
            results, seconds = _timed(texts, learned)
            timing[learned][0] += len(texts)
            timing[learned][1] += seconds
            flagged = [r for r in results if r.flagged]
            row[learned] = flagged
            semantic[learned] = sum(1 for r in results if _categories(r))
            if task not in ABUSIVE_TASKS:
                totals[learned][0] += len(flagged)
                totals[learned][1] += len(texts)
                totals[learned][2] += semantic[learned]
        cats = Counter(f.category for r in row[True] for f in r.findings if f.severity in FLAGS)
        print(f"| {task} | {len(texts):,} | {len(row[True])} ({len(row[True]) / len(texts):.2%}) | "
              f"{semantic[True]} ({semantic[True] / len(texts):.2%}) | "
              f"{len(row[False])} ({len(row[False]) / len(texts):.2%}) | "
              f"{semantic[False]} ({semantic[False] / len(texts):.2%}) | "
              + ", ".join(f"{c} {n}" for c, n in sorted(cats.items(), key=lambda kv: int(kv[0][1:]))) + " |")
        if task not in ABUSIVE_TASKS:
            examples += [r for r in row[True] if r.flagged]
    for learned in (True, False):
        n, total, r3_13 = totals[learned]
        print(f"\nNon-abusive tasks together, {'learned' if learned else 'rules'}: {n} of {total:,} flagged "
              f"({n / max(1, total):.2%}), {r3_13} for R3–R13 ({r3_13 / max(1, total):.2%}).", end="")
    print("\n\n| checker | posts | seconds | posts/s |\n|---|---|---|---|")
    for learned in (True, False):
        n, seconds = timing[learned]
        print(f"| {'learned' if learned else 'rules'} | {n:,} | {seconds:.1f} | {n / max(seconds, 1e-9):,.0f} |")
    if verbose:
        print("\nFlagged ordinary tweets (learned):")
        for r in examples:
            print("  -", ", ".join(f"{f.category} {f.text!r}" for f in r.findings if f.severity in FLAGS), "|",
                  r.text[:140].replace("\n", " "))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="heldout", choices=("train", "dev", "heldout"))
    parser.add_argument("--tweets", type=int, default=-1,
                        help="tweets per TweetEval task (0: skip public data; default: all)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list misses and false flags")
    args = parser.parse_args(argv)
    examples = part(args.split)  # type: ignore[arg-type]
    list(check_many([("warm", "warm up the model")]))
    print_corpus(args.split, score_corpus(examples, True), score_corpus(examples, False), args.verbose)
    if args.tweets:
        tasks = tweet_files(max(args.tweets, 0))
        if tasks:
            print_tweets(tasks, args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
