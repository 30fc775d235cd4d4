"""Writing mapped records into the workspace: batched, idempotent upserts with counts.

Counting, per file: `read` is the number of raw records the reader produced (lines, array
items, feed entries, CSV rows), `stored` the posts new to the workspace (a retweet also
stores the original it embeds), `duplicates` the records whose post was already there,
`skipped` the records that carry no post (e.g. a profile event), and `rejected` the
records that could not be read or mapped.
"""

from __future__ import annotations

import hashlib
import operator
import queue
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import duckdb
import numpy as np
import orjson
import pyarrow as pa

from sociable.errors import MappingError
from sociable.model import Account
from sociable.sources.base import POST_FIELDS, Format, Mapped, MappedLines, RawRecord, Rejected
from sociable.store.raw import write_block
from sociable.store.schema import ACCOUNT_COLUMNS

BATCH_RECORDS = 20_000
_MAX_REJECTED_RAW = 64 * 1024 * 1024

_LIST = pa.list_(pa.string())
_TS = pa.timestamp("us", tz="UTC")
POST_SCHEMA = pa.schema(
    [
        ("platform", pa.string()),
        ("post_id", pa.string()),
        ("uri", pa.string()),
        ("account_id", pa.string()),
        ("created_at", _TS),
        ("text", pa.string()),
        ("lang", pa.string()),
        ("reply_to", pa.string()),
        ("reply_to_account", pa.string()),
        ("root", pa.string()),
        ("quote_of", pa.string()),
        ("quote_of_account", pa.string()),
        ("repost_of", pa.string()),
        ("repost_of_account", pa.string()),
        ("hashtags", _LIST),
        ("mentions", _LIST),
        ("urls", _LIST),
        ("media_count", pa.int32()),
        ("like_count", pa.int64()),
        ("repost_count", pa.int64()),
        ("reply_count", pa.int64()),
    ]
)
ACCOUNT_SCHEMA = pa.schema(
    [
        ("platform", pa.string()),
        ("account_id", pa.string()),
        ("handle", pa.string()),
        ("display_name", pa.string()),
        ("bio", pa.string()),
        ("url", pa.string()),
        ("location", pa.string()),
        ("followers", pa.int64()),
        ("following", pa.int64()),
        ("created_at", _TS),
        ("seen_at", _TS),
    ]
)
_post_values = operator.attrgetter(*POST_FIELDS)
_account_values = operator.attrgetter(*ACCOUNT_COLUMNS)


@dataclass(slots=True)
class FileSummary:
    """What happened to one file in one import run."""

    file: str
    format: str
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    skipped: int = 0
    rejected: int = 0
    error: str | None = None


@dataclass(slots=True)
class ImportSummary:
    """The counts of one `import_files` run, per file and in total."""

    run_id: int
    files: list[FileSummary] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    @property
    def errors(self) -> list[str]:
        return [f.error for f in self.files if f.error]


@dataclass(slots=True)
class Batch:
    """Records of one file waiting to be written: posts as rows, their authors, raw records, rejections.

    Record i has `numbers[i]` (its line or record number) and `raws[i]` (the line as read, or
    the raw value); each post's `owners` entry is the index of the record it came from.
    """

    format: str
    file: str
    numbers: list[int] = field(default_factory=list)
    raws: list[Any] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)  # POST_FIELDS values
    owners: list[int] = field(default_factory=list)
    accounts: list[tuple[Account, datetime]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.numbers) + len(self.rejected)

    def add_record(self, number: int, raw: Any) -> int:
        self.numbers.append(number)
        self.raws.append(raw)
        return len(self.numbers) - 1

    def add_mapped(self, record: RawRecord, mapped: Mapped) -> None:
        """A record mapped by its format's `map`."""
        owner = self.add_record(record.number, record.raw)
        if not mapped.posts:
            return
        for post in mapped.posts:
            self.rows.append(_post_values(post))
            self.owners.append(owner)
        seen = mapped.posts[0].created_at
        self.accounts.extend((account, seen) for account in mapped.accounts)

    def add_lines(self, result: MappedLines, line_records: Sequence[int]) -> None:
        """The posts and authors of a line mapper's chunk; `line_records` turns line indexes into records."""
        self.rows.extend(result.rows)
        self.owners.extend(line_records[i] for i in result.owners)
        for account, (first, last) in result.accounts.items():
            self.accounts.append((account, first))
            if last != first:
                self.accounts.append((account, last))

    def add(self, item: RawRecord | Rejected, fmt: Format) -> None:
        """One item from a format's reader: mapped, or kept as rejected."""
        mapped = item if isinstance(item, Rejected) else map_record(fmt, item)
        if isinstance(mapped, Rejected):
            self.rejected.append(mapped)
        else:
            self.add_mapped(cast(RawRecord, item), mapped)


def map_record(fmt: Format, record: RawRecord) -> Mapped | Rejected:
    """Map one raw record, turning any failure into a Rejected with a readable reason."""
    where = f"record {record.number} of {record.file}"
    try:
        return fmt.map(record.raw)
    except MappingError as exc:
        reason = f"{where}: {exc}"
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        reason = f"{where} does not have the shape of a {fmt.name} record ({type(exc).__name__}: {exc})"
    return Rejected(fmt.name, record.file, record.number, _dump(record.raw), reason)


def _dump(raw: Any) -> str:
    if isinstance(raw, str):
        return raw
    return orjson.dumps(raw, default=str).decode()


def _posts_table(rows: list[tuple[Any, ...]], order: np.ndarray | None) -> pa.Table:
    arrays = []
    for name, values in zip(POST_FIELDS, zip(*rows, strict=True), strict=True):
        array = pa.array(values, type=POST_SCHEMA.field(name).type)
        arrays.append(array if order is None else array.take(order))
    return pa.Table.from_arrays(arrays, names=list(POST_FIELDS))


def _accounts_table(accounts: list[tuple[Account, datetime]]) -> pa.Table:
    rows = [(*_account_values(a), seen) for a, seen in accounts]
    columns: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in ACCOUNT_SCHEMA]
    arrays = [pa.array(list(col), type=f.type) for col, f in zip(columns, ACCOUNT_SCHEMA, strict=True)]
    return pa.Table.from_arrays(arrays, schema=ACCOUNT_SCHEMA)


class BatchWriter:
    """Writes batches of mapped records into the workspace tables, counting as it goes."""

    def __init__(self, con: duckdb.DuckDBPyConnection, run_id: int, collection: str | None) -> None:
        self.con = con
        self.run_id = run_id
        self.collection = collection
        self.next_record_id = self._max("raw_blocks", "record_ids[len(record_ids)]") + 1
        self.next_rejected_id = self._max("rejected", "rejected_id") + 1

    def _max(self, table: str, column: str) -> int:
        rows = self.con.execute(f"SELECT coalesce(max({column}), 0) FROM {table}").fetchall()
        return int(rows[0][0])

    def write(
        self, batch: Batch, summary: FileSummary, keep_record_ids: list[int] | None = None,
        in_transaction: bool = False,
    ) -> None:
        """Write one batch (in its own transaction unless the caller holds one) and count it.

        `keep_record_ids` re-writes records that are already stored (remap): they keep their
        ids and their raw text is not stored again.
        """
        if in_transaction:
            self._write_posts(batch, summary, keep_record_ids)
            self._write_rejected(batch.rejected)
        else:
            self.con.execute("BEGIN TRANSACTION")
            try:
                self._write_posts(batch, summary, keep_record_ids)
                self._write_rejected(batch.rejected)
                self.con.execute("COMMIT")
            except BaseException:
                self.con.execute("ROLLBACK")
                raise
        summary.rejected += len(batch.rejected)

    def _write_posts(self, batch: Batch, summary: FileSummary, keep_record_ids: list[int] | None) -> None:
        owners = np.asarray(batch.owners, dtype=np.int64)
        if not len(owners):
            summary.skipped += len(batch.numbers)
            return
        order = None
        if np.any(owners[1:] < owners[:-1]):  # posts of a line mapper's chunk come after the other records'
            order = np.argsort(owners, kind="stable")
            owners = owners[order]
        first_of_record = np.empty(len(owners), dtype=bool)
        first_of_record[0] = True
        np.not_equal(owners[1:], owners[:-1], out=first_of_record[1:])
        with_posts = int(first_of_record.sum())
        summary.skipped += len(batch.numbers) - with_posts
        record_ids = self._record_ids(batch, keep_record_ids)
        table = _posts_table(batch.rows, order)
        new_rows = self._new_rows(table)
        primary_new = int(first_of_record[new_rows].sum())
        summary.stored += len(new_rows)
        summary.duplicates += with_posts - primary_new
        if len(new_rows):
            new_owners = owners[new_rows]
            self._insert_posts(table.take(pa.array(new_rows)), record_ids[new_owners], batch)
            if keep_record_ids is None:
                stored = np.unique(new_owners)
                write_block(self.con, batch.format, batch.file, record_ids[stored],
                            [batch.numbers[i] for i in stored], [batch.raws[i] for i in stored])
        self._upsert_accounts(batch.accounts)
        if self.collection:
            self._add_to_collection(table)

    def _record_ids(self, batch: Batch, keep: list[int] | None) -> np.ndarray:
        if keep is not None:
            return np.asarray(keep, dtype=np.int64)
        start = self.next_record_id
        self.next_record_id += len(batch.numbers)
        return np.arange(start, start + len(batch.numbers), dtype=np.int64)

    def _new_rows(self, table: pa.Table) -> np.ndarray:
        """Indexes of posts not yet stored, first occurrence in the batch only, in order."""
        keys = table.select(["platform", "post_id"]).append_column("i", pa.array(np.arange(table.num_rows)))
        self.con.register("_batch_keys", keys)
        try:
            found = self.con.sql(
                "SELECT k.i FROM (SELECT * FROM _batch_keys "
                "QUALIFY row_number() OVER (PARTITION BY platform, post_id ORDER BY i) = 1) k "
                "ANTI JOIN posts p USING (platform, post_id) ORDER BY k.i"
            ).to_arrow_table()
        finally:
            self.con.unregister("_batch_keys")
        return found.column(0).to_numpy()

    def _insert_posts(self, table: pa.Table, record_ids: np.ndarray, batch: Batch) -> None:
        count = table.num_rows
        table = table.append_column("format", pa.repeat(batch.format, count))
        table = table.append_column("source_file", pa.repeat(batch.file, count))
        table = table.append_column("record_id", pa.array(record_ids, pa.int64()))
        table = table.append_column("imported_at", pa.repeat(pa.scalar(datetime.now(UTC), _TS), count))
        self.con.register("_new_posts", table)
        try:
            self.con.execute("INSERT OR IGNORE INTO posts BY NAME SELECT * FROM _new_posts")
            self.con.execute(_INTERACTIONS_SQL)
        finally:
            self.con.unregister("_new_posts")

    def _upsert_accounts(self, accounts: list[tuple[Account, datetime]]) -> None:
        if not accounts:
            return
        self.con.register("_accounts", _accounts_table(accounts))
        try:
            self.con.execute(_ACCOUNTS_SQL)
        finally:
            self.con.unregister("_accounts")

    def _add_to_collection(self, posts: pa.Table) -> None:
        self.con.register("_collection", posts.select(["platform", "post_id"]))
        try:
            self.con.execute(
                "INSERT OR IGNORE INTO collections SELECT DISTINCT ?, platform, post_id FROM _collection",
                [self.collection],
            )
        finally:
            self.con.unregister("_collection")

    def _write_rejected(self, rejected: Iterable[Rejected]) -> None:
        rows = []
        for item in rejected:
            raw = item.raw if len(item.raw) <= _MAX_REJECTED_RAW else item.raw[:_MAX_REJECTED_RAW]
            digest = hashlib.blake2b(raw.encode("utf-8", "replace"), digest_size=16).hexdigest()
            fingerprint = f"{item.format}|{item.file}|{item.number}|{digest}"
            rows.append((self.next_rejected_id, self.run_id, item.format, item.file, item.number, item.reason, raw,
                         fingerprint))
            self.next_rejected_id += 1
        if rows:
            self.con.executemany(
                "INSERT OR IGNORE INTO rejected VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows
            )


class BackgroundWriter:
    """Writes one file's batches in a second thread, so that reading and mapping go on while DuckDB stores.

    DuckDB releases the interpreter while it works, so the two overlap. At most two batches
    wait in the queue, which bounds memory. The file's batches share one transaction, which
    lets DuckDB write large appends straight to the database file instead of through its log;
    what was read before a reading error is still committed. An error in the writer itself
    rolls the file back and is raised in the reading thread at its next `put` or at `close`.
    """

    def __init__(self, writer: BatchWriter) -> None:
        self.writer = writer
        self.queue: queue.Queue[tuple[Batch, FileSummary] | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="sociable-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        con = self.writer.con
        try:
            con.execute("BEGIN TRANSACTION")
            while (item := self.queue.get()) is not None:
                if self.error is None:
                    self.writer.write(*item, in_transaction=True)
            con.execute("COMMIT")
        except BaseException as exc:
            self.error = exc
            con.execute("ROLLBACK")
            while self.queue.get() is not None:  # let the reading thread finish putting
                pass

    def put(self, batch: Batch, summary: FileSummary) -> None:
        self._raise()
        self.queue.put((batch, summary))

    def close(self) -> None:
        """Wait for every queued batch to be written and committed."""
        self.queue.put(None)
        self.thread.join()
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error


# A reply's target is not counted again as a mention; a repost's mentions belong to the original.
_INTERACTIONS_SQL = """
INSERT INTO interactions
SELECT platform, account_id, repost_of_account, 'repost', post_id, created_at FROM _new_posts
 WHERE repost_of_account IS NOT NULL AND repost_of_account <> account_id
UNION ALL
SELECT platform, account_id, reply_to_account, 'reply', post_id, created_at FROM _new_posts
 WHERE reply_to_account IS NOT NULL AND reply_to_account <> account_id
   AND reply_to_account IS DISTINCT FROM repost_of_account
UNION ALL
SELECT platform, account_id, quote_of_account, 'quote', post_id, created_at FROM _new_posts
 WHERE quote_of_account IS NOT NULL AND quote_of_account <> account_id
   AND quote_of_account IS DISTINCT FROM repost_of_account
   AND quote_of_account IS DISTINCT FROM reply_to_account
UNION ALL
SELECT DISTINCT platform, account_id, m, 'mention', post_id, created_at FROM (
    SELECT platform, account_id, post_id, created_at, reply_to_account, quote_of_account, repost_of_account,
           unnest(mentions) AS m
      FROM _new_posts WHERE repost_of IS NULL AND len(mentions) > 0)
 WHERE m <> account_id
   AND m IS DISTINCT FROM reply_to_account
   AND m IS DISTINCT FROM quote_of_account
   AND m IS DISTINCT FROM repost_of_account
"""

# Latest profile wins (by the time of the post it came with); first and last seen are kept.
_PROFILE_FIELDS = ("handle", "display_name", "bio", "url", "location", "followers", "following", "created_at")
_ACCOUNTS_SQL = (
    "INSERT INTO accounts SELECT platform, account_id, "
    + ", ".join(f"arg_max({f}, seen_at) FILTER (WHERE {f} IS NOT NULL)" for f in _PROFILE_FIELDS)
    + ", max(seen_at), min(seen_at), max(seen_at) FROM _accounts GROUP BY platform, account_id "
    "ON CONFLICT (platform, account_id) DO UPDATE SET "
    + ", ".join(
        f"{f} = CASE WHEN excluded.profile_at >= accounts.profile_at "
        f"THEN coalesce(excluded.{f}, accounts.{f}) ELSE coalesce(accounts.{f}, excluded.{f}) END"
        for f in _PROFILE_FIELDS
    )
    + ", profile_at = greatest(accounts.profile_at, excluded.profile_at)"
    ", first_seen = least(accounts.first_seen, excluded.first_seen)"
    ", last_seen = greatest(accounts.last_seen, excluded.last_seen)"
)

# Mentions given as handles point at the account with that handle, once we know it.
RESOLVE_MENTIONS_SQL = """
UPDATE interactions SET target = h.account_id
  FROM (SELECT platform, lower(handle) AS handle, min(account_id) AS account_id
          FROM accounts WHERE handle IS NOT NULL GROUP BY ALL) AS h
 WHERE interactions.kind = 'mention'
   AND interactions.platform = h.platform
   AND interactions.target = h.handle
   AND NOT EXISTS (SELECT 1 FROM accounts a
                    WHERE a.platform = interactions.platform AND a.account_id = interactions.target);
DELETE FROM interactions WHERE kind = 'mention' AND rowid IN (
    SELECT rowid FROM (
        SELECT rowid, row_number() OVER (PARTITION BY platform, post_id, target
                                         ORDER BY kind = 'mention', rowid) AS n
          FROM interactions
         WHERE post_id IN (SELECT post_id FROM interactions WHERE kind = 'mention'))
     WHERE n > 1);
"""
