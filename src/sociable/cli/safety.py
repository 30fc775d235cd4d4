"""Commands: safety (`sociable check` for drafts, `sociable screen` for stored posts)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from sociable.cli.app import app, console, err_console, open_workspace, workspace_path
from sociable.cli.render import result_json
from sociable.cli.scope import CollectionsOption, KindsOption, PlatformsOption, SinceOption, UntilOption, cli_scope
from sociable.errors import UnreadableFile
from sociable.reports.exports.files import check_output, protected_paths
from sociable.safety import CheckResult, catalogue, check, check_many

if TYPE_CHECKING:
    from sociable.analyses.safety import SafetyResult

_STYLE = {"ok": "green", "advice": "cyan", "think again": "yellow", "do not post": "bold red"}


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UnreadableFile(f"there is no file at {path}; check the path.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableFile(f"{path} could not be read as UTF-8 text ({exc}); save it as plain text.") from exc


def _batch(text: str, source: str, profession: str | None, review: bool = False) -> Iterator[dict[str, Any]]:
    """One result (or one error) per non-blank line of a JSON Lines file of {"id", "text"} objects, in order;
    the readable lines are checked together (`check_many`), as screening does."""
    rows: list[dict[str, Any] | tuple[str | None, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError:
            rows.append({"id": None, "line": number, "verdict": None,
                         "error": f'line {number} of {source} is not JSON; write one {{"id", "text"}} object per line'})
            continue
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            rows.append({"id": None, "line": number, "verdict": None,
                         "error": f'line {number} of {source} needs an object with a "text" string'})
            continue
        item_id = item.get("id")
        rows.append((None if item_id is None else str(item_id), item["text"]))
    results = check_many(((row[0] or "", row[1]) for row in rows if isinstance(row, tuple)), profession,
                         review=review)
    for row in rows:
        if isinstance(row, dict):
            yield row
        else:
            yield next(results).to_dict() | {"id": row[0]}


def _show(result: CheckResult) -> None:
    verdict = result.verdict
    console.print(
        f"[{_STYLE[verdict]}]{verdict.upper()}[/]" + ("" if result.findings else " — nothing to worry about.")
    )
    principles = catalogue().principles
    for f in result.findings:
        before, after = result.text[max(0, f.start - 30) : f.start], result.text[f.end : f.end + 30]
        console.print(
            f"\n[{_STYLE[f.severity]}]{f.severity}[/] · {f.category} {escape(catalogue().titles[f.category])}\n"
            f"  …{escape(before)}[reverse]{escape(f.text)}[/reverse]{escape(after)}…\n"
            f"  Why: {escape(f.why)}"
        )
        for pid in f.principles:
            p = principles[pid]
            note = " (see the body's current guidance)" if p.secondary else ""
            console.print(f"  {pid} ({escape(p.body_name)}): {escape(p.text)}{note}")
        console.print(f"  Try: {escape(f.suggestion)}")
        if f.kind == "review":
            console.print("  (Review mode: no category reached its threshold, but the post as a whole reads like "
                          "one that is flagged; the category is the likeliest.)")


@app.command("check")
def check_command(
    text: Annotated[str | None, typer.Argument(help="The draft post to check.")] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", help="Read the draft from a text file, or many from a .jsonl file of {id, text}."),
    ] = None,
    profession: Annotated[
        str | None,
        typer.Option("--profession", "-p", help="nurse, midwife, social worker, doctor, paramedic, AHP…"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (one result per line).")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when any post is flagged or any input line is unreadable.")
    ] = False,
    review: Annotated[
        bool, typer.Option("--review", help="Review mode: find more of what should be flagged, and ask about more "
                                            "harmless posts (docs/safety.md has the figures).")
    ] = False,
) -> None:
    """Check a draft post for safe professional practice before publishing it."""
    if (text is None) == (file is None):
        raise typer.BadParameter("give the draft as TEXT or with --file, not both and not neither.")
    catalogue().bodies_for(profession)
    if file is not None and file.suffix.lower() in {".jsonl", ".ndjson"}:
        results = list(_batch(_read(file), file.name, profession, review))
        for row in results:
            if as_json:
                console.print(orjson.dumps(row).decode("utf-8"), markup=False, highlight=False)
            else:
                label = row.get("error") or row["verdict"]
                console.print(f"{escape(str(row['id']))}: {escape(str(label))}")
        failed = any(r["verdict"] in {None, "think again", "do not post"} for r in results)
    else:
        draft = _read(file) if file is not None else text or ""
        result = check(draft, profession, review=review)
        if as_json:
            console.print(result.to_json(), markup=False, highlight=False)
        else:
            _show(result)
        failed = result.flagged
    if strict and failed:
        raise typer.Exit(code=1)


# ---------------------------------------------------------------------- screen


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def print_screening(summary: SafetyResult, top: int = 10) -> None:
    """The screening counts as tables: by verdict, by category, and the accounts most flagged."""
    for sentence in summary.headline():
        console.print(Text(sentence))
    verdicts = Table(title="Posts by verdict", title_justify="left")
    verdicts.add_column("verdict")
    verdicts.add_column("posts", justify="right")
    verdicts.add_column("share", justify="right")
    for row in summary.verdicts.to_pylist():
        verdicts.add_row(Text(row["verdict"], style=_STYLE[row["verdict"]]), f"{row['posts']:,}",
                         _percent(row["posts"], summary.screened))
    console.print(verdicts)
    if summary.categories.num_rows:
        _print_rows("Findings by category", summary.categories.to_pylist(),
                    ("category", "title", "findings", "posts", "accounts", "do_not_post", "think_again", "advice"))
    flagged = [r for r in summary.accounts.to_pylist() if r["findings"]][:top]
    if flagged and top > 0:
        for row in flagged:
            row["handle"] = row["handle"] or row["account_id"]
            row["categories"] = " ".join(row["categories"] or [])
        _print_rows(f"Accounts with findings (top {len(flagged)})", flagged,
                    ("platform", "handle", "screened", "flagged", "findings", "categories"))
    console.print("flagged: posts whose verdict is 'think again' or 'do not post'. The categories R1–R13 are "
                  "explained in docs/safety.md.")


def _print_rows(title: str, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    table = Table(title=title, title_justify="left")
    for name in columns:
        numeric = isinstance(rows[0][name], int)
        header = "code" if name == "category" else name.replace("_", " ")
        table.add_column(header, justify="right" if numeric else "left", overflow="fold",
                         min_width=20 if name == "title" else None)
    for row in rows:
        table.add_row(*(f"{row[n]:,}" if isinstance(row[n], int) else Text(str(row[n])) for n in columns))
    console.print(table)


@app.command("screen")
def screen_command(
    ctx: typer.Context,
    collection: CollectionsOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    kinds: KindsOption = None,
    platform: PlatformsOption = None,
    profession: Annotated[
        str | None, typer.Option("--profession", "-p", help="Cite this profession's bodies (nurse, social worker…).")
    ] = None,
    include_reposts: Annotated[bool, typer.Option(help="Screen reposts too (their words are someone else's).")] = False,
    csv: Annotated[Path | None, typer.Option("--csv", help="Also write every finding to this CSV file.")] = None,
    include_text: Annotated[
        bool, typer.Option(help="Put the flagged words in the CSV (they may identify people; off by default).")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace the --csv file if it exists.")] = False,
    top: Annotated[int, typer.Option(help="How many accounts to list.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as one JSON document (the safety "
                                                         "analysis's shape, docs/analyses.md).")] = False,
) -> None:
    """Screen the posts in scope for safe practice: findings for every post, summary by category."""
    from sociable.reports.exports import export_findings
    from sociable.safety.screen import screen

    if csv is not None:  # before the screening: a refused file name costs nothing
        check_output(csv, force=force, protect=protected_paths(workspace_path(ctx)))
    ws = open_workspace(ctx)
    scope = cli_scope(ws, collection, since, until, kinds, platform)
    with Progress(TextColumn("Screening"), BarColumn(), MofNCompleteColumn(), TextColumn("posts"),
                  console=err_console, transient=True) as bar:
        task = bar.add_task("screen", total=None)
        summary = screen(ws, scope, profession, include_reposts,
                         progress=lambda done, total: bar.update(task, completed=done, total=total))
    if csv is not None:
        written = export_findings(ws, csv, scope, include_text=include_text, force=force)
    if as_json:
        sys.stdout.write(result_json(summary) + "\n")
        return
    print_screening(summary, top)
    if csv is not None:
        console.print(Text(f"Wrote {written:,} findings to {csv}."))
