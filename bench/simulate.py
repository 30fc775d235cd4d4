"""Time the synthetic sample generator: posts per second, megabytes per second and peak memory.

    .venv/bin/python bench/simulate.py                 # 1M posts, default workers
    .venv/bin/python bench/simulate.py --posts 10000000 --workers 2

Peak memory is the largest resident set of this process and of any worker it started
(each worker writes one week of posts, so the figure should not grow with --posts).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
from pathlib import Path

from sociable.simulate import simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=None, help="processes to write with (default: one per CPU)")
    parser.add_argument("--out", type=Path, default=None, help="keep the output here instead of a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sociable-bench-") as scratch:
        path = args.out or Path(scratch) / "sample.jsonl"
        summary = simulate(path, posts=args.posts, seed=args.seed, workers=args.workers)
        size = summary.files[0].stat().st_size
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"posts        {summary.posts:,}")
    print(f"accounts     {summary.accounts:,}")
    print(f"seconds      {summary.seconds:.1f}")
    print(f"posts/s      {summary.posts / summary.seconds:,.0f}")
    print(f"MB written   {size / 1e6:,.0f} ({size / summary.posts:,.0f} bytes a post)")
    print(f"MB/s         {size / 1e6 / summary.seconds:,.0f}")
    print(f"peak RSS MB  {max(own, workers):,.0f} (main {own:,.0f}, largest worker {workers:,.0f})")


if __name__ == "__main__":
    main()
