"""Writing mapped records into the workspace: batched, idempotent upserts with counts.

Counting, per file: `read` is the number of raw records the reader produced (lines, array
items, feed entries, CSV rows), `stored` the posts new to the workspace (a retweet also
stores the original it embeds), `duplicates` the records whose post was already there,
`skipped` the records that carry no post (e.g. a profile event), `merged` the records
whose post was stored before from a partial copy (a quoted or embedded one) and that
completed it, and `rejected` the records that could not be read or mapped.

A fuller copy completes the stored post: each field the stored copy lacks (an empty value,
or an empty list) is taken from it, the post's interactions are made again, and the post
points at the fuller copy's raw record (which is kept). Fields both copies have stay as first
stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import numpy as np
import pyarrow as pa

from sociable.sources.base import Rejected
from sociable.store.batch import TIMESTAMP, Batch, Prepared
from sociable.store.raw import pack, write_block
from sociable.store.threads import BATCH_THREADS_SQL, MAX_SETTLE_PASSES, SETTLE_SQL
from sociable.store.transactions import transaction
from sociable.store.views import query_table

_MAX_REJECTED_RAW = 64 * 1024 * 1024
_MAX_PENDING_ACCOUNTS = 2_000_000  # profile rows held before they are upserted

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
    merged: int = 0


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


class BatchWriter:
    """Writes batches of mapped records into the workspace tables, counting as it goes."""

    def __init__(self, con: duckdb.DuckDBPyConnection, run_id: int, collection: str | None) -> None:
        self.con = con
        self.run_id = run_id
        self.collection = collection
        self.next_record_id = self._max("raw_blocks", "record_ids[len(record_ids)]") + 1
        self.first_record_id = self.next_record_id
        self.next_rejected_id = self._max("rejected", "rejected_id") + 1
        self.pending_accounts: list[pa.Table] = []
        self.pending_rows = 0

    def _max(self, table: str, column: str) -> int:
        rows = self.con.execute(f"SELECT coalesce(max({column}), 0) FROM {table}").fetchall()
        return int(rows[0][0])

    def write(
        self, batch: Batch | Prepared, summary: FileSummary, keep_record_ids: list[int] | None = None,
        in_transaction: bool = False,
    ) -> None:
        """Write one batch (in its own transaction unless the caller holds one) and count it.

        `keep_record_ids` re-writes records that are already stored (remap): they keep their
        ids and their raw text is not stored again.
        """
        prepared = batch.prepare() if isinstance(batch, Batch) else batch
        if in_transaction:  # the caller flushes the accounts and settles threads before it commits
            self._write_posts(prepared, summary, keep_record_ids)
            self._write_rejected(prepared.rejected)
        else:
            with transaction(self.con):
                self._write_posts(prepared, summary, keep_record_ids)
                self._write_rejected(prepared.rejected)
                self.flush_accounts()
                self.settle_threads()
        summary.rejected += len(prepared.rejected)

    def _write_posts(self, batch: Prepared, summary: FileSummary, keep_record_ids: list[int] | None) -> None:
        owners = batch.owners
        records = len(batch.numbers)
        if not len(owners):
            summary.skipped += records
            return
        first_of_record = np.empty(len(owners), dtype=bool)
        first_of_record[0] = True
        np.not_equal(owners[1:], owners[:-1], out=first_of_record[1:])
        with_posts = int(first_of_record.sum())
        summary.skipped += records - with_posts
        record_ids = self._record_ids(records, keep_record_ids)
        new_rows, earlier_rows = self._match(batch.posts)
        primary_new = int(first_of_record[new_rows].sum())
        summary.stored += len(new_rows)
        raw_owners = owners[new_rows]
        if len(new_rows):
            self._insert_posts(batch.posts.take(pa.array(new_rows)), record_ids[raw_owners], batch)
        merged = self._merge_fuller(batch, new_rows, record_ids)
        merged_primary = int(first_of_record[merged].sum()) if len(merged) else 0
        summary.merged += merged_primary
        summary.duplicates += with_posts - primary_new - merged_primary
        if keep_record_ids is None and (len(new_rows) or len(merged)):
            self._write_raw(batch, record_ids, np.unique(np.concatenate([raw_owners, owners[merged]])))
        self._upsert_accounts(batch.accounts)
        if self.collection:
            self._add_to_collection(batch.posts, new_rows, earlier_rows)

    def _merge_fuller(self, batch: Prepared, new_rows: np.ndarray, record_ids: np.ndarray) -> np.ndarray:
        """Complete stored posts from fuller copies in this batch; the indexes of the rows merged in.

        A row is a candidate when its post is already stored (before this batch, or by an earlier
        row of it) and it has a field the stored copy lacks. Of several candidates for one post,
        the one that fills most fields (then the last) is merged; later batches may fill more.
        """
        rows = batch.posts.num_rows
        if rows == len(new_rows):
            return np.empty(0, dtype=np.int64)
        others = np.ones(rows, dtype=bool)
        others[new_rows] = False
        candidates = np.flatnonzero(others)
        table = batch.posts.take(pa.array(candidates))
        table = table.append_column("_i", pa.array(candidates, pa.int64()))
        table = table.append_column("_record_id", pa.array(record_ids[batch.owners[candidates]], pa.int64()))
        chosen = query_table(self.con, "_candidates", table, _FULLER_SQL)
        if not chosen.num_rows:
            return np.empty(0, dtype=np.int64)
        chosen = chosen.append_column("_format", pa.repeat(batch.format, chosen.num_rows))
        chosen = chosen.append_column("_source_file", pa.repeat(batch.file, chosen.num_rows))
        query_table(self.con, "_fuller", chosen, _MERGE_SQL)
        query_table(self.con, "_fuller", chosen, _DROP_INTERACTIONS_SQL)
        merged = query_table(self.con, "_fuller", chosen, _MERGED_POSTS_SQL)
        query_table(self.con, "_new_posts", merged, _INTERACTIONS_SQL)
        return np.sort(chosen.column("_i").to_numpy())

    def _write_raw(self, batch: Prepared, record_ids: np.ndarray, stored: np.ndarray) -> None:
        """The raw text of the records that gave new posts (the packed block as it is when that is all of them)."""
        if batch.block is not None and len(stored) == len(batch.numbers):
            block = batch.block
        else:
            raws = batch.raw_values()
            block = pack([raws[i] for i in stored])
        write_block(self.con, batch.format, batch.file, record_ids[stored], batch.numbers[stored], block)

    def _record_ids(self, records: int, keep: list[int] | None) -> np.ndarray:
        if keep is not None:
            return np.asarray(keep, dtype=np.int64)
        start = self.next_record_id
        self.next_record_id += records
        return np.arange(start, start + records, dtype=np.int64)

    def _match(self, table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
        """Which posts of the batch are new, and which were stored before this writer began.

        Both are indexes of a post's first occurrence in the batch, in order. A post that is
        neither was stored earlier by this writer (a retweeted original seen in an earlier batch).
        """
        keys = table.select(["platform", "post_id"]).append_column("i", pa.array(np.arange(table.num_rows)))
        found = query_table(
            self.con, "_batch_keys", keys,
            "SELECT k.i, p.post_id IS NULL, p.post_id IS NOT NULL AND coalesce(p.record_id < "
            f"{int(self.first_record_id)}, true) FROM (SELECT * FROM _batch_keys "
            "QUALIFY row_number() OVER (PARTITION BY platform, post_id ORDER BY i) = 1) k "
            "LEFT JOIN posts p USING (platform, post_id) ORDER BY k.i",
        )
        rows = found.column(0).to_numpy()
        new = found.column(1).to_numpy(zero_copy_only=False)
        earlier = found.column(2).to_numpy(zero_copy_only=False)
        return rows[new], rows[earlier]

    def _insert_posts(self, table: pa.Table, record_ids: np.ndarray, batch: Prepared) -> None:
        count = table.num_rows
        table = table.append_column("thread", self._threads(table))
        table = table.append_column("format", pa.repeat(batch.format, count))
        table = table.append_column("source_file", pa.repeat(batch.file, count))
        table = table.append_column("record_id", pa.array(record_ids, pa.int64()))
        table = table.append_column("imported_at", pa.repeat(pa.scalar(datetime.now(UTC), TIMESTAMP), count))
        query_table(self.con, "_new_posts", table, "INSERT INTO posts BY NAME SELECT * FROM _new_posts")
        query_table(self.con, "_new_posts", table, _INTERACTIONS_SQL)

    def _threads(self, posts: pa.Table) -> pa.Array:
        """The thread of each new post, from its stored parent or its parent in the same batch (store/threads.py)."""
        keys = posts.select(["platform", "post_id", "reply_to", "root"]).append_column(
            "i", pa.array(np.arange(posts.num_rows, dtype=np.int64)))
        return query_table(self.con, "_thread_keys", keys, BATCH_THREADS_SQL).column("thread").combine_chunks()

    def settle_threads(self, everything: bool = False) -> None:
        """Move posts into the thread of a parent that arrived after them (this writer's posts, or all)."""
        written = "TRUE" if everything else f"record_id >= {int(self.first_record_id)}"
        for _ in range(MAX_SETTLE_PASSES):
            changed = self.con.execute(SETTLE_SQL.format(written=written)).fetchall()
            if not changed or not changed[0][0]:
                return

    def _upsert_accounts(self, accounts: pa.Table) -> None:
        """Profiles wait until `flush_accounts`: upserting the same accounts again for every batch of
        a file in one transaction piles up row versions, and slows the import as it grows."""
        if accounts.num_rows:
            self.pending_accounts.append(accounts)
            self.pending_rows += accounts.num_rows
            if self.pending_rows >= _MAX_PENDING_ACCOUNTS:
                self.flush_accounts()

    def flush_accounts(self) -> None:
        """Upsert the profiles gathered so far (latest profile wins; first and last seen kept)."""
        if not self.pending_accounts:
            return
        merged = query_table(self.con, "_accounts", pa.concat_tables(self.pending_accounts), _MERGED_ACCOUNTS_SQL)
        for statement in _REPLACE_ACCOUNTS_SQL:
            query_table(self.con, "_merged", merged, statement)
        self.pending_accounts, self.pending_rows = [], 0

    def _add_to_collection(self, posts: pa.Table, new_rows: np.ndarray, earlier_rows: np.ndarray) -> None:
        """Add the batch's posts to the collection, each once.

        A post stored by this writer is added when it is stored (collections only hold stored
        posts, so it cannot be in one yet); only posts stored before this writer began are
        checked against the collection.
        """
        keys = posts.select(["platform", "post_id"])
        name = self.collection
        for rows, sql in ((new_rows, _ADD_NEW_MEMBERS_SQL), (earlier_rows, _ADD_MEMBERS_SQL)):
            if len(rows):
                members = keys.take(pa.array(rows))
                query_table(self.con, "_members", members.append_column("name", pa.repeat(name, len(rows))), sql)

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


# Fields a partial copy of a post may lack (an embedded or quoted copy) that a fuller one has.
_FILLABLE = ("uri", "text", "lang", "reply_to", "reply_to_account", "root", "quote_of", "quote_of_account",
             "repost_of", "repost_of_account", "media_count", "like_count", "repost_count", "reply_count")
_FILLABLE_LISTS = ("hashtags", "mentions", "urls")
_FILLS = " + ".join(
    [f"(p.{f} IS NULL AND c.{f} IS NOT NULL)::INT" for f in _FILLABLE if f != "text"]
    + ["(coalesce(p.text, '') = '' AND coalesce(c.text, '') <> '')::INT"]
    + [f"(coalesce(len(p.{f}), 0) = 0 AND coalesce(len(c.{f}), 0) > 0)::INT" for f in _FILLABLE_LISTS]
)
_FULLER_SQL = f"""
SELECT c.*, {_FILLS} AS _fills FROM _candidates c JOIN posts p USING (platform, post_id)
 WHERE {_FILLS} > 0
QUALIFY row_number() OVER (PARTITION BY c.platform, c.post_id ORDER BY _fills DESC, c._i DESC) = 1
"""
_MERGE_SQL = (
    "UPDATE posts p SET "
    + ", ".join(
        [f"{f} = coalesce(p.{f}, c.{f})" for f in _FILLABLE if f != "text"]
        + ["text = CASE WHEN coalesce(p.text, '') = '' THEN c.text ELSE p.text END"]
        + [f"{f} = CASE WHEN coalesce(len(p.{f}), 0) = 0 THEN c.{f} ELSE p.{f} END" for f in _FILLABLE_LISTS]
    )
    + ", record_id = c._record_id, format = c._format, source_file = c._source_file "
    "FROM _fuller c WHERE p.platform = c.platform AND p.post_id = c.post_id"
)
_DROP_INTERACTIONS_SQL = (
    "DELETE FROM interactions i USING _fuller c WHERE i.platform = c.platform AND i.post_id = c.post_id"
)
_MERGED_POSTS_SQL = "SELECT p.* FROM posts p JOIN _fuller c USING (platform, post_id)"

_ADD_NEW_MEMBERS_SQL = "INSERT INTO collections SELECT name, platform, post_id FROM _members"
_ADD_MEMBERS_SQL = (
    "INSERT INTO collections SELECT m.name, m.platform, m.post_id FROM _members m WHERE NOT EXISTS "
    "(SELECT 1 FROM collections c WHERE c.name = m.name AND c.platform = m.platform AND c.post_id = m.post_id)"
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
# Each profile is merged with the stored one in a query, then the stored rows are replaced:
# DuckDB updated stored rows in place slowly (an UPDATE, or INSERT ... ON CONFLICT DO UPDATE,
# of 44,000 accounts took 40 s once they had been checkpointed; deleting and inserting, 0.3 s).
_PROFILE_FIELDS = ("handle", "display_name", "bio", "url", "location", "followers", "following", "created_at")
_MERGED_ACCOUNTS_SQL = (
    "SELECT x.platform, x.account_id, "
    + ", ".join(
        f"CASE WHEN a.account_id IS NULL THEN x.{f} WHEN x.profile_at >= a.profile_at "
        f"THEN coalesce(x.{f}, a.{f}) ELSE coalesce(a.{f}, x.{f}) END AS {f}"
        for f in _PROFILE_FIELDS
    )
    + ", greatest(a.profile_at, x.profile_at) AS profile_at"
    ", least(a.first_seen, x.first_seen) AS first_seen"
    ", greatest(a.last_seen, x.last_seen) AS last_seen "
    "FROM (SELECT platform, account_id, "
    + ", ".join(f"arg_max({f}, last_seen) FILTER (WHERE {f} IS NOT NULL) AS {f}" for f in _PROFILE_FIELDS)
    + ", max(last_seen) AS profile_at, min(first_seen) AS first_seen, max(last_seen) AS last_seen "
    "FROM _accounts GROUP BY platform, account_id) AS x "
    "LEFT JOIN accounts a ON a.platform = x.platform AND a.account_id = x.account_id"
)
_REPLACE_ACCOUNTS_SQL = (
    "DELETE FROM accounts a USING _merged m WHERE a.platform = m.platform AND a.account_id = m.account_id",
    "INSERT INTO accounts BY NAME SELECT * FROM _merged",
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
