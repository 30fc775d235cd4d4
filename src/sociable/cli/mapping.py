"""Command: export graph (GEXF, GraphML, CSV) of the Map analysis.

It runs the registered Map analysis on the Scope its flags describe, with the options (and
their help) the analysis declares; `sociable map` itself is made from the declaration.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from sociable.analyses.base import get_analysis
from sociable.analyses.network_map import OPTIONS
from sociable.cli.app import app, console, open_workspace, workspace_path
from sociable.cli.progress import working
from sociable.cli.scope import CollectionsOption, KindsOption, PlatformsOption, SinceOption, UntilOption, cli_scope
from sociable.reports.exports.files import check_output, protected_paths, replacing

if TYPE_CHECKING:
    from sociable.analyses.network_map import MapResult

export_app = typer.Typer(help="Export data from the workspace (graph: GEXF, GraphML or CSV).", no_args_is_help=True)
app.add_typer(export_app, name="export")

_HELP = {option.name: option.help for option in OPTIONS}

InteractionsOption = Annotated[str | None, typer.Option(help=_HELP["interactions"])]
MinWeightOption = Annotated[int | None, typer.Option("--min-weight", help=_HELP["min_weight"] + " [default: 1]")]
ResolutionOption = Annotated[float | None, typer.Option(help=_HELP["resolution"] + " [default: 1.0]")]
SeedOption = Annotated[int | None, typer.Option(help=_HELP["seed"] + " [default: 42]")]
MethodOption = Annotated[str | None, typer.Option(help=_HELP["method"] + " [default: modularity]")]


@export_app.command("graph")
def export_graph_command(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write (a folder for csv).")],
    graph_format: Annotated[str, typer.Option("--format", "-f", help="gexf | graphml | csv")] = "gexf",
    collection: CollectionsOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    kinds: KindsOption = None,
    platform: PlatformsOption = None,
    interactions: InteractionsOption = None,
    min_weight: MinWeightOption = None,
    resolution: ResolutionOption = None,
    seed: SeedOption = None,
    method: MethodOption = None,
    pseudonymise: Annotated[bool, typer.Option(
        "--pseudonymise", help="Accounts as keyed pseudonyms, with no handle or name (for sharing).")] = False,
    secret_file: Annotated[Path | None, typer.Option(
        "--secret-file", help="Key for the pseudonyms (created if missing; default: beside the workspace). "
                              "Keep it out of the export.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the output file(s) if they exist.")] = False,
) -> None:
    """Write the interaction network with every Map measure, for Gephi (GEXF), GraphML tools or CSV."""
    from sociable.reports.exports import Pseudonymiser, load_key
    from sociable.reports.graph_export import FORMATS, ExportError, export_graph, pseudonymised
    from sociable.reports.time_and_tags import edge_times

    if graph_format.strip().lower() not in FORMATS:
        raise ExportError(f"unknown graph format {graph_format!r}; choose from {', '.join(FORMATS)}.")
    chosen_format = graph_format.strip().lower()
    targets = _targets(output, chosen_format)
    key = pseudonym_key_file(ctx, pseudonymise, secret_file)
    protect = protected_paths(workspace_path(ctx), key)
    ws = open_workspace(ctx, read_only=True)
    scope = cli_scope(ws, collection, since, until, kinds, platform)
    for target in targets:  # before the analysis runs: a refused file name costs nothing
        check_output(target, force=force, protect=protect)
    options = {"interactions": interactions, "min_weight": min_weight, "resolution": resolution, "seed": seed,
               "method": method}
    chosen = {name: value for name, value in options.items() if value is not None}
    with working("Mapping the network") as activity:
        result: MapResult = get_analysis("map").run(ws, scope, with_layout=True, **chosen)
        created = False
        if key is not None:
            secret, created = load_key(key)
            result = pseudonymised(result, Pseudonymiser(secret))
        if chosen_format == "csv":
            output.mkdir(parents=True, exist_ok=True)
        activity.update(description=f"Writing {chosen_format.upper()}",
                        counts=f"{result.accounts:,} accounts, {result.edges.num_rows:,} edges")
        # edge times are keyed by account ids, which a pseudonymised graph no longer carries
        times = edge_times(ws, scope) if chosen_format == "gexf" and key is None else None
        with replacing(*targets, force=force, protect=protect) as folder:
            export_graph(result, folder if chosen_format == "csv" else folder / output.name, chosen_format, times)
    written = targets
    what = "pseudonymised accounts" if key is not None else "accounts"
    console.print(Text(
        f"Wrote {result.accounts:,} {what} and {result.edges.num_rows:,} edges to "
        f"{', '.join(str(path) for path in written)}."
    ))
    if key is not None:
        made = "a new key, created now" if created else "the key"
        console.print(Text(f"Pseudonyms were made with {made} in {key}; keep it private and apart from the export, "
                           "and reuse it to get the same pseudonyms in later exports."))


def pseudonym_key_file(ctx: typer.Context, pseudonymise: bool, secret_file: Path | None) -> Path | None:
    """The key file of a pseudonymised export: the one given, or one beside the workspace; None when not asked."""
    if not pseudonymise:
        if secret_file is not None:
            raise typer.BadParameter("--secret-file is only used with --pseudonymise.")
        return None
    return secret_file or workspace_path(ctx).with_name(workspace_path(ctx).name + ".pseudonym-key")


@export_app.command("hashtags")
def export_hashtags_command(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="The GEXF file to write.")],
    collection: CollectionsOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    kinds: KindsOption = None,
    platform: PlatformsOption = None,
    min_weight: Annotated[int, typer.Option("--min-weight", help="Keep pairs of hashtags used together in at least "
                                                                 "this many posts.")] = 2,
    force: Annotated[bool, typer.Option("--force", help="Replace the output file if it exists.")] = False,
) -> None:
    """Write the hashtag co-occurrence network (hashtags used in the same posts) as GEXF, for Gephi."""
    from sociable.reports.time_and_tags import hashtag_network, write_hashtag_gexf

    protect = protected_paths(workspace_path(ctx))
    check_output(output, force=force, protect=protect)
    ws = open_workspace(ctx, read_only=True)
    scope = cli_scope(ws, collection, since, until, kinds, platform)
    with working("Counting hashtags used together"):
        nodes, edges = hashtag_network(ws, scope, min_weight)
        with replacing(output, force=force, protect=protect) as folder:
            write_hashtag_gexf(nodes, edges, folder / output.name, f"Hashtags used together in {min_weight}+ posts.")
    console.print(Text(f"Wrote {nodes.num_rows:,} hashtags and {edges.num_rows:,} pairs used together in "
                       f"{min_weight}+ posts to {output}."))


def _targets(output: Path, graph_format: str) -> list[Path]:
    """The files an export writes: the one named, or nodes.csv and edges.csv in the folder named."""
    if graph_format != "csv":
        return [output]
    if output.exists() and not output.is_dir():
        from sociable.reports.graph_export import ExportError

        raise ExportError(f"{output} is a file; for CSV give a directory to write nodes.csv and edges.csv into.")
    return [output / "nodes.csv", output / "edges.csv"]
