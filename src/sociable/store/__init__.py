"""The workspace: one DuckDB file holding posts, accounts, raw records, rejects and runs."""

from __future__ import annotations

import gc
import os
import re
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from sociable.errors import (
    NoSuchCollection,
    SociableError,
    UnknownFormat,
    UnreadableFile,
    WorkspaceBusy,
    WorkspaceError,
)
from sociable.sources.base import Format
from sociable.sources.live.base import CaptureStart, LiveBatch, Written
from sociable.sources.registry import (
    all_formats,
    archive_part,
    check_reader_options,
    check_regular_file,
    companion_of,
    detect_format,
    get_format,
)
from sociable.store import capture, dataset, erasure, followup, screening
from sociable.store.fast.remap import remap_batches
from sociable.store.fast.writer import DATABASE_STORAGE_ERRORS, BackgroundWriter, WriteFailed
from sociable.store.ingest import RESOLVE_MENTIONS_SQL, BatchWriter, FileSummary, ImportSummary
from sociable.store.raw import read_blocks
from sociable.store.reading import read_batches
from sociable.store.schema import (
    LABEL_COLUMNS,
    LABEL_SCHEMA,
    SCHEMA_VERSION,
    ensure_schema,
    labels_sql,
    schema_version,
)
from sociable.store.scope import BadScope, Scope
from sociable.store.transactions import transaction
from sociable.store.views import registered

__all__ = [
    "FileSummary", "ImportProgress", "ImportSummary", "RemapSummary", "Scope", "Workspace", "open", "writer_waiting",
]


@dataclass(frozen=True, slots=True)
class ImportProgress:
    """Where an import is: the file being read and how many records it has read so far."""

    file: str
    file_index: int
    file_count: int
    records: int
    done: bool = False


@dataclass(frozen=True, slots=True)
class RemapSummary:
    records: int
    posts: int
    rejected: int


ProgressCallback = Callable[[ImportProgress], None]

# Waiting for a locked workspace: the first pause, doubling up to the longest.
FIRST_RETRY = 0.02
LONGEST_RETRY = 0.5
# A waiting writer's marker counts while it was touched this recently (it is touched at every retry).
FRESH_MARKER = 2.0
WORKSPACE_NAME = "sociable.duckdb"
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")

POST_SORTS = {"time": "created_at DESC", "oldest": "created_at", "likes": "like_count DESC NULLS LAST"}
ACCOUNT_SORTS = {
    "posts": "posts DESC",
    "mentioned": "mentioned DESC",
    "followers": "followers DESC NULLS LAST",
    "handle": "handle",
}


class Workspace:
    """A sociable workspace over one DuckDB file. Writes go through one lock, one at a time."""

    def __init__(self, path: str | os.PathLike[str], read_only: bool = False, wait: float = 0.0) -> None:
        """Open the workspace; while another process holds it, retry for up to `wait` seconds."""
        self.path = Path(path)
        self.read_only = read_only
        self._lock = threading.RLock()
        if read_only and not self.path.exists():
            raise WorkspaceError(f"there is no workspace at {self.path}; import some data first.")
        deadline = time.monotonic() + max(0.0, wait)
        self.con = self._connect(read_only, deadline)
        if not read_only:
            ensure_schema(self.con, str(self.path))
            self._mark_interrupted_runs()
            self._expire_on_open()
            return
        version = schema_version(self.con, str(self.path))
        if version is None:
            self.con.close()
            raise WorkspaceError(f"{self.path} is not a sociable workspace (it has no sociable tables).")
        if version < SCHEMA_VERSION:
            # An older workspace is upgraded once, even when it is only to be read.
            self.con.close()
            with closing(self._connect(False, deadline)) as writable:
                ensure_schema(writable, str(self.path))
            self.con = self._connect(True, deadline)

    def _connect(self, read_only: bool, deadline: float) -> duckdb.DuckDBPyConnection:
        """Connect, retrying with a growing pause while the file is locked, until the deadline.

        DuckDB lets many processes read a file at once and one writer exclude everyone. A writer
        that has to wait says so in a marker beside the file (`writer_waiting`), so that readers
        able to step aside (the web app) let it in.
        """
        pause, marker = FIRST_RETRY, None
        try:
            while True:
                _check_database_file(self.path)
                try:
                    return _on_disk(duckdb.connect(str(self.path), read_only=read_only), self.path)
                except (duckdb.IOException, duckdb.ConnectionException) as exc:
                    if "not a valid DuckDB database" in str(exc):
                        raise _not_a_database(self.path) from None
                    busy = _busy(self.path, exc, read_only)
                    if busy is None:
                        raise WorkspaceError(_open_failure(self.path, exc)) from None
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise busy from None
                    if not read_only:
                        marker = _announce_writer(self.path)
                    time.sleep(min(pause, left))
                    pause = min(pause * 2, LONGEST_RETRY)
                except duckdb.Error as exc:
                    message = f"{self.path} is not a sociable workspace (DuckDB could not open it: {exc})."
                    raise WorkspaceError(message) from None
        finally:
            if marker is not None:
                marker.unlink(missing_ok=True)

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"

    # ------------------------------------------------------------------ reading

    def query(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> pa.Table:
        """Run SQL against the workspace and return the result as an Arrow table."""
        with self._lock:
            return self.con.sql(sql, params=params or None).to_arrow_table()

    def query_with(self, tables: Mapping[str, pa.Table], sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        """Run SQL that also reads the given Arrow tables by name (an analysis's second stage).

        The tables are visible to this one query only, on the workspace's own connection, so an
        analysis never needs an engine of its own.
        """
        with self._lock:
            registered: list[str] = []
            try:
                for name, table in tables.items():
                    self.con.register(name, table)
                    registered.append(name)
                return self.con.sql(sql, params=params or None).to_arrow_table()
            finally:
                for name in registered:
                    self.con.unregister(name)

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction under the write lock: committed when the block ends, rolled back on any error."""
        self._require_writable()
        with self._lock, transaction(self.con) as con:
            yield con

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        with self._lock:
            rows = self.con.execute(sql, params).fetchall()
        return rows[0][0] if rows else None

    def scope(
        self,
        collection: str | Iterable[str] | None = None,
        since: datetime | date | str | None = None,
        until: datetime | date | str | None = None,
        kinds: str | Iterable[str] | None = None,
        platforms: str | Iterable[str] | None = None,
        lists: str | Iterable[str] | None = None,
    ) -> Scope:
        """A validated Scope: which posts (every analysis, export, screening and view takes one)."""
        return self.check_scope(Scope.of(collection, since, until, kinds, platforms, lists))

    def check_scope(self, scope: Scope | None) -> Scope:
        """Return the scope (everything when None) once its collections are known to exist here."""
        scope = scope or Scope()
        if scope.collections:
            known = self.collection_names()
            missing = [name for name in scope.collections if name not in known]
            if missing:
                hint = f"the collections are: {', '.join(known)}" if known else "there are no collections yet"
                noun = "collection" if len(missing) == 1 else "collections"
                named = ", ".join(f"'{name}'" for name in missing)
                raise NoSuchCollection(f"there is no {noun} called {named}; {hint}.")
        if scope.lists:
            known_lists = self.list_names()
            missing = [name for name in scope.lists if name not in known_lists]
            if missing:
                raise BadScope(f"there is no curated list called {', '.join(map(repr, missing))}; "
                               + (f"the lists are: {', '.join(known_lists)}." if known_lists else
                                  "import one with `sociable lists import FILE`."))
        if scope.platforms:
            known = sorted({fmt.platform for fmt in all_formats()} | set(self.platform_names()))
            unknown = [name for name in scope.platforms if name not in known]
            if unknown:
                raise BadScope(f"there is no platform called {', '.join(map(repr, unknown))}; the platforms are: "
                               f"{', '.join(known)}.")
        return scope

    def platform_names(self) -> list[str]:
        """The platforms this workspace holds posts from."""
        with self._lock:
            rows = self.con.execute("SELECT DISTINCT platform FROM posts ORDER BY 1").fetchall()
        return [str(row[0]) for row in rows]

    def collection_names(self) -> list[str]:
        with self._lock:
            rows = self.con.execute("SELECT DISTINCT name FROM collections ORDER BY 1").fetchall()
        return [str(row[0]) for row in rows]

    def posts(
        self, collection: str | None = None, limit: int | None = 20, sort: str = "time",
        since: datetime | None = None, until: datetime | None = None, search: str | None = None,
        scope: Scope | None = None,
    ) -> pa.Table:
        """Posts with their author's handle, newest first by default."""
        order = _choice(sort, POST_SORTS, "sort")
        scope = self.check_scope(scope) if scope is not None else self.scope(collection, since, until)
        where, params = scope.condition("p"), scope.params()
        if search:  # the words as written: % and _ are not wildcards
            where += " AND contains(lower(p.text), lower($search))"
            params["search"] = search
        sql = (
            "SELECT p.platform, p.post_id, p.created_at, a.handle, p.account_id, p.text, p.reply_to, "
            "p.repost_of, p.quote_of, p.hashtags, p.uri FROM posts p "
            "LEFT JOIN accounts a USING (platform, account_id) "
            f"WHERE {where} ORDER BY {order}, p.post_id"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self.query(sql, params)

    def accounts(
        self, sort: str = "posts", limit: int | None = 20, collection: str | None = None, scope: Scope | None = None,
    ) -> pa.Table:
        """Accounts with how many posts they wrote and how often others engaged with them."""
        order = _choice(sort, ACCOUNT_SORTS, "sort")
        scope = self.check_scope(scope) if scope is not None else self.scope(collection)
        where, params = scope.condition("p"), scope.params()
        sql = f"""
            WITH p AS (SELECT * FROM posts p WHERE {where}),
            counts AS (SELECT platform, account_id, count(*) AS posts FROM p GROUP BY ALL),
            engaged AS (SELECT i.platform, i.target AS account_id, count(*) AS mentioned
                          FROM interactions i JOIN p ON p.platform = i.platform AND p.post_id = i.post_id
                         GROUP BY ALL)
            SELECT a.platform, a.account_id, a.handle, a.display_name, coalesce(c.posts, 0) AS posts,
                   coalesce(e.mentioned, 0) AS mentioned, a.followers, a.first_seen, a.last_seen
              FROM accounts a
              LEFT JOIN counts c USING (platform, account_id)
              LEFT JOIN engaged e USING (platform, account_id)
             WHERE coalesce(c.posts, 0) + coalesce(e.mentioned, 0) > 0
             ORDER BY {order}, a.handle, a.account_id
        """
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self.query(sql, params)

    def post_chunks(
        self, scope: Scope | None = None, columns: Sequence[str] = ("*",), by: Sequence[str] = ("platform", "post_id"),
        size: int = 5_000,
    ) -> Iterator[pa.Table]:
        """The posts in scope, `size` at a time, ordered by the key columns `by`, from one ordered scan.

        The posts are read by a cursor of their own, in one query streamed in chunks (sorting the
        scope once, rather than once per chunk), so memory stays flat however many posts are in
        scope. The cursor reads the workspace as it was when the scan began: writes between chunks
        (screening results in the caller's transaction) neither show up in it nor move it.
        """
        if size < 1:
            raise SociableError(f"the chunk size must be at least 1 post, not {size}.")
        scope = self.check_scope(scope)
        names = dict.fromkeys([*columns, *by])
        selected = "p.*" if "*" in names else ", ".join(f"p.{name}" for name in names)
        order = ", ".join(f"p.{name}" for name in by)
        sql = f"SELECT {selected} FROM posts p WHERE {scope.condition('p')} ORDER BY {order}"
        with self._lock:
            cursor = self.con.cursor()
        try:
            with self._lock:
                reader = cursor.sql(sql, params=scope.params()).to_arrow_reader(int(size))
            while True:
                with self._lock:
                    try:
                        batch = reader.read_next_batch()
                    except StopIteration:
                        return
                if batch.num_rows:
                    yield pa.Table.from_batches([batch])
        finally:
            cursor.close()

    def copy_query(
        self, sql: str, params: Mapping[str, Any] | None, target: str | os.PathLike[str], format: str,
    ) -> list[str]:
        """Write a query's rows to a CSV (with a header) or Parquet file; return its column names.

        The file is written under a temporary name and renamed at the end, so a failed write
        leaves nothing half written.
        """
        target = Path(target)
        if format not in ("csv", "parquet"):
            raise SociableError(f"a query can be written as csv or parquet, not {format}.")
        partial = target.with_name(f".{target.name}.partial")
        options = "FORMAT parquet" if format == "parquet" else "FORMAT csv, HEADER"
        quoted = str(partial).replace("'", "''")
        with self._lock:
            cursor = self.con.execute(f"SELECT * FROM ({sql}) LIMIT 0", params or None)
            columns = [str(d[0]) for d in cursor.description or []]
            cursor.fetchall()
            try:
                self.con.execute(f"COPY ({sql}) TO '{quoted}' ({options})", params or None)
            except duckdb.Error as exc:
                partial.unlink(missing_ok=True)
                raise UnreadableFile(
                    f"{target} could not be written ({exc}); check the folder and free space."
                ) from None
        os.replace(partial, target)
        return columns

    def export_dataset(self, target: str | os.PathLike[str], force: bool = False) -> dataset.Manifest:
        """Write the workspace as a Parquet dataset (posts and interactions by platform and day) with a manifest."""
        with self._lock:
            return dataset.write_dataset(self.con, target, force)

    def has_screening(self) -> bool:
        """Whether any post of the workspace has been screened (`sociable screen`)."""
        with self._lock:
            return screening.has_results(self.con)

    def rejected(self, limit: int | None = 50, file: str | None = None) -> pa.Table:
        """Records that could not be read or mapped, with the reason, newest run first.

        `file` is a file as the import table shows it, or its name alone, or a folder imported
        (PHEME's records are rejected by their tweet files inside it).
        """
        sql = "SELECT rejected_id, run_id, file, number, format, reason, raw FROM rejected"
        params: dict[str, Any] = {}
        if file:
            given = os.path.normpath(file.strip()).rstrip("/") or "/"
            sql += (" WHERE file = $f OR ends_with(file, '/' || $f) OR starts_with(file, $f || '/') "
                    "OR contains(file, '/' || $f || '/')")
            params["f"] = given
        sql += " ORDER BY run_id DESC, file, number"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self.query(sql, params)

    def collections(self) -> pa.Table:
        return self.query(
            "SELECT c.name, count(*) AS posts, min(p.created_at) AS first_post, max(p.created_at) AS last_post "
            "FROM collections c JOIN posts p USING (platform, post_id) GROUP BY c.name ORDER BY c.name"
        )

    def runs(self) -> pa.Table:
        return self.query("SELECT * FROM runs ORDER BY run_id, file")

    def counts(self) -> dict[str, int]:
        """Row counts of the main tables."""
        names = ("posts", "accounts", "interactions", "collections", "rejected")
        counts = {name: int(self.scalar(f"SELECT count(*) FROM {name}") or 0) for name in names}
        counts["raw_records"] = int(self.scalar("SELECT coalesce(sum(len(record_ids)), 0) FROM raw_blocks") or 0)
        return counts

    # ------------------------------------------------------------------ importing

    def import_files(
        self,
        paths: Sequence[str | os.PathLike[str]],
        format: str = "auto",
        collection: str | None = None,
        options: Mapping[str, str] | None = None,
        progress: ProgressCallback | None = None,
        line_route: bool = True,
    ) -> ImportSummary:
        """Import files or folders; every file is read even if another fails, and all is counted.

        JSON Lines files of a format with a line mapper take the quick route (`line_route=False`
        forces the record-by-record one; the results are the same).
        """
        self._require_writable()
        if collection is not None and not collection.strip():
            raise SociableError("a collection name cannot be empty.")
        if format != "auto":
            get_format(format)
        check_reader_options(options or {}, format)
        targets = list(_expand(Path(p) for p in paths))
        with self._lock, _bulk_allocation():
            self._mark_interrupted_runs()
            run_id = int(self.scalar("SELECT coalesce(max(run_id), 0) + 1 FROM runs"))
            summary = ImportSummary(run_id)
            running = (_identity(self.path), run_id)
            _RUNNING.add(running)
            path: Path | None = None
            try:
                with _import_settings(self.con):
                    writer = BatchWriter(self.con, run_id, collection)
                    for index, path in enumerate(targets):
                        self._start_run(run_id, collection, path, format)
                        file_summary = self._import_one(
                            path, format, options or {}, writer, index, len(targets), progress, line_route
                        )
                        summary.files.append(file_summary)
                        self._finish_run(run_id, file_summary)
                writer.settle_threads()
                self.con.execute(RESOLVE_MENTIONS_SQL)
                _checkpoint(self.con)
            except WriteFailed as exc:
                raise WorkspaceError(_write_failure(self.path, path, exc.cause)) from None
            except DATABASE_STORAGE_ERRORS as exc:  # the runs rows or the mentions, written by this thread
                with suppress(duckdb.Error):
                    self.con.execute("ROLLBACK")
                raise WorkspaceError(_write_failure(self.path, path, exc)) from None
            finally:
                _RUNNING.discard(running)
        return summary

    def _import_one(
        self, path: Path, format_name: str, options: Mapping[str, str], writer: BatchWriter,
        index: int, count: int, progress: ProgressCallback | None, line_route: bool = True,
    ) -> FileSummary:
        summary = FileSummary(str(path), format_name)
        try:
            check_regular_file(path)
            if format_name == "auto" and companion_of(path) is not None and _not_a_format(path):
                summary.format = COMPANION  # read by its format's reader beside the file it describes
            elif format_name == "auto" and archive_part(path) is not None and _not_a_format(path):
                summary.format = ARCHIVE_PART  # likes, followers, messages: no posts, and not imported
            else:
                fmt = detect_format(path) if format_name == "auto" else get_format(format_name)
                summary.format = fmt.name
                self._read_into(fmt, path, options, writer, summary, index, count, progress, line_route)
        except (UnreadableFile, UnknownFormat) as exc:
            summary.error = str(exc)
        except OSError as exc:
            summary.error = f"{path} could not be read ({exc.strerror or exc})."
        if progress:
            progress(ImportProgress(str(path), index, count, summary.read, done=True))
        return summary

    def _read_into(
        self, fmt: Format, path: Path, options: Mapping[str, str], writer: BatchWriter, summary: FileSummary,
        index: int, count: int, progress: ProgressCallback | None, line_route: bool,
    ) -> None:
        background = BackgroundWriter(writer)
        try:
            for batch, read in read_batches(fmt, path, options, line_route):
                summary.read += read
                background.put(batch, summary)
                if progress:
                    progress(ImportProgress(str(path), index, count, summary.read))
        finally:
            background.close()

    def _start_run(self, run_id: int, collection: str | None, path: Path, format_name: str) -> None:
        """The file's `runs` row, written (and committed) before anything of the file is stored.

        It is finished by `_finish_run`; a row left unfinished (the process was killed, the disk
        filled up) is marked interrupted the next time the workspace is opened for writing.
        """
        self.con.execute(
            "INSERT INTO runs (run_id, started_at, file, format, collection) VALUES (?, ?, ?, ?, ?)",
            [run_id, datetime.now(UTC), str(path), format_name, collection],
        )

    def _finish_run(self, run_id: int, f: FileSummary) -> None:
        self.con.execute(
            "UPDATE runs SET finished_at = ?, format = ?, read = ?, stored = ?, duplicates = ?, rejected = ?, "
            "error = ? WHERE run_id = ? AND file = ? AND finished_at IS NULL",
            [datetime.now(UTC), f.format, f.read, f.stored, f.duplicates, f.rejected, f.error, run_id, f.file],
        )

    def _mark_interrupted_runs(self) -> None:
        """Say so in the `runs` rows of imports that never finished (none can be running: we hold the writer's lock)."""
        running = [run for path, run in _RUNNING if path == _identity(self.path)]
        self.con.execute(
            "UPDATE runs SET error = ? WHERE finished_at IS NULL AND error IS NULL "
            "AND NOT list_contains(?::BIGINT[], run_id)",
            [INTERRUPTED, running],
        )

    def remap(self, format: str | None = None) -> RemapSummary:
        """Re-apply the current mappers to the stored raw records, without the original files.

        Collection memberships outlive a mapper that stops giving a post: they are set aside
        and restored when a later remap gives the post again. The rejections of earlier remaps
        are replaced by this one's, so a record a fixed mapper now maps is no longer listed as
        rejected. A remap is recorded in `runs` with the file "(remap)".
        """
        self._require_writable()
        with self._lock, _bulk_allocation():
            where = "WHERE format = ?" if format else ""
            params = [format] if format else []
            records = f"(SELECT unnest(record_ids) FROM raw_blocks {where})"
            with self.transaction() as con:
                started = datetime.now(UTC)
                con.execute(
                    f"DELETE FROM rejected WHERE run_id IN (SELECT run_id FROM runs WHERE file = ?) "
                    f"{'AND format = ?' if format else ''}", [REMAP_FILE, *params],
                )
                if format:  # the other formats' posts keep their interactions; profiles are merged again
                    con.execute(
                        "DELETE FROM interactions i USING posts p WHERE p.platform = i.platform "
                        f"AND p.post_id = i.post_id AND p.record_id IN {records}", params,
                    )
                else:
                    con.execute("DELETE FROM accounts")
                    con.execute("DELETE FROM interactions")
                con.execute(f"DELETE FROM posts WHERE record_id IN {records}", params)
                run_id = int(self.scalar("SELECT coalesce(max(run_id), 0) + 1 FROM runs"))
                summary = self._remap_records(run_id, format)
                BatchWriter(con, run_id, None).settle_threads(everything=True)
                con.execute(RESOLVE_MENTIONS_SQL)
                con.execute(_KEEP_LOST_MEMBERS_SQL)
                con.execute(
                    "INSERT INTO runs (run_id, started_at, finished_at, file, format, read, stored, duplicates, "
                    "rejected) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [run_id, started, datetime.now(UTC), REMAP_FILE, format or "all", summary.read, summary.stored,
                     summary.duplicates, summary.rejected],
                )
        return RemapSummary(summary.read, summary.stored, summary.rejected)

    def _remap_records(self, run_id: int, format: str | None) -> FileSummary:
        writer = BatchWriter(self.con, run_id, None)
        summary = FileSummary(REMAP_FILE, format or "all")
        for batch, ids, read in remap_batches(self.con, format, get_format):  # the line route where it can
            summary.read += read
            writer.write(batch, summary, ids, in_transaction=True)
        writer.flush_accounts()
        return summary

    def raw_records(self, format: str) -> list[tuple[int, Any]]:
        """The stored raw records of one format as (record id, value), in the order they were stored."""
        with self._lock:
            return [(record_id, raw) for _fmt, _file, block in read_blocks(self.con, format)
                    for record_id, _number, raw in block]

    # ------------------------------------------------------------------ the triage queue and curated lists

    def sync_queue(self, org: str, waiting: pa.Table, answered: pa.Table) -> followup.QueueSync:
        """Queue an organisation's unanswered posts not queued yet; close those it has since answered."""
        self._require_writable()
        with self.transaction() as con:
            return followup.sync_queue(con, org, waiting, answered)

    def mark_queue(self, post: str, state: str, by: str, note: str | None = None,
                   org: str | None = None) -> list[dict[str, Any]]:
        """Set a queued post's state, who took it and a note (the change is kept in the audit)."""
        self._require_writable()
        with self.transaction() as con:
            return followup.mark_item(con, post, state, by, note, org)

    def queue(self, org: str | None = None, include_closed: bool = False) -> pa.Table:
        """The triage queue (open items first, oldest first), with each post's text and author."""
        with self._lock:
            return followup.queue_rows(self.con, org, include_closed)

    def queue_audit(self, org: str | None = None, limit: int = 200) -> pa.Table:
        """Who did what to the queue, newest first."""
        with self._lock:
            return followup.queue_events(self.con, org, limit)

    def save_list(self, name: str, platform: str, source: str | None, title: str | None,
                  members: Sequence[tuple[str | None, str | None]], label: str | None = None) -> int:
        """Store a curated list (replacing one of that name) and its members as (account_id, handle)."""
        self._require_writable()
        with self.transaction() as con:
            return followup.save_list(con, name, platform, source, title, members, label)

    def list_names(self) -> list[str]:
        """The curated lists this workspace holds."""
        with self._lock:
            return [row[0] for row in self.con.execute("SELECT name FROM lists ORDER BY name").fetchall()]

    # ------------------------------------------------------------------ screening results

    def forget_screening(self, scope: Scope | None = None) -> None:
        """Delete the stored screening results of the posts in scope (before they are screened again)."""
        self._require_writable()
        scope = self.check_scope(scope)
        with self._lock:
            screening.forget(self.con, scope)

    def save_screening(self, screened: pa.Table, findings: pa.Table) -> None:
        """Store screened posts and their findings (tables shaped like store.screening's schemas).

        Call it inside `transaction()`, after `forget_screening`, so each post keeps one answer.
        """
        self._require_writable()
        with self._lock:
            screening.save(self.con, screened, findings)

    # ------------------------------------------------------------------ labels

    def save_labels(self, table: pa.Table) -> None:
        """Store derived role/sector labels (LABEL_COLUMNS), replacing those of the same accounts.

        Manual labels are kept apart (`save_manual_labels`) and win in the `labels` view.
        """
        rows = _label_rows(table, "derived labels")
        with self.transaction() as con, registered(con, "_labels", rows):
            con.execute("DELETE FROM derived_labels d WHERE EXISTS (SELECT 1 FROM _labels n "
                        "WHERE n.platform = d.platform AND n.account_id = d.account_id)")
            con.execute(f"INSERT INTO derived_labels SELECT DISTINCT ON (platform, account_id) "
                        f"{', '.join(LABEL_COLUMNS)} FROM _labels")

    def save_manual_labels(self, table: pa.Table) -> None:
        """Add or replace manual labels (they always win over derived ones, in the `labels` view)."""
        rows = _label_rows(table, "manual labels")
        with self.transaction() as con, registered(con, "_manual", rows):
            con.execute("INSERT OR REPLACE INTO manual_labels SELECT * FROM _manual")

    def labels_with_manual(self, derived: pa.Table, manual: pa.Table | None = None) -> pa.Table:
        """Derived labels not stored yet, with the manual labels applied as the `labels` view applies them.

        `manual` (LABEL_COLUMNS, e.g. read from a file) wins over the stored manual labels. The
        rows come back in the order given, with any extra columns of `derived` kept.
        """
        given = _label_rows(derived, "labels").append_column("_row", pa.array(range(derived.num_rows), pa.int64()))
        fresh = _label_rows(manual if manual is not None else LABEL_SCHEMA.empty_table(), "manual labels")
        columns = ", ".join(LABEL_COLUMNS)
        chosen = (f"(SELECT {columns} FROM _fresh UNION ALL SELECT {columns} FROM manual_labels s "
                  "WHERE NOT EXISTS (SELECT 1 FROM _fresh f WHERE f.platform = s.platform "
                  "AND f.account_id = s.account_id))")
        sql = labels_sql("_given", chosen, "LEFT", keep=("_row",))
        applied = self.query_with({"_given": given, "_fresh": fresh}, f"{sql} ORDER BY d._row")
        result = derived
        for name in LABEL_COLUMNS[2:]:
            result = result.set_column(result.column_names.index(name), name, applied[name])
        return result

    # ------------------------------------------------------------------ captures, retention, erasure

    def start_capture(
        self, name: str, kind: str, collection: str | None, options: Mapping[str, Any], platform: str,
    ) -> CaptureStart:
        """Register or resume the named capture in this process: its saved cursor and the posts it holds."""
        if not name.strip():
            raise SociableError("a capture name cannot be empty.")
        if collection is not None and not collection.strip():
            raise SociableError("a collection name cannot be empty.")
        with self.transaction() as con:
            return capture.start_capture(con, name, kind, collection, dict(options), platform)

    def save_capture_batch(self, name: str, collection: str | None, batch: LiveBatch) -> Written:
        """Store one batch of a capture with its cursor and counters, in one transaction."""
        with self.transaction() as con:
            return capture.save_batch(con, name, collection, batch)

    def finish_capture(self, name: str, error: str | None = None) -> None:
        """Mark the capture stopped (its cursor stays, for the next start of the same name)."""
        with self.transaction() as con:
            capture.finish_capture(con, name, error)

    def captures(self) -> list[dict[str, Any]]:
        """Every capture: running?, cursor, and its received/matched/stored/... counters."""
        with self._lock:
            return capture.list_captures(self.con)

    def set_retention(self, collection: str, keep_days: int | None) -> erasure.Removed:
        """Keep the collection's posts for `keep_days` days (None: forever); expire what is older now."""
        if not collection.strip():
            raise SociableError("a collection name cannot be empty.")
        if keep_days is not None and keep_days < 1:
            raise SociableError(f"retention should keep posts at least 1 day, not {keep_days}.")
        with self.transaction() as con:
            con.execute("DELETE FROM retention WHERE collection = ?", [collection])
            if keep_days is not None:
                con.execute("INSERT INTO retention VALUES (?, ?, ?)", [collection, keep_days, datetime.now(UTC)])
            return erasure.expire_posts(con)

    def retention(self) -> list[dict[str, Any]]:
        """The retention rules: collection, days kept, when set."""
        with self._lock:
            rows = self.con.execute("SELECT collection, keep_days, set_at FROM retention ORDER BY 1").fetchall()
        return [{"collection": r[0], "keep_days": r[1], "set_at": r[2]} for r in rows]

    def apply_retention(self) -> erasure.Removed:
        """Remove the posts older than their collection's retention (done on every writable open too)."""
        with self.transaction() as con:
            return erasure.expire_posts(con)

    def _expire_on_open(self) -> None:
        if self.scalar("SELECT count(*) FROM retention"):
            self.apply_retention()

    def forget(self, who: str, platform: str | None = None, reason: str | None = None) -> erasure.Removed:
        """Erase an account (@handle, handle or id) and everything of it; the audit row keeps counts only."""
        if not who.strip():
            raise SociableError("forget needs an account: an @handle or an account id.")
        with self.transaction() as con:
            found = erasure.find_accounts(con, who, platform)
            if not found:
                where = f" on {platform}" if platform else ""
                raise SociableError(f"no account{where} has the handle or id '{who}'; "
                                    "`sociable accounts` lists them.")
            total = erasure.Removed()
            for account_platform, account_id, handle in found:
                removed = erasure.forget_account(con, account_platform, account_id, handle, reason)
                for name, value in removed.as_dict().items():
                    setattr(total, name, getattr(total, name) + value)
                total.matched.extend(removed.matched)
            return total

    def erasures(self) -> list[dict[str, Any]]:
        """The erasure audit: when, which platform, the account's digest and the counts removed."""
        with self._lock:
            cursor = self.con.execute("SELECT * FROM erasures ORDER BY erased_at")
            names = [d[0] for d in cursor.description or []]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _require_writable(self) -> None:
        if self.read_only:
            raise WorkspaceError(f"{self.path} was opened read-only; open it without read_only to change it.")


def open(
    path: str | os.PathLike[str] | object = "sociable.duckdb", read_only: bool = False, wait: float = 0.0,
) -> Workspace:
    """Open (or create) the workspace at path, waiting up to `wait` seconds while another process holds it."""
    return Workspace(checked_path(path), read_only=read_only, wait=wait)


def checked_path(path: object) -> str | os.PathLike[str]:
    """The path, once it is known to be a file name (a notebook may pass anything)."""
    if not isinstance(path, str | os.PathLike):
        raise WorkspaceError(f"a workspace path should be a file name, got {type(path).__name__}.")
    return path


def writer_waiting(path: str | os.PathLike[str]) -> bool:
    """Whether a process is waiting right now to open this workspace for writing (readers may step aside)."""
    try:
        touched = _waiting_marker(Path(path)).stat().st_mtime
    except OSError:
        return False
    return time.time() - touched < FRESH_MARKER


# Collections hold stored posts only (the writer relies on it). A remap sets aside the memberships
# of posts the mappers no longer give, and gives back those of posts they give again.
_KEEP_LOST_MEMBERS_SQL = """
INSERT INTO collections SELECT s.name, s.platform, s.post_id FROM set_aside_members s
 WHERE EXISTS (SELECT 1 FROM posts p WHERE p.platform = s.platform AND p.post_id = s.post_id)
   AND NOT EXISTS (SELECT 1 FROM collections c WHERE c.name = s.name AND c.platform = s.platform
                   AND c.post_id = s.post_id);
DELETE FROM set_aside_members s
 WHERE EXISTS (SELECT 1 FROM posts p WHERE p.platform = s.platform AND p.post_id = s.post_id);
INSERT INTO set_aside_members SELECT c.name, c.platform, c.post_id FROM collections c
 WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.platform = c.platform AND p.post_id = c.post_id);
DELETE FROM collections c
 WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.platform = c.platform AND p.post_id = c.post_id);
"""
REMAP_FILE = "(remap)"  # the `file` of a remap's row in `runs`


@contextmanager
def _bulk_allocation() -> Iterator[None]:
    """Pause the cyclic garbage collector while batches of records are built.

    A batch holds tens of thousands of fresh dicts and records, none of them cyclic; with the
    collector on, every generation-2 pass walks all of them and import runs several times slower.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def _import_settings(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB settings while files are written: one thread, and no checkpoint until the end (below).

    The other core is busy reading and mapping; a second DuckDB thread only competed for it
    (storing 1,000,000 posts took 9.0 CPU seconds with two threads, 6.5 with one, and less
    time). The memory limit stays DuckDB's own: capped at 1 GB, a checkpoint ran out of
    memory 5,500,000 posts into a 10,000,000-post file.
    """
    threads = int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])
    threshold = str(con.execute("SELECT current_setting('checkpoint_threshold')").fetchall()[0][0])
    con.execute("SET threads = 1")
    con.execute(f"SET checkpoint_threshold = '{_IMPORT_CHECKPOINT_THRESHOLD}'")
    try:
        yield
    finally:
        with suppress(duckdb.Error):  # a DuckDB that failed fatally refuses this too; its first error is raised
            con.execute(f"SET threads = {threads}")
            con.execute(f"SET checkpoint_threshold = '{threshold}'")


# While files are written the workspace is checkpointed once, at the end, not whenever the log
# passes DuckDB's 16 MiB: large appends are already in the database file (the log only points
# at them), and each checkpoint's cost grew with the workspace (importing 10,000,000 posts
# checkpointed ten times, from 2 to 8 s each; 274 s in all against 250 s checkpointing once).
_IMPORT_CHECKPOINT_THRESHOLD = "1TB"


def _checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    """Fold the log into the database file; left to DuckDB's next checkpoint when another transaction is open."""
    with suppress(duckdb.TransactionException):
        con.execute("CHECKPOINT")


def _check_database_file(path: Path) -> None:
    """Refuse a folder, a named pipe or a device before DuckDB is asked to open it.

    The file itself is never opened here: closing any descriptor of a file drops every POSIX
    lock this process holds on it, DuckDB's included, and another process could then write
    under a workspace this process is reading. DuckDB says whether a file is a database.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise WorkspaceError(f"{path} could not be opened ({exc.strerror or exc}).") from None
    if stat.S_ISDIR(info.st_mode):
        raise WorkspaceError(f"{path} is a folder, not a workspace; name a workspace file, e.g. "
                             f"--workspace {path / WORKSPACE_NAME}.")
    if not stat.S_ISREG(info.st_mode):
        raise WorkspaceError(f"{path} is not a regular file, so it cannot be a workspace; choose another name.")


def _not_a_database(path: Path) -> WorkspaceError:
    try:
        empty = path.stat().st_size == 0
    except OSError:
        empty = False
    what = "an empty file" if empty else "a file that is not a DuckDB database"
    other = path.with_suffix(".duckdb") if path.suffix != ".duckdb" else path.with_name(WORKSPACE_NAME)
    return WorkspaceError(
        f"{path} is {what}, so it is not a sociable workspace (it was left untouched); "
        f"name a new or existing workspace instead, e.g. --workspace {other}."
    )


def _on_disk(con: duckdb.DuckDBPyConnection, path: Path) -> duckdb.DuckDBPyConnection:
    """The connection, once it is known to be the file itself.

    DuckDB opens an existing file whose name ends .json, .jsonl, .ndjson or .csv (and is not
    a database) as an empty database in memory: an import into it would say "stored" and
    keep nothing.
    """
    rows = con.execute("SELECT file FROM pragma_database_list WHERE name = current_database()").fetchall()
    if not rows or not rows[0][0]:
        con.close()
        raise _not_a_database(path)
    con.execute("SET enable_progress_bar = false")  # DuckDB's own bar would land in a command's --json output
    limit = os.environ.get("SOCIABLE_MEMORY_LIMIT", "").strip() or default_memory_limit()
    if not _MEMORY.fullmatch(limit):
        con.close()
        raise WorkspaceError(f"SOCIABLE_MEMORY_LIMIT is {limit!r}; give a size such as 4GB or 512MB.")
    con.execute(f"SET memory_limit = '{limit}'")  # beyond it DuckDB works on disk beside the workspace
    # DuckDB's allocator otherwise kept what a finished query freed: a report of 10,000,000 posts
    # held 4 GB between sections, and its next section peaked on top of that (bench/README.md).
    con.execute("SET allocator_background_threads = true")
    return con


def default_memory_limit() -> str:
    """DuckDB's working memory unless SOCIABLE_MEMORY_LIMIT says otherwise: DEFAULT_MEMORY_GB, or 80 % of RAM if less.

    DuckDB alone would take 80 % of the machine and keep what it read cached; a 10M-post
    workspace then peaked at 12 GB where 5 GB of working memory does the same work at about
    the same speed (bench/README.md).
    """
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (OSError, ValueError):
        ram = float("inf")
    return f"{min(DEFAULT_MEMORY_GB, 0.8 * ram):.1f}GiB"


DEFAULT_MEMORY_GB = 5.0


# A size DuckDB's memory_limit takes: a number and a unit.
_MEMORY = re.compile(r"\d+(?:\.\d+)?\s*(?:[KMGT]i?B)", re.IGNORECASE)


# The error of a `runs` row whose import never finished.
INTERRUPTED = (
    "interrupted: this import stopped before it finished (the process was ended, or the disk was full); "
    "what it had committed is kept, and importing the same files again finishes it exactly"
)
# Imports running now in this process, by workspace file and run id (another process cannot be
# importing while we hold the workspace for writing; another workspace object of this process can).
_RUNNING: set[tuple[str, int]] = set()


def _identity(path: Path) -> str:
    return str(path.resolve())


def _write_failure(workspace: Path, file: Path | None, cause: BaseException) -> str:
    said = (str(cause).splitlines() or [type(cause).__name__])[0].removeprefix("IO Error: ")
    where = f" while importing {file}" if file is not None else ""
    return (
        f"{workspace} could not be written{where} ({said}); the import stopped and went back to its last "
        "commit, so nothing half-written is kept: free some space (or fix the disk) and run the same import "
        "again to finish it."
    )


def _open_failure(path: Path, exc: Exception) -> str:
    return f"{path} could not be opened ({str(exc).splitlines()[0]})."


def _busy(path: Path, exc: duckdb.Error, read_only: bool) -> WorkspaceBusy | None:
    """The error to give if the workspace stays locked, or None when the failure is not a lock."""
    text = str(exc)
    if isinstance(exc, duckdb.ConnectionException):
        if "different configuration" not in text:
            return None
        # DuckDB shares one open file per process; it cannot be read-only and writable at once.
        doing = "writing to it" if read_only else "reading it"
        return WorkspaceBusy(f"{path} is busy: another workspace object in this process is {doing}; "
                             "close it first.", "this process", read_only)
    if "lock" not in text.lower():
        return None
    found = _LOCK_HOLDER.search(text)
    holder = _describe_process(int(found["pid"]), found["program"]) if found else None
    writing = "read-only mode" not in text  # DuckDB adds that hint only when the holder is reading
    doing = "writing to it" if writing else "reading it"
    return WorkspaceBusy(f"{path} is busy: {holder or 'another process'} is {doing}; try again in a moment.",
                         holder, writing)


def _describe_process(pid: int, program: str) -> str:
    """'process 4242 (sociable import posts.jsonl)' when its command line can be read, else the program."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        args = []
    for index, arg in enumerate(args):
        if Path(arg).name == "sociable" or "sociable.cli" in arg:
            command = " ".join(["sociable", *_without_global_options(args[index + 1:])])
            return f"process {pid} ({command if len(command) <= 60 else command[:59] + '…'})"
    return f"process {pid} ({Path(program).name})"


def _without_global_options(args: list[str]) -> Iterator[str]:
    """A command line without --workspace/--wait and their values (the user knows which workspace)."""
    skip = False
    for arg in args:
        if skip or not arg:
            skip = False
            continue
        if arg in ("--workspace", "-w", "--wait"):
            skip = True
        elif not arg.startswith(("--workspace=", "--wait=")):
            yield arg


def _waiting_marker(path: Path) -> Path:
    return path.with_name(path.name + ".wait")


def _announce_writer(path: Path) -> Path | None:
    """Touch the marker that says a writer is waiting (refreshed on every retry, so a stale one fades)."""
    marker = _waiting_marker(path)
    try:
        marker.touch()
    except OSError:
        return None
    return marker


def _label_rows(table: pa.Table, what: str) -> pa.Table:
    """The label columns of a table, in order and with their stored types."""
    missing = [c for c in LABEL_COLUMNS if c not in table.column_names]
    if missing:
        raise SociableError(f"{what} need the columns {', '.join(missing)}.")
    return table.select(list(LABEL_COLUMNS)).cast(LABEL_SCHEMA)


def _choice(value: str, choices: Mapping[str, str], what: str) -> str:
    if value not in choices:
        raise SociableError(f"{what} should be one of {', '.join(choices)}, not '{value}'.")
    return choices[value]


# The format shown for a file that a reader reads beside its own (account.js, profile.js, actor.json).
COMPANION = "companion"
ARCHIVE_PART = "archive part"  # an account archive's file that holds no posts (like.js, follower.js, ...)


def _not_a_format(path: Path) -> bool:
    """Whether no format reads this file on its own."""
    try:
        detect_format(path)
    except (UnknownFormat, UnreadableFile):
        return True
    return False


def _expand(paths: Iterable[Path], walked: set[Path] | None = None) -> Iterator[Path]:
    """Files to import: folders are walked (hidden files skipped) unless the folder is itself a format
    (a PHEME thread folder, or a folder of thread folders and nothing else).

    Each folder is walked once, by its real path, so a link back to a folder already walked
    (a symlink loop) ends the walk there.
    """
    walked = set() if walked is None else walked
    for path in paths:
        if path.is_dir():
            real = path.resolve()
            if real in walked:
                continue
            walked.add(real)
            try:
                detect_format(path)
            except (UnknownFormat, UnreadableFile):
                children = sorted(p for p in path.iterdir() if not p.name.startswith("."))
                yield from _expand(children, walked)
                continue
        yield path
