"""The overview section: how much was captured, from where, when, about what, and by whom."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa

from sociable.analyses.base import Measure
from sociable.reports import charts
from sociable.reports.sections import Block, Chart, Figures, Paragraph, ReportContext, Section, Table, section

TOP = 20

POSTS = Measure("Posts", "Posts stored in the workspace (originals, replies, quotes and reposts), counted once each.")
ACCOUNTS = Measure("Accounts posting", "Distinct accounts that wrote at least one of these posts.")
FIRST = Measure("First post", "Date and time of the earliest post, in UTC.")
LAST = Measure("Last post", "Date and time of the latest post, in UTC.")
ORIGINALS = Measure("Original posts", "Posts that are neither replies nor reposts (a quote counts as original).")
REPLIES = Measure("Replies", "Posts written in reply to another post.")
REPOSTS = Measure("Reposts", "Reshares of another post without new text (retweets, boosts, Bluesky reposts).")
POSTS_PER_BUCKET = Measure(
    "Posts per period", "Posts created in each day, week (Monday to Sunday) or month, by platform, in UTC."
)
HASHTAG_POSTS = Measure("Posts with the hashtag", "Posts (of any kind, reposts included) that carry the hashtag.")
HASHTAG_ACCOUNTS = Measure("Accounts using it", "Distinct accounts that wrote those posts.")
FIRST_USED = Measure("First used", "Date and time, in UTC, of the earliest of those posts.")
MENTIONS = Measure(
    "Mentions", "Posts that mention the account by name (a reply to the account is not counted as a mention)."
)
MENTIONED_BY = Measure("Mentioned by", "Distinct accounts that wrote those mentions.")
COLLECTION_POSTS = Measure("Posts in collection", "Posts filed under the collection when they were imported.")
PLATFORMS = Measure("Platforms", "Distinct platforms the posts come from.")


@section("overview", "Overview", order=10)
def overview_section(ctx: ReportContext, _: None = None) -> Section:
    """Counts, posts over time, top hashtags, most active and most mentioned accounts."""
    totals = _scalars(ctx, "SELECT count(*) AS posts, count(DISTINCT (p.platform, p.account_id)) AS accounts, "
                           "min(p.created_at) AS first, max(p.created_at) AS last FROM posts p WHERE {where}")
    if not totals["posts"]:
        return _empty_overview(ctx)
    blocks: list[Block] = [
        Figures((
            (POSTS, f"{totals['posts']:,}"),
            (ACCOUNTS, f"{totals['accounts']:,}"),
            (FIRST, _day(totals["first"])),
            (LAST, _day(totals["last"])),
        )),
        _platform_table(ctx),
    ]
    if not ctx.scope.collections:
        collections = _collection_table(ctx)
        if collections is not None:
            blocks.append(collections)
    blocks.append(_time_chart(ctx, totals["first"], totals["last"]))
    blocks.extend(_hashtag_blocks(ctx))
    blocks.append(_active_accounts(ctx))
    mentioned = _mentioned_accounts(ctx)
    if mentioned is not None:
        blocks.append(mentioned)
    scope = "this workspace" if ctx.scope.is_everything else f"this workspace ({ctx.scope.describe()})"
    intro = f"What {scope} holds: how many posts, from which platforms, over what time, about what and by whom."
    return Section("Overview", intro, blocks, key_points=_key_points(blocks))


def _key_points(blocks: list[Block]) -> tuple[str, ...]:
    """The busiest account and the most used hashtag, from the tables already built."""
    parts = []
    for block in blocks:
        if isinstance(block, Table) and block.caption == "Most active accounts" and block.table.num_rows:
            top = block.table.slice(0, 1).to_pylist()[0]
            parts.append(f"@{top['handle']} wrote the most posts ({top['posts']:,})")
        if isinstance(block, Table) and block.caption == "Top hashtags in detail" and block.table.num_rows:
            top = block.table.slice(0, 1).to_pylist()[0]
            parts.append(f"{top['hashtag']} was the most used hashtag ({_count(top['posts'], 'post')})")
    return (" and ".join(parts) + ".",) if parts else ()


def _empty_overview(ctx: ReportContext) -> Section:
    where = "This workspace" if ctx.scope.is_everything else f"This workspace ({ctx.scope.describe()})"
    return Section(
        "Overview",
        f"{where} holds no posts yet, so there is nothing to count or chart.",
        [Paragraph(
            "Import an archive or export first, for example `sociable import tweets.jsonl` (Twitter/X, Mastodon, "
            "Bluesky, RSS/Atom feeds and CSV exports are read), then make the report again."
        )],
    )


def _scope_sql(ctx: ReportContext, sql: str) -> tuple[str, dict[str, Any]]:
    where, params = ctx.post_condition("p")
    return sql.replace("{where}", where), params


def _scalars(ctx: ReportContext, sql: str) -> dict[str, Any]:
    text, params = _scope_sql(ctx, sql)
    rows = ctx.query(text, params).to_pylist()
    return rows[0] if rows else {}


def _table(ctx: ReportContext, sql: str) -> pa.Table:
    text, params = _scope_sql(ctx, sql)
    return ctx.query(text, params)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def _day(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%d %b %Y") if value.tzinfo else value.strftime("%d %b %Y")
    return "–" if value is None else str(value)


def _platform_table(ctx: ReportContext) -> Table:
    table = _table(ctx, """
        SELECT p.platform, count(*) AS posts,
               count(*) FILTER (WHERE p.reply_to IS NULL AND p.repost_of IS NULL) AS originals,
               count(*) FILTER (WHERE p.reply_to IS NOT NULL) AS replies,
               count(*) FILTER (WHERE p.repost_of IS NOT NULL) AS reposts,
               count(DISTINCT p.account_id) AS accounts,
               min(p.created_at) AS first_post, max(p.created_at) AS last_post
          FROM posts p WHERE {where} GROUP BY p.platform ORDER BY posts DESC, p.platform""")
    return Table(
        "Posts by platform",
        table,
        labels={"platform": "Platform", "posts": "Posts", "originals": "Original posts", "replies": "Replies",
                "reposts": "Reposts", "accounts": "Accounts posting", "first_post": "First post",
                "last_post": "Last post"},
        reading="How the posts divide between platforms, and how many of them start a conversation or answer one.",
        measures=(POSTS, ORIGINALS, REPLIES, REPOSTS, ACCOUNTS, FIRST, LAST),
    )


def _collection_table(ctx: ReportContext) -> Table | None:
    table = ctx.query("""
        SELECT c.name AS collection, count(*) AS posts, count(DISTINCT p.platform) AS platforms,
               count(DISTINCT (p.platform, p.account_id)) AS accounts,
               min(p.created_at) AS first_post, max(p.created_at) AS last_post
          FROM collections c JOIN posts p ON p.platform = c.platform AND p.post_id = c.post_id
         GROUP BY c.name ORDER BY posts DESC, c.name""")
    if table.num_rows == 0:
        return None
    return Table(
        "Posts by collection",
        table,
        labels={"collection": "Collection", "posts": "Posts in collection", "platforms": "Platforms",
                "accounts": "Accounts posting", "first_post": "First post", "last_post": "Last post"},
        reading="The named collections the posts were imported into; a post can belong to several.",
        measures=(COLLECTION_POSTS, PLATFORMS, ACCOUNTS, FIRST, LAST),
    )


def _time_chart(ctx: ReportContext, first: datetime, last: datetime) -> Chart:
    daily = _table(ctx, """
        SELECT CAST(timezone('UTC', p.created_at) AS DATE) AS day, p.platform, count(*) AS posts
          FROM posts p WHERE {where} GROUP BY ALL ORDER BY day, p.platform""")
    unit = time_unit(first.date(), last.date())
    series = bucket_counts(daily.to_pylist(), unit)
    table = pa.Table.from_pylist(series, schema=pa.schema(
        [("period", pa.date32()), ("platform", pa.string()), ("posts", pa.int64())]))
    label = {"day": "Day", "week": "Week starting", "month": "Month"}[unit]
    spec = charts.time_series(
        table, time="period", value="posts", series="platform", time_label=label, value_label="Posts",
        series_label="Platform", description=f"Posts per {unit} by platform.",
    )
    busiest = max(series, key=lambda row: (row["posts"], row["period"]))
    peak = {"day": "day was", "week": "week began on", "month": "month was"}[unit]
    when = f"{busiest['period']:%B %Y}" if unit == "month" else f"{busiest['period']:%d %b %Y}"
    return Chart(
        f"Posts per {unit}",
        spec,
        reading=f"How many posts were made each {unit}, one line per platform; the busiest {peak} {when}, "
                f"with {_count(busiest['posts'], 'post')} on {busiest['platform']}.",
        measures=(POSTS_PER_BUCKET,),
        data=table,
        data_labels={"period": label, "platform": "Platform", "posts": "Posts"},
    )


def time_unit(first: date, last: date) -> str:
    """Days for up to three months, weeks for up to three years, months beyond."""
    span = (last - first).days
    if span <= 92:
        return "day"
    return "week" if span <= 3 * 366 else "month"


def bucket_start(day: date, unit: str) -> date:
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def _next_bucket(start: date, unit: str) -> date:
    if unit == "day":
        return start + timedelta(days=1)
    if unit == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def bucket_counts(rows: list[dict[str, Any]], unit: str) -> list[dict[str, Any]]:
    """Sum daily counts (day, platform, posts) into periods, with a zero for every empty period."""
    if not rows:
        return []
    totals: dict[tuple[date, str], int] = {}
    for row in rows:
        key = (bucket_start(row["day"], unit), row["platform"])
        totals[key] = totals.get(key, 0) + int(row["posts"])
    platforms = sorted({platform for _, platform in totals})
    start = min(period for period, _ in totals)
    end = max(period for period, _ in totals)
    series: list[dict[str, Any]] = []
    period = start
    while period <= end:
        series.extend({"period": period, "platform": p, "posts": totals.get((period, p), 0)} for p in platforms)
        period = _next_bucket(period, unit)
    return series


def _hashtag_blocks(ctx: ReportContext) -> list[Block]:
    table = _table(ctx, f"""
        SELECT tag AS hashtag, count(DISTINCT (platform, post_id)) AS posts,
               count(DISTINCT (platform, account_id)) AS accounts, min(created_at) AS first_used
          FROM (SELECT p.platform, p.post_id, p.account_id, p.created_at, unnest(p.hashtags) AS tag
                  FROM posts p WHERE {{where}})
         GROUP BY tag ORDER BY posts DESC, accounts DESC, hashtag LIMIT {TOP}""")
    if table.num_rows == 0:
        return [Paragraph("None of these posts carries a hashtag.")]
    shown = table.set_column(0, "hashtag", pa.array(["#" + str(tag) for tag in table.column(0).to_pylist()]))
    spec = charts.bar_chart(shown, category="hashtag", value="posts", category_label="Hashtag",
                            value_label="Posts with the hashtag", description="Most used hashtags by number of posts.")
    top = shown.slice(0, 1).to_pylist()[0]
    return [
        Chart(
            "Top hashtags",
            spec,
            reading=f"The {_count(shown.num_rows, 'hashtag')} carried by the most posts; {top['hashtag']} leads "
                    f"with {_count(top['posts'], 'post')} from {_count(top['accounts'], 'account')}.",
            measures=(HASHTAG_POSTS, HASHTAG_ACCOUNTS),
        ),
        Table("Top hashtags in detail", shown,
              labels={"hashtag": "Hashtag", "posts": "Posts with the hashtag", "accounts": "Accounts using it",
                      "first_used": "First used"},
              reading="The same hashtags with how many accounts used them and when each first appeared.",
              measures=(HASHTAG_POSTS, HASHTAG_ACCOUNTS, FIRST_USED)),
    ]


def _active_accounts(ctx: ReportContext) -> Table:
    table = _table(ctx, f"""
        SELECT coalesce(a.handle, p.account_id) AS handle, a.display_name, p.platform, count(*) AS posts,
               count(*) FILTER (WHERE p.reply_to IS NULL AND p.repost_of IS NULL) AS originals,
               count(*) FILTER (WHERE p.reply_to IS NOT NULL) AS replies,
               count(*) FILTER (WHERE p.repost_of IS NOT NULL) AS reposts,
               max(p.created_at) AS last_post
          FROM posts p LEFT JOIN accounts a ON a.platform = p.platform AND a.account_id = p.account_id
         WHERE {{where}}
         GROUP BY p.platform, p.account_id, a.handle, a.display_name
         ORDER BY posts DESC, handle LIMIT {TOP}""")
    return Table(
        "Most active accounts",
        table,
        labels={"handle": "Handle", "display_name": "Display name", "platform": "Platform", "posts": "Posts",
                "originals": "Original posts", "replies": "Replies", "reposts": "Reposts", "last_post": "Last post"},
        reading=f"The {_count(table.num_rows, 'account')} that wrote the most posts, and how their posts divide.",
        measures=(POSTS, ORIGINALS, REPLIES, REPOSTS),
    )


def _mentioned_accounts(ctx: ReportContext) -> Table | None:
    table = _table(ctx, f"""
        WITH m AS (SELECT p.platform, p.account_id AS source, p.post_id, unnest(p.mentions) AS target
                     FROM posts p WHERE {{where}}),
        by_handle AS (SELECT platform, lower(handle) AS key, min(handle) AS handle,
                             min(display_name) AS display_name
                        FROM accounts WHERE handle IS NOT NULL GROUP BY ALL)
        SELECT coalesce(a.handle, h.handle, m.target) AS handle,
               coalesce(a.display_name, h.display_name) AS display_name, m.platform,
               count(DISTINCT m.post_id) AS mentions, count(DISTINCT m.source) AS mentioned_by
          FROM m
          LEFT JOIN accounts a ON a.platform = m.platform AND a.account_id = m.target
          LEFT JOIN by_handle h ON a.account_id IS NULL AND h.platform = m.platform AND h.key = lower(m.target)
         GROUP BY m.platform, m.target, a.handle, h.handle, a.display_name, h.display_name
         ORDER BY mentions DESC, mentioned_by DESC, handle LIMIT {TOP}""")
    if table.num_rows == 0:
        return None
    return Table(
        "Most mentioned accounts",
        table,
        labels={"handle": "Handle", "display_name": "Display name", "platform": "Platform",
                "mentions": "Mentions", "mentioned_by": "Mentioned by"},
        reading=f"The {_count(table.num_rows, 'account')} named most often in others' posts; an account need not have "
                "posted itself to appear here.",
        measures=(MENTIONS, MENTIONED_BY),
    )
