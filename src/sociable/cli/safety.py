"""Commands: safety (`sociable check`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.markup import escape

from sociable.cli.app import app, console
from sociable.errors import UnreadableFile
from sociable.safety import CheckResult, catalogue, check

_STYLE = {"ok": "green", "advice": "cyan", "think again": "yellow", "do not post": "bold red"}


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UnreadableFile(f"there is no file at {path}; check the path.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableFile(f"{path} could not be read as UTF-8 text ({exc}); save it as plain text.") from exc


def _batch(text: str, source: str, profession: str | None) -> Iterator[dict[str, Any]]:
    """One result (or one error) per non-blank line of a JSON Lines file of {"id", "text"} objects."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError:
            yield {
                "id": None,
                "line": number,
                "verdict": None,
                "error": f'line {number} of {source} is not JSON; write one {{"id", "text"}} object per line',
            }
            continue
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            yield {
                "id": None,
                "line": number,
                "verdict": None,
                "error": f'line {number} of {source} needs an object with a "text" string',
            }
            continue
        item_id = item.get("id")
        yield check(item["text"], profession, id=None if item_id is None else str(item_id)).to_dict()


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
) -> None:
    """Check a draft post for safe professional practice before publishing it."""
    if (text is None) == (file is None):
        raise typer.BadParameter("give the draft as TEXT or with --file, not both and not neither.")
    catalogue().bodies_for(profession)
    if file is not None and file.suffix.lower() in {".jsonl", ".ndjson"}:
        results = list(_batch(_read(file), file.name, profession))
        for row in results:
            if as_json:
                console.print(orjson.dumps(row).decode("utf-8"), markup=False, highlight=False)
            else:
                label = row.get("error") or row["verdict"]
                console.print(f"{escape(str(row['id']))}: {escape(str(label))}")
        failed = any(r["verdict"] in {None, "think again", "do not post"} for r in results)
    else:
        draft = _read(file) if file is not None else text or ""
        result = check(draft, profession)
        if as_json:
            console.print(result.to_json(), markup=False, highlight=False)
        else:
            _show(result)
        failed = result.flagged
    if strict and failed:
        raise typer.Exit(code=1)
