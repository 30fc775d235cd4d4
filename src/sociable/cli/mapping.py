"""Commands: map (communities, silos, brokers, influence) and export graph (GEXF, GraphML, CSV).

Both run the registered Map analysis on the Scope their flags describe; its options (and their
help) are the ones the analysis declares.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import pyarrow as pa
import typer
from rich.table import Table
from rich.text import Text

from sociable.analyses.network_map import OPTIONS
from sociable.cli.app import app, console, open_workspace

if TYPE_CHECKING:
    from sociable.analyses.network_map import MapResult
    from sociable.store import Scope, Workspace

export_app = typer.Typer(help="Export data from the workspace (graph: GEXF, GraphML or CSV).", no_args_is_help=True)
app.add_typer(export_app, name="export")

_HELP = {option.name: option.help for option in OPTIONS}

CollectionOption = Annotated[
    str | None, typer.Option("--collection", "-c", help="Only the posts in this collection (or several: a,b).")
]
SinceOption = Annotated[datetime | None, typer.Option(help="From this date (UTC).")]
UntilOption = Annotated[datetime | None, typer.Option(help="Before this date (UTC).")]
KindsOption = Annotated[str | None, typer.Option(help="Only these kinds of post: post,reply,quote,repost.")]
PlatformsOption = Annotated[str | None, typer.Option(help="Only these platforms, e.g. bluesky,mastodon.")]
InteractionsOption = Annotated[str | None, typer.Option(help=_HELP["interactions"])]
MinWeightOption = Annotated[int | None, typer.Option("--min-weight", help=_HELP["min_weight"] + " [default: 1]")]
ResolutionOption = Annotated[float | None, typer.Option(help=_HELP["resolution"] + " [default: 1.0]")]
SeedOption = Annotated[int | None, typer.Option(help=_HELP["seed"] + " [default: 42]")]
MethodOption = Annotated[str | None, typer.Option(help=_HELP["method"] + " [default: modularity]")]
TopOption = Annotated[int, typer.Option("--top", "-n", help="Rows to show in each table.")]

# The measures defined under each table the command prints (after the last of a group).
TABLE_MEASURES: dict[str, tuple[str, ...]] = {
    "communities": ("community", "cohesion", "key accounts", "top hashtags"),
    "ei_by_role": ("crossing share", "E-I index", "inside share", "assortativity", "labelled share"),
    "brokers": ("betweenness", "constraint", "sectors reached", "communities reached"),
    "influence": ("pagerank", "pagerank cross-sector", "engaged by sectors", "engaged by communities"),
}


def run_map(ws: Workspace, scope: Scope, **options: Any) -> MapResult:
    """The registered Map analysis on this scope; options left at None take their declared defaults."""
    from sociable.analyses.base import get_analysis

    result: MapResult = get_analysis("map").run(ws, scope, **options)
    return result


def _number(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() and abs(value) >= 1 else f"{value:.{digits}g}"
    return str(value)


def _show(title: str, table: pa.Table, columns: dict[str, str], top: int) -> None:
    """Print the first `top` rows of an Arrow table; every cell is plain text, never markup."""
    out = Table(title=title, title_justify="left")
    for header in columns.values():
        out.add_column(header, overflow="fold")
    for row in table.slice(0, top).to_pylist():
        out.add_row(*(Text(_number(row[name])) for name in columns))
    console.print(out)


def _definitions(result: MapResult, names: tuple[str, ...]) -> None:
    for name in names:
        measure = result.measure(name)
        if measure is not None:
            console.print(Text(f"  {name}: {measure.definition}", style="dim"))


def print_map(result: MapResult, top: int = 10) -> None:
    """Print the Map result: its headline, then each table it shows with the definitions it uses."""
    if not result.accounts:
        for note in result.notes:
            console.print(Text(note))
        return
    for line in result.headline():
        console.print(Text(line))
    for name in result.shown_tables():
        if name == "ei_by_sector":
            console.print(Text("Silos", style="bold"))
            for note in result.notes:
                console.print(Text(f"  {note}"))
        info = result.table_info(name)
        _show(info.title, getattr(result, name), dict(info.columns), top)
        _definitions(result, TABLE_MEASURES.get(name, ()))


@app.command("map")
def map_command(
    ctx: typer.Context,
    collection: CollectionOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    kinds: KindsOption = None,
    platforms: PlatformsOption = None,
    interactions: InteractionsOption = None,
    min_weight: MinWeightOption = None,
    resolution: ResolutionOption = None,
    seed: SeedOption = None,
    method: MethodOption = None,
    top: TopOption = 10,
) -> None:
    """Map who talks with whom: communities, silos, brokers and influence."""
    ws = open_workspace(ctx, read_only=True)
    scope = ws.scope(collection, since, until, kinds, platforms)
    result = run_map(ws, scope, interactions=interactions, min_weight=min_weight, resolution=resolution, seed=seed,
                     method=method, with_layout=False)
    print_map(result, top)


@export_app.command("graph")
def export_graph_command(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write (a folder for csv).")],
    graph_format: Annotated[str, typer.Option("--format", "-f", help="gexf | graphml | csv")] = "gexf",
    collection: CollectionOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    kinds: KindsOption = None,
    platforms: PlatformsOption = None,
    interactions: InteractionsOption = None,
    min_weight: MinWeightOption = None,
    resolution: ResolutionOption = None,
    seed: SeedOption = None,
    method: MethodOption = None,
) -> None:
    """Write the interaction network with every Map measure, for Gephi (GEXF), GraphML tools or CSV."""
    from sociable.reports.graph_export import FORMATS, ExportError, export_graph

    if graph_format.strip().lower() not in FORMATS:
        raise ExportError(f"unknown graph format {graph_format!r}; choose from {', '.join(FORMATS)}.")
    ws = open_workspace(ctx, read_only=True)
    scope = ws.scope(collection, since, until, kinds, platforms)
    result = run_map(ws, scope, interactions=interactions, min_weight=min_weight, resolution=resolution, seed=seed,
                     method=method)
    written = export_graph(result, output, graph_format)
    console.print(Text(
        f"Wrote {result.accounts:,} accounts and {result.edges.num_rows:,} edges to "
        f"{', '.join(str(path) for path in written)}."
    ))
