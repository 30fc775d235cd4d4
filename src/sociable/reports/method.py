"""The method notes appendix: where the data came from, how imports went, what each number means, limits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sociable.analyses.base import Measure
from sociable.reports.sections import (
    Block,
    Definitions,
    Figures,
    Paragraph,
    ReportContext,
    Section,
    Table,
    section,
)

READ = Measure("Records read", "Records found in the imported files (one post, status, entry or row each).")
STORED = Measure("Posts stored", "Posts new to the workspace (a repost also stores the original post it embeds).")
DUPLICATES = Measure("Duplicates", "Records whose post was already in the workspace (same platform and id); "
                                   "re-importing a file changes nothing.")
REJECTED = Measure("Rejected", "Records that could not be read or mapped; each is kept with its reason in the "
                               "workspace's rejected records.")
SOURCE_POSTS = Measure("Posts from the file", "Posts in the report whose stored copy came from that file and format.")
IMPORTED = Measure("Imported", "When the import runs started and finished, in UTC: the dates the data was collected.")

LIMITS = (
    "Only public posts that were in the imported files are counted: deleted, private or unsampled posts are "
    "missing, and platform exports and search APIs often return a sample rather than everything.",
    "Each post is stored once per platform and id; the same message cross-posted on two platforms counts twice.",
    "Mentions are matched by account id where the platform gives one, otherwise by lower-case handle, so an "
    "account that changed its handle may appear under two names.",
    "Like, repost and reply counts are the platform's figures at the time of capture and are not re-checked.",
    "All times are shown in UTC; days and weeks start at midnight UTC, which is an hour off UK local time in summer.",
    "Accounts are public accounts as the platforms describe them; handles and display names are shown as the "
    "account holders wrote them.",
)


@section("method", "Method notes", order=10_000)
def method_section(ctx: ReportContext, _: None = None) -> Section:
    """Data sources, import runs, rejected records, every definition used in the report, and limits."""
    blocks: list[Block] = []
    sources = _sources_table(ctx)
    if sources is not None:
        blocks.append(sources)
    blocks.extend(_run_blocks(ctx))
    rejections = _rejection_table(ctx)
    if rejections is not None:
        blocks.append(rejections)
    own = [measure for block in blocks for measure in _measures_of(block)]
    glossary = _unique([*ctx.shown_measures, *own])
    if glossary:
        blocks.append(Paragraph("Definitions of every number shown in this report:"))
        blocks.append(Definitions(tuple(glossary)))
    blocks.append(Paragraph("Limits of these figures:"))
    blocks.extend(Paragraph(limit) for limit in LIMITS)
    return Section(
        "Method notes",
        "Where the data came from, how it was imported, what each number means and what the figures cannot tell.",
        blocks,
    )


def _measures_of(block: Block) -> tuple[Measure, ...]:
    if isinstance(block, Table):
        return block.measures
    if isinstance(block, Figures):
        return tuple(measure for measure, _ in block.items)
    return ()


def _unique(measures: list[Measure]) -> list[Measure]:
    seen: set[str] = set()
    kept: list[Measure] = []
    for measure in measures:
        if measure.name not in seen:
            seen.add(measure.name)
            kept.append(measure)
    return kept


def _columns(ctx: ReportContext, table: str) -> set[str]:
    if not ctx.has_table(table):
        return set()
    rows = ctx.query("SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table])
    return {str(name) for name in rows.column(0).to_pylist()}


def _sources_table(ctx: ReportContext) -> Table | None:
    columns = _columns(ctx, "posts")
    if not {"format", "source_file"} <= columns:
        return None
    where, params = ctx.post_condition("p")
    table = ctx.query(
        f"""SELECT coalesce(p.format, 'unknown') AS format, coalesce(p.source_file, 'unknown') AS file,
                   p.platform, count(*) AS posts, min(p.created_at) AS first_post, max(p.created_at) AS last_post
              FROM posts p WHERE {where} GROUP BY ALL ORDER BY format, file, p.platform""",
        params,
    )
    if table.num_rows == 0:
        return None
    return Table(
        "Data sources",
        table,
        labels={"format": "Format", "file": "File", "platform": "Platform", "posts": "Posts from the file",
                "first_post": "First post", "last_post": "Last post"},
        reading="The files the posts in this report were read from, and the format each was read as.",
        measures=(SOURCE_POSTS,),
    )


def _run_blocks(ctx: ReportContext) -> list[Block]:
    wanted = ["run_id", "started_at", "finished_at", "file", "format", "read", "stored", "duplicates", "rejected"]
    columns = _columns(ctx, "runs")
    if not set(wanted) <= columns:
        return []
    runs = ctx.query(f"SELECT {', '.join(wanted)} FROM runs ORDER BY run_id, started_at, file")
    if runs.num_rows == 0:
        return [Paragraph("No import runs are recorded in this workspace.")]
    totals = _sum_runs(runs.to_pylist())
    return [
        Figures((
            (IMPORTED, f"{_day(totals['started'])} to {_day(totals['finished'])}"),
            (READ, f"{totals['read']:,}"),
            (STORED, f"{totals['stored']:,}"),
            (DUPLICATES, f"{totals['duplicates']:,}"),
            (REJECTED, f"{totals['rejected']:,}"),
        )),
        Table(
            "Import runs",
            runs,
            labels={"run_id": "Run", "started_at": "Started", "finished_at": "Finished", "file": "File",
                    "format": "Format", "read": "Records read", "stored": "Posts stored", "duplicates": "Duplicates",
                    "rejected": "Rejected"},
            reading="Every file imported into the workspace (for all collections), with what happened to its records.",
            measures=(READ, STORED, DUPLICATES, REJECTED),
        ),
    ]


def _sum_runs(rows: list[dict[str, Any]]) -> dict[str, Any]:
    starts = [row["started_at"] for row in rows if row["started_at"] is not None]
    ends = [row["finished_at"] for row in rows if row["finished_at"] is not None]
    totals: dict[str, Any] = {key: sum(int(row[key] or 0) for row in rows)
                              for key in ("read", "stored", "duplicates", "rejected")}
    totals["started"] = min(starts) if starts else None
    totals["finished"] = max(ends) if ends else (max(starts) if starts else None)
    return totals


def _day(value: datetime | None) -> str:
    if value is None:
        return "unknown"
    return (value.astimezone(UTC) if value.tzinfo else value).strftime("%d %b %Y")


def _rejection_table(ctx: ReportContext) -> Table | None:
    if not {"file", "reason"} <= _columns(ctx, "rejected"):
        return None
    table = ctx.query(
        "SELECT reason, file, count(*) AS records FROM rejected GROUP BY ALL ORDER BY records DESC, file, reason "
        "LIMIT 20"
    )
    if table.num_rows == 0:
        return None
    return Table(
        "Most common reasons for rejected records",
        table,
        labels={"reason": "Reason", "file": "File", "records": "Rejected"},
        reading="Why records were left out; run `sociable rejected` to see each one with its raw text.",
        measures=(REJECTED,),
    )
