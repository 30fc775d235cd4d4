"""The "Safe practice" report section: screening results as aggregate counts only.

It receives the result of the "safety" analysis (what `sociable screen` stored, counted in the
report's scope) and never shows a post's text, a flagged phrase or a handle: only how many posts
were screened and flagged, by category, severity and role.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from sociable.analyses.safety import (
    CATEGORY_ACCOUNTS,
    CATEGORY_POSTS,
    FINDINGS,
    FLAGGED,
    FLAGGED_SHARE,
    ROLE_SHARE,
    SCREENED,
    SEVERITIES,
    SEVERITY,
    VERDICT,
    SafetyResult,
)
from sociable.reports import charts
from sociable.reports.sections import Block, Chart, Figures, Paragraph, ReportContext, Section, Table, section

TITLE = "Safe practice"

_SEVERITY_LABELS = {"do_not_post": "Do not post", "think_again": "Think again", "advice": "Advice"}


@section("safety", TITLE, order=80, analysis="safety")
def safety_section(ctx: ReportContext, summary: SafetyResult) -> Section | None:
    """How many posts were screened and flagged, by category (with its meaning), severity and role."""
    if summary.posts == 0:
        return None
    if summary.screened == 0:
        return Section(TITLE, "Whether these posts follow safe professional practice.", [Paragraph(
            "These posts have not been screened yet. Run `sociable screen` (with --collection to screen one "
            "collection), then make the report again to see how many posts were flagged and why."
        )], key_points=("The posts have not been screened for safe practice yet: run `sociable screen`, then make "
                        "the report again.",))
    blocks: list[Block] = [_figures(summary), _verdict_table(summary)]
    if summary.findings:
        blocks.extend([_category_chart(summary), _category_table(summary), _severity_table(summary)])
    if summary.roles.num_rows:
        blocks.append(_role_table(summary))
    blocks.append(Paragraph(
        "Only counts are shown here: no post text, flagged words or account names. The checker is lexical and works "
        "on text alone, so it misses some risks and a flag is advice, not a judgement."
    ))
    collection = summary.scope.collection
    scope = f"the collection “{collection}”" if collection else "this workspace"
    intro = (f"How many posts in {scope} the safe-practice checker flagged, and which kinds of risk it found, "
             "from confidential details to boundaries and endorsements.")
    return Section(TITLE, intro, blocks, key_points=(safety_point(summary),))


def safety_point(summary: SafetyResult) -> str:
    """How many posts were flagged, and how many of them should not have been posted."""
    text = (f"Of {summary.screened:,} posts screened for safe practice, {summary.flagged:,} "
            f"({_share(summary.flagged, summary.screened)}) were flagged")
    rows = {row["verdict"]: row["posts"] for row in summary.verdicts.to_pylist()}
    stop = rows.get("do_not_post") or rows.get("do not post") or 0
    return text + (f"; {stop:,} should not have been posted." if stop else ".")


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def _figures(summary: SafetyResult) -> Figures:
    screened = f"{summary.screened:,}" if summary.screened == summary.posts else (
        f"{summary.screened:,} of {summary.posts:,}")
    return Figures((
        (SCREENED, screened),
        (FLAGGED, f"{summary.flagged:,}"),
        (FLAGGED_SHARE, _share(summary.flagged, summary.screened)),
        (FINDINGS, f"{summary.findings:,}"),
    ))


def _verdict_table(summary: SafetyResult) -> Table:
    rows = summary.verdicts.to_pylist()
    table = pa.table({
        "verdict": [row["verdict"] for row in rows],
        "posts": pa.array([row["posts"] for row in rows], pa.int64()),
        "share": [_share(row["posts"], summary.screened) for row in rows],
    })
    return Table(
        "Posts by verdict", table, labels={"verdict": "Verdict", "posts": "Posts", "share": "Share of screened"},
        reading="Each screened post counted once, under its most severe finding.",
        measures=(VERDICT, SCREENED),
    )


def _category_chart(summary: SafetyResult) -> Chart:
    rows: list[dict[str, Any]] = []
    for row in summary.categories.to_pylist():
        label = f"{row['category']} {row['title']}"
        rows.extend({"category": label, "severity": _SEVERITY_LABELS[key], "findings": row[key]}
                    for key in _SEVERITY_LABELS if row[key])
    table = pa.Table.from_pylist(rows, schema=pa.schema(
        [("category", pa.string()), ("severity", pa.string()), ("findings", pa.int64())]))
    spec = charts.stacked_bar_chart(
        table, category="category", value="findings", series="severity", category_label="Category",
        value_label="Findings", series_label="Severity", description="Findings by category and severity.",
    )
    top = max(summary.categories.to_pylist(), key=lambda row: row["findings"])  # the first of equals, R1 first
    return Chart(
        "Findings by category",
        spec,
        reading=f"Which kinds of risk the checker found; the most frequent was {top['category']} "
                f"({top['title']}), with {top['findings']:,} findings in {top['posts']:,} posts.",
        measures=(FINDINGS, SEVERITY),
        data=table,
        data_labels={"category": "Category", "severity": "Severity", "findings": "Findings"},
    )


def _category_table(summary: SafetyResult) -> Table:
    return Table(
        "Categories in detail",
        summary.categories,
        labels={"category": "Code", "title": "What it means", "findings": "Findings",
                "posts": "Posts with the category", "accounts": "Accounts", "do_not_post": "Do not post",
                "think_again": "Think again", "advice": "Advice"},
        reading="Each category with its meaning from the guidance catalogue, how many posts and accounts it touches, "
                "and how serious its findings were.",
        measures=(FINDINGS, CATEGORY_POSTS, CATEGORY_ACCOUNTS, SEVERITY),
    )


def _severity_table(summary: SafetyResult) -> Table:
    table = summary.severities.set_column(
        0, "severity", pa.array([s.capitalize() for s in summary.severities.column("severity").to_pylist()]))
    return Table(
        "Findings by severity", table, labels={"severity": "Severity", "findings": "Findings", "posts": "Posts"},
        reading=f"The {len(SEVERITIES)} levels of finding, most serious first, and how many posts have each.",
        measures=(SEVERITY, FINDINGS),
    )


def _role_table(summary: SafetyResult) -> Table:
    table = summary.roles
    shares = [_share(f, s) for f, s in zip(table.column("flagged").to_pylist(), table.column("screened").to_pylist(),
                                           strict=True)]
    table = table.append_column("share", pa.array(shares, pa.string()))
    return Table(
        "Flagged posts by role", table,
        labels={"role": "Role", "accounts": "Accounts", "screened": "Posts screened", "flagged": "Flagged posts",
                "findings": "Findings", "share": "Flagged share"},
        reading="Whether organisations, professionals or other people post more risky content, from the role labels.",
        measures=(SCREENED, FLAGGED, ROLE_SHARE),
    )
