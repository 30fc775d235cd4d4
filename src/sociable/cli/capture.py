"""Commands: capture bluesky, captures, retention, forget."""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import typer
from rich.text import Text

from sociable.cli.app import app, console, err_console, open_workspace, wait_seconds, workspace_path
from sociable.cli.render import print_table
from sociable.errors import SociableError
from sociable.library import capture
from sociable.sources.live.base import COUNT_NAMES, Counts
from sociable.sources.live.bluesky import DEFAULT_JETSTREAM
from sociable.sources.live.feeds import parse_interval, read_url_list
from sociable.sources.live.profiles import DEFAULT_APPVIEW

capture_app = typer.Typer(help="Capture posts live from a platform's public stream into a collection.",
                          no_args_is_help=True)
app.add_typer(capture_app, name="capture")

CaptureCollection = Annotated[str | None, typer.Option("--collection", "-c", help="Add the posts to this collection.")]
NameOption = Annotated[str | None, typer.Option("--name", help="The capture's name (starting the same name again "
                                                               "resumes from its saved cursor).")]
DurationOption = Annotated[float | None, typer.Option("--duration", help="Stop after this many seconds.")]
MaxPostsOption = Annotated[int | None, typer.Option("--max-posts", help="Stop once this many new posts are stored.")]


@capture_app.command("bluesky")
def capture_bluesky(
    ctx: typer.Context,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="A hashtag to follow (repeatable).")] = None,
    keyword: Annotated[list[str] | None, typer.Option("--keyword", "-k", help="A word or phrase to follow, "
                                                                                "matched anywhere in the text "
                                                                                "(repeatable).")] = None,
    lang: Annotated[list[str] | None, typer.Option("--lang", help="Only posts in this language (repeatable).")] = None,
    account: Annotated[list[str] | None, typer.Option("--account", help="Posts by or mentioning this account "
                                                                          "(handle or DID; repeatable).")] = None,
    collection: CaptureCollection = None,
    name: NameOption = None,
    jetstream: Annotated[str, typer.Option("--jetstream", help="Jetstream subscribe URL.")] = DEFAULT_JETSTREAM,
    appview: Annotated[str, typer.Option("--appview", help="AppView base URL for profiles.")] = DEFAULT_APPVIEW,
    conversations: Annotated[bool, typer.Option("--conversations/--no-conversations",
                                                help="Also keep replies and quotes of captured posts.")] = True,
    backfill_threads: Annotated[bool, typer.Option("--backfill-threads/--no-backfill-threads",
                                                   help="Also read each matched post's thread (parents and "
                                                        "replies) from the AppView.")] = False,
    whole_stream: Annotated[bool, typer.Option("--whole-stream",
                                               help="With --account only: read the whole stream (others' "
                                                    "replies to and mentions of the accounts), not just the "
                                                    "accounts' own events.")] = False,
    duration: DurationOption = None,
    max_posts: MaxPostsOption = None,
) -> None:
    """Follow Bluesky's public stream (Jetstream): posts with the tags or keywords, and their conversations."""
    summary = capture(
        workspace_path(ctx), "bluesky", name=name, collection=collection, wait=max(wait_seconds(ctx), 60.0),
        progress=_progress(), handle_signals=True, tags=tag or [], keywords=keyword or [], langs=lang or [],
        accounts=account or [], conversations=conversations, backfill_threads=backfill_threads,
        whole_stream=whole_stream, jetstream=jetstream, appview=appview,
        duration=duration, max_posts=max_posts,
    )
    _print_totals(summary.name, summary.counts)


@capture_app.command("mastodon")
def capture_mastodon(
    ctx: typer.Context,
    server: Annotated[list[str], typer.Option("--server", "-s", help="A Mastodon server, e.g. mastodon.social "
                                                                      "(repeatable).", show_default=False)],
    tag: Annotated[list[str], typer.Option("--tag", "-t", help="A hashtag to follow (repeatable).",
                                           show_default=False)],
    collection: CaptureCollection = None,
    name: NameOption = None,
    since: Annotated[datetime | None, typer.Option("--since", formats=["%Y-%m-%d"],
                                                   help="On the first run, collect back to this date.")] = None,
    stream: Annotated[bool, typer.Option("--stream/--no-stream", help="Also listen to the streaming API.")] = False,
    every: Annotated[float, typer.Option("--every", help="Seconds between polls of each hashtag timeline.")] = 60.0,
    token: Annotated[str | None, typer.Option("--token", envvar="SOCIABLE_MASTODON_TOKEN",
                                              help="An access token, for servers whose API asks for one.")] = None,
    duration: DurationOption = None,
    max_posts: MaxPostsOption = None,
) -> None:
    """Follow hashtags on Mastodon servers: their timelines (with backfill) and, with --stream, live."""
    summary = capture(
        workspace_path(ctx), "mastodon", name=name, collection=collection, wait=max(wait_seconds(ctx), 60.0),
        progress=_progress(), handle_signals=True, servers=server, tags=tag, since=since.date() if since else None,
        stream=stream, every=every, token=token, duration=duration, max_posts=max_posts,
    )
    _print_totals(summary.name, summary.counts)


@capture_app.command("feeds")
def capture_feeds(
    ctx: typer.Context,
    url_list: Annotated[Path, typer.Argument(help="A file of feed or blog addresses, one a line.",
                                             show_default=False)],
    collection: CaptureCollection = None,
    name: NameOption = None,
    every: Annotated[str, typer.Option("--every", help="How often to poll each feed: 30m, 1h, 90s.")] = "30m",
    comments: Annotated[bool, typer.Option("--comments/--no-comments",
                                           help="Also follow the comment feeds entries name.")] = True,
    duration: DurationOption = None,
    max_posts: MaxPostsOption = None,
) -> None:
    """Poll RSS and Atom feeds (and blogs' comment feeds) with ETag and Last-Modified."""
    summary = capture(
        workspace_path(ctx), "feeds", name=name, collection=collection, wait=max(wait_seconds(ctx), 60.0),
        progress=_progress(), handle_signals=True, urls=read_url_list(url_list), every=parse_interval(every),
        comments=comments, duration=duration, max_posts=max_posts,
    )
    _print_totals(summary.name, summary.counts)


def _progress() -> Any:
    """Counters on stderr after every batch, when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(totals: Counts, error: str | None) -> None:
        line = "  ".join(f"{n.replace('_', ' ')} {getattr(totals, n):,}" for n in COUNT_NAMES)
        err_console.print(Text(line + (f"  (last error: {error})" if error else "")), end="\r")

    return show


def _print_totals(name: str, totals: Counts) -> None:
    parts = ", ".join(f"{getattr(totals, n):,} {n.replace('_', ' ')}" for n in COUNT_NAMES)
    console.print(Text(f"Capture '{name}' stopped: {parts}."))


@app.command("captures")
def captures_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the captures as JSON.")] = False,
) -> None:
    """Each capture: running?, its cursor, and what it received, matched, stored, skipped and failed."""
    ws = open_workspace(ctx, read_only=True)
    try:
        rows = ws.captures()
    finally:
        ws.close()
    if as_json:
        console.print_json(json.dumps(rows, default=str))
        return
    if not rows:
        console.print("No captures yet; start one with `sociable capture bluesky --tag TAG`.")
        return
    shown = {"name": "name", "kind": "kind", "collection": "collection", "running": "running",
             **{n: n.replace("_", " ") for n in COUNT_NAMES}, "updated_at": "updated", "last_error": "last error"}
    table = [{**{k: r[k] for k in shown}, "running": f"yes (pid {r['pid']})" if r["running"] else "no"} for r in rows]
    print_table(console, pa.Table.from_pylist(table), shown, limit=0)


_KEEP = re.compile(r"^\s*(\d+)\s*(d|w|y)?\s*$")


def parse_keep(value: str) -> int:
    """A retention period ('365d', '52w', '1y', '30') as days."""
    found = _KEEP.match(value)
    if not found:
        raise SociableError(f"--keep expects days such as 365d, 52w or 1y, not '{value}'.")
    return int(found[1]) * {"d": 1, None: 1, "w": 7, "y": 365}[found[2]]


@app.command("retention")
def retention_command(
    ctx: typer.Context,
    collection: Annotated[str | None, typer.Option("--collection", "-c", help="The collection to set.")] = None,
    keep: Annotated[str | None, typer.Option("--keep", help="How long to keep its posts: 365d, 52w, 1y.")] = None,
    forever: Annotated[bool, typer.Option("--forever", help="Keep the collection's posts forever.")] = False,
) -> None:
    """Set how long a collection keeps its posts (applied now, on every capture batch and every open)."""
    if collection is None:
        ws = open_workspace(ctx, read_only=True)
        rules = ws.retention()
        ws.close()
        if not rules:
            console.print("No retention set: every collection keeps its posts.")
        for rule in rules:
            console.print(Text(f"{rule['collection']}: {rule['keep_days']:,} days"))
        return
    if (keep is None) == (not forever):
        raise SociableError("give --keep DAYS or --forever with --collection.")
    ws = open_workspace(ctx)
    try:
        removed = ws.set_retention(collection, None if forever else parse_keep(keep or ""))
    finally:
        ws.close()
    kept = "forever" if forever else f"for {parse_keep(keep or ''):,} days"
    console.print(Text(f"{collection} keeps its posts {kept}; {removed.posts:,} older posts removed now."))


@app.command("forget")
def forget_command(
    ctx: typer.Context,
    who: Annotated[str, typer.Argument(help="The account: @handle, handle or account id.")],
    platform: Annotated[str | None, typer.Option("--platform", help="Only on this platform.")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (kept in the audit, e.g. 'erasure request').")]
    = None,
) -> None:
    """Erase an account everywhere: its profile, posts, raw records, rejected records, labels and ties."""
    ws = open_workspace(ctx)
    try:
        removed = ws.forget(who, platform=platform, reason=reason)
    finally:
        ws.close()
    counts = ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in removed.as_dict().items())
    console.print(Text(f"Forgot {who}: removed {counts}. The erasure is recorded (time and counts only)."))
