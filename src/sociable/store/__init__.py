"""The workspace: one DuckDB file holding posts, accounts, raw records, rejects and runs."""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from sociable.errors import NoSuchCollection, SociableError, UnknownFormat, UnreadableFile, WorkspaceError
from sociable.sources.base import Format, RawRecord
from sociable.sources.registry import detect_format, get_format
from sociable.store.fast.writer import BackgroundWriter
from sociable.store.ingest import RESOLVE_MENTIONS_SQL, Batch, BatchWriter, FileSummary, ImportSummary
from sociable.store.raw import read_blocks
from sociable.store.reading import read_batches
from sociable.store.schema import LABEL_COLUMNS, SCHEMA_VERSION, ensure_schema, schema_version
from sociable.store.scope import Scope

__all__ = ["FileSummary", "ImportProgress", "ImportSummary", "RemapSummary", "Scope", "Workspace", "open"]


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

POST_SORTS = {"time": "created_at DESC", "oldest": "created_at", "likes": "like_count DESC NULLS LAST"}
ACCOUNT_SORTS = {
    "posts": "posts DESC",
    "mentioned": "mentioned DESC",
    "followers": "followers DESC NULLS LAST",
    "handle": "handle",
}


class Workspace:
    """A sociable workspace over one DuckDB file. Writes go through one lock, one at a time."""

    def __init__(self, path: str | os.PathLike[str], read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._lock = threading.RLock()
        if read_only and not self.path.exists():
            raise WorkspaceError(f"there is no workspace at {self.path}; import some data first.")
        self.con = self._connect(read_only)
        if not read_only:
            ensure_schema(self.con, str(self.path))
            return
        version = schema_version(self.con, str(self.path))
        if version is None:
            self.con.close()
            raise WorkspaceError(f"{self.path} is not a sociable workspace (it has no sociable tables).")
        if version < SCHEMA_VERSION:
            # An older workspace is upgraded once, even when it is only to be read.
            self.con.close()
            with closing(self._connect(False)) as writable:
                ensure_schema(writable, str(self.path))
            self.con = self._connect(True)

    def _connect(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        try:
            return duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            raise WorkspaceError(_open_failure(self.path, exc)) from None
        except duckdb.Error as exc:
            message = f"{self.path} is not a sociable workspace (DuckDB could not open it: {exc})."
            raise WorkspaceError(message) from None

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
        with self._lock:
            self.con.execute("BEGIN TRANSACTION")
            try:
                yield self.con
            except BaseException:
                with suppress(duckdb.Error):
                    self.con.execute("ROLLBACK")
                raise
            self.con.execute("COMMIT")

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
    ) -> Scope:
        """A validated Scope: which posts (every analysis, export, screening and view takes one)."""
        return self.check_scope(Scope.of(collection, since, until, kinds, platforms))

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
        return scope

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
        if search:
            where += " AND p.text ILIKE $search"
            params["search"] = f"%{search}%"
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

    def rejected(self, limit: int | None = 50, file: str | None = None) -> pa.Table:
        """Records that could not be read or mapped, with the reason, newest run first."""
        sql = "SELECT rejected_id, run_id, file, number, format, reason, raw FROM rejected"
        params: list[Any] = []
        if file:
            sql += " WHERE file = ?"
            params.append(file)
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
        targets = list(_expand(Path(p) for p in paths))
        with self._lock, _bulk_allocation():
            run_id = int(self.scalar("SELECT coalesce(max(run_id), 0) + 1 FROM runs"))
            summary = ImportSummary(run_id)
            with _import_settings(self.con):
                writer = BatchWriter(self.con, run_id, collection)
                for index, path in enumerate(targets):
                    started = datetime.now(UTC)
                    file_summary = self._import_one(
                        path, format, options or {}, writer, index, len(targets), progress, line_route
                    )
                    summary.files.append(file_summary)
                    self._record_run(run_id, started, collection, file_summary)
            self.con.execute(RESOLVE_MENTIONS_SQL)
        return summary

    def _import_one(
        self, path: Path, format_name: str, options: Mapping[str, str], writer: BatchWriter,
        index: int, count: int, progress: ProgressCallback | None, line_route: bool = True,
    ) -> FileSummary:
        summary = FileSummary(str(path), format_name)
        try:
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

    def _record_run(self, run_id: int, started: datetime, collection: str | None, f: FileSummary) -> None:
        self.con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, started, datetime.now(UTC), f.file, f.format, collection, f.read, f.stored, f.duplicates,
             f.rejected, f.error],
        )

    def remap(self, format: str | None = None) -> RemapSummary:
        """Re-apply the current mappers to the stored raw records, without the original files."""
        self._require_writable()
        with self._lock, _bulk_allocation():
            where = "WHERE format = ?" if format else ""
            params = [format] if format else []
            with self.transaction() as con:
                con.execute(
                    "DELETE FROM posts WHERE record_id IN "
                    f"(SELECT unnest(record_ids) FROM raw_blocks {where})", params
                )
                con.execute("DELETE FROM accounts")
                con.execute("DELETE FROM interactions")
                result = self._remap_records(format)
                con.execute(RESOLVE_MENTIONS_SQL)
                con.execute(_DROP_LOST_MEMBERS_SQL)
        return result

    def _remap_records(self, format: str | None) -> RemapSummary:
        run_id = int(self.scalar("SELECT coalesce(max(run_id), 0) + 1 FROM runs"))
        writer = BatchWriter(self.con, run_id, None)
        summary = FileSummary("(remap)", format or "all")
        records = 0
        for format_name, file, block in read_blocks(self.con, format):
            fmt = get_format(format_name)
            batch, ids = Batch(format_name, file or ""), []
            for record_id, number, raw in block:
                records += 1
                before = len(batch.numbers)
                batch.add(RawRecord(format_name, file or "", number, raw), fmt)
                if len(batch.numbers) > before:
                    ids.append(record_id)
            writer.write(batch, summary, ids, in_transaction=True)
        writer.flush_accounts()
        return RemapSummary(records, summary.stored, summary.rejected)

    # ------------------------------------------------------------------ labels

    def replace_labels(self, table: pa.Table) -> None:
        """Replace the derived role/sector labels with a table of LABEL_COLUMNS."""
        self._replace("labels", table)

    def save_manual_labels(self, table: pa.Table) -> None:
        """Add or replace manual labels (they always win over derived ones)."""
        self._require_writable()
        missing = [c for c in LABEL_COLUMNS if c not in table.column_names]
        if missing:
            raise SociableError(f"manual labels need the columns {', '.join(missing)}.")
        with self._lock:
            self.con.register("_manual", table.select(list(LABEL_COLUMNS)))
            try:
                self.con.execute("INSERT OR REPLACE INTO manual_labels SELECT * FROM _manual")
            finally:
                self.con.unregister("_manual")

    def _replace(self, name: str, table: pa.Table) -> None:
        self._require_writable()
        missing = [c for c in LABEL_COLUMNS if c not in table.column_names]
        if missing:
            raise SociableError(f"{name} need the columns {', '.join(missing)}.")
        with self._lock:
            self.con.register("_replacement", table.select(list(LABEL_COLUMNS)))
            try:
                with self.transaction() as con:
                    con.execute(f"DELETE FROM {name}")
                    con.execute(f"INSERT INTO {name} SELECT * FROM _replacement")
            finally:
                self.con.unregister("_replacement")

    def _require_writable(self) -> None:
        if self.read_only:
            raise WorkspaceError(f"{self.path} was opened read-only; open it without read_only to change it.")


def open(path: str | os.PathLike[str] | object = "sociable.duckdb", read_only: bool = False) -> Workspace:
    """Open (or create) the workspace at path."""
    if not isinstance(path, str | os.PathLike):
        raise WorkspaceError(f"a workspace path should be a file name, got {type(path).__name__}.")
    return Workspace(path, read_only=read_only)


# Collections hold stored posts only (the writer relies on it): a post a fixed mapper no longer
# gives leaves its collections too.
_DROP_LOST_MEMBERS_SQL = """
DELETE FROM collections c WHERE NOT EXISTS (
    SELECT 1 FROM posts p WHERE p.platform = c.platform AND p.post_id = c.post_id)
"""


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
    """DuckDB settings while files are written: one thread.

    The other core is busy reading and mapping; a second DuckDB thread only competed for it
    (storing 1,000,000 posts took 9.0 CPU seconds with two threads, 6.5 with one, and less
    time). The memory limit stays DuckDB's own: capped at 1 GB, a checkpoint ran out of
    memory 5,500,000 posts into a 10,000,000-post file.
    """
    threads = int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        with suppress(duckdb.Error):  # a DuckDB that failed fatally refuses this too; its first error is raised
            con.execute(f"SET threads = {threads}")


def _open_failure(path: Path, exc: Exception) -> str:
    text = str(exc)
    if "lock" in text.lower():
        return f"{path} is in use by another sociable process (one writer at a time); wait for it to finish."
    return f"{path} could not be opened ({text.splitlines()[0]})."


def _choice(value: str, choices: Mapping[str, str], what: str) -> str:
    if value not in choices:
        raise SociableError(f"{what} should be one of {', '.join(choices)}, not '{value}'.")
    return choices[value]


def _expand(paths: Iterator[Path] | Any) -> Iterator[Path]:
    """Files to import: folders are walked (hidden files skipped) unless the folder is itself a format."""
    for path in paths:
        if path.is_dir():
            try:
                detect_format(path)
            except (UnknownFormat, UnreadableFile):
                children = sorted(p for p in path.iterdir() if not p.name.startswith("."))
                yield from _expand(children)
                continue
        yield path
