"""Commands: `sociable chats --transcript` (one session's transcript) and `sociable cpd` (a CPD record).

`sociable chats` itself is made from the chats analysis's declaration; this module adds its
--transcript flag, which writes the transcript of the session chosen with --session instead of
the tables: Markdown to the terminal, or a .md or .html file with -o.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from sociable.analyses.base import AnalysisSpec, OptionError
from sociable.analyses.chats.analysis import DEFAULT_MIN_POSTS
from sociable.analyses.chats.records import build_cpd, build_transcript
from sociable.cli.analysis import EXTENSIONS, CommandExtension
from sociable.cli.app import app, console, open_workspace, workspace_path
from sociable.cli.render import printable
from sociable.cli.scope import CollectionsOption, KindsOption, PlatformsOption, SinceOption, UntilOption, cli_scope
from sociable.reports.chats import render_document, write_document

TRANSCRIPT = ("transcript", Annotated[bool, typer.Option(
    "--transcript", help="Write the transcript of the session chosen with --session (Markdown, or -o FILE.md|.html) "
                         "instead of the tables.")], False)


def transcript_command(ctx: typer.Context, spec: AnalysisSpec, values: dict[str, Any]) -> bool:
    """`sociable chats --transcript`: the chosen session's threads, questions and answers."""
    if not values.get("transcript"):
        return False
    if not values.get("tag") or not values.get("session"):
        raise OptionError("--transcript needs the chat's --tag and the --session date (UK), for example "
                          "--tag wenurses --session 2024-03-12.")
    output: Path | None = values.get("output")
    suffix = _suffix(output)
    ws = open_workspace(ctx, read_only=True)
    try:
        scope = cli_scope(ws, values["collection"], values["since"], values["until"], values["kinds"],
                          values["platform"])
        transcript = build_transcript(ws, scope, tag=values["tag"], session=values["session"],
                                      min_posts=values.get("min_posts") or DEFAULT_MIN_POSTS)
    finally:
        ws.close()
    _deliver(render_document(transcript, suffix), output, values["force"], ctx,
             f"Wrote the transcript of #{transcript.tag} on {transcript.session.date} "
             f"({len(transcript.session.posts):,} posts) to {output}.")
    return True


EXTENSIONS["chats"] = CommandExtension((TRANSCRIPT,), transcript_command)


@app.command("cpd")
def cpd_command(
    ctx: typer.Context,
    tag: Annotated[str, typer.Option("--tag", help="The chat's hashtag, with or without '#'.")],
    handle: Annotated[str, typer.Option("--handle", help="The participant's handle, with or without '@'.")],
    code: Annotated[str | None, typer.Option(
        "--code", help="Whose standards the reflective prompts follow: nmc, hcpc, swe or all (default: the one the "
                       "account's role label suggests, else all).")] = None,
    output: Annotated[Path | None,
                      typer.Option("--output", "-o", help="Write the record to a .md or .html file.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the -o file if it exists.")] = False,
    min_posts: Annotated[int, typer.Option("--min-posts", min=1, help="Fewest posts in the chat's window for a week "
                                                                       "to count as a session.")] = DEFAULT_MIN_POSTS,
    collection: CollectionsOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    kinds: KindsOption = None,
    platform: PlatformsOption = None,
) -> None:
    """A CPD record of one participant's chat sessions: dates, UK times, their own words, reflective prompts."""
    suffix = _suffix(output)
    ws = open_workspace(ctx, read_only=True)
    try:
        scope = cli_scope(ws, collection, since, until, kinds, platform)
        record = build_cpd(ws, scope, tag=tag, handle=handle, code=code, min_posts=min_posts)
    finally:
        ws.close()
    _deliver(render_document(record, suffix), output, force, ctx,
             f"Wrote the CPD record of @{record.handle} ({len(record.attended)} sessions of #{record.tag}) "
             f"to {output}.")


def _suffix(output: Path | None) -> str:
    if output is None:
        return ".md"
    suffix = output.suffix.lower()
    if suffix not in (".md", ".html"):
        raise OptionError(f"-o should name a .md or .html file, not '{output.name}'.")
    return suffix


def _deliver(text: str, output: Path | None, force: bool, ctx: typer.Context, done: str) -> None:
    if output is None:
        sys.stdout.write(printable(text))
        return
    write_document(text, output, force=force, protect=(workspace_path(ctx),))
    console.print(done, markup=False)
