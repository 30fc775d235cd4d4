"""Commands: classify roles | sentiment | safety (sociable's judgement on records from any source)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.markup import escape

from sociable.analyses.classify import Tally, classify_lines, read_lines
from sociable.cli.app import app, console, err_console

classify_app = typer.Typer(
    help="Run sociable's judgement on your own JSON Lines file: one result per line, in order.",
    no_args_is_help=True,
)
app.add_typer(classify_app, name="classify")

FileOption = Annotated[Path, typer.Option("--file", "-f", help="JSON Lines input: one {\"id\", ...} object per line.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON result per line (errors included).")]


def _summary(row: dict[str, Any], kind: str) -> str:
    if "error" in row:
        return f"error: {row['error']}"
    if kind == "roles":
        subtype = f"/{row['subtype']}" if row["subtype"] else ""
        return f"{row['role']}{subtype} ({row['sector']}, {row['confidence']:.2f})"
    if kind == "sentiment":
        return f"{row['label']} ({row['probability']:.2f})"
    categories = ", ".join(sorted({f["category"] for f in row["findings"]}, key=lambda c: int(c[1:])))
    return row["verdict"] + (f" ({categories})" if categories else "")


def _run(kind: str, file: Path, as_json: bool, profession: str | None = None, review: bool = False) -> None:
    tally = Tally()
    for row in classify_lines(kind, read_lines(file), file.name, profession=profession, tally=tally,
                              review=review):
        if as_json:
            console.print(orjson.dumps(row).decode("utf-8"), markup=False, highlight=False)
        else:
            console.print(f"{escape(str(row.get('id') or '-'))}: {escape(_summary(row, kind))}")
    note = f"{tally.classified:,} of {tally.lines:,} lines classified"
    if tally.errors:
        note += f"; {tally.errors:,} could not be read (each error above says why)"
    err_console.print(note + ".", markup=False)


@classify_app.command("roles")
def classify_roles(file: FileOption, as_json: JsonOption = False) -> None:
    """Role, subtype and sector of each profile ({"id", "handle", "name", "bio"}), with the evidence."""
    _run("roles", file, as_json)


@classify_app.command("sentiment")
def classify_sentiment(file: FileOption, as_json: JsonOption = False) -> None:
    """Sentiment of each text ({"id", "text"}): negative, neutral or positive, with probabilities."""
    _run("sentiment", file, as_json)


@classify_app.command("safety")
def classify_safety(
    file: FileOption,
    as_json: JsonOption = False,
    profession: Annotated[
        str | None, typer.Option("--profession", "-p", help="Cite this profession's bodies (nurse, social worker…).")
    ] = None,
    review: Annotated[
        bool, typer.Option("--review", help="Review mode, as `sociable check --review`: finds more of what should "
                           "be flagged, asks about more near misses, and reads every text with the transformer.")
    ] = False,
) -> None:
    """Safe-practice check of each text ({"id", "text"}): the verdict and findings of `sociable check`, and
    "scores", the learned head's probability for each category R3–R13 before its thresholds."""
    if profession is not None:
        from sociable.safety import catalogue

        catalogue().bodies_for(profession)
    _run("safety", file, as_json, profession, review)
