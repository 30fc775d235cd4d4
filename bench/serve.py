"""What it costs the web app to open its workspace for each request instead of holding it.

    .venv/bin/python bench/serve.py                          # the demo's 20,000 simulated posts
    .venv/bin/python bench/serve.py --workspace ws.duckdb    # an imported workspace of your own

Times, in milliseconds per call (the median of --repeat × --calls timed calls):

* opening and closing a read-only workspace with nothing else open (what a request pays when
  the app has been idle), and beside a read-only workspace kept open (what it pays while
  requests keep coming: the app keeps one open until it has been idle for half a second);
* a whole request (`GET /api/overview`, in-process), with the keeper and with every request
  opening the workspace afresh.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

import sociable
from sociable.simulate import simulate
from sociable.web import create_app


def per_call(action: Callable[[], object], calls: int, repeat: int, pause: float = 0.0) -> float:
    """Median milliseconds per call; with a pause (not timed) before each call."""
    action()
    times = []
    for _ in range(repeat * calls):
        time.sleep(pause)
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def demo_workspace(folder: Path) -> Path:
    sample, path = folder / "sample.jsonl", folder / "demo.duckdb"
    simulate(sample, posts=20_000, seed=7)
    with sociable.open(path) as ws:
        ws.import_files([sample], collection="sample")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", type=Path, help="an imported workspace (default: the demo sample)")
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.workspace or demo_workspace(Path(folder))
        with sociable.open(path, read_only=True) as ws:
            posts = ws.counts()["posts"]
        figures = measure(path, args.calls, args.repeat)
    print(f"workspace: {path.name}, {posts:,} posts, {path.stat().st_size / 1e6:.1f} MB" if args.workspace
          else f"workspace: the demo sample, {posts:,} posts")
    print("| what | ms per call |\n|---|---:|")
    for name, value in figures.items():
        print(f"| {name} | {value:.2f} |")


def measure(path: Path, calls: int, repeat: int) -> dict[str, float]:
    def open_close() -> None:
        sociable.open(path, read_only=True).close()

    figures = {"open and close, nothing else open": per_call(open_close, calls, repeat)}
    with sociable.open(path, read_only=True):
        figures["open and close beside a kept workspace"] = per_call(open_close, calls, repeat)
    app = create_app(path)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        def request() -> None:
            assert client.get("/api/overview").status_code == 200

        figures["GET /api/overview, requests one after another (keeper open)"] = per_call(request, calls, repeat)
        app.state.workspaces.linger = 0.0  # the keeper is dropped within 50 ms of each request
        figures["GET /api/overview, every request opens afresh"] = per_call(request, calls // 5, repeat, pause=0.12)
    return figures


if __name__ == "__main__":
    main()
