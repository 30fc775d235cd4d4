"""What a cascade did after a correction: reaction rate and the share of reactions that deny or query.

The comparison uses two windows of equal length on either side of the first correction: from the
root to the correction, and as long again after it (at most a day each), so a cascade that simply
ran its course is not read as one the correction stopped. It is an association in time, not proof.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa

MAX_WINDOW = timedelta(days=1)


def correction_rows(reactions: pa.Table) -> list[dict[str, Any]]:
    """One row per cascade with a correction: the first correction and the spread before and after it."""
    rows = reactions.to_pylist()
    by_cascade: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_cascade.setdefault(row["cascade"], []).append(row)
    found = []
    for cascade, members in by_cascade.items():
        corrections = sorted((r for r in members if r["correction"]), key=lambda r: r["created_at"])
        root = next((r for r in members if r["kind"] == "root"), None)
        if not corrections or root is None:
            continue
        found.append(_compare(cascade, root, corrections, members))
    found.sort(key=lambda r: r["corrected_at"])
    return found


def _compare(cascade: str, root: dict[str, Any], corrections: list[dict[str, Any]],
             members: list[dict[str, Any]]) -> dict[str, Any]:
    first = corrections[0]
    at: datetime = first["created_at"]
    window = min(max(at - root["created_at"], timedelta(minutes=1)), MAX_WINDOW)
    others = [r for r in members if r["kind"] != "root" and r["post_id"] != first["post_id"]]
    before = [r for r in others if at - window <= r["created_at"] < at]
    after = [r for r in others if at <= r["created_at"] < at + window]
    hours = window.total_seconds() / 3600
    return {
        "cascade": cascade, "correction": first["post_id"], "platform": first["platform"],
        "handle": first["handle"], "authority": first["authority"], "stance": first["stance"],
        "corrected_at": at, "minutes_after_root": round((at - root["created_at"]).total_seconds() / 60, 1),
        "window_hours": round(hours, 2), "corrections": len(corrections),
        "before": len(before), "after": len(after),
        "rate_before": round(len(before) / hours, 2), "rate_after": round(len(after) / hours, 2),
        "deny_query_before": _share(before), "deny_query_after": _share(after),
        "text": first["text"],
    }


def _share(rows: list[dict[str, Any]]) -> float | None:
    return round(sum(1 for r in rows if r["stance"] in ("deny", "query")) / len(rows), 3) if rows else None


def describe(row: dict[str, Any]) -> str:
    """One sentence on a correction, worded as an association."""
    def pct(value: float | None) -> str:
        return "–" if value is None else f"{100 * value:.0f}%"

    return (f"@{row['handle'] or '?'} ({row['authority']}) {(row['stance'] == 'deny' and 'denied') or 'queried'} the "
            f"claim {row['minutes_after_root']:g} minutes after it was posted. In the {row['window_hours']:g} hours "
            f"before, the cascade drew {row['rate_before']:g} reactions an hour ({pct(row['deny_query_before'])} "
            f"denying or querying); in as long after, {row['rate_after']:g} an hour "
            f"({pct(row['deny_query_after'])} denying or querying). This is an association in time, not proof "
            "that the correction caused the change.")


CORRECTION_SCHEMA = pa.schema([
    ("cascade", pa.string()), ("correction", pa.string()), ("platform", pa.string()), ("handle", pa.string()),
    ("authority", pa.string()), ("stance", pa.string()), ("corrected_at", pa.timestamp("us", "UTC")),
    ("minutes_after_root", pa.float64()), ("window_hours", pa.float64()), ("corrections", pa.int64()),
    ("before", pa.int64()), ("after", pa.int64()), ("rate_before", pa.float64()), ("rate_after", pa.float64()),
    ("deny_query_before", pa.float64()), ("deny_query_after", pa.float64()), ("text", pa.string()),
])
