"""A synthetic UK health and social care conversation with known ground truth.

`simulate(path, posts=..., seed=...)` writes Twitter API v1.1 tweets as JSON Lines (so they go
through the real importer) and a `<stem>.truth.json` sidecar listing what was planted: sector
silos and brokers, broadcasting and conversing organisations, a weekly hashtag chat, a rumour
and its correction, answered and unanswered questions, and risky posts beside near misses.
The same seed and arguments give byte-identical files. Output streams, so memory stays flat
however many posts are asked for.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import numpy as np

from sociable.errors import SociableError
from sociable.simulate.cast import Cast, build_cast
from sociable.simulate.chat import plan_chat
from sociable.simulate.plan import HOUR, Planned, Planner
from sociable.simulate.questions import plan_questions
from sociable.simulate.risky import plan_risky
from sociable.simulate.rumour import plan_rumour
from sociable.simulate.timeline import Timeline, hour_counts
from sociable.simulate.truth import build_truth, truth_path, write_truth
from sociable.simulate.writer import TweetWriter

DEFAULT_START = datetime(2022, 3, 7, tzinfo=UTC)  # a Monday
MIN_POSTS = 1000
MAX_DAYS = 3650
CHUNK_LINES = 4096
BLOCK_HOURS = 7 * 24
PARALLEL_FROM = 200_000  # below this many posts, starting processes costs more than it saves


class InvalidSimulation(SociableError, ValueError):
    """The simulation was asked for something it cannot make (too few posts, too short a window)."""


@dataclass(frozen=True, slots=True)
class SimulationSummary:
    """What one run wrote."""

    posts: int
    accounts: int  # accounts with at least one post
    files: tuple[Path, ...]  # the tweets file, then the truth sidecar
    seconds: float

    @property
    def truth(self) -> Path:
        return self.files[-1]


def simulate(path: Path, posts: int = 20000, seed: int = 7, start: datetime | None = None,
             days: int = 56, workers: int | None = None) -> SimulationSummary:
    """Write `posts` tweets over `days` days from `start` to `path`, and the truth sidecar beside it.

    Large runs are written week by week in up to `workers` processes (default: one per CPU);
    the output is the same bytes whatever the number of workers.
    """
    began = time.perf_counter()
    path = Path(path)
    check_arguments(path, posts, days)
    start = (start or DEFAULT_START).replace(tzinfo=(start or DEFAULT_START).tzinfo or UTC).astimezone(UTC)
    start_ms = int(start.timestamp() * 1000)
    end_ms = int((start + timedelta(days=days)).timestamp() * 1000)
    cast = build_cast(random.Random(seed * 1_000_003 + 1), posts, start)
    planner = Planner(cast, random.Random(seed * 1_000_003 + 2), start_ms, end_ms)
    scenes = {
        "chats": [plan_chat(planner, cast, posts)],
        "rumour": plan_rumour(planner, cast, posts),
        **plan_questions(planner, cast, posts),
        **plan_risky(planner, cast, posts),
    }
    planted = planner.ordered()
    if len(planted) > posts // 2:
        raise InvalidSimulation(
            f"{posts} posts is too few for the planted scenes ({len(planted)} posts); ask for more posts or fewer days."
        )
    writer = TweetWriter(cast.members, cast.by_handle, random.Random(seed * 1_000_003 + 3))
    path.parent.mkdir(parents=True, exist_ok=True)
    counts = hour_counts(np.random.default_rng(seed), start_ms, days, posts - len(planted))
    job = Job(path, seed, start_ms, counts, planted, cast, writer)
    written, posted = write_blocks(job, workers)
    if written != posts:
        raise InvalidSimulation(f"wrote {written} posts instead of {posts}; please report this with the seed {seed}.")
    truth = build_truth(cast=cast, posted=posted, seed=seed, posts=posts, start_ms=start_ms, end_ms=end_ms,
                        scenes=scenes)
    sidecar = truth_path(path)
    write_truth(sidecar, truth)
    authors = sum(1 for n in posted if n)
    return SimulationSummary(posts, authors, (path, sidecar), time.perf_counter() - began)


def check_arguments(path: Path, posts: int, days: int) -> None:
    if posts < MIN_POSTS:
        raise InvalidSimulation(f"Ask for at least {MIN_POSTS} posts (got {posts}): smaller runs cannot hold "
                                "every planted scene.")
    if not 14 <= days <= MAX_DAYS:
        raise InvalidSimulation(f"Ask for between 14 and {MAX_DAYS} days (got {days}): the weekly chat needs "
                                "at least two weeks.")
    if path.is_dir():
        raise InvalidSimulation(f"{path} is a folder; give a file name such as {path / 'sample.jsonl'}.")


@dataclass(slots=True)
class Job:
    """Everything a week's worker needs; forked workers inherit it rather than receive a copy."""

    path: Path
    seed: int
    start_ms: int
    counts: list[int]
    planted: list[Planned]
    cast: Cast
    writer: TweetWriter

    def blocks(self) -> list[tuple[int, int]]:
        """The (first, last) hour of each week of the window."""
        hours = len(self.counts)
        return [(first, min(first + BLOCK_HOURS, hours)) for first in range(0, hours, BLOCK_HOURS)]


_JOB: Job | None = None


def write_blocks(job: Job, workers: int | None) -> tuple[int, list[int]]:
    """Write every week to its own part file (in parallel when worth it), then join them in order."""
    global _JOB
    blocks = job.blocks()
    if workers is None:
        workers = (os.cpu_count() or 1) if sum(job.counts) >= PARALLEL_FROM else 1
    workers = max(1, min(workers, len(blocks)))
    if "fork" not in multiprocessing.get_all_start_methods():
        workers = 1
    _JOB = job
    try:
        if workers == 1:
            results = [write_block(b) for b in range(len(blocks))]
        else:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                results = list(pool.map(write_block, range(len(blocks))))
    except BaseException:
        for part in job.path.parent.glob(f"{job.path.name}.part*"):
            part.unlink()
        raise
    finally:
        _JOB = None
    posted = [sum(counts) for counts in zip(*(r[1] for r in results), strict=True)]
    join_parts(job.path, [part_path(job.path, b) for b in range(len(blocks))])
    return sum(r[0] for r in results), posted


def write_block(block: int) -> tuple[int, list[int]]:
    """Write one week of posts to its part file; returns how many posts and each account's count."""
    job = _JOB
    if job is None:
        raise InvalidSimulation("a simulation worker started without its job; run simulate() again.")
    first, last = job.blocks()[block]
    begin = job.start_ms + first * HOUR
    end = job.start_ms + last * HOUR
    keep = {p for plan in job.planted for p in (plan.reply_to, plan.quote_of, plan.retweet_of) if p is not None}
    earlier = [p for p in job.planted if p.ms < begin and p.post_id in keep]
    mine = [p for p in job.planted if begin <= p.ms < end]
    job.writer.rng = random.Random(job.seed * 1_000_003 + 10 + block)
    timeline = Timeline(job.cast, job.writer, random.Random(job.seed * 1_000_003 + 1000 + block),
                        np.random.default_rng([job.seed, block]), job.seed)
    count = 0
    with part_path(job.path, block).open("wb") as fh:
        lines: list[bytes] = []

        def emit(line: bytes) -> None:
            nonlocal count
            lines.append(line)
            if len(lines) >= CHUNK_LINES:
                count += len(lines)
                fh.write(b"\n".join(lines) + b"\n")
                lines.clear()

        timeline.run(begin, job.counts[first:last], mine, earlier, keep, emit)
        count += len(lines)
        if lines:
            fh.write(b"\n".join(lines) + b"\n")
    return count, timeline.posted


def part_path(path: Path, block: int) -> Path:
    return path.with_name(f"{path.name}.part{block:04d}")


def join_parts(path: Path, parts: list[Path]) -> None:
    """Concatenate the part files into `path` in order and remove them."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as fh:
                copy_file(fh, out)
            part.unlink()
    partial.replace(path)


def copy_file(source: BinaryIO, target: BinaryIO) -> None:
    """Append `source` to `target`, inside the kernel where it can (no trip through Python's memory)."""
    size = os.fstat(source.fileno()).st_size
    target.flush()
    try:
        copied = 0
        while copied < size:
            step = os.copy_file_range(source.fileno(), target.fileno(), size - copied)
            if step == 0:
                break
            copied += step
        if copied == size:
            target.seek(0, os.SEEK_END)
            return
    except (AttributeError, OSError):
        copied = 0
    source.seek(copied)
    target.seek(0, os.SEEK_END)
    shutil.copyfileobj(source, target, 1 << 24)


__all__ = ["InvalidSimulation", "SimulationSummary", "simulate"]
