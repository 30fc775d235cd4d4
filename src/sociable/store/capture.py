"""Captures in the workspace: their rows (cursor, counters, pid), their batches, and the sink they write through.

A capture never holds the workspace for its whole run: `WorkspaceSink` opens it writable for
each batch, stores the batch, the cursor reached and the counters in one transaction, and
closes it, so `sociable captures` and every other command can use the workspace meanwhile.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import orjson
import pyarrow as pa

from sociable.errors import SociableError
from sociable.sources.base import Mapped
from sociable.sources.live.base import COUNT_NAMES, CaptureStart, Counts, LiveBatch, Written, account_digest
from sociable.store.batch import Batch
from sociable.store.erasure import remove_posts
from sociable.store.ingest import BatchWriter, FileSummary

if TYPE_CHECKING:
    from sociable.store import Workspace


class CaptureRunning(SociableError):
    """A capture of that name is already running in another process."""


def process_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start_capture(
    con: duckdb.DuckDBPyConnection, name: str, kind: str, collection: str | None, options: dict[str, Any],
    platform: str,
) -> CaptureStart:
    """Register (or resume) a capture in this process; return its cursor and the posts its collection holds."""
    row = con.execute("SELECT kind, pid FROM captures WHERE name = ?", [name]).fetchall()
    now = datetime.now(UTC)
    text = orjson.dumps(options, option=orjson.OPT_SORT_KEYS).decode()
    if row:
        stored_kind, pid = row[0]
        if stored_kind != kind:
            raise SociableError(f"the capture '{name}' is a {stored_kind} capture; choose another --name "
                                f"for this {kind} capture.")
        if pid and int(pid) != os.getpid() and process_alive(int(pid)):
            raise CaptureRunning(f"the capture '{name}' is already running (process {pid}); stop it first "
                                 "or choose another --name.")
        con.execute("UPDATE captures SET options = ?, collection = ?, pid = ?, started_at = ?, updated_at = ?, "
                    "stopped_at = NULL, last_error = NULL WHERE name = ?",
                    [text, collection, os.getpid(), now, now, name])
    else:
        con.execute("INSERT INTO captures (name, kind, collection, options, started_at, updated_at, pid) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", [name, kind, collection, text, now, now, os.getpid()])
    cursor = con.execute("SELECT cursor FROM captures WHERE name = ?", [name]).fetchall()[0][0]
    if collection:
        rows = con.execute("SELECT post_id FROM collections WHERE name = ? AND platform = ?",
                           [collection, platform]).fetchall()
    else:
        rows = con.execute("SELECT post_id FROM posts WHERE platform = ?", [platform]).fetchall()
    forgotten = con.execute("SELECT account_digest FROM erasures WHERE platform = ?", [platform]).fetchall()
    return CaptureStart(cursor, frozenset(r[0] for r in rows), frozenset(r[0] for r in forgotten))


def save_batch(con: duckdb.DuckDBPyConnection, name: str, collection: str | None, batch: LiveBatch) -> Written:
    """Store one batch: posts (new ones only), their raw events, profiles, deletes, handles, the cursor, counters.

    The caller holds a transaction, so the cursor moves only with what it covers.
    """
    summary = FileSummary(f"capture:{name}", batch.format)
    run_id = _run_id(con, name, batch.format, collection)
    forgotten = {r[0] for r in con.execute("SELECT account_digest FROM erasures WHERE platform = ?",
                                           [batch.platform]).fetchall()}
    writer = BatchWriter(con, run_id, collection)
    records = Batch(batch.format, f"capture:{name}")
    skipped = 0
    for record, posts, accounts in batch.records:
        if forgotten and any(account_digest(batch.platform, p.account_id) in forgotten for p in posts):
            skipped += 1
            continue
        records.add_mapped(record, Mapped(list(posts), list(accounts)))
    records.rejected.extend(batch.rejected)
    replaced = remove_posts(con, _keys(batch.platform, batch.replace)).posts if batch.replace else 0
    writer.write(records, summary, in_transaction=True)
    writer.settle_threads()
    summary.stored -= min(replaced, summary.stored)  # an edited post is stored again, not a new one
    writer.flush_accounts()
    deleted = remove_posts(con, _keys(batch.platform, batch.deletes)).posts if batch.deletes else 0
    for account_id, handle in batch.handles:
        con.execute("UPDATE accounts SET handle = ? WHERE platform = ? AND account_id = ?",
                    [handle, batch.platform, account_id])
    counts = Counts(**{n: getattr(batch.counts, n) for n in COUNT_NAMES})
    counts.stored, counts.duplicates, counts.deleted = summary.stored, summary.duplicates, deleted
    counts.skipped_consent += skipped
    counts.errors += summary.rejected - len(batch.rejected)
    _add_counts(con, name, counts, batch.cursor, batch.error)
    return Written(summary.stored, summary.duplicates, deleted)


def _run_id(con: duckdb.DuckDBPyConnection, name: str, format: str, collection: str | None) -> int:
    """The run a capture's rejected records belong to: one per capture, made by its first batch."""
    file = f"capture:{name}"
    rows = con.execute("SELECT max(run_id) FROM runs WHERE file = ?", [file]).fetchall()
    if rows[0][0] is not None:
        return int(rows[0][0])
    run_id = int(con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchall()[0][0])
    now = datetime.now(UTC)
    con.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, 0, 0, 0, 0, NULL)",
                [run_id, now, now, file, format, collection])
    return run_id


def _keys(platform: str, post_ids: list[str]) -> pa.Table:
    return pa.table({"platform": pa.array([platform] * len(post_ids), pa.string()),
                     "post_id": pa.array(post_ids, pa.string())})


def _add_counts(con: duckdb.DuckDBPyConnection, name: str, counts: Counts, cursor: str | None,
                error: str | None) -> None:
    sets = ", ".join(f"{n} = coalesce({n}, 0) + ?" for n in COUNT_NAMES)
    con.execute(
        f"UPDATE captures SET {sets}, cursor = coalesce(?, cursor), updated_at = ?, "
        "last_error = coalesce(?, last_error) WHERE name = ?",
        [*(getattr(counts, n) for n in COUNT_NAMES), cursor, datetime.now(UTC), error, name],
    )


def finish_capture(con: duckdb.DuckDBPyConnection, name: str, error: str | None) -> None:
    con.execute("UPDATE captures SET pid = NULL, stopped_at = ?, updated_at = ?, "
                "last_error = coalesce(?, last_error) WHERE name = ? AND pid = ?",
                [datetime.now(UTC), datetime.now(UTC), error, name, os.getpid()])


CAPTURE_COLUMNS = ("name", "kind", "collection", "running", "pid", "cursor", *COUNT_NAMES, "last_error",
                   "started_at", "updated_at", "stopped_at", "options")


def list_captures(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every capture with its counters; `running` is true while its process is alive."""
    columns = [c for c in CAPTURE_COLUMNS if c != "running"]
    rows = con.execute(f"SELECT {', '.join(columns)} FROM captures ORDER BY name").fetchall()
    found = []
    for row in rows:
        item = dict(zip(columns, row, strict=True))
        item["running"] = process_alive(item["pid"])
        if not item["running"]:
            item["pid"] = None
        item["options"] = orjson.loads(item["options"]) if item["options"] else {}
        found.append({name: item[name] for name in CAPTURE_COLUMNS})
    return found


class WorkspaceSink:
    """A capture's way into the workspace: opened writable for each batch, closed straight after."""

    def __init__(
        self, path: str | os.PathLike[str], name: str, collection: str | None, wait: float = 60.0,
        opener: Callable[..., AbstractContextManager[Workspace]] | None = None,
    ) -> None:
        self.path, self.name, self.collection, self.wait = Path(path), name, collection, wait
        self._opener = opener
        self.platform = ""

    def _open(self) -> AbstractContextManager[Workspace]:
        """The workspace for one batch (a notebook's open workspace is lent instead, through `opener`)."""
        if self._opener is not None:
            return self._opener(self.path, wait=self.wait)
        from sociable.store import Workspace

        return Workspace(self.path, wait=self.wait)

    def start(self, kind: str, platform: str, options: dict[str, Any]) -> CaptureStart:
        self.platform = platform
        with self._open() as ws:
            return ws.start_capture(self.name, kind, self.collection, options, platform)

    def write(self, batch: LiveBatch) -> Written:
        with self._open() as ws:
            return ws.save_capture_batch(self.name, self.collection, batch)

    def finish(self, error: str | None = None) -> None:
        with self._open() as ws:
            ws.finish_capture(self.name, error)


