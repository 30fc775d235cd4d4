"""Commands: dialogue, maturity, listen — each runs its registered analysis in one Scope and prints the result."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from sociable.analyses.base import Result, get_analysis
from sociable.analyses.dialogue import DEFAULT_WINDOW_HOURS
from sociable.cli.app import app, console, open_workspace

CollectionOption = Annotated[str | None, typer.Option("--collection", "-c", help="Only posts in this collection.")]
SinceOption = Annotated[datetime | None, typer.Option(help="From this date (UTC).")]
UntilOption = Annotated[datetime | None, typer.Option(help="Before this date (UTC).")]
OrgsOption = Annotated[
    list[Path] | None,
    typer.Option("--org", "--organisations",
                 help="A text file of an organisation's handles or account ids, one a line (repeatable)."),
]
WindowOption = Annotated[float, typer.Option(help="Hours within which an answer counts as a response.")]
LimitOption = Annotated[int, typer.Option("--limit", "-n", help="How many rows to show (0 = all).")]
DEFAULT_WINDOW = DEFAULT_WINDOW_HOURS


@app.command("dialogue")
def dialogue_command(
    ctx: typer.Context,
    collection: CollectionOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    org: OrgsOption = None,
    by: Annotated[str, typer.Option(help="account | role | sector | organisation")] = "account",
    window: WindowOption = DEFAULT_WINDOW,
    limit: LimitOption = 20,
) -> None:
    """Broadcasting or conversing? Dialogue measures per account, role, sector or organisation."""
    ws = open_workspace(ctx, read_only=True)
    result = get_analysis("dialogue").run(ws, ws.scope(collection, since, until), organisations=org or (), by=by,
                                          window=window)
    print_result(result, limit)


@app.command("maturity")
def maturity_command(
    ctx: typer.Context,
    org: OrgsOption = None,
    collection: CollectionOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    window: WindowOption = DEFAULT_WINDOW,
    rubric: Annotated[bool, typer.Option("--rubric", help="Also show the rubric the stages come from.")] = False,
) -> None:
    """Place an organisation (its accounts, from --org FILE) on the five maturity stages, and say why."""
    ws = open_workspace(ctx, read_only=True)
    result = get_analysis("maturity").run(ws, ws.scope(collection, since, until), organisations=org or (),
                                          window=window, rubric=rubric)
    print_result(result, 0)


@app.command("listen")
def listen_command(
    ctx: typer.Context,
    org: OrgsOption = None,
    keyword: Annotated[list[str] | None, typer.Option("--keyword", "--keywords", "-k",
                                                      help="A word or phrase (repeatable).")] = None,
    hashtag: Annotated[list[str] | None, typer.Option("--hashtag", "--hashtags", help="A hashtag (repeatable).")]
    = None,
    collection: CollectionOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    window: WindowOption = DEFAULT_WINDOW,
    unanswered: Annotated[bool, typer.Option("--unanswered", help="Show only the queue of unanswered posts.")]
    = False,
    sentiment: Annotated[bool, typer.Option("--sentiment/--no-sentiment", help="Score sentiment with VADER.")]
    = True,
    period: Annotated[str | None, typer.Option(help="Count per day, week or month.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Judge waiting times at this time (UTC).")] = None,
    limit: LimitOption = 20,
) -> None:
    """Listen for an organisation: volume, voices, sentiment, themes, and the unanswered queue."""
    ws = open_workspace(ctx, read_only=True)
    result = get_analysis("listening").run(
        ws, ws.scope(collection, since, until), organisations=org or (), keywords=keyword or (),
        hashtags=hashtag or (), window=window, unanswered=unanswered, sentiment=sentiment, period=period,
        as_of=as_of,
    )
    print_result(result, limit)


def print_result(result: Result, limit: int) -> None:
    """The headline, each table the result shows (its main one cut to `limit` rows), notes, then definitions."""
    for line in result.headline():
        console.print(Text(line))
    main = result.main_table() if result.tables() else None
    shown_columns: set[str] = set()
    for name in result.shown_tables():
        data, info = getattr(result, name), result.table_info(name)
        columns = tuple((column, header) for column, header in info.columns.items() if column in data.column_names)
        shown_columns.update(column for column, _ in columns)
        _print(data, columns, limit if data is main else 0, title=info.title)
    for note in result.notes:
        console.print(Text(note))
    for measure in result.measures:
        if measure.name in shown_columns:
            console.print(Text.assemble((f"{measure.name}: ", "bold"), measure.definition))


def _print(table: Any, columns: tuple[tuple[str, str], ...], limit: int, title: str | None = None) -> None:
    out = Table(title=title, title_justify="left")
    for name, header in columns:
        out.add_column(header, justify="left" if name in _TEXT_COLUMNS else "right", overflow="fold")
    rows = table.to_pylist()
    for row in rows[: limit or None]:
        out.add_row(*(Text(_cell(name, row.get(name))) for name, _ in columns))
    console.print(out)
    if limit and len(rows) > limit:
        console.print(f"{limit:,} of {len(rows):,} rows shown; use --limit 0 for all.")


_TEXT_COLUMNS = {"handle", "group_name", "style", "organisation", "stage", "summary", "conditions", "dimension",
                 "term", "example_handle", "example_text", "text", "uri", "status", "kind", "period", "org", "bucket",
                 "role"}


def _cell(name: str, value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else ""
    if name.endswith("_share") or name in ("reciprocity", "response_rate", "internal_share"):
        return f"{value:.0%}"
    if name.endswith("_hours"):
        return f"{value:.1f} h"
    if name == "mean_sentiment":
        return f"{value:+.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    text = " ".join(str(value).split())
    return text if len(text) <= 140 else text[:139] + "…"
