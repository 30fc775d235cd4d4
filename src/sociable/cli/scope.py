"""The scope flags every command that reads posts shares, and the one place they become a Scope."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from sociable.store.scope import POST_KINDS, Scope

if TYPE_CHECKING:
    from sociable.store import Workspace

CollectionsOption = Annotated[
    list[str] | None,
    typer.Option("--collection", "-c", metavar="NAME", help="Only posts in this collection (repeatable: any of them)."),
]
SinceOption = Annotated[
    str | None,
    typer.Option(metavar="WHEN", help="From this date or time, e.g. 2024-03-12 or 2024-03-12T20:00 (UTC unless an "
                                      "offset is given)."),
]
UntilOption = Annotated[
    str | None, typer.Option(metavar="WHEN", help="Before this date or time (UTC unless an offset is given).")
]
KindsOption = Annotated[
    list[str] | None,
    typer.Option(metavar="KINDS", help=f"Only posts of these kinds: {', '.join(POST_KINDS)} (comma-separated or "
                                       "repeated)."),
]
PlatformsOption = Annotated[
    list[str] | None,
    typer.Option("--platform", metavar="PLATFORM", help="Only posts from this platform, e.g. bluesky (repeatable)."),
]

ListsOption = Annotated[
    list[str] | None,
    typer.Option("--list", metavar="NAME", help="Only posts by members of this curated list (repeatable: any of "
                                                 "them; see `sociable lists`)."),
]


def cli_scope(
    ws: Workspace,
    collection: list[str] | str | None = None,
    since: str | None = None,
    until: str | None = None,
    kinds: list[str] | str | None = None,
    platform: list[str] | None = None,
    lists: list[str] | None = None,
) -> Scope:
    """The Scope the flags describe, validated against the workspace (one message for a bad collection)."""
    return ws.scope(collection, since, until, kinds, platform, lists)
