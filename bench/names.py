"""The checker's speed with the names model on: batch screening and single checks, in CPU time.

    .venv/bin/python bench/names.py                  # 20,000 simulated posts
    .venv/bin/python bench/names.py --posts 50000

`check_many` over simulated posts (the way `sociable screen` runs: the names model once per batch,
only for posts with care words and a capitalised word), then `check()` one post at a time over
our labelled posts (tests/safety/devset.jsonl and names_set.jsonl, three times, each time changed
by trailing spaces so the model's memory of recent posts is no help), and the names model alone on
posts it is asked about. Figures are CPU time of this process (what a free core would take) beside
wall time, since a shared machine's wall time mostly measures its neighbours.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    from safety import simulated_posts
    from sociable.safety import check, check_many
    from sociable.safety.names import needs_model
    from sociable.safety.ner import entities, pipeline

    posts = simulated_posts(args.posts, 0, args.seed)
    pipeline()
    check("warm up: Mrs K in bed 4")
    asked = [p for p in posts if needs_model(p)]
    wall, cpu = time.perf_counter(), time.process_time()
    list(check_many((str(i), p) for i, p in enumerate(posts)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"check_many: {len(posts):,} simulated posts, the names model asked about {len(asked):,} "
          f"({100 * len(asked) / len(posts):.1f} %): {len(posts) / cpu:,.0f} posts per CPU second "
          f"({len(posts) / wall:,.0f} posts/s of wall time)")

    rows = []
    for name in ("devset.jsonl", "names_set.jsonl"):
        path = ROOT / "tests" / "safety" / name
        rows += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    times = []
    for round_ in range(1, 4):
        for text in rows:
            started = time.process_time()
            check(text + " " * round_)
            times.append(time.process_time() - started)
    times.sort()
    print(f"check(): {len(times):,} labelled posts one at a time: p50 {1000 * times[len(times) // 2]:.2f} ms, "
          f"p99 {1000 * times[int(0.99 * len(times))]:.2f} ms, max {1000 * times[-1]:.1f} ms (CPU time)")

    sample = [p + "  " for p in asked[:500]] or ["Kwame Mensah in bed 3"]
    started = time.process_time()
    for text in sample:
        entities(text)
    print(f"names model alone, one post at a time: {1000 * (time.process_time() - started) / len(sample):.2f} ms "
          f"a post (CPU time, {len(sample)} posts)")


if __name__ == "__main__":
    main()
