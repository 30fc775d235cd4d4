"""Soak the Bluesky capture: a Jetstream-compatible server replays N events as fast as it can.

    .venv/bin/python bench/capture.py --events 200000

The server runs in its own process (so its CPU is not counted), with an AppView for the
profiles. The stream is the firehose's mix, scaled: about 1% of posts carry the tag, a
tenth of those get a reply without it, a few are deleted, and the rest (other posts,
replies to posts not captured, identity and account events) are read and let go. The
script prints the sustained events/s, the capture's CPU seconds and share of one core, its
resident memory every 10% of the stream (steady memory is the point), and what was stored.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "capture"))

from capture_servers import AppView, Jetstream, delete, identity, post, profile, uri

import sociable
from sociable.sources.live.base import Counts
from sociable.sources.live.bluesky import BlueskyCapture, BlueskyOptions
from sociable.store.capture import WorkspaceSink

T0 = 1_730_000_000_000_000
AUTHORS = 2_000


def stream(count: int, seed: int = 7) -> tuple[list[tuple[int, str]], int]:
    """(time_us, frame) for `count` events, and how many posts the capture should keep."""
    rng = random.Random(seed)
    frames: list[tuple[int, str]] = []
    tagged: list[str] = []
    expected = 0
    for step in range(count):
        time_us = T0 + step * 100
        author = f"u{rng.randrange(AUTHORS)}"
        roll = rng.random()
        if roll < 0.01:
            event = post(author, f"t{step}", time_us, f"Shift report #NHSsm number {step}")
            tagged.append(uri(author, f"t{step}"))
            expected += 1
        elif roll < 0.011 and tagged:
            event = post(author, f"r{step}", time_us, "Thanks for this", reply_to=rng.choice(tagged))
            expected += 1
        elif roll < 0.0112 and tagged:
            victim = tagged.pop(rng.randrange(len(tagged)))
            event = delete(victim.split("/")[2].removeprefix("did:plc:").rstrip("x"), victim.rsplit("/", 1)[1],
                           time_us)
            expected -= 1
        elif roll < 0.25:
            event = post(author, f"o{step}", time_us, "A reply elsewhere", reply_to=uri("someone", f"x{step}"))
        elif roll < 0.26:
            event = identity(author, f"{author}.bsky.social", time_us)
        else:
            event = post(author, f"o{step}", time_us, "Lunch, then a walk by the river. Nothing tagged here at all.")
        frames.append((time_us, json.dumps(event, separators=(",", ":"))))
    return frames, expected


def serve(count: int, ready: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    frames, expected = stream(count)
    jetstream = Jetstream()
    jetstream.add(*frames)
    appview = AppView([profile(f"u{i}", f"u{i}.bsky.social", "Nurse") for i in range(AUTHORS)])
    ready.put((jetstream.start(), appview.start(), expected, frames[-1][0]))
    threading.Event().wait()


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    args = parser.parse_args()
    ready: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(target=serve, args=(args.events, ready), daemon=True)
    server.start()
    jetstream_url, appview_url, expected, last = ready.get(timeout=600)
    path = Path(tempfile.mkdtemp()) / "soak.duckdb"
    options = BlueskyOptions(tags=("nhssm",), jetstream=jetstream_url, appview=appview_url, duration=600)
    memory: list[tuple[int, float]] = []
    capture = BlueskyCapture(options, WorkspaceSink(path, "soak", "soak"), "soak")

    def progress(totals: Counts, error: str | None) -> None:
        if not memory or totals.received >= memory[-1][0] + args.events // 10:
            memory.append((totals.received, rss_mb()))
        if capture.last_time_us is not None and capture.last_time_us >= last:
            capture.stop.set()

    capture.progress = progress
    before, started = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    totals = asyncio.run(capture.run())
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    server.terminate()
    with sociable.open(path, read_only=True) as ws:
        stored = ws.scalar("SELECT count(*) FROM posts")
        distinct = ws.scalar("SELECT count(DISTINCT post_id) FROM posts")
    print(f"events: {totals.received:,} in {wall:.1f} s = {totals.received / wall:,.0f} events/s")
    print(f"capture CPU: {cpu:.1f} s = {cpu / wall:.0%} of one core; {totals.received / cpu:,.0f} events per CPU "
          f"second; peak RSS {after.ru_maxrss / 1024:.0f} MB")
    print("RSS by events received: " + ", ".join(f"{n:,}: {mb:.0f} MB" for n, mb in memory))
    print(f"posts kept: {stored:,} ({distinct:,} distinct), expected {expected:,}; matched {totals.matched:,}, "
          f"deleted {totals.deleted:,}, errors {totals.errors:,}")
    if stored != expected or distinct != stored:
        raise SystemExit("the capture did not keep exactly the expected posts")


if __name__ == "__main__":
    main()
