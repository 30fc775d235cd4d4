"""The batch loop polling captures share (Mastodon, feeds): records wait in a pending batch that is
stored about once a second, with the cursor reached, through the sink."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from sociable.errors import SociableError, WorkspaceBusy
from sociable.model import Account, Post
from sociable.sources.base import RawRecord, Rejected
from sociable.sources.live.base import CaptureSink, Counts, LiveBatch

STOP_FLUSH = 10.0  # seconds the last batch may take when stopping (SIGTERM must stop within 15 s)


@contextlib.asynccontextmanager
async def capture_session(stop: asyncio.Event, duration: float | None, sink: CaptureSink) -> AsyncIterator[None]:
    """A capture's run: `stop` is set when `duration` has passed, and the sink hears how it ended."""
    timer = asyncio.get_running_loop().call_later(duration, stop.set) if duration else None
    failure: str | None = None
    try:
        yield
    except SociableError as exc:
        failure = str(exc)
        raise
    finally:
        if timer is not None:
            timer.cancel()
        await asyncio.to_thread(sink.finish, failure)


@dataclass(slots=True)
class Pending:
    """Records waiting for the next batch, each post id once (a later version replaces an earlier one)."""

    records: list[tuple[RawRecord, list[Post], list[Account]]] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)  # post id → its place in records
    deletes: list[str] = field(default_factory=list)
    replace: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)

    def size(self) -> int:
        return len(self.records) + len(self.deletes) + len(self.rejected)

    def add(self, key: str, record: tuple[RawRecord, list[Post], list[Account]], newer: bool = False) -> bool:
        """Add a record for `key`; one already waiting is replaced only when this one is `newer`."""
        waiting = self.index.get(key)
        if waiting is not None:
            if newer:
                self.records[waiting] = record
            return False
        self.index[key] = len(self.records)
        self.records.append(record)
        return True

    def take_back(self, later: Pending) -> None:
        """Put a batch that could not be stored in front of what arrived meanwhile."""
        for record in later.records:
            key = record[1][0].post_id if record[1] else str(record[0].number)
            self.add(key, record)
        self.deletes.extend(later.deletes)
        self.replace.extend(later.replace)
        self.rejected.extend(later.rejected)
        self.counts.add(later.counts)


class BatchingCapture:
    """A capture whose readers fill `pending`; `_flush_loop` stores it every `batch_seconds`."""

    format = ""
    platform = ""

    def __init__(self, sink: CaptureSink, name: str, batch_seconds: float, max_posts: int | None,
                 progress: Callable[[Counts, str | None], None] | None) -> None:
        self.sink, self.name, self.progress = sink, name, progress
        self.batch_seconds, self.max_posts = batch_seconds, max_posts
        self.totals = Counts()
        self.pending = Pending()
        self.known: set[str] = set()
        self.stop = asyncio.Event()
        self.error: str | None = None
        self._number = 0

    def cursor_text(self) -> str | None:
        raise NotImplementedError

    def next_number(self) -> int:
        self._number += 1
        return self._number

    def reject(self, raw: str, reason: str) -> None:
        self.pending.rejected.append(Rejected(self.format, f"capture:{self.name}", self.next_number(),
                                              raw[:65_536], reason))
        self.pending.counts.errors += 1
        self.error = reason

    def note_error(self, message: str) -> None:
        self.pending.counts.errors += 1
        self.error = message[:300]

    async def _flush_loop(self) -> None:
        last = time.monotonic()
        while not self.stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), self.batch_seconds)
            if self.stop.is_set():
                return
            if self.pending.size() or time.monotonic() - last > 5 * self.batch_seconds:
                try:
                    await self._flush()
                except WorkspaceBusy as exc:
                    self.note_error(str(exc))
                last = time.monotonic()

    async def _serve(self, tasks: list[asyncio.Task[None]]) -> None:
        """Store batches until stopped, then stop the workers and store what is still waiting."""
        try:
            await self._flush_loop()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._final_flush()

    async def _final_flush(self) -> None:
        try:
            await asyncio.wait_for(self._flush(), STOP_FLUSH)
        except (TimeoutError, SociableError) as exc:
            self.error = f"the last batch was not stored ({exc or 'it took too long'}); it is read again next time"

    async def _flush(self) -> None:
        pending, self.pending = self.pending, Pending()
        batch = LiveBatch(self.format, self.platform, records=pending.records, deletes=pending.deletes,
                          replace=pending.replace, rejected=pending.rejected, cursor=self.cursor_text(),
                          counts=pending.counts, error=self.error)
        try:
            written = await asyncio.to_thread(self.sink.write, batch)
        except BaseException:
            pending.take_back(self.pending)
            self.pending = pending
            raise
        self.error = None
        self.known.update(p.post_id for _, posts, _ in batch.records for p in posts)
        self.known.difference_update(batch.deletes)
        batch.counts.stored, batch.counts.duplicates, batch.counts.deleted = (
            written.stored, written.duplicates, written.deleted)
        self.totals.add(batch.counts)
        if self.progress:
            self.progress(self.totals, self.error)
        if self.max_posts and self.totals.stored >= self.max_posts:
            self.stop.set()
