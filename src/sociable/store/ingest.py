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
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from sociable.errors import MappingError
from sociable.model import Account, Post
from sociable.sources.base import Format, Mapped, RawRecord, Rejected
from sociable.store.schema import ACCOUNT_COLUMNS, POST_COLUMNS

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
_post_values = operator.attrgetter(*POST_COLUMNS)
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
class _Batch:
    """Records waiting to be written: mapped rows plus the raw records they came from."""

    records: list[tuple[RawRecord, Mapped]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.records) + len(self.rejected)


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


def _posts_table(posts: list[Post]) -> pa.Table:
    rows = [_post_values(p) for p in posts]
    columns: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in POST_COLUMNS]
    arrays = [pa.array(list(col), type=f.type) for col, f in zip(columns, POST_SCHEMA, strict=True)]
    return pa.Table.from_arrays(arrays, schema=POST_SCHEMA)


def _accounts_table(accounts: list[tuple[Account, datetime]]) -> pa.Table:
    rows = [(*_account_values(a), seen) for a, seen in accounts]
    columns: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in ACCOUNT_SCHEMA]
    arrays = [pa.array(list(col), type=f.type) for col, f in zip(columns, ACCOUNT_SCHEMA, strict=True)]
    return pa.Table.from_arrays(arrays, schema=ACCOUNT_SCHEMA)


class BatchWriter:
    """Writes batches of mapped records into the workspace tables, counting as it goes."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, run_id: int, collection: str | None, transactional: bool = True
    ) -> None:
        self.con = con
        self.transactional = transactional
        self.run_id = run_id
        self.collection = collection
        self.next_record_id = self._max("raw_records", "record_id") + 1
        self.next_rejected_id = self._max("rejected", "rejected_id") + 1

    def _max(self, table: str, column: str) -> int:
        rows = self.con.execute(f"SELECT coalesce(max({column}), 0) FROM {table}").fetchall()
        return int(rows[0][0])

    def write(self, batch: _Batch, summary: FileSummary, keep_record_ids: list[int] | None = None) -> None:
        """Write one batch (in its own transaction unless the caller holds one) and count it."""
        if not self.transactional:
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

    def _write_posts(self, batch: _Batch, summary: FileSummary, keep_record_ids: list[int] | None) -> None:
        posts: list[Post] = []
        owners: list[int] = []  # index of the record each post came from
        accounts: list[tuple[Account, datetime]] = []
        for index, (_record, mapped) in enumerate(batch.records):
            if not mapped.posts:
                summary.skipped += 1
                continue
            seen = mapped.posts[0].created_at
            for post in mapped.posts:
                posts.append(post)
                owners.append(index)
            accounts.extend((account, seen) for account in mapped.accounts)
        if not posts:
            return
        record_ids = self._record_ids(batch, keep_record_ids)
        new_rows, primary_new = self._new_posts(posts, owners)
        summary.stored += len(new_rows)
        summary.duplicates += sum(
            1 for i, (_r, m) in enumerate(batch.records) if m.posts and not primary_new.get(i, False)
        )
        self._insert_posts(posts, owners, new_rows, record_ids, batch)
        self._upsert_accounts(accounts)
        if self.collection:
            self._add_to_collection(posts)

    def _record_ids(self, batch: _Batch, keep: list[int] | None) -> list[int]:
        if keep is not None:
            return keep
        start = self.next_record_id
        self.next_record_id += len(batch.records)
        return list(range(start, start + len(batch.records)))

    def _new_posts(self, posts: list[Post], owners: list[int]) -> tuple[list[int], dict[int, bool]]:
        """Indexes of posts not yet stored (first occurrence only), and which records' primary post is new."""
        keys = pa.table(
            {
                "i": pa.array(range(len(posts)), type=pa.int64()),
                "platform": [p.platform for p in posts],
                "post_id": [p.post_id for p in posts],
            }
        )
        self.con.register("_batch_keys", keys)
        try:
            absent = self.con.execute(
                "SELECT k.i FROM _batch_keys k ANTI JOIN posts p USING (platform, post_id) ORDER BY k.i"
            ).fetchall()
        finally:
            self.con.unregister("_batch_keys")
        seen: set[tuple[str, str]] = set()
        new_rows: list[int] = []
        primary_new: dict[int, bool] = {}
        for (i,) in absent:
            post = posts[i]
            key = (post.platform, post.post_id)
            if key in seen:
                continue
            seen.add(key)
            new_rows.append(i)
            if i == 0 or owners[i - 1] != owners[i]:
                primary_new[owners[i]] = True
        return new_rows, primary_new

    def _insert_posts(
        self, posts: list[Post], owners: list[int], new_rows: list[int], record_ids: list[int], batch: _Batch
    ) -> None:
        if not new_rows:
            return
        table = _posts_table([posts[i] for i in new_rows])
        records = sorted({owners[i] for i in new_rows})
        now = datetime.now(UTC)
        table = table.append_column("format", pa.array([batch.records[owners[i]][0].format for i in new_rows]))
        table = table.append_column("source_file", pa.array([batch.records[owners[i]][0].file for i in new_rows]))
        table = table.append_column("record_id", pa.array([record_ids[owners[i]] for i in new_rows], pa.int64()))
        table = table.append_column("imported_at", pa.array([now] * len(new_rows), _TS))
        self.con.register("_new_posts", table)
        try:
            self.con.execute("INSERT OR IGNORE INTO posts BY NAME SELECT * FROM _new_posts")
            self.con.execute(_INTERACTIONS_SQL)
        finally:
            self.con.unregister("_new_posts")
        raw = pa.table(
            {
                "record_id": pa.array([record_ids[i] for i in records], pa.int64()),
                "format": [batch.records[i][0].format for i in records],
                "file": [batch.records[i][0].file for i in records],
                "number": pa.array([batch.records[i][0].number for i in records], pa.int64()),
                "raw": [_dump(batch.records[i][0].raw) for i in records],
            }
        )
        self.con.register("_raw", raw)
        try:
            self.con.execute("INSERT OR IGNORE INTO raw_records BY NAME SELECT * FROM _raw")
        finally:
            self.con.unregister("_raw")

    def _upsert_accounts(self, accounts: list[tuple[Account, datetime]]) -> None:
        if not accounts:
            return
        self.con.register("_accounts", _accounts_table(accounts))
        try:
            self.con.execute(_ACCOUNTS_SQL)
        finally:
            self.con.unregister("_accounts")

    def _add_to_collection(self, posts: list[Post]) -> None:
        table = pa.table(
            {
                "name": [self.collection] * len(posts),
                "platform": [p.platform for p in posts],
                "post_id": [p.post_id for p in posts],
            }
        )
        self.con.register("_collection", table)
        try:
            self.con.execute("INSERT OR IGNORE INTO collections SELECT DISTINCT * FROM _collection")
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
