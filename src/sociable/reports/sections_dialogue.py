"""Report sections: Being sociable (dialogue), Maturity, and Listening with the unanswered queue."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from sociable.analyses import dialogue as dlg
from sociable.analyses import listening as lst
from sociable.analyses import maturity as mat
from sociable.analyses.base import Measure, Result
from sociable.reports import charts, readable
from sociable.reports.sections import (
    Block,
    Chart,
    Figures,
    Fragment,
    Paragraph,
    ReportContext,
    Section,
    Table,
    section,
)

TOP_ACCOUNTS = 25
QUEUE_ROWS = 50
QUEUE_POSTS = 10
DIALOGUE_LABELS = {
    "group_name": "Group", "handle": "Account", "role": "Role", "sector": "Sector", "style": "Style",
    "accounts": "Accounts", "posts": "Posts", "written": "Written", "broadcast_share": "Broadcasts",
    "reply_share": "Replies", "conversation_share": "In conversation", "conversations": "Conversations",
    "link_only_share": "Link only", "repost_share": "Reposts", "reciprocity": "Reciprocity",
    "received": "Received", "response_rate": "Answered", "median_response_hours": "Median time to answer",
    "people_share": "With people", "chat_sessions": "Chat hours",
}
# The report's tables keep the columns a reader compares; the rest are in `--json`, the CLI and the web API.
GROUP_COLUMNS = ("group_name", "accounts", "posts", "broadcast_share", "reply_share", "conversation_share",
                 "reciprocity", "response_rate", "median_response_hours")
SHARE_OF_WRITTEN = Measure(
    "Share of written posts",
    "Broadcasts, replies and other posts addressed to someone (mentions and quotes that are not replies), as % of "
    "written posts.",
)


def percent(table: pa.Table, columns: tuple[str, ...]) -> pa.Table:
    """Keep `columns`; shares and hours keep their raw values, which the report shows as % and days/hours."""
    return table.select(list(columns))


def worded(table: pa.Table, column: str = "group_name") -> pa.Table:
    """A column of vocabulary codes (roles, sectors) in words."""
    if column not in table.column_names:
        return table
    values = [None if v is None else readable.words(str(v)) for v in table.column(column).to_pylist()]
    return table.set_column(table.column_names.index(column), column, pa.array(values, pa.string()))


def _measures(result: Result, names: tuple[str, ...]) -> tuple[Measure, ...]:
    return tuple(m for m in result.measures if m.name in names)


# ---------------------------------------------------------------------- Being sociable


@section("dialogue", "Being sociable", order=40, analysis="dialogue")
def dialogue_section(ctx: ReportContext, result: dlg.DialogueResult) -> Section | None:
    """Who converses and who broadcasts, by role and account, and how fast answers come."""
    if not result.accounts.num_rows:
        return None
    blocks: list[Block] = [Paragraph(note) for note in result.notes]
    blocks.append(Figures(tuple((m, _figure(m.name, getattr(result, m.name))) for m in _measures(
        result, ("broadcast_share", "reply_share", "conversation_share", "reciprocity", "response_rate",
                 "median_response_hours")))))
    blocks.append(_sociable_chart(result))
    times = _response_chart(result)
    if times is not None:
        blocks.append(times)
    # Per account (the default) shows roles, sectors and the busiest accounts; another `by` shows that grouping.
    for name in ("role", "sector") if result.by == "account" else (result.by,):
        blocks.append(Table(result.table_info(name).title, worded(percent(getattr(result, name), GROUP_COLUMNS)),
                            DIALOGUE_LABELS, reading=dlg.POOLED_READING, measures=_measures(result, GROUP_COLUMNS)))
    if result.by == "account":
        columns = ("handle", "role", "style", *GROUP_COLUMNS[2:])
        blocks.append(Table(f"The {TOP_ACCOUNTS} most active accounts", percent(
            result.accounts.slice(0, TOP_ACCOUNTS), columns), DIALOGUE_LABELS, reading=dlg.STYLE_READING,
            measures=_measures(result, columns)))
    return Section("Being sociable", "Doing social is broadcasting; being sociable is replying, conversing and "
                   "listening back. These measures show which accounts do which.", blocks,
                   key_points=dialogue_points(result))


def dialogue_points(result: dlg.DialogueResult) -> tuple[str, ...]:
    """Whether accounts converse or broadcast, and how often and how fast they answer, in one or two sentences."""
    if result.broadcast_share is None:
        return ()
    text = (f"{readable.percent(result.broadcast_share)} of written posts address nobody in particular and "
            f"{readable.percent(result.reply_share)} are replies")
    if result.response_rate is not None:
        text += f"; {readable.percent(result.response_rate)} of the replies and mentions received were answered"
        if result.median_response_hours is not None:
            text += f", in a median of {readable.duration(result.median_response_hours)}"
    points = [text + "."]
    organisations = [row for row in result.role.to_pylist() if row["group_name"] == "organisation"]
    if organisations and organisations[0]["broadcast_share"] is not None:
        row = organisations[0]
        points.append(f"Organisation accounts broadcast {readable.percent(row['broadcast_share'])} of their written "
                      f"posts and answered {readable.percent(row['response_rate'])} of what they received.")
    return tuple(points)


def _figure(name: str, value: Any) -> str:
    if value is None:
        return "–"
    if name.endswith("_hours"):
        return readable.duration(value)
    return readable.percent(value)


def _sociable_chart(result: dlg.DialogueResult) -> Chart:
    rows = []
    for row in result.role.to_pylist():
        if not row["written"]:
            continue
        broadcast, reply = row["broadcast_share"] or 0.0, row["reply_share"] or 0.0
        for kind, share in (("Broadcasts", broadcast), ("Replies", reply),
                            ("Other addressed posts", max(0.0, 1 - broadcast - reply))):
            rows.append({"role": readable.words(str(row["group_name"])), "kind": kind, "share": round(100 * share, 1)})
    table = pa.Table.from_pylist(rows, schema=pa.schema([("role", pa.string()), ("kind", pa.string()),
                                                          ("share", pa.float64())]))
    spec = charts.stacked_bar_chart(table, category="role", value="share", series="kind", category_label="Role",
                                    value_label="% of written posts", series_label="Kind of post",
                                    description="Broadcasts, replies and other addressed posts by role.")
    return Chart("Sociable or broadcasting, by role", spec,
                 reading="The longer the broadcast bar, the more a role's posts address nobody in particular.",
                 measures=(SHARE_OF_WRITTEN, dlg.BROADCAST_SHARE, dlg.REPLY_SHARE), data=table,
                 data_labels={"role": "Role", "kind": "Kind of post", "share": "% of written posts"})


def _response_chart(result: dlg.DialogueResult) -> Chart | None:
    table = result.response_times
    if not table.num_rows:
        return None
    shown = table.select(["bucket", "role", "responses"])
    spec = charts.stacked_bar_chart(shown, category="bucket", value="responses", series="role",
                                    category_label="Time to answer", value_label="Answers", series_label="Role",
                                    description="How long direct answers to replies and mentions took, by role.")
    return Chart("How long answers take", spec, reading="Direct replies to replies and mentions received, by delay.",
                 measures=(dlg.RESPONSE_TIMES, dlg.MEDIAN_RESPONSE), data=shown,
                 data_labels={"bucket": "Time to answer", "role": "Role", "responses": "Answers"})


# ---------------------------------------------------------------------- Maturity


@section("maturity", "Maturity", order=45, analysis="maturity")
def maturity_section(ctx: ReportContext, result: mat.MaturityResult) -> Section | None:
    """Each organisation's stage, the reasons in measured values, and the rubric."""
    blocks: list[Block] = [Paragraph(note) for note in result.notes]
    if result.organisations.num_rows:
        columns = ("organisation", "stage", "active_accounts", "internal_share", "response_rate", "reciprocity",
                   "cross_sector_share", "people_share", "median_response_hours")
        blocks.insert(0, Table(result.table_info("organisations").title, percent(result.organisations, columns),
                               {"organisation": "Organisation", "stage": "Stage", "active_accounts": "Active accounts",
                                "internal_share": "Linked", "response_rate": "Answered",
                                "reciprocity": "Reciprocity", "cross_sector_share": "Across sectors",
                                "people_share": "With people", "median_response_hours": "Median time to answer"},
                               measures=_measures(result, columns)))
        rubric = result.rubric if result.rubric.num_rows else mat.rubric_table()  # the report always shows it
        info = result.table_info("rubric")
        blocks.append(Table(info.title, rubric, {"stage_number": "#", "stage": "Stage", "summary": "What it means",
                                                 "conditions": "Conditions (with those of every lower stage)"},
                            reading=info.reading))
    return Section("Maturity", "Five stages from dormant to empowering, placed by an explicit rubric over the "
                   "dialogue measures.", blocks, key_points=maturity_points(result))


def maturity_points(result: mat.MaturityResult) -> tuple[str, ...]:
    """Each organisation's stage (up to three), or how many are at each stage."""
    placements = list(result.placements)
    if not placements:
        return ()
    if len(placements) <= 3:
        return tuple(f"{p.organisation} is at stage {p.stage_number} of 5, {p.stage}." for p in placements)
    counts: dict[tuple[int, str], int] = {}
    for placement in placements:
        key = (placement.stage_number, placement.stage)
        counts[key] = counts.get(key, 0) + 1
    listing = ", ".join(f"{number} {stage}" for (_, stage), number in sorted(counts.items()))
    return (f"Of {len(placements)} organisation accounts placed one by one (give an organisation file with --org to "
            f"place an organisation as a whole): {listing}.",)


# ---------------------------------------------------------------------- Listening


@section("listening", "Listening", order=50, analysis="listening")
def listening_section(ctx: ReportContext, result: lst.ListeningResult) -> Section | None:
    """Posts to the organisation accounts: volume, sentiment, themes, and the unanswered queue."""
    if not result.posts:
        return None
    blocks: list[Block] = [Paragraph(note) for note in result.notes]
    blocks.append(_volume_chart(result))
    if result.sentiment.num_rows:
        blocks.append(_sentiment_chart(result))
    blocks.append(Table(result.table_info("voices").title, result.voices, {"dimension": "By", "group_name": "Group"},
                        measures=_measures(result, ("posts", "voices"))))
    if result.themes.num_rows:
        themes = result.themes.select(["theme", "name", "posts", "share", "cohesion", "example_1", "example_2",
                                       "example_3"])
        blocks.append(Table("Themes", themes, {"theme": "#", "name": "Theme", "posts": "Posts", "share": "Share",
                                               "cohesion": "Cohesion", "example_1": "Example",
                                               "example_2": "Example", "example_3": "Example"},
                            reading=result.table_info("themes").reading,
                            measures=_measures(result, ("theme", "theme_posts", "theme_share", "cohesion"))))
    if result.queue_checked:
        blocks.extend(_queue_blocks(result))
    return Section("Listening", "What people say to and about the organisation accounts, how it feels, and which "
                   "questions, requests and complaints no one from the organisation answered.", blocks,
                   key_points=listening_points(result))


def listening_points(result: lst.ListeningResult) -> tuple[str, ...]:
    """The unanswered queue first, then how much was said to the organisations."""
    points = []
    if result.asked:
        answered, late = result.answered or 0, result.answered_late or 0
        waiting = result.asked - answered - late
        text = (f"{readable.count(waiting, 'question, request or complaint', 'questions, requests or complaints')} "
                f"{'is' if waiting == 1 else 'are'} waiting for an answer")
        text += f" ({result.overdue:,} overdue)" if result.overdue else ""
        text += (f", of {result.asked:,} addressed to the organisations; {answered:,} were answered within "
                 f"{readable.duration(result.window_hours)}")
        text += f" and {late:,} later." if late else "."
        points.append(text)
    points.append(f"{readable.count(result.posts, 'post')} by {readable.count(result.accounts, 'account')} were "
                  "addressed to or about the organisations.")
    return tuple(points)


def _volume_chart(result: lst.ListeningResult) -> Chart:
    table = result.volume.select(["period", "posts", "new_voices"])
    spec = charts.time_series(table, time="period", value="posts", time_label="Period", value_label="Posts",
                              description=f"Posts about the organisations per {result.unit}.")
    return Chart(f"Posts per {result.unit}", spec, reading="How much was said to or about them over time.",
                 measures=_measures(result, ("posts", "new_voices")), data=table)


def _sentiment_chart(result: lst.ListeningResult) -> Chart:
    table = result.sentiment.select(["period", "mean_sentiment", "scored"])
    spec = charts.time_series(table, time="period", value="mean_sentiment", time_label="Period",
                              value_label="Mean sentiment (−1 to +1)", description="Mean sentiment score per period.",
                              scale="score")
    return Chart("Sentiment over time", spec, reading=lst.sentiment_limits(),
                 measures=_measures(result, ("mean_sentiment",)), data=table)


def _queue_blocks(result: lst.ListeningResult) -> list[Block]:
    queue = result.queue
    if not queue.num_rows:
        return [Paragraph("No questions, requests or complaints are waiting: every one found was answered.")]
    shown = queue.select(["kind", "status", "org", "handle", "created_at", "age_hours", "text"])
    posts = [{"handle": "@" + str(row["handle"]), "display_name": row["display_name"], "platform": row["platform"],
              "created_at": row["created_at"], "text": row["text"], "uri": row["uri"]}
             for row in queue.slice(0, QUEUE_POSTS).to_pylist()]
    return [
        Table("The unanswered queue", shown, {"org": "Asked of", "handle": "From", "created_at": "Posted",
                                              "age_hours": "Waiting for", "uri": "Link"},
              reading=result.table_info("queue").reading,
              measures=_measures(result, ("score", "age_hours", "asks")), max_rows=QUEUE_ROWS),
        Fragment("post_list.html", {"caption": f"The {len(posts)} most urgent, with links", "posts": posts}),
    ]
