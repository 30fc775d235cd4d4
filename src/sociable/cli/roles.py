"""Commands: roles (label every account) and label (store manual labels and re-apply)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pyarrow as pa
import typer
from rich.table import Table

from sociable.analyses.base import AnalysisResult
from sociable.cli.app import app, console, open_workspace


@app.command("roles")
def roles(
    ctx: typer.Context,
    manual: Annotated[
        Path | None,
        typer.Option("--manual", help="CSV of manual labels (handle or account_id, role, subtype, sector); they win."),
    ] = None,
) -> None:
    """Give every account a role, subtype and sector, and print the counts."""
    from sociable.analyses.roles import assign_roles

    ws = open_workspace(ctx)
    result = assign_roles(ws, manual=manual)
    print_roles(result)


@app.command("label")
def label(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV of manual labels: handle or account_id, role, subtype, sector.")],
) -> None:
    """Store manual labels from FILE (kept for later runs) and label every account again."""
    from sociable.analyses.roles import assign_roles

    ws = open_workspace(ctx)
    result = assign_roles(ws, manual=file)
    console.print(f"Stored manual labels from {file}; {result.facts['manual']} accounts now carry a manual label.")
    print_roles(result)


def print_roles(result: AnalysisResult) -> None:
    """Counts by role, subtype and sector as three tables, then the notes."""
    console.print(_table("Roles", result.tables["by_role"], ["role"]))
    console.print(_table("Subtypes", result.tables["by_subtype"], ["role", "subtype"]))
    console.print(_table("Sectors", result.tables["by_sector"], ["sector"]))
    for note in result.notes:
        console.print(note, markup=False)


def _table(title: str, counts: pa.Table, keys: list[str]) -> Table:
    table = Table(title=title, title_justify="left")
    for key in keys:
        table.add_column(key)
    table.add_column("accounts", justify="right")
    table.add_column("share", justify="right")
    for row in counts.to_pylist():
        cells = [str(row[k]) if row[k] is not None else "-" for k in keys]
        table.add_row(*cells, str(row["accounts"]), f"{100 * row['share']:.1f}%")
    return table
