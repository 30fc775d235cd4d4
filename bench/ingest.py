"""Import speed: the whole import (parse + map + store) beside the bare parse of the same file.

    python bench/ingest.py --posts 1000000

Each step runs in its own process so that its peak memory is its own. Prints a Markdown row
for bench/README.md and writes the figures to bench/out/ingest.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).parent / "out"


def bare_orjson(path: str) -> dict[str, float]:
    import orjson

    start = time.perf_counter()
    count = 0
    with open(path, "rb") as fh:
        for line in fh:
            if line.strip():
                orjson.loads(line)
                count += 1
    return {"records": count, "seconds": time.perf_counter() - start}


def bare_msgspec(path: str) -> dict[str, float]:
    import msgspec

    decode = msgspec.json.Decoder().decode
    start = time.perf_counter()
    count = 0
    with open(path, "rb") as fh:
        for line in fh:
            if line.strip():
                decode(line)
                count += 1
    return {"records": count, "seconds": time.perf_counter() - start}


def full_import(path: str) -> dict[str, float]:
    import sociable

    workspace = Path(path).with_suffix(".bench.duckdb")
    workspace.unlink(missing_ok=True)
    start = time.perf_counter()
    with sociable.open(workspace) as ws:
        summary = ws.import_files([path], collection="bench")
        counts = ws.counts()
    seconds = time.perf_counter() - start
    size = workspace.stat().st_size
    workspace.unlink(missing_ok=True)
    return {
        "records": summary.total("read"),
        "stored": summary.total("stored"),
        "rejected": summary.total("rejected"),
        "posts": counts["posts"],
        "seconds": seconds,
        "workspace_mb": size / 1e6,
    }


STEPS = {"orjson": bare_orjson, "msgspec": bare_msgspec, "import": full_import}


def run_step(step: str, path: Path) -> dict[str, float]:
    """Run one step in a fresh interpreter and add its peak resident memory."""
    out = subprocess.run(
        [sys.executable, __file__, "--step", step, str(path)], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--step", choices=STEPS)
    parser.add_argument("file", nargs="?")
    args = parser.parse_args()
    if args.step:
        figures = STEPS[args.step](args.file)
        figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        figures["peak_rss_workers_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(json.dumps(figures))
        return
    OUT.mkdir(exist_ok=True)
    sample = OUT / f"sample-{args.posts}.jsonl"
    if not sample.exists():
        from sociable.simulate import simulate

        simulate(sample, posts=args.posts, seed=args.seed)
    megabytes = sample.stat().st_size / 1e6
    with open(sample, "rb") as fh:  # read it once first, so that no step pays for reading it from disk
        while fh.read(1 << 20):
            pass
    results = {step: run_step(step, sample) for step in STEPS}
    results["orjson, again"] = run_step("orjson", sample)  # the machine's load can change during the import
    for figures in results.values():
        figures["records_per_s"] = figures["records"] / figures["seconds"]
        figures["mb_per_s"] = megabytes / figures["seconds"]
    bare = (results["orjson"]["records_per_s"] + results["orjson, again"]["records_per_s"]) / 2
    ratio = results["import"]["records_per_s"] / bare
    report = {"posts": args.posts, "file_mb": megabytes, "steps": results, "import_vs_orjson": ratio}
    (OUT / "ingest.json").write_text(json.dumps(report, indent=2))
    print(f"{args.posts:,} posts, {megabytes:,.0f} MB")
    print("| step | seconds | records/s | MB/s | peak RSS (MB) | peak RSS of a worker (MB) |")
    print("|---|---:|---:|---:|---:|---:|")
    for step, f in results.items():
        print(f"| {step} | {f['seconds']:.1f} | {f['records_per_s']:,.0f} | {f['mb_per_s']:.0f} | "
              f"{f['peak_rss_mb']:,.0f} | {f['peak_rss_workers_mb']:,.0f} |")
    print(f"import speed / bare orjson parse speed (mean of the two bare runs) = {ratio:.2f}")


if __name__ == "__main__":
    main()
