"""The web app under load: many clients at once against `sociable serve` on 127.0.0.1.

    .venv/bin/python bench/web.py                                  # 200 clients, 30 s, the demo's 20,000 posts
    .venv/bin/python bench/web.py --clients 50 --seconds 10
    .venv/bin/python bench/web.py --workspace ws.duckdb            # an imported workspace of your own

It starts `sociable serve` in a process of its own on a free port, waits until it answers, asks
for every page once (so the run measures the app warm, as a user after the first finds it), then
runs `--clients` clients for `--seconds` seconds. Each client asks for the pages in turn (each
client starting at a different page), one request at a time, as fast as the app answers: a
closed loop, so the latency a client sees is the time its request waits plus the time it takes.
It prints, per page, the requests made, the errors (any status but 200, or no answer), and the
median, 90th and 99th percentile and longest latency in milliseconds, then the whole run's.
The clients (httpx, asyncio) run in `--processes` processes of their own, since one Python
process cannot make requests fast enough for 200 clients; they share the machine with the app.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

import sociable
from sociable.simulate import simulate

PAGES = ("/", "/accounts", "/collections", "/views/map", "/views/dialogue", "/check", "/rejected",
         "/api/overview", "/api/views/overview", "/api/accounts?limit=50")


def demo_workspace(folder: Path, posts: int) -> Path:
    sample, path = folder / "sample.jsonl", folder / "demo.duckdb"
    simulate(sample, posts=posts, seed=7)
    with sociable.open(path) as ws:
        ws.import_files([sample], collection="sample")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(path: Path, port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", "from sociable.cli import main; main()", "--workspace", str(path), "serve",
               "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/overview", timeout=5).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    said = server.stderr.read().decode() if server.stderr else ""
    raise SystemExit(f"sociable serve did not answer within 60 s: {said}")


async def client(http: httpx.AsyncClient, first: int, until: float, seen: dict[str, list[float]],
                 errors: dict[str, int]) -> None:
    turn = first
    while time.monotonic() < until:
        page = PAGES[turn % len(PAGES)]
        turn += 1
        started = time.perf_counter()
        try:
            response = await http.get(page)
            outcome = str(response.status_code)
        except httpx.HTTPError as exc:
            outcome = type(exc).__name__
        seen[page].append((time.perf_counter() - started) * 1000)
        if outcome != "200":
            errors[page] += 1
            errors[f"{page} {outcome}"] += 1


async def load(url: str, clients: int, seconds: float, first: int = 0,
               ) -> tuple[dict[str, list[float]], dict[str, int], float]:
    seen: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as http:
        began = time.monotonic()
        until = began + seconds
        await asyncio.gather(*(client(http, first + n, until, seen, errors) for n in range(clients)))
        return dict(seen), dict(errors), time.monotonic() - began


def load_in_process(job: tuple[str, int, float, int]) -> tuple[dict[str, list[float]], dict[str, int], float]:
    url, clients, seconds, first = job
    return asyncio.run(load(url, clients, seconds, first))


def load_in_processes(url: str, clients: int, seconds: float, processes: int,
                      ) -> tuple[dict[str, list[float]], dict[str, int], float]:
    """The clients shared out over several processes; their figures put together."""
    shares = [clients // processes + (1 if n < clients % processes else 0) for n in range(processes)]
    jobs = [(url, share, seconds, sum(shares[:n])) for n, share in enumerate(shares) if share]
    with multiprocessing.get_context("spawn").Pool(len(jobs)) as pool:
        parts = pool.map(load_in_process, jobs)
    seen: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    for part_seen, part_errors, _ in parts:
        for page, times in part_seen.items():
            seen[page] += times
        for page, count in part_errors.items():
            errors[page] += count
    return seen, errors, max(elapsed for _, _, elapsed in parts)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def table(seen: dict[str, list[float]], errors: dict[str, int], elapsed: float) -> str:
    lines = ["| page | requests | errors | p50 ms | p90 ms | p99 ms | max ms |", "|---|---:|---:|---:|---:|---:|---:|"]
    everything: list[float] = []
    for page in PAGES:
        times = seen.get(page, [])
        everything += times
        if times:
            lines.append(f"| `{page}` | {len(times):,} | {errors.get(page, 0)} | {statistics.median(times):,.0f} | "
                         f"{percentile(times, 0.9):,.0f} | {percentile(times, 0.99):,.0f} | {max(times):,.0f} |")
    failed = sum(errors.get(page, 0) for page in PAGES)
    lines.append(f"| **all** | {len(everything):,} | {failed} | {statistics.median(everything):,.0f} | "
                 f"{percentile(everything, 0.9):,.0f} | {percentile(everything, 0.99):,.0f} | "
                 f"{max(everything):,.0f} |")
    lines.append(f"\n{len(everything) / elapsed:,.0f} requests a second over {elapsed:.1f} s.")
    kinds = {key: count for key, count in errors.items() if key not in PAGES}
    if kinds:
        lines.append("Errors: " + ", ".join(f"{key}: {count}" for key, count in sorted(kinds.items())) + ".")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", type=Path, help="an imported workspace (default: the demo sample)")
    parser.add_argument("--posts", type=int, default=20_000, help="posts in the demo sample")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--processes", type=int, default=2, help="processes the clients run in")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.workspace or demo_workspace(Path(folder), args.posts)
        port = free_port()
        server = start_server(path, port)
        try:
            url = f"http://127.0.0.1:{port}"
            for page in PAGES:
                httpx.get(url + page, timeout=120)
            seen, errors, elapsed = load_in_processes(url, args.clients, args.seconds, max(1, args.processes))
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"{args.clients} clients ({args.processes} processes) for {args.seconds:.0f} s against `sociable serve` "
          f"({'the demo sample, ' + format(args.posts, ',') + ' posts' if not args.workspace else path.name})\n")
    print(table(seen, errors, elapsed))


if __name__ == "__main__":
    main()
