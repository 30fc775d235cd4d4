"""Follow-through kept in the workspace: the triage queue of unanswered posts, and curated lists.

The queue holds one row per (post, organisation) that listening found unanswered: its state
(new, in progress, handled, no reply needed), who took it, a note and its times. Every change is
also written to `queue_events`, the audit of who did what. Listening adds new items and closes
the ones an account of the organisation has since answered on the platform; states set by
people are never overwritten, so they survive listening again, re-imports and remaps (the keys
are the platform's own post ids).

A curated list is a named set of accounts (a Bluesky list, a Mastodon list, an X list) kept as
`lists` and `list_members`. A member is matched by its account id when the list gave one, else
by its handle (lower-case), so a list can be imported before the posts of its members.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from sociable.errors import SociableError
from sociable.store.views import registered

FOLLOWUP_TABLES_SQL = """
CREATE TABLE IF NOT EXISTS queue_items (
    platform VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    org VARCHAR NOT NULL,
    state VARCHAR NOT NULL,
    assignee VARCHAR,
    note VARCHAR,
    added_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    closed_at TIMESTAMPTZ,
    closed_reason VARCHAR,
    PRIMARY KEY (platform, post_id, org)
);

CREATE TABLE IF NOT EXISTS queue_events (
    happened_at TIMESTAMPTZ NOT NULL,
    platform VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    org VARCHAR NOT NULL,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    state VARCHAR,
    note VARCHAR
);

CREATE TABLE IF NOT EXISTS lists (
    name VARCHAR PRIMARY KEY,
    platform VARCHAR NOT NULL,
    source VARCHAR,
    title VARCHAR,
    label VARCHAR,
    imported_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS list_members (
    list VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    account_id VARCHAR,
    handle VARCHAR
);
"""

QUEUE_STATES: tuple[str, ...] = ("new", "in progress", "handled", "no reply needed")
OPEN_STATES: tuple[str, ...] = ("new", "in progress")
SYSTEM_ACTOR = "sociable"


class NotInQueue(SociableError):
    """A post was named that is not in the triage queue."""


class BadQueueState(SociableError, ValueError):
    """A queue state was asked for that does not exist."""


def check_state(state: str) -> str:
    """The state in its canonical spelling ('in-progress' and 'in_progress' read as 'in progress')."""
    canonical = state.strip().lower().replace("-", " ").replace("_", " ")
    if canonical not in QUEUE_STATES:
        raise BadQueueState(f"'{state}' is not a queue state; the states are: {', '.join(QUEUE_STATES)}.")
    return canonical


# ---------------------------------------------------------------------- the queue


@dataclass(frozen=True, slots=True)
class QueueSync:
    """What one refresh of the queue did."""

    added: int
    closed: int
    open: int


def sync_queue(con: duckdb.DuckDBPyConnection, org: str, waiting: pa.Table, answered: pa.Table,
               now: datetime | None = None) -> QueueSync:
    """Add the waiting posts not queued yet; close open items the organisation has answered.

    `waiting` and `answered` have columns platform, post_id (the organisation's asks, by status).
    An item closed by an answer keeps the state people gave it; its `closed_at` says it left.
    """
    now = now or datetime.now(UTC)
    params = {"org": org, "now": now}
    with registered(con, "_waiting", waiting.select(["platform", "post_id"])), \
            registered(con, "_answered", answered.select(["platform", "post_id"])):
        added = con.execute(
            "INSERT INTO queue_events SELECT $now, w.platform, w.post_id, $org, $actor, 'added', 'new', NULL "
            "FROM _waiting w WHERE NOT EXISTS (SELECT 1 FROM queue_items q WHERE q.platform = w.platform "
            "AND q.post_id = w.post_id AND q.org = $org) RETURNING 1", {**params, "actor": SYSTEM_ACTOR},
        ).fetchall()
        con.execute(
            "INSERT INTO queue_items SELECT DISTINCT w.platform, w.post_id, $org, 'new', NULL, NULL, $now, $now, "
            "NULL, NULL FROM _waiting w WHERE NOT EXISTS (SELECT 1 FROM queue_items q WHERE q.platform = "
            "w.platform AND q.post_id = w.post_id AND q.org = $org)", params,
        )
        closed = con.execute(
            "UPDATE queue_items q SET closed_at = $now, closed_reason = 'answered on the platform', "
            "updated_at = $now FROM _answered a WHERE q.platform = a.platform AND q.post_id = a.post_id "
            "AND q.org = $org AND q.closed_at IS NULL RETURNING q.platform, q.post_id, q.state", params,
        ).fetchall()
    if closed:
        rows = pa.table({"platform": [r[0] for r in closed], "post_id": [r[1] for r in closed],
                         "state": [r[2] for r in closed]})
        with registered(con, "_closed", rows):
            con.execute("INSERT INTO queue_events SELECT $now, platform, post_id, $org, $actor, 'answered on the "
                        "platform', state, NULL FROM _closed", {**params, "actor": SYSTEM_ACTOR})
    still = con.execute("SELECT count(*) FROM queue_items WHERE org = ? AND closed_at IS NULL AND state IN "
                        "('new', 'in progress')", [org]).fetchall()[0][0]
    return QueueSync(len(added), len(closed), int(still))


def mark_item(con: duckdb.DuckDBPyConnection, post: str, state: str, by: str, note: str | None = None,
              org: str | None = None, now: datetime | None = None) -> list[dict[str, Any]]:
    """Set the state of a queued post (by post id or its address), who took it and a note; audited."""
    state = check_state(state)
    if not by.strip():
        raise SociableError("say who is marking it with --by (a name or a team).")
    now = now or datetime.now(UTC)
    rows = con.execute(
        "SELECT q.platform, q.post_id, q.org FROM queue_items q LEFT JOIN posts p USING (platform, post_id) "
        "WHERE (q.post_id = $post OR p.uri = $post) AND ($org IS NULL OR q.org = $org)",
        {"post": post.strip(), "org": org},
    ).fetchall()
    if not rows:
        raise NotInQueue(f"{post} is not in the queue{f' of {org}' if org else ''}; run `sociable queue --org FILE` "
                         "to see the posts waiting, with their ids.")
    for platform, post_id, item_org in rows:
        con.execute("UPDATE queue_items SET state = ?, assignee = ?, note = coalesce(?, note), updated_at = ? "
                    "WHERE platform = ? AND post_id = ? AND org = ?",
                    [state, by.strip(), note, now, platform, post_id, item_org])
        con.execute("INSERT INTO queue_events VALUES (?, ?, ?, ?, ?, 'marked', ?, ?)",
                    [now, platform, post_id, item_org, by.strip(), state, note])
    return [{"platform": p, "post_id": i, "org": o, "state": state} for p, i, o in rows]


def queue_rows(con: duckdb.DuckDBPyConnection, org: str | None, include_closed: bool) -> pa.Table:
    """The queue items with their posts (text, author, time), open ones first, oldest first."""
    closed = "" if include_closed else "AND q.closed_at IS NULL"
    return con.sql(
        "SELECT q.platform, q.post_id, q.org, q.state, q.assignee, q.note, q.added_at, q.updated_at, q.closed_at, "
        "q.closed_reason, p.created_at, p.uri, p.text, coalesce(a.handle, p.account_id) AS handle "
        "FROM queue_items q LEFT JOIN posts p USING (platform, post_id) "
        "LEFT JOIN accounts a ON a.platform = p.platform AND a.account_id = p.account_id "
        f"WHERE ($org IS NULL OR q.org = $org) {closed} "
        "ORDER BY q.closed_at IS NOT NULL, q.state IN ('handled', 'no reply needed'), p.created_at, q.post_id",
        params={"org": org},
    ).to_arrow_table()


def queue_events(con: duckdb.DuckDBPyConnection, org: str | None, limit: int = 200) -> pa.Table:
    """The audit: every change to the queue, newest first."""
    return con.sql("SELECT * FROM queue_events WHERE $org IS NULL OR org = $org ORDER BY happened_at DESC, post_id "
                   f"LIMIT {int(limit)}", params={"org": org}).to_arrow_table()


# ---------------------------------------------------------------------- curated lists


def save_list(con: duckdb.DuckDBPyConnection, name: str, platform: str, source: str | None, title: str | None,
              members: Sequence[tuple[str | None, str | None]], label: str | None = None) -> int:
    """Store a list (replacing one of the same name) and its members as (account_id, handle) pairs."""
    now = datetime.now(UTC)
    con.execute("DELETE FROM list_members WHERE list = ?", [name])
    con.execute("DELETE FROM lists WHERE name = ?", [name])
    con.execute("INSERT INTO lists VALUES (?, ?, ?, ?, ?, ?)", [name, platform, source, title, label, now])
    unique = list(dict.fromkeys((account_id or None, (handle or "").lstrip("@").lower() or None)
                                for account_id, handle in members))
    table = pa.table({"list": [name] * len(unique), "platform": [platform] * len(unique),
                      "account_id": [a for a, _ in unique], "handle": [h for _, h in unique]},
                     schema=pa.schema([("list", pa.string()), ("platform", pa.string()),
                                       ("account_id", pa.string()), ("handle", pa.string())]))
    with registered(con, "_members", table):
        con.execute("INSERT INTO list_members SELECT * FROM _members")
    return len(unique)


LIST_ACCOUNTS_SQL = """
SELECT DISTINCT lm.list, a.platform, a.account_id, a.handle
  FROM list_members lm JOIN accounts a ON a.platform = lm.platform
   AND (a.account_id = lm.account_id OR (lm.handle IS NOT NULL AND lower(a.handle) = lm.handle))
"""
"""The workspace's accounts in each list (a member not seen yet has no row)."""
