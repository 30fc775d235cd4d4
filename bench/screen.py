"""`sociable screen` against the checker alone on the same posts: the ratio the scale issue bounds (≤ 1.5).

    .venv/bin/python bench/screen.py --posts 1000000 --work /big/disk

The simulator's sample of --posts (seed 7; kept in --work and reused, the file bench/scale.py
writes) is imported into a workspace with roles kept, once. Then, one after the other:

* the checker alone: the posts `screen` reads (no reposts), read into memory first and not timed,
  then `check_many` over them in this one process, as a library user would call it;
* `sociable screen` on the workspace, as a user runs it, in its own process (reading, checking in
  its worker processes, storing every result), whole-process wall seconds and peak memory.

The ratio is screen's seconds over the checker's. Figures go to stdout.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

from scale import run, sociable


def checker_alone(workspace: Path) -> tuple[int, float]:
    """Posts checked and seconds taken by `check_many` over the posts `screen` reads, in this process."""
    import sociable as library
    from sociable.safety.checker import check_many
    from sociable.safety.screen import screening_scope

    with library.open(workspace, read_only=True) as ws:
        scope = screening_scope(ws.check_scope(ws.scope()), False)
        texts: list[tuple[str, str]] = []
        for chunk in ws.post_chunks(scope, ("post_id", "text"), size=50_000):
            rows = chunk.to_pydict()
            texts += zip(rows["post_id"], (text or "" for text in rows["text"]), strict=True)
    started = time.perf_counter()
    checked = sum(1 for _ in check_many(texts))
    return checked, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=300_000)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "sociable-bench")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    sample, workspace = args.work / f"sample-{args.posts}.jsonl", args.work / f"screen-{args.posts}.duckdb"
    if not sample.exists():
        subprocess.run(sociable("simulate", "-o", str(sample), "--posts", str(args.posts), "--seed", "7"),
                       check=True, stdout=subprocess.DEVNULL)
    if not workspace.exists():
        run(sociable("--workspace", str(workspace), "import", str(sample), "-c", "sample"))
        run(sociable("--workspace", str(workspace), "roles"))
    checked, alone = checker_alone(workspace)
    seconds, peak = run(sociable("--workspace", str(workspace), "screen"))
    print("| posts | posts checked | checker alone, one process | `sociable screen` | ratio |")
    print("|---:|---:|---:|---:|---:|")
    print(f"| {args.posts:,} | {checked:,} | {alone:.1f} s ({checked / alone:,.0f} posts/s) | "
          f"{seconds:.1f} s ({checked / seconds:,.0f} posts/s), {peak:,.0f} MB | {seconds / alone:.2f} |")


if __name__ == "__main__":
    main()
