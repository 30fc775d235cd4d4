"""Time every long command at several sample sizes, with peak memory and the growth exponent k.

    .venv/bin/python bench/scale.py                                   # 100k, 300k and 1M posts
    .venv/bin/python bench/scale.py --posts 1000000,10000000 --work /big/disk  # 10M: about 23 GB on disk
    .venv/bin/python bench/scale.py --ratios                           # also bench/map.py's side-by-side run

For each size the simulator writes a sample (Twitter v1.1 JSON Lines; kept in --work and reused),
then each command runs as `sociable` does from a terminal, in its own process, one after the
other on the same workspace: import (into a new workspace), roles (not timed: the report and
maturity read labels), report, export (`export graph`, GEXF), map, dialogue, maturity, listen,
screen, and remap (last, since it rewrites the workspace). Each figure is the median of --rounds
runs of the whole process (wall seconds) and the largest peak resident set (the process and its
workers, from wait4). --rounds is one number for every size, or one per size (`--rounds 3,1`
with `--posts 1000000,10000000` runs the smaller size three times); the start-up is the median of
three runs.

k is the exponent in time ∝ posts^k between two sizes, net of the command line's start-up
(`sociable formats`, timed in the same run): k = log((t2 - s) / (t1 - s)) / log(n2 / n1).
Memory's exponent is computed the same way on peak RSS, net of the start-up's RSS.

Figures go to stdout as a Markdown table and to bench/out/scale.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

OUT = Path(__file__).parent / "out"
COMMANDS = ("import", "report", "export", "map", "dialogue", "maturity", "listen", "screen", "remap")


def sociable(*args: str) -> list[str]:
    """The command line as a user runs it, from this interpreter (and whatever PYTHONPATH says)."""
    return [sys.executable, "-c", "import sys; from sociable.cli import main; sys.argv[0] = 'sociable'; main()",
            *args]


def run(argv: list[str], stdin: Any = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one process and the children it waited for."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    errors: list[bytes] = []
    reader = threading.Thread(target=lambda: errors.append(process.stderr.read() if process.stderr else b""))
    reader.start()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    reader.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{' '.join(argv[3:])} failed ({process.returncode}): "
                         f"{b''.join(errors).decode(errors='replace')[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


class TreePeak:
    """The largest summed resident set (MB) of a process and all its descendants, sampled every quarter second.

    wait4 counts only the children a process waited for; a JVM that PySpark starts and leaves
    running is not one of them, so Spark's figures need this. Sampling can miss a peak shorter
    than the interval.
    """

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_mb = pid, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb

    def _watch(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self._stop.is_set():
            parents: dict[int, int] = {}
            pages: dict[int, int] = {}
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except (OSError, IndexError):
                    continue  # the process ended while we looked
                parents[int(entry.name)], pages[int(entry.name)] = int(fields[1]), int(fields[21])
            tree, frontier = {self.pid}, [self.pid]
            while frontier:
                children = [pid for pid, parent in parents.items() if parent in frontier and pid not in tree]
                tree.update(children)
                frontier = children
            self.peak_mb = max(self.peak_mb, sum(pages.get(pid, 0) for pid in tree) * page / 2**20)
            self._stop.wait(0.25)


def command_args(name: str, workspace: Path, sample: Path, scratch: Path) -> list[str]:
    ws = ["--workspace", str(workspace)]
    return {
        "import": [*ws, "import", str(sample), "-c", "sample"],
        "report": [*ws, "report", "-o", str(scratch / "report.html"), "--force"],
        "export": [*ws, "export", "graph", "-o", str(scratch / "graph.gexf"), "--force"],
        "map": [*ws, "map"],
        "dialogue": [*ws, "dialogue"],
        "maturity": [*ws, "maturity"],
        "listen": [*ws, "listen"],
        "screen": [*ws, "screen"],
        "remap": [*ws, "remap"],
    }[name]


def measure_size(posts: int, args: argparse.Namespace, work: Path) -> dict[str, dict[str, Any]]:
    """Every command at one size: median seconds and largest peak RSS over the rounds."""
    figures: dict[str, dict[str, Any]] = {}
    sample = work / f"sample-{posts}.jsonl"
    if not sample.exists():
        subprocess.run(sociable("simulate", "-o", str(sample), "--posts", str(posts), "--seed", str(args.seed)),
                       check=True, stdout=subprocess.DEVNULL)
    rounds: dict[str, list[tuple[float, float]]] = {name: [] for name in args.commands}
    for _ in range(args.rounds[posts]):
        workspace = work / f"ws-{posts}.duckdb"
        for leftover in (workspace, workspace.with_suffix(".duckdb.wal")):
            leftover.unlink(missing_ok=True)
        rounds["import"].append(import_sample(posts, args, workspace, sample, work))
        subprocess.run(sociable("--workspace", str(workspace), "roles"), check=True, stdout=subprocess.DEVNULL)
        for name in args.commands:
            if name != "import":
                rounds[name].append(run(sociable(*command_args(name, workspace, sample, work))))
                print(f"  {posts:,} {name}: {rounds[name][-1][0]:.1f} s, {rounds[name][-1][1]:,.0f} MB",
                      file=sys.stderr)
    for name, values in rounds.items():
        figures[name] = {"seconds": statistics.median(v[0] for v in values), "peak_mb": max(v[1] for v in values),
                         "rounds": [list(v) for v in values]}
    if not args.keep:
        for leftover in work.glob(f"ws-{posts}.duckdb*"):
            leftover.unlink()
    return figures


def import_sample(posts: int, args: argparse.Namespace, workspace: Path, sample: Path, work: Path
                  ) -> tuple[float, float]:
    """Import the sample into a new workspace."""
    figure = run(sociable(*command_args("import", workspace, sample, work)))
    print(f"  {posts:,} import: {figure[0]:.1f} s, {figure[1]:,.0f} MB", file=sys.stderr)
    return figure


def exponent(small: tuple[int, float], large: tuple[int, float], base: float) -> float | None:
    """k in value ∝ posts^k between two sizes, net of `base` (the start-up's share)."""
    (n1, v1), (n2, v2) = small, large
    if v1 - base <= 0 or v2 - base <= 0:
        return None
    return math.log((v2 - base) / (v1 - base)) / math.log(n2 / n1)


def table(sizes: list[int], results: dict[int, dict[str, dict[str, Any]]], startup: tuple[float, float],
          commands: tuple[str, ...]) -> str:
    head = ["command", *[f"{n:,} posts" for n in sizes]]
    head += [f"k {a:,} → {b:,}" for a, b in itertools.pairwise(sizes)]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for name in commands:
        cells = [f"`{name}`"]
        for n in sizes:
            f = results[n][name]
            cells.append(f"{f['seconds']:.1f} s, {f['peak_mb']:,.0f} MB")
        for a, b in itertools.pairwise(sizes):
            k = exponent((a, results[a][name]["seconds"]), (b, results[b][name]["seconds"]), startup[0])
            km = exponent((a, results[a][name]["peak_mb"]), (b, results[b][name]["peak_mb"]), startup[1])
            cells.append(f"{k:.2f} (memory {km:.2f})" if k is not None and km is not None else "–")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", default="100000,300000,1000000", help="comma-separated sample sizes")
    parser.add_argument("--commands", default=",".join(COMMANDS), help=f"which of {','.join(COMMANDS)} to time")
    parser.add_argument("--rounds", default="1",
                        help="runs of each command per size (median shown): one number, or one per size")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, help="folder for samples and workspaces (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the workspaces in --work")
    parser.add_argument("--ratios", action="store_true",
                        help="then run bench/map.py at 1,000,000 ties: sociable, networkx and bare igraph side by side")
    args = parser.parse_args()
    given = [int(n) for n in args.posts.split(",")]
    rounds = [int(r) for r in args.rounds.split(",")]
    if len(rounds) not in (1, len(given)) or min(rounds) < 1:
        parser.error("--rounds takes one positive number, or one per size in --posts")
    args.rounds = dict(zip(given, rounds * len(given) if len(rounds) == 1 else rounds, strict=True))
    sizes = sorted(given)
    args.commands = tuple(name for name in COMMANDS if name in args.commands.split(","))
    if "import" not in args.commands:
        args.commands = ("import", *args.commands)
    with tempfile.TemporaryDirectory(prefix="sociable-scale-") as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        starts = [run(sociable("formats")) for _ in range(3)]
        startup = (statistics.median(t for t, _ in starts), max(m for _, m in starts))
        results = {n: measure_size(n, args, work) for n in sizes}
    print(f"start-up (`sociable formats`): {startup[0]:.2f} s, {startup[1]:,.0f} MB; load average "
          f"{os.getloadavg()[0]:.1f} at the end")
    print(table(sizes, results, startup, args.commands))
    OUT.mkdir(exist_ok=True)
    (OUT / "scale.json").write_text(json.dumps({"startup": startup, "results": results}, indent=1))
    if args.ratios:
        subprocess.run([sys.executable, str(Path(__file__).parent / "map.py"), "--ties", "1000000"], check=True)


if __name__ == "__main__":
    main()
