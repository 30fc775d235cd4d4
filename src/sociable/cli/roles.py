"""Command: label (keep manual labels, then label every account again).

`sociable roles` itself is made from the roles analysis's declaration (cli/analysis.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sociable.analyses.base import get_analysis
from sociable.cli.app import app, console, open_workspace
from sociable.cli.render import print_result
from sociable.library import keep_roles


@app.command("label")
def label(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV of manual labels: handle or account_id, role, subtype, sector.")],
) -> None:
    """Store manual labels from FILE (kept for later runs) and label every account again."""
    ws = open_workspace(ctx)
    try:
        result = get_analysis("roles").run(ws, manual=file)
        keep_roles(ws, result)
    finally:
        ws.close()
    console.print(f"Stored manual labels from {file}; {result.manual} accounts now carry a manual label.",
                  markup=False)
    print_result(console, result, limit=0)
