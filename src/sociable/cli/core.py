"""Commands: import, remap, posts, accounts, collections, rejected, formats, simulate, report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.table import Table
from rich.text import Text

from sociable.cli.app import app, console, err_console, open_workspace, workspace_path
from sociable.cli.progress import count_lines, working
from sociable.cli.render import print_table, printable
from sociable.cli.scope import CollectionsOption, KindsOption, PlatformsOption, SinceOption, UntilOption, cli_scope
from sociable.errors import SociableError
from sociable.reports.exports.files import check_output, protected_paths, replacing
from sociable.sources.registry import check_reader_options, parse_reader_options
from sociable.store import ImportProgress, ImportSummary

CollectionOption = Annotated[str | None, typer.Option("--collection", "-c", help="Add the posts to this collection.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace the output file if it exists.")]
LimitOption = Annotated[int, typer.Option("--limit", "-n", min=0, metavar="N", help="How many rows to show (0 = all).")]


@app.command("import")
def import_command(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Files or folders to import.", show_default=False)],
    collection: CollectionOption = None,
    format_name: Annotated[str, typer.Option("--format", "-f", help="Input format, or 'auto' to detect.")] = "auto",
    mapping: Annotated[
        list[str] | None, typer.Option("--map", help="CSV column mapping, column=field (repeatable).")
    ] = None,
    platform: Annotated[str | None, typer.Option(help="Platform id for CSV files with a custom mapping.")] = None,
    reader_options: Annotated[
        list[str] | None,
        typer.Option("--option", metavar="KEY=VALUE",
                     help="A reader option, e.g. account_id=12345, handle=name or private=keep (repeatable; "
                          "`sociable formats --options` lists them)."),
    ] = None,
) -> None:
    """Import archives and exports into the workspace (re-importing changes nothing)."""
    options = {**parse_reader_options(reader_options), **_options(mapping, platform)}
    check_reader_options(options, format_name)
    ws = open_workspace(ctx, create=True)
    with _import_progress(list(files)) as report:
        summary = ws.import_files(files, format=format_name, collection=collection, options=options, progress=report)
    print_import_summary(summary)
    if summary.errors:
        raise typer.Exit(1)


def _options(mapping: list[str] | None, platform: str | None) -> dict[str, str]:
    options: dict[str, str] = {}
    for pair in mapping or []:
        if "=" not in pair:
            raise SociableError(f"--map expects column=field, got '{pair}'.")
    if mapping:
        options["map"] = ",".join(mapping)
    if platform:
        options["platform"] = platform
    return options


class _import_progress:
    """Progress on stderr while files are imported: a bar with percentage and time left when the records can be
    counted beforehand (JSON Lines and CSV, about one record a line), else a spinner with the records read."""

    def __init__(self, files: list[Path]) -> None:
        self.files = files

    def __enter__(self) -> Any:
        total = count_lines(self.files)
        self.block = working("Importing", total=total or None, counts="")
        self.activity = self.block.__enter__()
        self.before = 0  # records of the files already finished
        return self.update

    def update(self, event: ImportProgress) -> None:
        name = Path(event.file).name
        files = f" (file {event.file_index + 1} of {event.file_count})" if event.file_count > 1 else ""
        self.activity.update(completed=self.before + event.records, description=f"Importing {name}{files}",
                             counts=f"{self.before + event.records:,} records")
        if event.done:
            self.before += event.records

    def __exit__(self, *exc: Any) -> None:
        self.block.__exit__(*exc)


def print_import_summary(summary: ImportSummary) -> None:
    if summary.errors and not summary.total("read"):  # nothing could be read: the sentences say it all
        for error in summary.errors:
            err_console.print(Text(f"Error: {error}"))
        return
    table = Table(title=f"Import run {summary.run_id}", title_justify="left")
    widest = {"file": max((len(f.file) for f in summary.files), default=4),
              "format": max((len(f.format) for f in summary.files), default=6)}
    for name in ("file", "format", "read", "stored", "duplicates", "skipped", "rejected"):
        numeric = name not in ("file", "format")
        table.add_column(name, justify="right" if numeric else "left", overflow="fold", no_wrap=numeric,
                         min_width=None if numeric else min(widest[name], 16))
    for f in summary.files:
        _add(table, f.file, f.format, *(f"{getattr(f, n):,}" for n in ("read", "stored", "duplicates", "skipped",
                                                                          "rejected")))
    if len(summary.files) > 1:
        _add(table, "total", "", *(f"{summary.total(n):,}" for n in ("read", "stored", "duplicates", "skipped",
                                                                        "rejected")), style="bold")
    console.print(table)
    if summary.total("merged"):
        console.print(f"{summary.total('merged'):,} posts stored before from a partial copy were completed by a "
                      "fuller one (its raw record is kept).")
    for error in summary.errors:
        err_console.print(Text(f"Error: {error}"))
    if summary.total("rejected"):
        console.print(f"{summary.total('rejected'):,} records were rejected; run `sociable rejected` to see why.")


@app.command("remap")
def remap_command(
    ctx: typer.Context,
    format_name: Annotated[str | None, typer.Option("--format", "-f", help="Only records of this format.")] = None,
) -> None:
    """Re-apply the current mappers to the stored raw records (no re-import needed)."""
    ws = open_workspace(ctx)
    with working("Remapping the raw records"):
        result = ws.remap(format=format_name)
    console.print(f"Remapped {result.records:,} raw records into {result.posts:,} posts; {result.rejected:,} rejected.")


@app.command("posts")
def posts_command(
    ctx: typer.Context,
    collection: CollectionsOption = None,
    limit: LimitOption = 20,
    sort: Annotated[str, typer.Option(help="time | oldest | likes")] = "time",
    search: Annotated[str | None, typer.Option(help="Only posts whose text contains this.")] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    kinds: KindsOption = None,
    platform: PlatformsOption = None,
) -> None:
    """Show posts, newest first."""
    ws = open_workspace(ctx, read_only=True)
    scope = cli_scope(ws, collection, since, until, kinds, platform)
    rows = ws.posts(limit=limit or None, sort=sort, search=search, scope=scope).to_pylist()
    table = Table(show_lines=False)
    for name in ("time (UTC)", "account", "kind", "text"):
        table.add_column(name, overflow="fold")
    for row in rows:
        when = row["created_at"].strftime("%Y-%m-%d %H:%M")
        _add(table, when, _handle(row), _kind(row), _one_line(row["text"], 100))
    console.print(table)
    console.print(f"{len(rows):,} posts shown.")


@app.command("accounts")
def accounts_command(
    ctx: typer.Context,
    sort: Annotated[str, typer.Option(help="posts | mentioned | followers | handle")] = "posts",
    limit: LimitOption = 20,
    collection: CollectionsOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    kinds: KindsOption = None,
    platform: PlatformsOption = None,
) -> None:
    """Show accounts with their post counts and how often others engaged with them."""
    ws = open_workspace(ctx, read_only=True)
    scope = cli_scope(ws, collection, since, until, kinds, platform)
    rows = ws.accounts(sort, limit or None, scope=scope).to_pylist()
    table = Table()
    for name in ("account", "name", "posts", "engaged by others", "followers"):
        numeric = name in ("posts", "engaged by others", "followers")
        table.add_column(name, justify="right" if numeric else "left", overflow="fold", no_wrap=numeric)
    for row in rows:
        followers = "" if row["followers"] is None else f"{row['followers']:,}"
        _add(table, _handle(row), _one_line(row["display_name"] or "", 30), f"{row['posts']:,}",
                      f"{row['mentioned']:,}", followers)
    console.print(table)
    console.print(
        "posts: posts written in the workspace. engaged by others: replies, mentions, quotes and reposts received."
    )


@app.command("collections")
def collections_command(ctx: typer.Context) -> None:
    """List collections with their post counts and date ranges."""
    ws = open_workspace(ctx, read_only=True)
    print_table(console, ws.collections(), {"name": "collection", "posts": "posts", "first_post": "first post",
                                             "last_post": "last post"}, limit=0)


@app.command("rejected")
def rejected_command(
    ctx: typer.Context,
    limit: LimitOption = 50,
    file: Annotated[str | None, typer.Option(help="Only records from this file.")] = None,
    raw: Annotated[bool, typer.Option("--raw", help="Show the raw text of each record.")] = False,
) -> None:
    """Show records that could not be read or mapped, with the reason."""
    ws = open_workspace(ctx, read_only=True)
    table = ws.rejected(limit or None, file)
    total = ws.scalar("SELECT count(*) FROM rejected")
    if not table.num_rows:
        console.print("No rejected records.")
        return
    out = Table()
    for name in ("file", "line/record", "reason", *(["raw"] if raw else [])):
        out.add_column(name, overflow="fold")
    for row in table.to_pylist():
        cells = [Path(row["file"]).name, str(row["number"]), row["reason"]]
        if raw:
            cells.append(_one_line(row["raw"], 200))
        _add(out, *cells)
    console.print(out)
    console.print(f"{table.num_rows:,} of {total:,} rejected records shown.")


@app.command("formats")
def formats_command(
    options: Annotated[bool, typer.Option("--options", help="List the reader options (--option key=value).")] = False,
) -> None:
    """List the input formats sociable reads (and, with --options, the reader options each takes)."""
    from sociable.sources.registry import all_formats

    table = Table()
    if options:
        for name in ("option", "format", "what it does"):
            table.add_column(name)
        for fmt in all_formats():
            for key, help_text in fmt.options:
                _add(table, key, fmt.name, help_text)
        console.print(table)
        return
    for name in ("format", "platform", "what it reads"):
        table.add_column(name)
    for fmt in all_formats():
        _add(table, fmt.name, fmt.platform, fmt.description)
    console.print(table)


@app.command("simulate")
def simulate_command(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the sample (JSON Lines).")],
    posts: Annotated[int, typer.Option(help="How many posts to write.")] = 20000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same sample.")] = 7,
    org_file: Annotated[Path | None, typer.Option(
        "--org-file", help="Also write an organisation file (docs/organisations.md) for the sample's NHS trust.",
    )] = None,
    force: ForceOption = False,
) -> None:
    """Write a synthetic health and social care conversation (Twitter v1.1 JSON Lines) and its truth file."""
    from sociable.simulate import simulate
    from sociable.simulate.truth import organisation_file, truth_path

    if posts < 1:
        raise SociableError("--posts must be at least 1.")
    if not output.parent.exists():
        output.parent.mkdir(parents=True)
    guarded = protected_paths(workspace_path(ctx))
    with replacing(output, truth_path(output), force=force, protect=guarded) as folder, \
            working(f"Writing {posts:,} synthetic posts"):
        result = simulate(folder / output.name, posts=posts, seed=seed)
    console.print(
        f"Wrote {result.posts:,} posts by {result.accounts:,} accounts to {output} in {result.seconds:.1f} s "
        f"(truth: {truth_path(output)})."
    )
    if org_file is not None:
        truth = orjson.loads(truth_path(output).read_bytes())
        with replacing(org_file, force=force, protect=protected_paths(workspace_path(ctx), output)) as folder:
            (folder / org_file.name).write_text(organisation_file(truth), encoding="utf-8")
        console.print(f"Wrote the organisation file {org_file}.")


@app.command("report")
def report_command(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")] = Path("report.html"),
    collection: CollectionsOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    kinds: KindsOption = None,
    platform: PlatformsOption = None,
    title: Annotated[str | None, typer.Option(help="Title shown at the top of the report.")] = None,
    org: Annotated[
        list[Path] | None,
        typer.Option("--org", help="An organisation's accounts (a file of handles), for Maturity and Listening."),
    ] = None,
    force: ForceOption = False,
) -> None:
    """Write a self-contained HTML report (works offline); roles are derived and saved first."""
    from sociable.analyses.base import get_analysis
    from sociable.analyses.organisations import load_organisations
    from sociable.reports.html import write_report

    check_output(output, force=force, protect=protected_paths(workspace_path(ctx), *(org or [])))
    ws = open_workspace(ctx)  # writable: the role labels the report relies on are derived and saved first
    scope = cli_scope(ws, collection, since, until, kinds, platform)
    load_organisations(ws, list(org or []))  # a missing or empty file stops here, with its sentence
    with working("Writing the report", total=1) as activity:
        roles = get_analysis("roles").run(ws)
        ws.save_labels(roles.labels)

        def built(done: int, total: int, name: str) -> None:
            activity.progress.update(activity.task, total=total)
            activity.update(completed=done, counts=f"{done} of {total} sections ({name})")

        path = write_report(ws, output, scope, title=title, options={"organisations": list(org or [])},
                            results={"roles": roles} if scope.is_everything else None, force=force,
                            progress=built)
    console.print(f"Report written to {path} (workspace {workspace_path(ctx)}).")


def _add(table: Table, *cells: str, style: str | None = None) -> None:
    """Add a row whose cells are plain text: "[bold]" is shown, never interpreted, and control characters
    (terminal escapes in a post, a name or a raw record) are shown as spaces."""
    table.add_row(*(Text(printable(cell)) for cell in cells), style=style)


def _handle(row: dict[str, Any]) -> str:
    return f"@{row['handle']}" if row.get("handle") else str(row["account_id"])


def _kind(row: dict[str, Any]) -> str:
    if row.get("repost_of"):
        return "repost"
    if row.get("reply_to"):
        return "reply"
    if row.get("quote_of"):
        return "quote"
    return "post"


def _one_line(text: str | None, width: int) -> str:
    """Text on one line, cut to width, with control characters (terminal escapes) shown as spaces."""
    flat = " ".join(printable(text or "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
