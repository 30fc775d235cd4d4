"""Removing posts and accounts everywhere: upstream deletes, retention and the right to erasure.

Every removal goes through `remove_posts`, which takes the posts out of every table that
holds them or points at them (posts, interactions, collections, screening results) and out
of the raw blocks (a block is rewritten without the records no stored post comes from any
more). `forget_account` also removes the account's profile, labels, the interactions aimed
at it and the rejected records that carry its id or handle, and writes one audit row with
the time and the counts, never the content.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from sociable.sources.live.base import account_digest
from sociable.store.raw import pack_text, unpack
from sociable.store.views import registered


@dataclass(slots=True)
class Removed:
    """What a removal took out, table by table."""

    accounts: int = 0
    posts: int = 0
    raw_records: int = 0
    rejected: int = 0
    labels: int = 0
    interactions: int = 0
    screening: int = 0
    matched: list[tuple[str, str]] = field(default_factory=list)  # (platform, account id) forgotten

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in
                ("accounts", "posts", "raw_records", "rejected", "labels", "interactions", "screening")}


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> int:
    rows = con.execute(sql, list(params)).fetchall()
    return int(rows[0][0]) if rows else 0


def remove_posts(con: duckdb.DuckDBPyConnection, keys: pa.Table, removed: Removed | None = None) -> Removed:
    """Remove the posts named by `keys` (platform, post_id) from every table; the caller holds a transaction."""
    removed = removed or Removed()
    if keys.num_rows == 0:
        return removed
    keys = keys.select(["platform", "post_id"])
    with registered(con, "_gone", keys):
        con.execute("CREATE OR REPLACE TEMP TABLE _gone_posts AS SELECT p.platform, p.post_id, p.record_id "
                    "FROM posts p SEMI JOIN _gone g ON g.platform = p.platform AND g.post_id = p.post_id")
    try:
        found = _count(con, "SELECT count(*) FROM _gone_posts")
        if not found:
            return removed
        on = "USING _gone_posts g WHERE g.platform = {t}.platform AND g.post_id = {t}.post_id"
        removed.interactions += _count(con, "SELECT count(*) FROM interactions i SEMI JOIN _gone_posts g "
                                            "ON g.platform = i.platform AND g.post_id = i.post_id")
        removed.screening += _count(con, "SELECT count(*) FROM safety_screened s SEMI JOIN _gone_posts g "
                                         "ON g.platform = s.platform AND g.post_id = s.post_id")
        for table in ("interactions", "collections", "safety_screened", "safety_findings", "posts"):
            con.execute(f"DELETE FROM {table} {on.format(t=table)}")
        removed.posts += found
        removed.raw_records += _drop_orphan_records(con)
    finally:
        con.execute("DROP TABLE IF EXISTS _gone_posts")
    return removed


def _drop_orphan_records(con: duckdb.DuckDBPyConnection) -> int:
    """Rewrite the raw blocks that held records of the removed posts, without the records no post comes from."""
    candidates = con.execute(
        "SELECT DISTINCT record_id FROM _gone_posts WHERE record_id IS NOT NULL "
        "AND record_id NOT IN (SELECT record_id FROM posts WHERE record_id IS NOT NULL)"
    ).fetchall()
    orphans = {int(row[0]) for row in candidates}
    if not orphans:
        return 0
    dropped = 0
    with registered(con, "_orphans", pa.table({"record_id": pa.array(sorted(orphans), pa.int64())})):
        blocks = con.execute(
            "SELECT block_id, record_ids, numbers, size, data FROM raw_blocks b "
            "WHERE list_has_any(b.record_ids, (SELECT list(record_id) FROM _orphans))"
        ).fetchall()
    for block_id, record_ids, numbers, size, data in blocks:
        lines = unpack(data, size)
        kept = [(rid, num, line) for rid, num, line in zip(record_ids, numbers, lines, strict=True)
                if rid not in orphans]
        dropped += len(record_ids) - len(kept)
        if not kept:
            con.execute("DELETE FROM raw_blocks WHERE block_id = ?", [block_id])
            continue
        packed, new_size = pack_text(b"\n".join(line for _, _, line in kept))
        con.execute(
            "UPDATE raw_blocks SET record_ids = ?, numbers = ?, size = ?, data = ? WHERE block_id = ?",
            [[k[0] for k in kept], [k[1] for k in kept], new_size, packed, block_id],
        )
    return dropped


def find_accounts(con: duckdb.DuckDBPyConnection, who: str, platform: str | None) -> list[tuple[str, str, str | None]]:
    """(platform, account id, handle) of the accounts `who` names: an @handle, a handle or an account id."""
    handle = who.strip().removeprefix("@").lower()
    condition = "(account_id = ? OR lower(handle) = ?)"
    params: list[object] = [who.strip(), handle]
    if platform:
        condition += " AND platform = ?"
        params.append(platform)
    rows = con.execute(f"SELECT platform, account_id, handle FROM accounts WHERE {condition} "
                       f"UNION SELECT DISTINCT platform, account_id, NULL FROM posts WHERE account_id = ?"
                       f"{' AND platform = ?' if platform else ''} "
                       "AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.platform = posts.platform "
                       "AND a.account_id = posts.account_id) ORDER BY 1, 2",
                       [*params, who.strip(), *([platform] if platform else [])]).fetchall()
    return [(str(r[0]), str(r[1]), r[2]) for r in rows]


def forget_account(
    con: duckdb.DuckDBPyConnection, platform: str, account_id: str, handle: str | None, reason: str | None,
) -> Removed:
    """Remove one account and everything of it; write the audit row. The caller holds a transaction."""
    removed = Removed(matched=[(platform, account_id)])
    keys = con.sql("SELECT platform, post_id FROM posts WHERE platform = $platform AND account_id = $account",
                   params={"platform": platform, "account": account_id}).to_arrow_table()
    remove_posts(con, keys, removed)
    targeted = "FROM interactions WHERE platform = ? AND (target = ? OR source = ?)"
    removed.interactions += _count(con, f"SELECT count(*) {targeted}", [platform, account_id, account_id])
    con.execute(f"DELETE {targeted}", [platform, account_id, account_id])
    for table in ("derived_labels", "manual_labels"):
        where = f"FROM {table} WHERE platform = ? AND account_id = ?"
        removed.labels += _count(con, f"SELECT count(*) {where}", [platform, account_id])
        con.execute(f"DELETE {where}", [platform, account_id])
    where = "FROM accounts WHERE platform = ? AND account_id = ?"
    removed.accounts += _count(con, f"SELECT count(*) {where}", [platform, account_id])
    con.execute(f"DELETE {where}", [platform, account_id])
    removed.rejected += _forget_rejected(con, account_id, handle)
    con.execute(
        "INSERT INTO erasures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [datetime.now(UTC), platform, account_digest(platform, account_id), reason, removed.accounts,
         removed.posts, removed.raw_records, removed.rejected, removed.labels, removed.interactions,
         removed.screening],
    )
    return removed


def _forget_rejected(con: duckdb.DuckDBPyConnection, account_id: str, handle: str | None) -> int:
    """Rejected records whose raw text carries the account's id or handle (as a whole token)."""
    needles = [account_id] + ([handle] if handle and len(handle) >= 3 else [])
    total = 0
    for needle in needles:
        pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where = "FROM rejected WHERE raw ILIKE ? ESCAPE '\\'"
        total += _count(con, f"SELECT count(*) {where}", [pattern])
        con.execute(f"DELETE {where}", [pattern])
    return total


def expire_posts(con: duckdb.DuckDBPyConnection, now: datetime | None = None) -> Removed:
    """Apply every collection's retention: posts older than it leave the collection, and the workspace
    when no other collection holds them. The caller holds a transaction."""
    now = now or datetime.now(UTC)
    rules = con.execute("SELECT collection, keep_days FROM retention").fetchall()
    removed = Removed()
    for collection, keep_days in rules:
        cutoff = now.timestamp() - int(keep_days) * 86400
        expired = ("SELECT c.platform, c.post_id FROM collections c JOIN posts p USING (platform, post_id) "
                   "WHERE c.name = ? AND p.created_at < to_timestamp(?)")
        con.execute(f"CREATE OR REPLACE TEMP TABLE _expired AS {expired}", [collection, cutoff])
        try:
            con.execute("DELETE FROM collections c USING _expired e WHERE c.name = ? "
                        "AND c.platform = e.platform AND c.post_id = e.post_id", [collection])
            orphans = con.sql(
                "SELECT e.platform, e.post_id FROM _expired e WHERE NOT EXISTS (SELECT 1 FROM collections c "
                "WHERE c.platform = e.platform AND c.post_id = e.post_id)"
            ).to_arrow_table()
        finally:
            con.execute("DROP TABLE IF EXISTS _expired")
        remove_posts(con, orphans, removed)
    if removed.posts:
        removed.accounts += _drop_unused_accounts(con)
    return removed


def _drop_unused_accounts(con: duckdb.DuckDBPyConnection) -> int:
    """Accounts no stored post is written by, replies to, quotes, reposts or mentions (after expiry)."""
    unused = ("FROM accounts a WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.platform = a.platform AND "
              "p.account_id = a.account_id) AND NOT EXISTS (SELECT 1 FROM interactions i WHERE "
              "i.platform = a.platform AND i.target = a.account_id) AND NOT EXISTS (SELECT 1 FROM manual_labels m "
              "WHERE m.platform = a.platform AND m.account_id = a.account_id)")
    count = _count(con, f"SELECT count(*) {unused}")
    if count:
        con.execute(f"DELETE {unused}")
    return count
