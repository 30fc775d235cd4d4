"""Commands: `queue` (the triage queue and `queue mark`), `digest` and `alert`.

`sociable listen --org FILE` keeps the queue up to date as it runs (cli/analysis.py KEEP); so
does `sociable queue --org FILE`, which then prints it.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from sociable.analyses.alerts import ALERT_FIGURES, parse_condition, parse_period
from sociable.cli.analysis import KEEP
from sociable.cli.app import app, console, open_workspace, workspace_path
from sociable.cli.render import print_table, printable
from sociable.cli.scope import CollectionsOption, PlatformsOption, cli_scope
from sociable.library import alert_figures, import_lists, keep_queue, make_digest, refresh_queue
from sociable.reports.chats import write_document
from sociable.reports.digest import render_digest
from sociable.store.followup import QUEUE_STATES
from sociable.store.scope import to_utc

KEEP["listening"] = keep_queue

queue_app = typer.Typer(help="The triage queue: unanswered posts a team works through, with who took each and why.",
                        no_args_is_help=False, invoke_without_command=True)
app.add_typer(queue_app, name="queue")

OrgOption = Annotated[list[Path], typer.Option("--org", metavar="FILE", help="A text file of the organisation's "
                                                                              "handles, one a line (repeatable).")]
SincePeriod = Annotated[str, typer.Option("--since", metavar="PERIOD", help="The period: 24h, 7d, 2w...")]
AsOfOption = Annotated[str | None, typer.Option(
    "--as-of", metavar="WHEN", help="The end of the period (UTC; default: just after the last post about the "
                                    "organisation).")]

QUEUE_COLUMNS = {"state": "state", "assignee": "taken by", "org": "for", "created_at": "posted",
                 "handle": "from", "text": "post", "post_id": "id", "note": "note"}


@queue_app.callback()
def queue_command(
    ctx: typer.Context,
    org: Annotated[list[Path] | None, typer.Option("--org", metavar="FILE", help="Refresh the queue for this "
                                                                                  "organisation file first.")] = None,
    closed: Annotated[bool, typer.Option("--closed", help="Also show items answered on the platform.")] = False,
    audit: Annotated[bool, typer.Option("--audit", help="Show who did what, newest first.")] = False,
    collection: CollectionsOption = None,
    platform: PlatformsOption = None,
) -> None:
    """The triage queue: refreshed from listening, then shown (open items first, oldest first)."""
    if ctx.invoked_subcommand is not None:
        return
    ws = open_workspace(ctx, read_only=not org)
    try:
        kept = refresh_queue(ws, list(org), cli_scope(ws, collection, platform=platform)) if org else ""
        names = [path.stem for path in org] if org else [None]
        tables = [ws.queue(name, include_closed=closed) for name in names]
        events = ws.queue_audit(names[0] if len(names) == 1 else None) if audit else None
    finally:
        ws.close()
    if kept:
        console.print(Text(kept))
    for table in tables:
        rows = table.to_pylist()
        if not rows:
            console.print("The queue is empty." if not org else "Nothing is waiting in the queue.")
            continue
        print_table(console, table, QUEUE_COLUMNS, limit=0, title="Triage queue")
    if events is not None:
        print_table(console, events, {"happened_at": "when", "actor": "who", "action": "did", "state": "state",
                                      "post_id": "post", "note": "note"}, limit=0, title="Who did what")


@queue_app.command("mark")
def mark_command(
    ctx: typer.Context,
    post: Annotated[str, typer.Argument(help="The post's id (as `sociable queue` shows it) or its address.")],
    state: Annotated[str, typer.Argument(help=f"The new state: {', '.join(QUEUE_STATES)}.")],
    by: Annotated[str, typer.Option("--by", help="Who is taking it (a name or a team).")],
    note: Annotated[str | None, typer.Option("--note", help="What was done, or why no reply is needed.")] = None,
    org: Annotated[str | None, typer.Option("--org", metavar="NAME", help="Only the item of this organisation "
                                                                         "(its file's name).")] = None,
) -> None:
    """Set a queued post's state, who took it and a note; the change is kept in the audit."""
    ws = open_workspace(ctx)
    try:
        marked = ws.mark_queue(post, state, by, note, org)
    finally:
        ws.close()
    for item in marked:
        console.print(Text(f"Marked {item['post_id']} ({item['org']}) {item['state']}, by {by.strip()}."))


@app.command("digest")
def digest_command(
    ctx: typer.Context,
    org: OrgOption,
    output: Annotated[Path, typer.Option("--output", "-o", help="The .html file to write.")],
    since: SincePeriod = "7d",
    as_of: AsOfOption = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    collection: CollectionsOption = None,
    platform: PlatformsOption = None,
) -> None:
    """A one-page HTML digest for an email client: this period against the one before."""
    hours = parse_period(since)
    ws = open_workspace(ctx, read_only=True)
    try:
        digest = make_digest(ws, org, hours, _as_of(as_of), cli_scope(ws, collection, platform=platform))
    finally:
        ws.close()
    write_document(render_digest(digest), output, force=force, protect=(workspace_path(ctx), *org))
    console.print(Text(f"Wrote the digest ({digest.current.posts:,} posts, {digest.current.unanswered_overdue:,} "
                       f"overdue) to {output}."))


@app.command("alert")
def alert_command(
    ctx: typer.Context,
    org: OrgOption,
    condition: Annotated[str, typer.Option("--if", metavar="CONDITION", help="When to alert, e.g. "
                                           "'unanswered_overdue > 0'; figures: " + ", ".join(ALERT_FIGURES) + ".")],
    since: SincePeriod = "7d",
    as_of: AsOfOption = None,
    collection: CollectionsOption = None,
    platform: PlatformsOption = None,
) -> None:
    """Exit with status 1 and print the waiting posts when the condition holds (for cron and CI)."""
    check = parse_condition(condition)
    hours = parse_period(since)
    ws = open_workspace(ctx, read_only=True)
    try:
        figures, queue = alert_figures(ws, org, hours, _as_of(as_of), cli_scope(ws, collection, platform=platform))
    finally:
        ws.close()
    shown = ", ".join(f"{name} = {figures[name]:g}" for name in dict.fromkeys(check.names))
    if not check.evaluate(figures):
        console.print(Text(f"No alert: {condition} does not hold ({shown})."))
        return
    console.print(Text(f"ALERT: {condition} ({shown})."))
    for row in sorted(queue.to_pylist(), key=lambda r: (r["created_at"], r["post_id"])):
        console.print(Text(f"- {row['status']}: {row['created_at']:%Y-%m-%d %H:%M} @{row['handle']}: "
                           f"{printable(' '.join((row['text'] or '').split()))[:160]} {row.get('uri') or ''}"))
    sys.exit(1)


def _as_of(value: str | None) -> datetime | None:
    return to_utc(value, "--as-of") if value else None


lists_app = typer.Typer(help="Curated lists (Bluesky, Mastodon, X): named segments of accounts, usable as filters "
                             "(--list NAME), as organisations (--org list:NAME) and as manual labels.",
                        invoke_without_command=True)
app.add_typer(lists_app, name="lists")


@lists_app.callback()
def lists_command(ctx: typer.Context) -> None:
    """The curated lists in the workspace, with how many members each has and how many are known accounts."""
    if ctx.invoked_subcommand is not None:
        return
    ws = open_workspace(ctx, read_only=True)
    try:
        table = ws.query("SELECT l.name, l.platform, l.title, l.label, count(m.list) AS members FROM lists l "
                         "LEFT JOIN list_members m ON m.list = l.name GROUP BY ALL ORDER BY l.name")
    finally:
        ws.close()
    if not table.num_rows:
        console.print("There are no curated lists yet; import one with `sociable lists import FILE`.")
        return
    print_table(console, table, {"name": "list", "platform": "platform", "title": "title", "members": "members",
                                 "label": "label"}, limit=0)


@lists_app.command("import")
def lists_import_command(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Bluesky getList JSON or repository export (CAR), Mastodon list "
                                                     "accounts JSON or lists.csv, X list members CSV (an X archive's "
                                                     "list files name lists but not their members).")],
    label: Annotated[str | None, typer.Option("--as", metavar="FIELD=VALUE", help="Also give the members a manual "
                                              "label, e.g. sector=housing.")] = None,
) -> None:
    """Import curated lists; a list of the same name is replaced."""
    ws = open_workspace(ctx, create=True)
    try:
        imported = import_lists(ws, files, label)
    finally:
        ws.close()
    for name, members in imported.kept:
        console.print(Text(f"Kept the list '{name}' ({members:,} members)."))
    for note in imported.notes:
        console.print(Text(note))
