"""The same analyses on DuckDB and on Spark in local mode: wall time and peak memory, side by side.

    .venv/bin/python bench/spark.py                           # 100k and 1M posts
    .venv/bin/python bench/spark.py --posts 10000000 --work /big/disk

For each size the simulator writes a sample (kept in --work and reused), which is imported into a
workspace with roles kept and then written as a dataset (`sociable export dataset`). Each analysis
then runs as a user runs it, in its own process, one after the other: `sociable -w WS NAME -c bench
--json` on DuckDB, and `sociable --engine spark --data DATASET NAME -c bench --json` on Spark (local
mode, --master local[N], driver memory --driver-memory). Figures are wall seconds and the largest
peak resident set: the larger of GNU time's figure and the summed resident set of the process and
all its descendants sampled every quarter second (PySpark's JVM is a child nobody waits for, so
time alone misses it); the Spark
figures include starting the JVM, which is timed alone as `start` (the JVM, the dataset's tables
registered, and the feedback analysis, one small query). Both runs' --json documents are compared (counts exactly,
measures to 1e-9) and the table says whether they agree.

Figures go to stdout as a Markdown table and to bench/out/spark.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scale import TreePeak, run, sociable

OUT = Path(__file__).parent / "out"
ANALYSES = ("map", "dialogue", "maturity", "listen", "chats", "cascades")


def prepare(posts: int, work: Path) -> tuple[Path, Path]:
    """The sample's workspace (imported, roles kept) and its dataset, made once per size."""
    folder = work / f"spark-{posts}"
    folder.mkdir(parents=True, exist_ok=True)
    sample, workspace, dataset = folder / "sample.jsonl", folder / "ws.duckdb", folder / "dataset"
    if not (dataset / "manifest.json").exists():
        if not sample.exists():
            run(sociable("simulate", "--posts", str(posts), "--seed", "7", "-o", str(sample), "--force"))
        workspace.unlink(missing_ok=True)
        run(sociable("-w", str(workspace), "import", str(sample), "-c", "bench"))
        run(sociable("-w", str(workspace), "roles", "-c", "bench", "-n", "0"))
        run(sociable("-w", str(workspace), "export", "dataset", "-o", str(dataset), "--force"))
    return workspace, dataset


class Failed(Exception):
    """One command exited with an error; the run records it and goes on to the next."""


def timed_json(argv: list[str], env: dict[str, str]) -> tuple[float, float, Any]:
    """Wall seconds, peak RSS (MB) and the --json document of one command.

    The command runs under GNU time, whose own figure is the command's largest resident set: wait4's
    figure for a child of this process would start from this process's own, since Linux carries
    the high-water mark of a forked copy across exec, and this process holds the last documents.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile() as peak:
        started = time.perf_counter()
        process = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", peak.name, *argv], stdout=out, stderr=err,
                                   env=env)
        tree = TreePeak(process.pid)
        status = process.wait()
        seconds = time.perf_counter() - started
        tree_mb = tree.stop()
        if status:
            err.seek(0)
            errors = err.read().decode(errors="replace")
            raise Failed(f"{' '.join(argv[3:])} failed after {seconds:.0f} s: {errors[-4000:]}")
        own_mb = int(Path(peak.name).read_text().split()[-1]) / 1024
        out.seek(0)
        document = compact(json.loads(out.read())) if argv[-1] == "--json" else None
    return seconds, max(own_mb, tree_mb), document


def compact(document: dict[str, Any]) -> dict[str, Any]:
    """The facts, and each table as Arrow columns: a map of 10M posts has five million ties, which as
    dicts held while the other engine runs would take several GB. Nested values become JSON text."""
    tables = {}
    for name, rows in document["tables"].items():
        columns: dict[str, list[Any]] = {key: [] for key in (rows[0] if rows else {})}
        for row in rows:
            for key, values in columns.items():
                value = row.get(key)
                values.append(json.dumps(value, sort_keys=True) if isinstance(value, list | dict) else value)
        rows.clear()
        tables[name] = pa.table({key: pa.array(values) for key, values in columns.items()})
    return {"facts": document["facts"], "tables": tables}


def same_table(a: pa.Table, b: pa.Table) -> bool:
    """The same rows in any order: other columns exactly, floating-point ones to 1e-9."""
    if a.num_rows != b.num_rows or sorted(a.column_names) != sorted(b.column_names):
        return False
    if a.num_rows == 0:
        return True
    b = b.select(a.column_names)
    floats = [c for c in a.column_names
              if pa.types.is_floating(a.schema.field(c).type) or pa.types.is_floating(b.schema.field(c).type)]
    order = [(c, "ascending", "at_end") for c in a.column_names if c not in floats]
    order += [(c, "ascending", "at_end") for c in floats]
    a, b = (t.take(pc.sort_indices(t, sort_keys=order)) for t in (a, b))
    for column in a.column_names:
        x, y = a[column], b[column]
        if column not in floats:
            if not x.equals(y.cast(x.type) if x.type != y.type else y):
                return False
            continue
        xs = np.asarray(x.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
        ys = np.asarray(y.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
        if not np.array_equal(np.isnan(xs), np.isnan(ys)):
            return False
        both = ~np.isnan(xs)
        if not np.allclose(xs[both], ys[both], rtol=1e-9, atol=1e-9):
            return False
    return True


def same(a: Any, b: Any) -> bool:
    """Counts exactly, floating-point measures to 1e-9 (rows in any order)."""
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, int | float) and isinstance(b, int | float) and math.isclose(a, b, rel_tol=1e-9,
                                                                                          abs_tol=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return False
        if a and all(isinstance(row, dict) for row in a):
            a, b = sorted(a, key=repr), sorted(b, key=repr)
            if not all(same(x, y) for x, y in zip(a, b, strict=True)):  # float noise can move a row: match by keys
                return all(any(same(x, y) for y in b) for x in a)
        return all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", default="100000,1000000", help="comma-separated sample sizes")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "sociable-bench")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="4g")
    parser.add_argument("--analyses", default=",".join(ANALYSES))
    args = parser.parse_args()
    env = {**os.environ, "PYSPARK_SUBMIT_ARGS": f"--master {args.master} --driver-memory {args.driver_memory} "
                                                "--conf spark.ui.enabled=false "
                                                "--conf spark.ui.showConsoleProgress=false pyspark-shell",
           "PYSPARK_PYTHON": sys.executable}
    rows: list[dict[str, Any]] = []
    print("| posts | analysis | DuckDB s | DuckDB peak MB | Spark s | Spark peak MB | same result |")
    print("|---:|---|---:|---:|---:|---:|---|")
    for posts in (int(p) for p in args.posts.split(",")):
        workspace, dataset = prepare(posts, args.work)
        start = timed_json(sociable("--engine", "spark", "--data", str(dataset), "feedback", "-c", "bench"), env)
        print(f"| {posts:,} | start (JVM, tables, one small query) | | | {start[0]:.1f} | {start[1]:,.0f} | |",
              flush=True)
        for name in args.analyses.split(","):
            duck = timed_json(sociable("-w", str(workspace), name, "-c", "bench", "--json"), env)
            try:
                spark = timed_json(sociable("--engine", "spark", "--data", str(dataset), name, "-c", "bench",
                                            "--json"), env)
            except Failed as failure:  # one analysis failing on Spark (memory, say) is a finding, not the end
                print(f"| {posts:,} | {name} | {duck[0]:.1f} | {duck[1]:,.0f} | failed | | |", flush=True)
                print(str(failure)[-600:], file=sys.stderr, flush=True)
                rows.append({"posts": posts, "analysis": name, "duckdb_seconds": duck[0], "duckdb_peak_mb": duck[1],
                             "spark_error": str(failure)[-2000:]})
                continue
            tables = duck[2]["tables"]
            agree = same(duck[2]["facts"], spark[2]["facts"]) and tables.keys() == spark[2]["tables"].keys() \
                and all(same_table(tables[t], spark[2]["tables"][t]) for t in tables)
            rows.append({"posts": posts, "analysis": name, "duckdb_seconds": duck[0], "duckdb_peak_mb": duck[1],
                         "spark_seconds": spark[0], "spark_peak_mb": spark[1], "same": agree})
            print(f"| {posts:,} | {name} | {duck[0]:.1f} | {duck[1]:,.0f} | {spark[0]:.1f} | {spark[1]:,.0f} | "
                  f"{'yes' if agree else 'NO'} |", flush=True)
            OUT.mkdir(exist_ok=True)  # written after every row: a run stopped part way keeps what it measured
            (OUT / "spark.json").write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
