"""Commands: `export posts` and `export accounts` (CSV or Parquet, plain or pseudonymised for research)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from sociable.cli.app import console, open_workspace
from sociable.cli.mapping import export_app, pseudonym_key_file
from sociable.cli.scope import CollectionsOption, KindsOption, PlatformsOption, SinceOption, UntilOption, cli_scope
from sociable.reports.exports import ExportSummary, export_accounts, export_posts
from sociable.reports.exports.posts import check_time_resolution

OutputOption = Annotated[Path, typer.Option("--output", "-o", help="File to write (.csv or .parquet).")]
FormatOption = Annotated[str | None, typer.Option("--format", "-f", help="csv | parquet (default: from the name).")]
PseudonymiseOption = Annotated[
    bool, typer.Option("--pseudonymise", help="Replace accounts and post ids with keyed pseudonyms; redact text.")
]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace the file (and its manifest) if it exists.")]
SecretOption = Annotated[
    Path | None,
    typer.Option(
        "--secret-file",
        help="Key for the pseudonyms (created if missing; default: beside the workspace). Keep it out of the export.",
    ),
]


def _report(summary: ExportSummary, key: Path | None) -> None:
    what = "pseudonymised " if summary.pseudonymised else ""
    console.print(Text(f"Wrote {summary.rows:,} {what}{summary.table} to {summary.path} "
                       f"(manifest: {summary.manifest.name})."))
    if key is not None:
        made = "a new key, created now" if summary.key_created else "the key"
        console.print(Text(f"Pseudonyms were made with {made} in {key}; keep it private and apart from the export, "
                           "and reuse it to get the same pseudonyms in later exports."))


@export_app.command("posts")
def export_posts_command(
    ctx: typer.Context,
    output: OutputOption,
    export_format: FormatOption = None,
    collection: CollectionsOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    kinds: KindsOption = None,
    platform: PlatformsOption = None,
    pseudonymise: PseudonymiseOption = False,
    secret_file: SecretOption = None,
    time_resolution: Annotated[str | None, typer.Option(
        "--time-resolution", help="With --pseudonymise: cut post times to the hour or day (second | hour | day).",
    )] = None,
    force: ForceOption = False,
) -> None:
    """Export posts to CSV or Parquet, with a manifest; --pseudonymise for research sharing."""
    key = pseudonym_key_file(ctx, pseudonymise, secret_file)
    check_time_resolution(time_resolution, pseudonymise)
    ws = open_workspace(ctx, read_only=True)
    scope = cli_scope(ws, collection, since, until, kinds, platform)
    summary = export_posts(ws, output, scope, export_format, pseudonymise, key, force=force,
                           time_resolution=time_resolution)
    _report(summary, key)


@export_app.command("accounts")
def export_accounts_command(
    ctx: typer.Context,
    output: OutputOption,
    export_format: FormatOption = None,
    collection: CollectionsOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    kinds: KindsOption = None,
    platform: PlatformsOption = None,
    pseudonymise: PseudonymiseOption = False,
    secret_file: SecretOption = None,
    include_bios: Annotated[
        bool, typer.Option("--include-bios", help="Keep bios in a pseudonymised export (redacted).")
    ] = False,
    force: ForceOption = False,
) -> None:
    """Export the accounts behind the posts to CSV or Parquet, with a manifest; --pseudonymise for research."""
    key = pseudonym_key_file(ctx, pseudonymise, secret_file)
    ws = open_workspace(ctx, read_only=True)
    scope = cli_scope(ws, collection, since, until, kinds, platform)
    summary = export_accounts(ws, output, scope, export_format, pseudonymise, key, include_bios, force=force)
    _report(summary, key)


@export_app.command("dataset")
def export_dataset_command(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write the dataset in (empty or new).")],
    force: Annotated[bool, typer.Option("--force", help="Replace the dataset if the folder holds one.")] = False,
) -> None:
    """Export the workspace as a Parquet dataset (by platform and day) for `--engine spark`, with a manifest."""
    ws = open_workspace(ctx, read_only=True)
    manifest = ws.export_dataset(output, force=force)
    counts = manifest.counts()
    console.print(Text(f"Wrote a dataset of {counts['posts']:,} posts, {counts['accounts']:,} accounts and "
                       f"{counts['interactions']:,} interactions to {output} (manifest: manifest.json); read it with "
                       f"`sociable --engine spark --data {output} ...`."))
