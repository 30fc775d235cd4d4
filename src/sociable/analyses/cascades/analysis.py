"""The cascades analysis: the largest spread trees in scope, their shape and speed, stance and corrections."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pyarrow as pa

from sociable.analyses.base import Measure, Option, Result, analysis, fact, table
from sociable.analyses.cascades.corrections import CORRECTION_SCHEMA, correction_rows, describe
from sociable.analyses.cascades.reactions import Authorities, read_reactions
from sociable.analyses.cascades.spread import Spread, largest_first, shared_spread
from sociable.analyses.cascades.trees import MILESTONES
from sociable.analyses.stance.model import STANCES
from sociable.store.scope import Scope

if TYPE_CHECKING:
    from sociable.store import Workspace

SIZE = Measure("size", "Posts in the cascade: the root and every reply, quote and repost below it, at any depth.")
DEPTH = Measure("depth", "Edges on the longest path from the root down to a reaction (a root alone has depth 0).")
BREADTH = Measure("max_breadth", "The most posts at any one depth of the cascade.")
VIRALITY = Measure("structural_virality", "The mean number of steps between two posts of the cascade, over every "
                                          "pair (Goel et al. 2016): about 2 for a broadcast star, large for a long "
                                          "chain of person-to-person spread.")
TIME_TO = Measure("time_to", "Minutes from the root to its 10th, 100th and 1,000th reaction (empty if never "
                             "reached).")
HALF_LIFE = Measure("half_life", "Minutes from the root until half of its reactions had arrived.")
ORPHANS = Measure("orphans", "Reactions whose parent is not among the posts read, hung under their thread's root.")
STANCE = Measure("stance", "Reactions predicted to support, deny, query or comment on the root's claim (the "
                           "stance model; reposts take the stance of what they repost).")
CORRECTION = Measure("correction", "A reaction that denies or queries the claim, from police, an NHS "
                                   "organisation, a council, a regulator, a fact-checker or an account named "
                                   "with --authority.")
RATE = Measure("rate", "Reactions an hour in equal windows before and after the first correction (the time "
                       "from root to correction, at most a day).")

CASCADE_COLUMNS = {
    "root": "root", "handle": "by", "created_at": "posted", "size": "size", "depth": "depth",
    "max_breadth": "max breadth", "structural_virality": "structural virality", "time_to_10": "to 10 (min)",
    "time_to_100": "to 100 (min)", "half_life": "half-life (min)", "replies": "replies", "quotes": "quotes",
    "reposts": "reposts", "accounts": "accounts", "support": "support", "deny": "deny", "query": "query",
    "comment": "comment", "corrected": "corrected", "text": "text",
}
CASCADE_SCHEMA = pa.schema([
    ("root", pa.string()), ("platform", pa.string()), ("handle", pa.string()),
    ("created_at", pa.timestamp("us", "UTC")), ("size", pa.int64()), ("depth", pa.int64()),
    ("max_breadth", pa.int64()), ("structural_virality", pa.float64()), ("time_to_10", pa.float64()),
    ("time_to_100", pa.float64()), ("time_to_1000", pa.float64()), ("half_life", pa.float64()),
    ("replies", pa.int64()), ("quotes", pa.int64()), ("reposts", pa.int64()), ("accounts", pa.int64()),
    ("orphans", pa.int64()), ("support", pa.int64()), ("deny", pa.int64()), ("query", pa.int64()),
    ("comment", pa.int64()), ("corrected", pa.bool_()), ("text", pa.string()),
])
SPREAD_SCHEMA = pa.schema([("root", pa.string()), ("platform", pa.string()), ("size", pa.int64()),
                           ("depth", pa.int64()), ("structural_virality", pa.float64())])


@dataclass(kw_only=True)
class CascadesResult(Result):
    """The largest spread trees: shape, speed, stance mix, and what followed any correction."""

    name: ClassVar[str] = "cascades"
    title: ClassVar[str] = "Cascades"
    description: ClassVar[str] = ("How posts spread through replies, quotes and reposts: the largest trees, their "
                                  "shape and speed, who supported, denied or queried them, and corrections.")
    measures: ClassVar[tuple[Measure, ...]] = (SIZE, DEPTH, BREADTH, VIRALITY, TIME_TO, HALF_LIFE, ORPHANS,
                                               STANCE, CORRECTION, RATE)
    main: ClassVar[str | None] = "cascade_table"

    cascade_table: pa.Table = table("Cascades", CASCADE_COLUMNS)
    corrections: pa.Table = table("Corrections", {
        "cascade": "cascade", "handle": "by", "authority": "authority", "stance": "stance",
        "minutes_after_root": "minutes after root", "rate_before": "reactions/h before",
        "rate_after": "reactions/h after", "deny_query_before": "deny+query before",
        "deny_query_after": "deny+query after", "text": "text"})
    reactions: pa.Table = table("Reactions of the largest cascade", {
        "post_id": "post", "handle": "by", "kind": "kind", "depth": "depth", "created_at": "posted",
        "stance": "stance", "confidence": "confidence", "authority": "authority", "text": "text"}, cli=False)
    spread: pa.Table = table("Every cascade", {"root": "root", "size": "size",
                                               "structural_virality": "structural virality"}, cli=False)

    cascade_count: int = fact("Cascades", 0)
    posts: int = fact("Posts read", 0)
    largest: int = fact("Largest cascade", 0, measure="size")
    orphans: int = fact("Orphans hung under their root", 0, measure="orphans")
    orphan_roots: int = fact("Orphans starting a tree of their own", 0)
    cycles: int = fact("Cycles cut", 0)
    duplicates: int = fact("Posts read twice", 0)
    cascades: list[dict[str, Any]] = fact("Cascades in detail", [])

    def headline(self) -> list[str]:
        if not self.cascade_count:
            return [f"No cascade of {self.options.get('min_size', 2)} posts or more among {self.posts:,} posts."]
        top = self.cascade_table.to_pylist()[0]
        return [f"{self.cascade_count:,} cascades among {self.posts:,} posts; the largest, by @{top['handle'] or '?'}, "
                f"has {top['size']:,} posts, depth {top['depth']} and structural virality "
                f"{top['structural_virality'] or 0:.2f}."]


TOP = Option("top", "int", 20, "How many of the largest cascades to describe in full (stance, corrections).",
             minimum=1)
MIN_SIZE = Option("min_size", "int", 2, "Fewest posts (the root included) for a tree to count as a cascade.",
                  minimum=1)
AUTHORITY = Option("authority", "list", (), "Handles whose denials or queries count as corrections, besides "
                   "police, NHS, council, regulator and fact-checking accounts.", web=False)


@analysis("cascades", "Cascades", "Spread trees from replies, quotes and reposts: size, depth, breadth, structural "
          "virality, speed, stance and corrections.", result=CascadesResult, options=(TOP, MIN_SIZE, AUTHORITY),
          order=70)
def find_cascades(ws: Workspace, scope: Scope, *, top: int, min_size: int,
                  authority: tuple[str, ...]) -> CascadesResult:
    """Build every spread tree in scope, measure them all, and describe the largest in full."""
    spread = shared_spread(ws, scope)
    m = spread.measures
    eligible, order = largest_first(spread, min_size)
    chosen = order[:top].tolist()
    reactions = read_reactions(ws, spread, chosen, Authorities.of(authority))
    corrections = correction_rows(reactions)
    rows = cascade_rows(spread, chosen, reactions, {c["cascade"] for c in corrections})
    largest = rows[0]["root"] if rows else None
    return CascadesResult(
        cascade_table=pa.Table.from_pylist(rows, schema=CASCADE_SCHEMA),
        corrections=pa.Table.from_pylist(corrections, schema=CORRECTION_SCHEMA),
        reactions=reactions.filter(pa.compute.equal(reactions.column("cascade"), largest)) if largest
        else reactions.slice(0, 0),
        spread=spread_table(spread, eligible),
        cascade_count=int(eligible.size), posts=spread.forest.size,
        largest=int(m.size[order[0]]) if order.size else 0,
        orphans=int(spread.attached_to_root.sum()), orphan_roots=int(spread.orphan_roots.sum()),
        cycles=spread.cycles, duplicates=spread.duplicates,
        cascades=[cascade_document(row) for row in rows],
        notes=tuple(spread_notes(spread) + [describe(c) for c in corrections]),
    )


def _minutes(ms: int) -> float | None:
    return None if ms < 0 else round(ms / 60000, 1)


def cascade_rows(spread: Spread, chosen: list[int], reactions: pa.Table, corrected: set[str]) -> list[dict[str, Any]]:
    """One row per chosen tree, largest first."""
    m, forest, posts = spread.measures, spread.forest, spread.posts
    by_cascade: dict[str, list[dict[str, Any]]] = {}
    for row in reactions.to_pylist():
        by_cascade.setdefault(row["cascade"], []).append(row)
    rows = []
    for slot in chosen:
        root = int(m.roots[slot])
        members = by_cascade.get(posts.column("post_id")[root].as_py(), [])
        head = next((r for r in members if r["kind"] == "root"), {})
        kinds = Counter(r["kind"] for r in members)
        stances = Counter(r["stance"] for r in members if r["kind"] != "root")
        vir = float(m.structural_virality[slot])
        rows.append({
            "root": posts.column("post_id")[root].as_py(), "platform": posts.column("platform")[root].as_py(),
            "handle": head.get("handle"), "created_at": head.get("created_at"),
            "size": int(m.size[slot]), "depth": int(m.depth[slot]), "max_breadth": int(m.max_breadth[slot]),
            "structural_virality": None if np.isnan(vir) else round(vir, 4),
            **{f"time_to_{k}": _minutes(int(m.time_to[k][slot])) for k in MILESTONES},
            "half_life": _minutes(int(m.half_life[slot])),
            "replies": kinds["reply"], "quotes": kinds["quote"], "reposts": kinds["repost"],
            "accounts": len({r["account_id"] for r in members}),
            "orphans": sum(1 for r in members if r["attached_to_root"]),
            **{s: stances[s] for s in STANCES},
            "corrected": posts.column("post_id")[root].as_py() in corrected, "text": head.get("text"),
        })
    del forest
    return rows


def cascade_document(row: dict[str, Any]) -> dict[str, Any]:
    """A cascade as the documented JSON: time_to nested by milestone."""
    document = {key: value for key, value in row.items() if not key.startswith("time_to_")}
    document["time_to"] = {str(k): row[f"time_to_{k}"] for k in MILESTONES}
    document["stance"] = {s: document.pop(s) for s in STANCES}
    return document


def spread_table(spread: Spread, eligible: np.ndarray) -> pa.Table:
    m, posts = spread.measures, spread.posts
    roots = pa.array(m.roots[eligible], pa.int64())
    vir = m.structural_virality[eligible]
    return pa.table({
        "root": posts.column("post_id").take(roots), "platform": posts.column("platform").take(roots),
        "size": pa.array(m.size[eligible], pa.int64()), "depth": pa.array(m.depth[eligible], pa.int64()),
        "structural_virality": pa.array(np.round(vir, 4), pa.float64(), mask=np.isnan(vir)),
    }, schema=SPREAD_SCHEMA)


def spread_notes(spread: Spread) -> list[str]:
    notes = []
    reposts = int((spread.kind == 3).sum())
    if reposts:
        notes.append(f"{reposts:,} reposts hang directly under the post they repost: the platforms name the post "
                     "reposted, not whose repost it was seen through, so depth and virality through reposts are "
                     "lower bounds.")
    attached, alone = int(spread.attached_to_root.sum()), int(spread.orphan_roots.sum())
    if attached or alone:
        notes.append(f"{attached + alone:,} reactions reply to, quote or repost a post that is not in scope: "
                     f"{attached:,} hang under their thread's root, {alone:,} start a tree of their own.")
    if spread.cycles:
        notes.append(f"{spread.cycles:,} cycles in the reply links (bad data) were cut at their earliest post.")
    if spread.duplicates:
        notes.append(f"{spread.duplicates:,} posts were stored more than once and read once.")
    return notes
