"""The digest: one small, self-contained HTML page for an email client, and the figures behind it.

A digest compares a period (the last 7 days, say) with the one before it: volume, voices, new
voices, asks and how many were answered, the themes of the period, the oldest posts still
waiting, and safe-practice findings as counts by category only (never posts or people). It is
written for a 600-pixel column: one column, inline styles, no scripts, no images.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from sociable.analyses.listening import ListeningResult
from sociable.store.scope import Scope

if TYPE_CHECKING:
    from sociable.store import Workspace

OLDEST_SHOWN = 5
TEXT_SHOWN = 180


@dataclass(slots=True)
class PeriodFigures:
    """The figures of one period."""

    start: datetime
    end: datetime
    posts: int = 0
    voices: int = 0
    new_voices: int = 0
    asks: int = 0
    answered: int = 0
    unanswered_overdue: int = 0
    unanswered_open: int = 0
    flagged: dict[str, int] = field(default_factory=dict)

    def figures(self) -> dict[str, float]:
        return {"posts": self.posts, "voices": self.voices, "new_voices": self.new_voices, "asks": self.asks,
                "answered": self.answered, "unanswered_overdue": self.unanswered_overdue,
                "unanswered_open": self.unanswered_open,
                "unanswered": self.unanswered_overdue + self.unanswered_open,
                "flagged": sum(self.flagged.values())}


@dataclass(slots=True)
class Digest:
    """What a digest shows: this period, the one before, themes and the oldest waiting posts."""

    organisations: tuple[str, ...]
    current: PeriodFigures
    previous: PeriodFigures
    themes: list[str]
    oldest: list[dict[str, Any]]
    queue_open: int | None = None


def period_figures(ws: Workspace, result: ListeningResult, scope: Scope) -> PeriodFigures:
    """The figures of one listening result over its scope, with flagged-risk counts from screening."""
    if scope.since is None or scope.until is None:
        raise ValueError("a digest period needs a start and an end")
    figures = PeriodFigures(scope.since, scope.until, posts=result.posts, voices=result.accounts,
                            new_voices=int(pc.sum(result.volume.column("new_voices")).as_py() or 0)
                            if result.volume.num_rows else 0,
                            asks=result.asked or 0, answered=(result.answered or 0) + (result.answered_late or 0),
                            unanswered_overdue=result.overdue or 0, unanswered_open=result.open or 0)
    if ws.has_screening():
        rows = ws.query("SELECT f.category, count(*) AS n FROM safety_findings f JOIN posts p USING (platform, "
                        f"post_id) WHERE {scope.condition('p')} GROUP BY ALL ORDER BY n DESC, category",
                        scope.params()).to_pylist()
        figures.flagged = {row["category"]: int(row["n"]) for row in rows}
    return figures


def oldest_waiting(queue: pa.Table, limit: int = OLDEST_SHOWN) -> list[dict[str, Any]]:
    """The oldest unanswered posts (time, who, kind, a short excerpt, link)."""
    rows = sorted(queue.to_pylist(), key=lambda row: (row["created_at"], row["post_id"]))[:limit]
    return [{"created_at": row["created_at"], "handle": row.get("handle"), "kind": row.get("kind"),
             "org": row.get("org"), "text": _short(row.get("text") or ""), "uri": row.get("uri"),
             "hours": row.get("age_hours")} for row in rows]


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TEXT_SHOWN else text[: TEXT_SHOWN - 1].rstrip() + "…"


# ---------------------------------------------------------------------- HTML

_STYLE = (
    "body{margin:0;padding:0;background:#f4f4f2;color:#1d1d1b;font:15px/1.45 Arial,Helvetica,sans-serif}"
    ".page{max-width:600px;margin:0 auto;background:#fff;padding:16px;box-sizing:border-box}"
    "h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:20px 0 6px;border-bottom:1px solid #ddd}"
    "p,li{overflow-wrap:anywhere;word-break:break-word}"
    "table{width:100%;border-collapse:collapse;table-layout:fixed}"
    "td,th{padding:4px 6px;text-align:left;border-bottom:1px solid #eee;overflow-wrap:anywhere;vertical-align:top}"
    "th{font-weight:bold}.n{text-align:right}.muted{color:#5c5c58;font-size:13px}"
    "ul{padding-left:18px;margin:4px 0}a{color:#0b5394}"
)

_ROWS = (("posts", "Posts about you"), ("voices", "Voices"), ("new_voices", "New voices"), ("asks", "Asks"),
         ("answered", "Answered"), ("unanswered_overdue", "Unanswered, overdue"),
         ("unanswered_open", "Unanswered, within the window"))


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _change(now: float, before: float) -> str:
    delta = now - before
    if not delta:
        return "same"
    sign = "+" if delta > 0 else "−"
    return f"{sign}{abs(delta):,.0f}"


def _day(value: datetime) -> str:
    return f"{value:%d %b %Y}"


def render_digest(digest: Digest) -> str:
    """The digest as one HTML page (escaped throughout; no scripts, no external resources)."""
    now, before = digest.current.figures(), digest.previous.figures()
    names = ", ".join(digest.organisations) or "your organisation"
    end = digest.current.end - timedelta(microseconds=1)
    parts = [
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        f"<title>Digest for {_e(names)}</title><style>{_STYLE}</style></head><body><div class=\"page\">",
        f"<h1>Digest for {_e(names)}</h1>",
        f"<p class=\"muted\">{_day(digest.current.start)} to {_day(end)}, compared with "
        f"{_day(digest.previous.start)} to {_day(digest.previous.end - timedelta(microseconds=1))}.</p>",
        "<h2>Volume and answers</h2><table><tr><th></th><th class=\"n\">this period</th>"
        "<th class=\"n\">before</th><th class=\"n\">change</th></tr>",
    ]
    for key, label in _ROWS:
        parts.append(f"<tr><td>{_e(label)}</td><td class=\"n\">{now[key]:,.0f}</td><td class=\"n\">"
                     f"{before[key]:,.0f}</td><td class=\"n\">{_change(now[key], before[key])}</td></tr>")
    parts.append("</table>")
    if digest.queue_open is not None:
        parts.append(f"<p>{digest.queue_open:,} items of the triage queue are new or in progress.</p>")
    parts.append("<h2>What changed</h2>")
    parts.append(_what_changed(now, before, digest.themes))
    parts.append("<h2>Oldest unanswered</h2>")
    parts.append(_oldest(digest.oldest))
    parts.append("<h2>Flagged risks</h2>")
    parts.append(_flagged(digest.current.flagged, digest.previous.flagged))
    parts.append("<p class=\"muted\">Made by sociable. Counts only: no post is judged by who wrote it. "
                 "Definitions: docs/digest.md.</p></div></body></html>")
    return "".join(parts)


def _what_changed(now: dict[str, float], before: dict[str, float], themes: list[str]) -> str:
    items = []
    if before["posts"]:
        ratio = now["posts"] / before["posts"]
        items.append(f"Volume is {ratio:.1f} times that of the period before." if ratio >= 1.5 else
                     f"Volume fell to {ratio:.0%} of the period before." if ratio <= 0.67 else
                     "Volume is about the same as the period before.")
    elif now["posts"]:
        items.append("Nothing was said about you in the period before; this period has posts.")
    if now["asks"]:
        items.append(f"{now['answered'] / now['asks']:.0%} of asks were answered "
                     f"(before: {before['answered'] / before['asks']:.0%})." if before["asks"] else
                     f"{now['answered'] / now['asks']:.0%} of asks were answered.")
    if now["new_voices"]:
        items.append(f"{now['new_voices']:,.0f} accounts talked about you for the first time.")
    if themes:
        items.append("Themes of the period: " + ", ".join(_e(t) for t in themes) + ".")
    if not items:
        return "<p>Nothing to compare: no posts in either period.</p>"
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def _oldest(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p>Nothing is waiting.</p>"
    out = ["<table><tr><th style=\"width:30%\">when, who</th><th>post</th></tr>"]
    for row in rows:
        link = f" <a href=\"{_e(row['uri'])}\">open</a>" if row.get("uri") and str(row["uri"]).startswith(
            ("https://", "http://")) else ""
        out.append(f"<tr><td>{_e(_day(row['created_at']))}<br>@{_e(row.get('handle') or '?')}<br>"
                   f"<span class=\"muted\">{_e(row.get('kind') or '')}</span></td>"
                   f"<td>{_e(row['text'])}{link}</td></tr>")
    out.append("</table>")
    return "".join(out)


def _flagged(now: dict[str, int], before: dict[str, int]) -> str:
    if not now and not before:
        return "<p>No safe-practice findings (or the posts were not screened: run <code>sociable screen</code>).</p>"
    out = ["<table><tr><th>category</th><th class=\"n\">this period</th><th class=\"n\">before</th></tr>"]
    for category in sorted(set(now) | set(before), key=lambda c: (-now.get(c, 0), c)):
        out.append(f"<tr><td>{_e(category)}</td><td class=\"n\">{now.get(category, 0):,}</td>"
                   f"<td class=\"n\">{before.get(category, 0):,}</td></tr>")
    out.append("</table>")
    return "".join(out)
