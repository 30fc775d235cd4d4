"""Commands: map (communities, silos, brokers, influence) and export graph (GEXF, GraphML, CSV)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import typer
from rich.table import Table
from rich.text import Text

from sociable.analyses.base import AnalysisResult, Measure
from sociable.analyses.network_map import map_network
from sociable.analyses.silos import ROLE_NAMES, display_name
from sociable.cli.app import app, console, open_workspace

export_app = typer.Typer(help="Export data from the workspace (graph: GEXF, GraphML or CSV).", no_args_is_help=True)
app.add_typer(export_app, name="export")

CollectionOption = Annotated[
    str | None, typer.Option("--collection", "-c", help="Only interactions in this collection.")
]
SinceOption = Annotated[datetime | None, typer.Option(help="From this date (UTC).")]
UntilOption = Annotated[datetime | None, typer.Option(help="Before this date (UTC).")]
KindsOption = Annotated[str | None, typer.Option(help="Interaction kinds to keep, e.g. reply,mention (default: all).")]
MinWeightOption = Annotated[int, typer.Option("--min-weight", help="Keep ties with at least this many interactions.")]
ResolutionOption = Annotated[float, typer.Option(help="Leiden resolution: higher finds more, smaller communities.")]
SeedOption = Annotated[int, typer.Option(help="Random seed: the same seed gives the same communities and layout.")]
TopOption = Annotated[int, typer.Option("--top", "-n", help="Rows to show in each table.")]


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _kinds(value: str | None) -> list[str] | None:
    return [part for part in value.split(",") if part.strip()] if value else None


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


def _definitions(result: AnalysisResult, names: tuple[str, ...]) -> None:
    wanted: dict[str, Measure] = {m.name: m for m in result.measures}
    for name in names:
        if name in wanted:
            console.print(Text(f"  {name}: {wanted[name].definition}", style="dim"))


def _summary(result: AnalysisResult) -> None:
    facts = result.facts
    share = facts.get("crossing_share")
    line = (
        f"{facts['accounts']:,} accounts, {facts['ties']:,} ties, {int(facts['interactions']):,} interactions; "
        f"{facts['communities']:,} communities"
    )
    if facts.get("modularity") is not None:
        line += f" (modularity {_number(facts['modularity'])})"
    if share is not None:
        line += f"; {round(100 * share)}% of interactions between labelled accounts cross sectors"
        ei, assortativity = _number(facts.get("ei_sector"), 2), _number(facts.get("assortativity_sector"))
        line += f" (E-I {ei}, assortativity {assortativity})"
    console.print(Text(line + "."))


def print_map(result: AnalysisResult, top: int = 10) -> None:
    """Print the Map result: summary, communities, silos, brokers and influence, each with definitions."""
    if not result.facts["accounts"]:
        for note in result.notes:
            console.print(Text(note))
        return
    _summary(result)
    _show("Communities", result.tables["communities"], {
        "community": "#", "size": "accounts", "cohesion": "cohesion", "sectors": "sectors", "roles": "roles",
        "key_accounts": "key accounts", "top_hashtags": "top hashtags"}, top)
    _definitions(result, ("community", "cohesion", "key accounts", "top hashtags"))
    console.print(Text("Silos", style="bold"))
    for note in result.notes:
        console.print(Text(f"  {note}"))
    sectors = result.tables["ei_by_sector"]
    sectors = sectors.set_column(0, "group", pa.array([display_name(g) for g in sectors["group"].to_pylist()]))
    ei_columns = {"group": "group", "accounts": "accounts", "internal": "inside", "external": "outside",
                  "ei": "E-I", "inside_share": "inside share"}
    _show("E-I index by sector", sectors, ei_columns, top)
    roles = result.tables["ei_by_role"]
    roles = roles.set_column(0, "group", pa.array([display_name(g, ROLE_NAMES) for g in roles["group"].to_pylist()]))
    _show("E-I index by role", roles, ei_columns, top)
    _definitions(result, ("crossing share", "E-I index", "inside share", "assortativity", "labelled share"))
    _show("Brokers", result.tables["brokers"], {
        "handle": "account", "sector": "sector", "community": "community", "betweenness": "betweenness",
        "constraint": "constraint", "sectors_reached": "sectors reached",
        "communities_reached": "communities reached"}, top)
    _definitions(result, ("betweenness", "constraint", "sectors reached", "communities reached"))
    _show("Influence (engagement, not followers)", result.tables["influence"], {
        "handle": "account", "sector": "sector", "pagerank": "PageRank", "pagerank_cross_sector": "cross-sector",
        "engaged_by_accounts": "engaged by", "engaged_by_sectors": "sectors", "engaged_by_communities": "communities",
        "followers": "followers"}, top)
    _definitions(result, ("pagerank", "pagerank cross-sector", "engaged by sectors", "engaged by communities"))


@app.command("map")
def map_command(
    ctx: typer.Context,
    collection: CollectionOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    kinds: KindsOption = None,
    min_weight: MinWeightOption = 1,
    resolution: ResolutionOption = 1.0,
    seed: SeedOption = 42,
    top: TopOption = 10,
) -> None:
    """Map who talks with whom: communities, silos, brokers and influence."""
    ws = open_workspace(ctx, read_only=True)
    result = map_network(ws, collection, _utc(since), _utc(until), _kinds(kinds), min_weight, resolution, seed,
                         with_layout=False)
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
    min_weight: MinWeightOption = 1,
    resolution: ResolutionOption = 1.0,
    seed: SeedOption = 42,
) -> None:
    """Write the interaction network with every Map measure, for Gephi (GEXF), GraphML tools or CSV."""
    from sociable.reports.graph_export import FORMATS, ExportError, export_graph

    if graph_format.strip().lower() not in FORMATS:
        raise ExportError(f"unknown graph format {graph_format!r}; choose from {', '.join(FORMATS)}.")
    ws = open_workspace(ctx, read_only=True)
    result = map_network(ws, collection, _utc(since), _utc(until), _kinds(kinds), min_weight, resolution, seed)
    written = export_graph(result, output, graph_format)
    facts = result.facts
    console.print(Text(
        f"Wrote {facts['accounts']:,} accounts and {result.tables['edges'].num_rows:,} edges to "
        f"{', '.join(str(path) for path in written)}."
    ))
