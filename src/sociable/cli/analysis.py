"""One command per registered analysis, made from its declaration: scope flags, its options, --json, -o.

`sociable map --collection nhssm --min-weight 2` is the kebab-case twin of
`ws.map(collection="nhssm", min_weight=2)`: both build one Scope and call
`spec.run(ws, scope, **options)`. Nothing here knows a particular analysis, except what is
kept after one runs (`KEEP`: `roles` saves the labels it computed).
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from sociable.analyses.base import AnalysisSpec, Option, registered_analyses
from sociable.cli.app import app, console, engine_of, open_workspace, workspace_path
from sociable.cli.progress import working
from sociable.cli.render import check_table_output, print_result, write_result_json, write_table
from sociable.cli.scope import (
    CollectionsOption,
    KindsOption,
    ListsOption,
    PlatformsOption,
    SinceOption,
    UntilOption,
    cli_scope,
)
from sociable.library import keep_roles

KEEP: dict[str, Callable[[Any, Any], str]] = {"roles": keep_roles}
"""What a command keeps after its analysis ran (a store write); the analysis itself only reads."""


@dataclass(frozen=True, slots=True)
class CommandExtension:
    """Flags an analysis's command has besides its declared options, and what it does when one is given.

    `handle(ctx, spec, values)` runs first and returns True when it did the command's work (for
    example `sociable chats --transcript` writing a transcript instead of the tables).
    """

    parameters: tuple[tuple[str, Any, Any], ...]  # (name, Annotated type, default)
    handle: Callable[[typer.Context, AnalysisSpec, dict[str, Any]], bool]


EXTENSIONS: dict[str, CommandExtension] = {}
"""Registered by the CLI modules that extend an analysis's command (cli/chats.py), before commands are made."""

SCOPE_PARAMETERS: tuple[tuple[str, Any], ...] = (
    ("collection", CollectionsOption), ("since", SinceOption), ("until", UntilOption), ("kinds", KindsOption),
    ("platform", PlatformsOption), ("lists", ListsOption),
)
OUTPUT_PARAMETERS: tuple[tuple[str, Any, Any, Any], ...] = (
    ("as_json", bool, typer.Option("--json", help="Print the result as one JSON document (see docs/analyses.md)."),
     False),
    ("output", Path | None,
     typer.Option("--output", "-o", help="Also write the main table to a .csv or .parquet file."), None),
    ("force", bool, typer.Option("--force", help="Replace the -o file if it exists."), False),
    ("limit", int, typer.Option("--limit", "-n", min=0, metavar="N", help="Rows to show in each table (0 = all)."),
     20),
)
RESERVED = {name for name, _ in SCOPE_PARAMETERS} | {name for name, *_ in OUTPUT_PARAMETERS} | {"ctx"}


def cli_type(option: Option) -> Any:
    """The Python type Typer parses an option's flag as (the Option converts and checks it after)."""
    return {
        "str": str | None, "choice": str | None, "int": int | None, "float": float | None, "bool": bool | None,
        "list": list[str] | None, "path": Path | None, "paths": list[Path] | None,
    }[option.kind]


METAVARS = {"str": "TEXT", "choice": "CHOICE", "int": "N", "float": "NUMBER", "list": "A,B", "path": "FILE",
            "paths": "FILE"}


def cli_parameter(option: Option) -> inspect.Parameter:
    decls = [option.flag] + ([option.short] if option.short else [])
    if option.kind == "bool":
        decls = [f"{option.flag}/--no-{option.flag[2:]}"]
    help_text = option.help
    if option.choices:
        help_text += f" One of: {', '.join(option.choices)}."
    info = typer.Option(*decls, help=help_text, show_default=_default_words(option), metavar=METAVARS.get(option.kind))
    return inspect.Parameter(option.name, inspect.Parameter.KEYWORD_ONLY, default=None,
                             annotation=Annotated[cli_type(option), info])


def _default_words(option: Option) -> str | bool:
    """The default as --help shows it: '48', 'reply,mention', 'yes'; nothing when there is none."""
    value = option.default
    if value in (None, (), []):
        return False
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple | list):
        return ",".join(map(str, value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def build_command(spec: AnalysisSpec) -> Callable[..., None]:
    """A Typer command for an analysis, with a real signature so --help lists every flag."""
    clash = [option.name for option in spec.options if option.name in RESERVED]
    if clash:
        raise ValueError(f"the {spec.name} analysis declares options the command reserves: {clash}")

    def command(ctx: typer.Context, **values: Any) -> None:
        run_command(ctx, spec, values)

    parameters = [inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)]
    for name, annotation in SCOPE_PARAMETERS:
        parameters.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None,
                                            annotation=annotation))
    parameters.extend(cli_parameter(option) for option in spec.options)
    extension = EXTENSIONS.get(spec.name)
    for name, annotation, default in extension.parameters if extension else ():
        parameters.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                            annotation=annotation))
    for name, kind, info, default in OUTPUT_PARAMETERS:
        parameters.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                            annotation=Annotated[kind, info]))
    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    command.__name__ = f"{spec.name}_command"
    command.__doc__ = f"{spec.title}. {spec.description}"
    return command


def _keep_nothing(ws: Any, result: Any) -> str:
    return "Nothing was kept: the Spark engine only reads a dataset (keep it on the DuckDB workspace)."


def run_command(ctx: typer.Context, spec: AnalysisSpec, values: dict[str, Any]) -> None:
    """Build the Scope, run the analysis, keep what it keeps, then print or write the result."""
    extension = EXTENSIONS.get(spec.name)
    if extension is not None and extension.handle(ctx, spec, values):
        return
    if values["output"] is not None:  # a bad -o is refused before any work is done or anything is kept
        check_table_output(values["output"], force=values["force"], protect=(workspace_path(ctx),))
    keep = KEEP.get(spec.name)
    if keep is not None and engine_of(ctx) == "spark":  # the dataset is only read: run, keep nothing
        keep = _keep_nothing
    ws = open_workspace(ctx, read_only=keep in (None, _keep_nothing))
    try:
        scope = cli_scope(ws, values["collection"], values["since"], values["until"], values["kinds"],
                          values["platform"], values["lists"])
        options = {option.name: values[option.name] for option in spec.options if values.get(option.name) is not None}
        with working(f"{spec.title}: working"):
            result = spec.run(ws, scope, **options)
            kept = keep(ws, result) if keep else ""
    finally:
        ws.close()
    if values["output"] is not None:
        write_table(result.main_table(), values["output"], force=values["force"],
                    protect=(workspace_path(ctx),))
    if values["as_json"]:
        write_result_json(result, sys.stdout)
        return
    print_result(console, result, values["limit"])
    if kept:
        console.print(kept)
    if values["output"] is not None:
        console.print(f"Wrote {result.main_table().num_rows:,} rows to {values['output']}.")


def register_analysis_commands() -> None:
    """Add one command per registered analysis to the app."""
    for spec in registered_analyses():
        app.command(spec.command, help=f"{spec.title}. {spec.description}")(build_command(spec))
