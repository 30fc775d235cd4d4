"""How often the checker flags ordinary public posts nobody here wrote, and how fast it screens them.

    .venv/bin/python bench/validity/public_posts.py                # every TweetEval test and validation tweet
    .venv/bin/python bench/validity/public_posts.py --show R1 R2   # print the flagged tweets of some categories
    .venv/bin/python bench/validity/public_posts.py --review       # the same in review mode

Reads the test and validation splits of every TweetEval task (cardiffnlp/tweeteval, commit
4fbd22cd78421f05b1ecdb4fc5725bc7a7bd8f66) from `$SOCIABLE_DATA/cardiffnlp+tweeteval/datasets`
(default `.data/`): real public tweets, none by health or care staff about their work, so every
flag is a false positive unless the tweet itself would be a breach from a professional. Prints the
share flagged ("think again" or "do not post") overall, without the hate and offensive tasks
(collected for abuse, which the checker is meant to catch), and by category, and the speed of
`check()` one post at a time (p50, p99) and of `check_many()` (batched, the way screening runs),
with the names model on. Speeds are in CPU time of this process (the work a free core would
take), beside wall time, because a shared machine's wall time says more about its neighbours.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

DATASET = "cardiffnlp+tweeteval"
COMMIT = "4fbd22cd78421f05b1ecdb4fc5725bc7a7bd8f66"
ABUSE_TASKS = ("hate", "offensive")


def load() -> list[tuple[str, str]]:
    """(task, tweet) for every distinct tweet of the test and validation splits."""
    folder = Path(os.environ.get("SOCIABLE_DATA", ROOT / ".data")) / DATASET / "datasets"
    if not folder.is_dir():
        sys.exit(
            f"{folder} is missing: clone github.com/cardiffnlp/tweeteval at commit {COMMIT} into "
            f"{folder.parent} (or set SOCIABLE_DATA to the folder that holds it)."
        )
    seen: dict[str, str] = {}
    for split in ("test", "val"):
        for path in sorted(folder.glob(f"*/{split}_text.txt")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    seen.setdefault(line.strip(), path.parent.name)
    return [(task, text) for text, task in seen.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", nargs="*", default=(), help="print the flagged tweets of these categories")
    parser.add_argument("--review", action="store_true", help="check in review mode (check(..., review=True))")
    args = parser.parse_args()
    from sociable.safety import check, check_many
    from sociable.safety.findings import FLAGS
    from sociable.safety.ner import pipeline

    rows = load()
    pipeline()
    check("warm up: Mrs K in bed 4", review=args.review)
    started, cpu = time.perf_counter(), time.process_time()
    results = list(check_many(((str(i), text) for i, (_, text) in enumerate(rows)), review=args.review))
    batch_rate = len(rows) / (time.perf_counter() - started)
    batch_cpu = len(rows) / (time.process_time() - cpu)

    times = []
    for _, text in rows[:20000:2]:  # changed by a space, so the names model's memory of the batch is no help
        t0 = time.process_time()
        check(text + " ", review=args.review)
        times.append(time.process_time() - t0)
    times.sort()

    flagged = [(task, r) for (task, _), r in zip(rows, results, strict=True) if r.flagged]
    ordinary = [task for task, _ in rows if task not in ABUSE_TASKS]
    flagged_ordinary = [task for task, _ in flagged if task not in ABUSE_TASKS]
    categories = Counter(f.category for _, r in flagged for f in {f.category: f for f in r.findings
                                                                   if f.severity in FLAGS}.values())
    mode = " (review mode)" if args.review else ""
    print(f"TweetEval test + validation, commit {COMMIT[:10]}: {len(rows):,} distinct tweets{mode}")
    print(f"flagged: {len(flagged):,} ({100 * len(flagged) / len(rows):.3f} %)")
    print(f"flagged without the hate and offensive tasks: {len(flagged_ordinary):,} of {len(ordinary):,} "
          f"({100 * len(flagged_ordinary) / len(ordinary):.3f} %)")
    ids = sorted(categories, key=lambda c: int(c[1:]))
    print("flagged posts by category: " + ", ".join(f"{c} {categories[c]}" for c in ids))
    print(f"check_many: {batch_cpu:,.0f} posts per CPU second ({batch_rate:,.0f} posts/s of wall time); "
          f"check() CPU time: p50 {1000 * times[len(times) // 2]:.2f} ms, "
          f"p99 {1000 * times[int(len(times) * 0.99)]:.2f} ms")
    for task, r in flagged:
        shown = [f for f in r.findings if f.category in args.show and f.severity in FLAGS]
        if shown:
            print(f"[{task}] {r.text[:200]!r} -> " + "; ".join(f"{f.category} {f.text!r}" for f in shown))


if __name__ == "__main__":
    main()
