"""One cascade, found from any of its posts (a platform id or a post URL), with everything its page draws.

The tree's layout is computed here (a layered tidy layout: depth down the page, leaves spread
across it in depth-first order, each parent centred over its children), so the page only draws
circles and lines from numbers, and no script ever reads post text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from sociable.analyses.cascades.analysis import CascadesResult, cascade_rows
from sociable.analyses.cascades.corrections import correction_rows, describe
from sociable.analyses.cascades.reactions import Authorities, read_reactions
from sociable.analyses.cascades.spread import Spread, read_spread
from sociable.errors import SociableError
from sociable.store.scope import Scope

if TYPE_CHECKING:
    from sociable.store import Workspace

_ID_IN_URL = re.compile(r"/(?:status|statuses|post|posts|notes)/([A-Za-z0-9._:-]+)/?$")


class NoSuchCascade(SociableError):
    """The post asked for is not among the posts in scope."""


@dataclass(slots=True)
class Cascade:
    """One spread tree: its measures, every post with stance and layout, and its corrections."""

    summary: dict[str, Any]
    posts: list[dict[str, Any]]
    corrections: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    measures: tuple[Any, ...] = CascadesResult.measures


def post_key(value: str) -> str:
    """A platform id from what a user typed: the id itself, or the last id-like part of a post URL."""
    text = value.strip()
    found = _ID_IN_URL.search(text.split("?")[0].split("#")[0])
    return found.group(1) if found else text


def read_cascade(ws: Workspace, scope: Scope, post: str, authority: tuple[str, ...] = ()) -> Cascade:
    """The cascade that holds `post` (an id, a URI or a URL), read in scope."""
    spread = read_spread(ws, scope)
    index = _find(spread, post)
    root = int(spread.forest.tree[index])
    slot = int(np.flatnonzero(spread.measures.roots == root)[0])
    reactions = read_reactions(ws, spread, [slot], Authorities.of(authority))
    corrections = correction_rows(reactions)
    summary = cascade_rows(spread, [slot], reactions, {c["cascade"] for c in corrections})[0]
    posts = reactions.to_pylist()
    layout_posts(posts)
    return Cascade(summary, posts, corrections, [describe(c) for c in corrections])


def _find(spread: Spread, post: str) -> int:
    key = post_key(post)
    ids = spread.posts.column("post_id")
    hits = np.flatnonzero(pa.compute.equal(ids, key).to_numpy(zero_copy_only=False))
    if not hits.size and key != post.strip():
        hits = np.flatnonzero(pa.compute.equal(ids, post.strip()).to_numpy(zero_copy_only=False))
    if not hits.size:
        raise NoSuchCascade(f"no post '{post}' among the {spread.forest.size:,} posts in scope; give its platform id "
                            "(as `sociable posts` shows it) or its URL, and check the --collection.")
    return int(hits[0])


def layout_posts(posts: list[dict[str, Any]]) -> None:
    """x (0..1 across) and y (depth) for each post, parents centred over their children."""
    children: dict[int, list[int]] = {}
    for p in posts:
        children.setdefault(p["parent_i"], []).append(p["i"])
    by_i = {p["i"]: p for p in posts}
    root = next(p["i"] for p in posts if p["kind"] == "root")
    leaves = 0
    order: list[int] = []
    stack = [(root, False)]
    while stack:  # depth-first, children in time order, a post placed after its children
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        stack.append((node, True))
        kids = sorted(children.get(node, []), key=lambda i: (by_i[i]["created_at"], i))
        stack.extend((kid, False) for kid in reversed(kids))
    slots: dict[int, float] = {}
    for node in order:
        kids = children.get(node, [])
        if kids:
            slots[node] = (min(slots[k] for k in kids) + max(slots[k] for k in kids)) / 2
        else:
            slots[node] = float(leaves)
            leaves += 1
    width = max(leaves - 1, 1)
    for p in posts:
        p["x"] = round(slots.get(p["i"], 0.0) / width, 4) if leaves > 1 else 0.5
        p["y"] = p["depth"]
