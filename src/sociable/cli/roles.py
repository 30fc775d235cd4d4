"""Commands: roles (label every account and keep the labels) and label (keep manual labels and re-apply)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from sociable.cli.app import app, console, open_workspace

if TYPE_CHECKING:
    from sociable.analyses.roles import RolesResult
    from sociable.store import Workspace


@app.command("roles")
def roles(
    ctx: typer.Context,
    manual: Annotated[
        Path | None,
        typer.Option("--manual", help="CSV of manual labels (handle or account_id, role, subtype, sector); they win."),
    ] = None,
) -> None:
    """Give every account a role, subtype and sector, keep them, and print the counts."""
    result = label_accounts(open_workspace(ctx), manual)
    print_roles(result)


@app.command("label")
def label(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV of manual labels: handle or account_id, role, subtype, sector.")],
) -> None:
    """Store manual labels from FILE (kept for later runs) and label every account again."""
    result = label_accounts(open_workspace(ctx), file)
    console.print(f"Stored manual labels from {file}; {result.manual} accounts now carry a manual label.",
                  markup=False)
    print_roles(result)


def label_accounts(ws: Workspace, manual: Path | None) -> RolesResult:
    """Run the roles analysis, then keep the manual labels given and the labels it derived."""
    from sociable.analyses.base import get_analysis

    result: RolesResult = get_analysis("roles").run(ws, manual=manual)
    if manual is not None:
        ws.save_manual_labels(result.manual_labels)
    ws.save_labels(result.labels)
    return result


def print_roles(result: RolesResult) -> None:
    """The count tables (roles, subtypes, sectors) with their declared headers, then the notes."""
    for name in result.shown_tables():
        console.print(_table(result, name))
    for note in result.notes:
        console.print(note, markup=False)


def _table(result: RolesResult, name: str) -> Table:
    info = result.table_info(name)
    out = Table(title=info.title, title_justify="left")
    for column, header in info.columns.items():
        out.add_column(header, justify="right" if column in ("accounts", "share") else "left")
    for row in getattr(result, name).to_pylist():
        cells = [str(row[c]) if row[c] is not None else "-" for c in info.columns if c not in ("accounts", "share")]
        out.add_row(*cells, str(row["accounts"]), f"{100 * row['share']:.1f}%")
    return out
