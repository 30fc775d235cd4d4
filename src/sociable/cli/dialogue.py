"""Commands: dialogue, maturity, listen."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import typer
from rich.table import Table
from rich.text import Text

from sociable.analyses import dialogue as dlg
from sociable.analyses.listening import Target, listen
from sociable.analyses.maturity import assess_maturity
from sociable.cli.app import app, console, open_workspace
from sociable.errors import SociableError

CollectionOption = Annotated[str | None, typer.Option("--collection", "-c", help="Only posts in this collection.")]
SinceOption = Annotated[datetime | None, typer.Option(help="From this date (UTC).")]
UntilOption = Annotated[datetime | None, typer.Option(help="Before this date (UTC).")]
OrgsOption = Annotated[
    list[Path] | None,
    typer.Option("--org", help="A text file of an organisation's handles or account ids, one a line (repeatable)."),
]
WindowOption = Annotated[float, typer.Option(help="Hours within which an answer counts as a response.")]
LimitOption = Annotated[int, typer.Option("--limit", "-n", help="How many rows to show (0 = all).")]

GROUPINGS = ("account", "role", "sector", "organisation")
DIALOGUE_COLUMNS = (
    ("posts", "posts"), ("broadcast_share", "broadcasts"), ("reply_share", "replies"),
    ("conversation_share", "in conversation"), ("link_only_share", "link only"), ("reciprocity", "reciprocity"),
    ("received", "received"), ("response_rate", "answered"), ("median_response_hours", "median answer"),
    ("people_share", "with people"), ("chat_sessions", "chat hours"),
)


@app.command("dialogue")
def dialogue_command(
    ctx: typer.Context,
    collection: CollectionOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    org: OrgsOption = None,
    by: Annotated[str, typer.Option(help="account | role | sector | organisation")] = "account",
    window: WindowOption = dlg.DEFAULT_WINDOW_HOURS,
    limit: LimitOption = 20,
) -> None:
    """Broadcasting or conversing? Dialogue measures per account, role, sector or organisation."""
    if by not in GROUPINGS:
        raise SociableError(f"--by should be one of {', '.join(GROUPINGS)}, not '{by}'.")
    ws = open_workspace(ctx, read_only=True)
    organisations = [dlg.load_organisation(ws, path) for path in org or []]
    if by == "organisation" and not organisations:
        raise SociableError("--by organisation needs at least one --org FILE listing an organisation's accounts.")
    result = dlg.measure_dialogue(ws, collection, since, until, organisations, window)
    table = result.tables["accounts" if by == "account" else by]
    first = ("handle", "account") if by == "account" else ("group_name", by)
    columns = (first, *(("style", "style"),) * (by == "account"), *DIALOGUE_COLUMNS)
    _print(table, columns, limit)
    for note in result.notes:
        console.print(Text(note))
    _print_definitions([m for m in result.measures if m.name in {name for name, _ in columns}])


@app.command("maturity")
def maturity_command(
    ctx: typer.Context,
    org: OrgsOption = None,
    collection: CollectionOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    window: WindowOption = dlg.DEFAULT_WINDOW_HOURS,
    rubric: Annotated[bool, typer.Option("--rubric", help="Also print the rubric the stages come from.")] = False,
) -> None:
    """Place an organisation (its accounts, from --org FILE) on the five maturity stages, and say why."""
    ws = open_workspace(ctx, read_only=True)
    organisations = [dlg.load_organisation(ws, path) for path in org or []]
    result = assess_maturity(ws, organisations, collection, since, until, window)
    if "organisations" in result.tables:
        _print(result.tables["organisations"], (
            ("organisation", "organisation"), ("stage", "stage"), ("active_accounts", "active accounts"),
            ("internal_share", "linked"), ("response_rate", "answered"), ("reciprocity", "reciprocity"),
            ("cross_sector_share", "across sectors"), ("people_share", "with people"),
            ("median_response_hours", "median answer"),
        ), 0)
    for note in result.notes:
        console.print(Text(note))
        console.print()
    if rubric and "rubric" in result.tables:
        _print(result.tables["rubric"], (("stage_number", "#"), ("stage", "stage"), ("summary", "what it means"),
                                         ("conditions", "conditions (with all lower stages')")), 0)


@app.command("listen")
def listen_command(
    ctx: typer.Context,
    org: Annotated[Path | None, typer.Option("--org", help="A text file of the organisation's handles, one a line.")]
    = None,
    keyword: Annotated[list[str] | None, typer.Option("--keyword", "-k", help="A word or phrase (repeatable).")]
    = None,
    hashtag: Annotated[list[str] | None, typer.Option("--hashtag", help="A hashtag (repeatable).")] = None,
    collection: CollectionOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    window: WindowOption = dlg.DEFAULT_WINDOW_HOURS,
    unanswered: Annotated[bool, typer.Option("--unanswered", help="Show only the queue of unanswered posts.")]
    = False,
    limit: LimitOption = 20,
) -> None:
    """Listen for an organisation: volume, voices, sentiment, themes, and the unanswered queue."""
    ws = open_workspace(ctx, read_only=True)
    organisations = (dlg.load_organisation(ws, org),) if org else ()
    if unanswered and not organisations:
        raise SociableError("--unanswered needs --org FILE: the accounts whose answers count.")
    target = Target(organisations, tuple(keyword or ()), tuple(hashtag or ()))
    result = listen(ws, target, collection, since, until, window, sentiment=not unanswered)
    if not unanswered:
        _print_listening(result.tables)
    if "queue" in result.tables:
        _print_queue(result.tables["queue"], limit)
    for note in result.notes:
        console.print(Text(note))


def _print_listening(tables: dict[str, pa.Table]) -> None:
    _print(tables["volume"], (("period", "period"), ("posts", "posts"), ("addressed", "to them"),
                              ("about", "about them"), ("voices", "voices"), ("new_voices", "new voices")), 0)
    _print(tables["voices"], (("dimension", "by"), ("group_name", "group"), ("posts", "posts"),
                              ("accounts", "accounts")), 0)
    if "sentiment" in tables:
        _print(tables["sentiment"], (("period", "period"), ("scored", "posts scored"),
                                     ("mean_sentiment", "mean sentiment"), ("positive_share", "positive"),
                                     ("negative_share", "negative")), 0)
    _print(tables["themes"], (("period", "period"), ("term", "theme"), ("term_posts", "posts"),
                              ("example_handle", "example by"), ("example_text", "example")), 0)


def _print_queue(queue: pa.Table, limit: int) -> None:
    if queue.num_rows == 0:
        console.print("No unanswered posts: every ask found was answered within the window.")
        return
    _print(queue, (("status", "status"), ("kind", "kind"), ("urgent", "urgent"), ("handle", "from"),
                   ("age_hours", "waiting"), ("text", "post"), ("uri", "link")), limit, title="Unanswered")
    console.print(f"{queue.num_rows:,} posts are waiting for an answer.")


def _print(table: pa.Table, columns: tuple[tuple[str, str], ...], limit: int, title: str | None = None) -> None:
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
                 "term", "example_handle", "example_text", "text", "uri", "status", "kind", "period"}


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


def _print_definitions(measures: list[Any]) -> None:
    for measure in measures:
        console.print(Text.assemble((f"{measure.name}: ", "bold"), measure.definition))
