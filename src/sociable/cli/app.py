"""The Typer app, the global --workspace option and the one place errors become messages."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.text import Text

from sociable.errors import SociableError, WorkspaceBusy

if TYPE_CHECKING:
    from sociable.store import Workspace

DEFAULT_WORKSPACE = "sociable.duckdb"
DEFAULT_WAIT = 30.0
ENGINES = ("duckdb", "spark")

app = typer.Typer(
    name="sociable",
    help="See and improve health and social care conversations on social media.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


@app.callback()
def root(
    ctx: typer.Context,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            help="Workspace file (DuckDB). Default: $SOCIABLE_WORKSPACE, else ./sociable.duckdb.",
        ),
    ] = None,
    wait: Annotated[
        float,
        typer.Option(
            "--wait",
            envvar="SOCIABLE_WAIT",
            min=0,
            help="Seconds to wait while another process (an import, or `sociable serve` answering a request) "
                 "holds the workspace.",
        ),
    ] = DEFAULT_WAIT,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            envvar="SOCIABLE_ENGINE",
            help="duckdb (the workspace file) or spark (a dataset written by `export dataset`, given with --data).",
        ),
    ] = "duckdb",
    data: Annotated[
        str | None,
        typer.Option(
            "--data",
            envvar="SOCIABLE_DATA",
            help="With --engine spark: the dataset's folder or object-store URI (s3a://bucket/care).",
        ),
    ] = None,
) -> None:
    """See and improve health and social care conversations on social media."""
    chosen = workspace or Path(os.environ.get("SOCIABLE_WORKSPACE") or DEFAULT_WORKSPACE)
    if engine not in ENGINES:
        raise typer.BadParameter(f"should be one of {', '.join(ENGINES)}, not '{engine}'.", param_hint="--engine")
    ctx.obj = {"workspace": chosen, "wait": wait, "engine": engine, "data": data}
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():  # honoured on every run, not only when the console was first made
        console.width = err_console.width = int(columns)


def workspace_path(ctx: typer.Context) -> Path:
    """The workspace path chosen by --workspace, $SOCIABLE_WORKSPACE or the default."""
    root_ctx = ctx.find_root()
    obj = root_ctx.obj or {}
    return Path(obj.get("workspace") or os.environ.get("SOCIABLE_WORKSPACE") or DEFAULT_WORKSPACE)


def engine_of(ctx: typer.Context) -> str:
    """The engine chosen with --engine (duckdb unless spark)."""
    return str((ctx.find_root().obj or {}).get("engine") or "duckdb")


def wait_seconds(ctx: typer.Context) -> float:
    """How long a command waits for a workspace another process holds (--wait)."""
    obj = ctx.find_root().obj or {}
    return float(obj.get("wait", DEFAULT_WAIT))


def open_workspace(ctx: typer.Context, *, create: bool = False, read_only: bool = False) -> Workspace:
    """Open the chosen workspace; a missing one is an error unless the command creates it.

    While another process holds it (a running `sociable serve` only while it answers a request),
    the command waits up to --wait seconds.
    """
    from sociable.store import open as open_ws

    if engine_of(ctx) == "spark":
        return open_spark(ctx, (ctx.find_root().obj or {}).get("data"), writes=create or not read_only)
    path = workspace_path(ctx)
    if not create and not path.exists():
        raise SociableError(
            f"there is no workspace at {path}; import some data first (`sociable import FILE`) "
            "or choose one with --workspace."
        )
    wait = wait_seconds(ctx)
    try:
        return open_ws(path, read_only=read_only, wait=wait)
    except WorkspaceBusy as exc:
        waited = f"waited {wait:g} s; --wait SECONDS waits longer" if wait else "--wait SECONDS waits for it"
        raise WorkspaceBusy(f"{str(exc).removesuffix('.')} ({waited}).", exc.holder, exc.writing) from None


def open_spark(ctx: typer.Context, data: str | None, writes: bool) -> Workspace:
    """The dataset at --data read by Spark; a command that changes the workspace is refused."""
    from sociable.store.spark import open_dataset

    command = ctx.command_path.removeprefix(ctx.find_root().info_name or "").strip() or "this command"
    if writes:
        raise SociableError(f"`{command}` changes the workspace, and the Spark engine only reads a dataset: run it "
                            "on the DuckDB workspace (without --engine spark), then `sociable export dataset` again.")
    if not data:
        raise SociableError("--engine spark reads a dataset: give its folder or URI with --data "
                            "(write one with `sociable export dataset -o FOLDER`).")
    return open_dataset(data)


def main() -> None:
    """Entry point: run the app and turn every SociableError into one line on stderr."""
    try:
        app()
    except SociableError as exc:
        err_console.print(Text.assemble(("Error: ", "bold red"), str(exc)))
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("Interrupted.")
        sys.exit(130)
    except Exception as exc:  # a bug in sociable: one line for the user, the traceback on request
        if os.environ.get("SOCIABLE_DEBUG"):
            raise
        err_console.print(
            Text.assemble(
                ("Internal error: ", "bold red"),
                f"{type(exc).__name__}: {exc}. This is a bug in sociable; run again with SOCIABLE_DEBUG=1 "
                "to see where it happened, and report it.",
            )
        )
        sys.exit(2)
