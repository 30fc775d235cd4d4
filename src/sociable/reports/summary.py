"""The Summary at the top of the report (and of the web app's home): the reader's questions answered first.

It is built after every other section and gathers their `key_points` (sentences with the few
numbers that matter), each with a link down to its section, then says what changed between
the two halves of the period when the posts span at least two weeks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sociable.reports import readable
from sociable.reports.sections import Fragment, ReportContext, Section, section

MIN_SPAN = timedelta(days=14)  # shorter than this, two halves are too short to compare

# The reader's questions in the order they ask them: who is talking, what is waiting, do they converse,
# where are the silos, what was flagged. Sections not named here follow, in report order.
QUESTIONS = ("overview", "roles", "listening", "dialogue", "maturity", "map", "safety")


@dataclass(frozen=True, slots=True)
class Period:
    """What the posts in scope cover: how many, by how many accounts, from when to when."""

    posts: int
    accounts: int
    first: datetime | None
    last: datetime | None

    def words(self) -> str:
        """'1 Mar – 30 Apr 2022', or '' when there are no posts."""
        if self.first is None or self.last is None:
            return ""
        return date_range(self.first, self.last)


def date_range(first: datetime, last: datetime) -> str:
    """'7 Mar – 1 May 2022', '28 Dec 2021 – 3 Jan 2022', '5 May 2022'."""
    start, end = first.astimezone(UTC), last.astimezone(UTC)
    if start.date() == end.date():
        return f"{end.day} {end:%b %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
    return f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"


def period_of(ctx: ReportContext) -> Period:
    where, params = ctx.post_condition("p")
    row = ctx.query(f"SELECT count(*) AS posts, count(DISTINCT (p.platform, p.account_id)) AS accounts, "
                    f"min(p.created_at) AS first, max(p.created_at) AS last FROM posts p WHERE {where}",
                    params).to_pylist()[0]
    return Period(int(row["posts"]), int(row["accounts"]), row["first"], row["last"])


@section("summary", "Summary", order=0, gathers=True)
def summary_section(ctx: ReportContext, sections: list[Section]) -> Section | None:
    """The key points of every section, linked, and what changed since the previous period."""
    period = period_of(ctx)
    if not period.posts:
        return None
    points = [{"text": text, "section": built.title, "href": ctx.section_link.format(name=built.name)}
              for built in sorted(sections, key=_question_order) for text in built.key_points]
    opening = (f"{readable.count(period.posts, 'post')} by {readable.count(period.accounts, 'account')}, "
               f"{period.words()}.")
    return Section("Summary", "The answers first: who is talking and how much, what is waiting for an answer, "
                   "whether accounts converse or broadcast, where the silos and bridges are, and what was flagged.",
                   [Fragment("summary.html", {"opening": opening, "points": points, "change": change(ctx, period)})])


def _question_order(built: Section) -> tuple[int, int]:
    return (QUESTIONS.index(built.name) if built.name in QUESTIONS else len(QUESTIONS), built.order)


def change(ctx: ReportContext, period: Period) -> str | None:
    """What changed between the earlier and the later half of the period, in one or two sentences."""
    if period.first is None or period.last is None or period.last - period.first < MIN_SPAN:
        return None
    middle = period.first + (period.last - period.first) / 2
    where, params = ctx.post_condition("p")
    rows = ctx.query(f"""
        WITH scoped AS (SELECT p.platform, p.account_id, p.reply_to, p.repost_of, p.created_at >= $middle AS later
                          FROM posts p WHERE {where}),
        firsts AS (SELECT platform, account_id, bool_and(later) AS only_later FROM scoped GROUP BY ALL)
        SELECT later, count(*) AS posts, count(DISTINCT (platform, account_id)) AS accounts,
               count(*) FILTER (WHERE reply_to IS NOT NULL) AS replies,
               count(*) FILTER (WHERE repost_of IS NULL) AS written,
               (SELECT count(*) FROM firsts WHERE only_later) AS newcomers
          FROM scoped GROUP BY later""", {**params, "middle": middle}).to_pylist()
    halves = {bool(row["later"]): row for row in rows}
    before, after = halves.get(False), halves.get(True)
    if before is None or after is None:
        return None
    days = max(1, round((period.last - period.first).total_seconds() / 86400 / 2))
    text = (f"In the latest {days} days ({date_range(middle, period.last)}) there were "
            f"{readable.count(int(after['posts']), 'post')} by {readable.count(int(after['accounts']), 'account')}, "
            f"{_versus(int(after['posts']), int(before['posts']))} the {days} days before "
            f"({readable.count(int(before['posts']), 'post')} by {int(before['accounts']):,})")
    newcomers = int(after["newcomers"])
    text += f"; {readable.count(newcomers, 'account')} posted for the first time." if newcomers else "."
    reply_before = _share(before["replies"], before["written"])
    reply_after = _share(after["replies"], after["written"])
    if reply_before is not None and reply_after is not None:
        text += (f" Replies made up {readable.percent(reply_after)} of written posts, against "
                 f"{readable.percent(reply_before)} before.")
    return text


def _versus(now: int, then: int) -> str:
    if not then:
        return "against none in"
    ratio = now / then - 1
    if abs(ratio) < 0.05:
        return "about the same as in"
    return f"{readable.percent(abs(ratio))} {'more than' if ratio > 0 else 'fewer than'} in"


def _share(part: Any, whole: Any) -> float | None:
    return float(part) / float(whole) if whole else None
