"""What the pages and the API read from the workspace, shared so both always say the same thing."""

from __future__ import annotations

from typing import Any

from sociable.errors import SociableError
from sociable.store import Workspace

ACCOUNT_SORTS = ("posts", "mentioned", "followers", "handle")
TIMELINE_LIMIT = 100
PARTNERS_LIMIT = 25


class NoSuchAccount(SociableError):
    """An account was asked for that the workspace does not hold."""


def overview(ws: Workspace) -> dict[str, Any]:
    """Row counts, collections and the latest import runs."""
    runs = ws.query(
        "SELECT run_id, min(started_at) AS started_at, max(finished_at) AS finished_at, count(*) AS files, "
        "sum(read) AS read, sum(stored) AS stored, sum(duplicates) AS duplicates, sum(rejected) AS rejected, "
        "any_value(collection) AS collection FROM runs GROUP BY run_id ORDER BY run_id DESC LIMIT 10"
    )
    return {"counts": ws.counts(), "collections": ws.collections().to_pylist(), "runs": runs.to_pylist()}


def platforms(ws: Workspace) -> list[str]:
    """The platforms the workspace holds posts from, for the platform filter."""
    return [str(v) for v in ws.query("SELECT DISTINCT platform FROM posts ORDER BY 1").column(0).to_pylist()]


def label_choices(ws: Workspace) -> dict[str, list[str]]:
    """The roles and sectors present in the labels (a manual label winning), for filter menus."""
    sql = "SELECT DISTINCT {col} FROM labels WHERE {col} IS NOT NULL ORDER BY 1"
    return {
        "roles": [str(v) for v in ws.query(sql.format(col="role")).column(0).to_pylist()],
        "sectors": [str(v) for v in ws.query(sql.format(col="sector")).column(0).to_pylist()],
    }


def accounts(
    ws: Workspace, sort: str = "posts", limit: int = 50, collection: str | None = None,
    role: str | None = None, sector: str | None = None,
) -> list[dict[str, Any]]:
    """Accounts with posts and engagement counts, their role and sector, optionally only one role or sector."""
    if sort not in ACCOUNT_SORTS:
        raise SociableError(f"sort should be one of {', '.join(ACCOUNT_SORTS)}, not '{sort}'.")
    rows = ws.accounts(sort=sort, limit=None, collection=collection)
    labels = {(r["platform"], r["account_id"]): r for r in ws.query("SELECT * FROM labels").to_pylist()}
    chosen: list[dict[str, Any]] = []
    for row in rows.to_pylist():
        label = labels.get((row["platform"], row["account_id"]), {})
        row.update(role=label.get("role"), subtype=label.get("subtype"), sector=label.get("sector"))
        if (role and row["role"] != role) or (sector and row["sector"] != sector):
            continue
        chosen.append(row)
        if len(chosen) >= limit:
            break
    return chosen


def account(ws: Workspace, platform: str, account_id: str) -> dict[str, Any]:
    """One account: profile, role and sector, recent posts, and who it talks with most, both ways."""
    found = ws.query(
        "SELECT platform, account_id, handle, display_name, bio, url, location, followers, following, created_at, "
        "first_seen, last_seen FROM accounts WHERE platform = ? AND account_id = ?",
        [platform, account_id],
    ).to_pylist()
    if not found:
        raise NoSuchAccount(f"there is no {platform} account '{account_id}' in this workspace.")
    labels = ws.query("SELECT * FROM labels WHERE platform = ? AND account_id = ?", [platform, account_id])
    timeline = ws.query(
        "SELECT platform, post_id, created_at, text, uri, reply_to, repost_of, quote_of, hashtags FROM posts "
        f"WHERE platform = ? AND account_id = ? ORDER BY created_at DESC, post_id LIMIT {TIMELINE_LIMIT}",
        [platform, account_id],
    )
    return {
        "account": found[0],
        "label": (labels.to_pylist() or [None])[0],
        "posts": int(ws.scalar("SELECT count(*) FROM posts WHERE platform = ? AND account_id = ?",
                               [platform, account_id]) or 0),
        "timeline": timeline.to_pylist(),
        "talks_to": _partners(ws, platform, account_id, "source", "target"),
        "hears_from": _partners(ws, platform, account_id, "target", "source"),
    }


def _partners(ws: Workspace, platform: str, account_id: str, own: str, other: str) -> list[dict[str, Any]]:
    sql = f"""
        SELECT i.{other} AS account_id, a.handle, a.display_name, i.platform, count(*) AS interactions,
               count(*) FILTER (WHERE kind = 'reply') AS replies,
               count(*) FILTER (WHERE kind = 'mention') AS mentions,
               count(*) FILTER (WHERE kind = 'quote') AS quotes,
               count(*) FILTER (WHERE kind = 'repost') AS reposts
          FROM interactions i LEFT JOIN accounts a ON a.platform = i.platform AND a.account_id = i.{other}
         WHERE i.platform = ? AND i.{own} = ? AND i.{other} <> i.{own}
         GROUP BY ALL ORDER BY interactions DESC, a.handle NULLS LAST, account_id LIMIT {PARTNERS_LIMIT}
    """
    return ws.query(sql, [platform, account_id]).to_pylist()


def rejected(ws: Workspace, limit: int = 100, run_id: int | None = None) -> dict[str, Any]:
    """Rejected records (newest run first), optionally of one import run, with the total."""
    where, params = ("WHERE run_id = ?", [run_id]) if run_id is not None else ("", [])
    rows = ws.query(
        f"SELECT rejected_id, run_id, file, number, format, reason, raw FROM rejected {where} "
        f"ORDER BY run_id DESC, file, number LIMIT {int(limit)}",
        params,
    ).to_pylist()
    total = int(ws.scalar(f"SELECT count(*) FROM rejected {where}", params) or 0)
    for row in rows:
        row["file"] = _file_name(row["file"])
    return {"total": total, "rows": rows}


def _file_name(path: Any) -> str:
    text = str(path or "")
    return text.replace("\\", "/").rsplit("/", 1)[-1]
