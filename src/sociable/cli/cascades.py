"""Commands: `sociable cascade POST` (one spread tree, as text or a self-contained page) and `sociable classify stance`.

`sociable cascades` and `sociable stance` themselves are made from their analyses' declarations.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer

from sociable.analyses.base import OptionError
from sociable.analyses.cascades.one import read_cascade
from sociable.analyses.stance.analysis import classify_pairs, read_pairs
from sociable.cli.app import app, console, open_workspace, workspace_path
from sociable.cli.classify import classify_app
from sociable.cli.render import printable
from sociable.cli.scope import CollectionsOption, KindsOption, PlatformsOption, SinceOption, UntilOption, cli_scope
from sociable.reports.cascades import cascade_html
from sociable.reports.chats import write_document


@app.command("cascade")
def cascade_command(
    ctx: typer.Context,
    post: Annotated[str, typer.Argument(help="Any post of the cascade: its platform id or its URL.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the cascade to a .html page.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the -o file if it exists.")] = False,
    authority: Annotated[list[str] | None, typer.Option(
        "--authority", help="Handles whose denials or queries count as corrections (repeat or comma-separate).")]
    = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the cascade as one JSON document.")] = False,
    collection: CollectionsOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    kinds: KindsOption = None,
    platform: PlatformsOption = None,
) -> None:
    """One cascade: its measures, corrections and posts by stance; with -o, a page with its timeline and tree."""
    if output is not None and output.suffix.lower() != ".html":
        raise OptionError(f"-o should name a .html file, not '{output.name}'.")
    handles = tuple(h.strip() for value in authority or () for h in value.split(",") if h.strip())
    ws = open_workspace(ctx, read_only=True)
    try:
        scope = cli_scope(ws, collection, since, until, kinds, platform)
        cascade = read_cascade(ws, scope, post, handles)
    finally:
        ws.close()
    if as_json:
        document = {"cascade": cascade.summary, "corrections": cascade.corrections,
                    "posts": [{k: v for k, v in p.items() if k not in ("i", "root_i", "parent_i", "x", "y")}
                              for p in cascade.posts], "notes": cascade.notes}
        sys.stdout.write(orjson.dumps(document, default=str).decode() + "\n")
    if output is not None:
        write_document(cascade_html(cascade), output, force=force, protect=(workspace_path(ctx),))
        console.print(f"Wrote the cascade of {cascade.summary['size']:,} posts to {output}.", markup=False)
    if as_json or output is not None:
        return
    s = cascade.summary
    lines = [f"Cascade from @{s['handle'] or '?'} ({s['root']}): {s['size']:,} posts, depth {s['depth']}, "
             f"max breadth {s['max_breadth']:,}, structural virality "
             f"{'–' if s['structural_virality'] is None else format(s['structural_virality'], '.2f')}.",
             f"Stance of its reactions: {s['support']:,} support, {s['deny']:,} deny, {s['query']:,} query, "
             f"{s['comment']:,} comment.", *cascade.notes]
    console.print(printable("\n".join(lines)), markup=False)


@classify_app.command("stance")
def classify_stance_command(
    file: Annotated[Path, typer.Option("--file", help="JSON Lines: {\"id\", \"text\", \"target_text\", "
                                                      "\"parent_text\"} per line.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array of {id, stance, confidence}.")]
    = False,
) -> None:
    """The stance of each text toward its target claim: support, deny, query or comment, with confidence."""
    results = classify_pairs(read_pairs(file))
    if as_json:
        sys.stdout.write(orjson.dumps(results).decode() + "\n")
        return
    for row in results:
        console.print(printable(f"{row['id']}\t{row['stance']}\t{row['confidence']:.2f}"), markup=False)
