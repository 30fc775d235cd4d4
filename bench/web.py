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
The clients are plain keep-alive HTTP/1.1 connections (asyncio, written by hand so they cost
little) in `--processes` processes of their own; they share the machine with the app, and the
app's own CPU time per request is printed too (it does not depend on what else runs).
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


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


class Connection:
    """One keep-alive HTTP/1.1 connection, written by hand: a client that costs the machine little, so
    the run measures the app rather than the clients. It sends back the session cookie it was given."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.cookie = ""

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        cookie = f"Cookie: {self.cookie}\r\n" if self.cookie else ""
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{cookie}\r\n".encode())
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        headers = [line.split(":", 1) for line in head[1:] if ":" in line]
        length, chunked = 0, False
        for name, value in headers:
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "set-cookie" and value.startswith("sociable_session="):
                self.cookie = value.split(";", 1)[0]
        if chunked:
            while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readuntil(b"\r\n")
        else:
            await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def client(host: str, port: int, first: int, until: float, seen: dict[str, list[float]],
                 errors: dict[str, int]) -> None:
    connection = Connection(host, port)
    turn = first
    while time.monotonic() < until:
        page = PAGES[turn % len(PAGES)]
        turn += 1
        started = time.perf_counter()
        try:
            outcome = str(await connection.get(page))
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            outcome = type(exc).__name__
            connection.close()
        seen[page].append((time.perf_counter() - started) * 1000)
        if outcome != "200":
            errors[page] += 1
            errors[f"{page} {outcome}"] += 1
    connection.close()


async def load(port: int, clients: int, seconds: float, first: int = 0,
               ) -> tuple[dict[str, list[float]], dict[str, int], float]:
    seen: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    began = time.monotonic()
    until = began + seconds
    await asyncio.gather(*(client("127.0.0.1", port, first + n, until, seen, errors) for n in range(clients)))
    return dict(seen), dict(errors), time.monotonic() - began


def load_in_process(job: tuple[int, int, float, int]) -> tuple[dict[str, list[float]], dict[str, int], float]:
    port, clients, seconds, first = job
    return asyncio.run(load(port, clients, seconds, first))


def load_in_processes(port: int, clients: int, seconds: float, processes: int,
                      ) -> tuple[dict[str, list[float]], dict[str, int], float]:
    """The clients shared out over several processes; their figures put together."""
    shares = [clients // processes + (1 if n < clients % processes else 0) for n in range(processes)]
    jobs = [(port, share, seconds, sum(shares[:n])) for n, share in enumerate(shares) if share]
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
            before = cpu_seconds(server.pid)
            seen, errors, elapsed = load_in_processes(port, args.clients, args.seconds, max(1, args.processes))
            used = cpu_seconds(server.pid) - before
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"{args.clients} clients ({args.processes} processes) for {args.seconds:.0f} s against `sociable serve` "
          f"({'the demo sample, ' + format(args.posts, ',') + ' posts' if not args.workspace else path.name})\n")
    print(table(seen, errors, elapsed))
    served = sum(len(times) for times in seen.values())
    print(f"The app used {used:.1f} CPU seconds: {used * 1000 / max(1, served):.1f} ms a request "
          f"(load average after the run {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores).")


if __name__ == "__main__":
    main()
