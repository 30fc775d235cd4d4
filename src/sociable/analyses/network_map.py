"""The Map analysis: communities, silos, brokers and influence of one interaction graph, in one result.

The graph's edges are the interactions carried by the posts in the Scope; which kinds of
interaction count (replies, mentions, quotes, reposts) is the map's own `interactions` option,
since the Scope's `kinds` are kinds of post.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pyarrow as pa

from sociable.analyses import brokers, communities, influence, silos
from sociable.analyses.base import Measure, Option, Result, analysis, fact, table
from sociable.analyses.influence import CROSS_SECTOR_FACTOR
from sociable.analyses.network import (
    KINDS,
    InteractionGraph,
    check_kinds,
    kept_periods,
    layout,
    load_graph,
    query_tie_periods,
)
from sociable.store.scope import Scope

if TYPE_CHECKING:
    from sociable.store import Workspace

TITLE = "Map"
DESCRIPTION = (
    "Who talks with whom: communities, silos between sectors and roles, brokers who bridge them, "
    "and influence measured by engagement rather than followers."
)

MEASURES: tuple[Measure, ...] = (
    Measure("accounts", "Accounts that made or received at least one interaction kept by the filters."),
    Measure("ties", "Ordered pairs of accounts (A → B) with at least min-weight interactions from A to B."),
    Measure("weight", "Number of interactions (replies, mentions, quotes, reposts) from one account to another."),
    Measure("community", "Group found by Leiden on the undirected weighted graph; 1 is the largest; seeded."),
    Measure("modularity", "How much more weight falls inside communities than expected at random (−0.5..1)."),
    Measure("cohesion", "Share of a community's interaction weight that stays inside the community."),
    Measure("key accounts", "Members with the most interactions with other members of their community."),
    Measure("top hashtags", "Hashtags used most often in the filtered posts of a community's members."),
    Measure("top domains", "Web sites (host names, without www.) linked to most often in the filtered posts of a "
            "community's members, counting posts; the platform's own addresses (its posts, profiles and media) "
            "are not links out and are left out."),
    Measure("top links", "Addresses (URLs) linked to most often in the filtered posts of a community's members, "
            "counting posts; the platform's own addresses are left out."),
    Measure("period", "The stretch of time a tie's interactions are counted in for the time filter: a UTC day for "
            "up to two months of data, an ISO week (from Monday) for up to two years, else a calendar month."),
    Measure("crossing share", "Share of interactions between sector-labelled accounts that join two different "
            "sectors."),
    Measure("E-I index", "Krackhardt's (external − internal) / (external + internal) ties of a group, weighted; "
            "−1 a closed silo, +1 only outward."),
    Measure("inside share", "Share of a group's weighted ties that stay inside the group."),
    Measure("observed", "Interactions from accounts of one sector to accounts of another."),
    Measure("expected", "Interactions expected under random mixing: row total × column total / grand total."),
    Measure("ratio", "Observed / expected; above 1 the two sectors talk more than chance would give."),
    Measure("assortativity", "Newman's weighted nominal assortativity by sector over directed ties: +1 all "
            "ties inside sectors, 0 random mixing."),
    Measure("labelled share", "Share of interactions whose two accounts both carry a sector label; only these "
            "count in silo measures."),
    Measure("betweenness", "Share of shortest paths between other pairs of accounts (undirected, unweighted) "
            "that pass through the account."),
    Measure("constraint", "Burt's constraint: near 1 when all ties go to one tight circle, low for accounts "
            "spanning structural holes."),
    Measure("sectors reached", "Distinct labelled sectors among the accounts it interacted with, either way."),
    Measure("communities reached", "Distinct communities among the accounts it interacted with, either way."),
    Measure("participation", "Participation coefficient: 1 minus the sum over communities of the squared share of "
            "the account's interaction weight with that community; 0 inside one community, near 1 spread evenly."),
    Measure("pagerank", "Weighted PageRank (damping 0.85) where A → B passes attention to B; sums to 1."),
    Measure("pagerank cross-sector", "PageRank with engagement from another known sector weighted ×2."),
    Measure("engaged by sectors", "Distinct labelled sectors of the accounts that engaged with it."),
    Measure("engaged by communities", "Distinct communities of the accounts that engaged with it."),
    Measure("degree in/out", "Distinct accounts that engaged with it / that it engaged with."),
    Measure("strength in/out", "Interactions received / made."),
)


EMPTY_NOTE = "No interactions match these filters, so there is no network to map."

OPTIONS: tuple[Option, ...] = (
    Option("interactions", "list", KINDS, "Interaction kinds to keep, e.g. reply,mention (default: all).",
           choices=KINDS),
    Option("min_weight", "int", 1, "Keep ties with at least this many interactions.", minimum=1),
    Option("resolution", "float", 1.0, "Leiden resolution: higher finds more, smaller communities.", above=0),
    Option("seed", "int", 42, "Random seed: the same seed gives the same communities and layout."),
    Option("method", "choice", "modularity", "Community method: modularity, or cpm (the Constant Potts Model; "
           "try a resolution of 0.01 to 0.1).", choices=communities.METHODS),
    Option("with_layout", "bool", False, "Compute positions to draw the network (slower on big graphs); the report "
           "and the web app ask for them.", web=False),
)

_ACCOUNT = {"handle": "account", "sector": "sector"}
_EI_COLUMNS = {"name": "group", "accounts": "accounts", "internal": "inside", "external": "outside", "ei": "E-I",
               "inside_share": "inside share"}
_NODE_COLUMNS = {
    "platform": "platform", "account_id": "account id", "handle": "account", "display_name": "name",
    "role": "role", "subtype": "subtype", "sector": "sector", "community": "community", "pagerank": "PageRank",
    "pagerank_cross_sector": "cross-sector", "betweenness": "betweenness", "constraint": "constraint",
    "sectors_reached": "sectors reached", "communities_reached": "communities reached",
    "participation": "participation", "degree_in": "degree in", "degree_out": "degree out",
    "strength_in": "strength in", "strength_out": "strength out", "followers": "followers", "x": "x", "y": "y",
}


@dataclass(kw_only=True)
class MapResult(Result):
    """The Map of one interaction graph: its size and shape, silo measures, and per-account tables."""

    name: ClassVar[str] = "map"
    title: ClassVar[str] = TITLE
    description: ClassVar[str] = DESCRIPTION
    measures: ClassVar[tuple[Measure, ...]] = MEASURES
    main: ClassVar[str | None] = "nodes"

    accounts: int = fact("Accounts", 0, measure="accounts")
    ties: int = fact("Ties", 0, measure="ties")
    interactions: float = fact("Interactions", 0.0, measure="weight")
    community_count: int = fact("Communities", 0, measure="community")
    modularity: float | None = fact("Modularity", measure="modularity")
    crossing_share: float | None = fact("Crossing share (sectors)", measure="crossing share")
    crossing_share_role: float | None = fact("Crossing share (roles)", measure="crossing share")
    ei_sector: float | None = fact("E-I index (sectors)", measure="E-I index")
    ei_role: float | None = fact("E-I index (roles)", measure="E-I index")
    assortativity_sector: float | None = fact("Assortativity (sectors)", measure="assortativity")
    assortativity_role: float | None = fact("Assortativity (roles)", measure="assortativity")
    labelled_share: float | None = fact("Labelled share", measure="labelled share")
    betweenness_method: str = fact("Betweenness computed", "exact", measure="betweenness")
    betweenness_sources: int = fact("Betweenness source accounts", 0)
    betweenness_relative_error: float | None = fact("Betweenness relative error")
    constraint_method: str = fact("Constraint computed", "exact", measure="constraint")
    constraint_estimated: int = fact("Constraint estimated accounts", 0)
    constraint_relative_error: float | None = fact("Constraint relative error")
    cross_sector_factor: float = fact("Cross-sector weight", CROSS_SECTOR_FACTOR, measure="pagerank cross-sector")
    period_unit: str = fact("Period of tie times", "day", measure="period")

    nodes: pa.Table = table("Accounts", _NODE_COLUMNS, reading="Every account in the network with its measures "
                            "and position.", cli=False)
    edges: pa.Table = table("Interactions", {"platform": "platform", "source": "from", "target": "to",
                                             "kind": "kind", "weight": "interactions"}, cli=False)
    communities: pa.Table = table("Communities", {
        "community": "#", "size": "accounts", "cohesion": "cohesion", "sectors": "sectors", "roles": "roles",
        "key_accounts": "key accounts", "top_hashtags": "top hashtags"}, reading="Numbered from the largest.")
    top_items: pa.Table = table("Top items per community", {
        "community": "community", "kind": "kind", "rank": "rank", "item": "item", "posts": "posts"},
        reading="The hashtags, web sites (domains) and links that each community's posts carry most, five of each.",
        cli=False)
    tie_periods: pa.Table = table("Ties over time", {
        "platform": "platform", "source": "from", "target": "to", "period": "period", "weight": "interactions"},
        reading="Interactions of each tie per period (all kinds kept summed), for drawing the network over time.",
        cli=False)
    community_links: pa.Table = table("Links between communities", {
        "source_community": "from community", "target_community": "to community", "weight": "interactions"},
        cli=False)
    mixing: pa.Table = table("How sectors mix", {
        "source_group": "from sector", "target_group": "to sector", "observed": "observed",
        "expected": "expected", "ratio": "observed / expected"}, cli=False)
    ei_by_sector: pa.Table = table("E-I index by sector", _EI_COLUMNS,
                                   reading="From the most closed group to the most outward-looking.")
    ei_by_role: pa.Table = table("E-I index by role", _EI_COLUMNS,
                                 reading="From the most closed group to the most outward-looking.")
    brokers: pa.Table = table("Brokers", {
        **_ACCOUNT, "community": "community", "betweenness": "betweenness", "constraint": "constraint",
        "sectors_reached": "sectors reached", "communities_reached": "communities reached"},
        reading="Accounts on many shortest paths between others: the bridges between groups.")
    influence: pa.Table = table("Influence (engagement, not followers)", {
        **_ACCOUNT, "pagerank": "PageRank", "pagerank_cross_sector": "cross-sector",
        "engaged_by_accounts": "engaged by", "engaged_by_sectors": "sectors",
        "engaged_by_communities": "communities", "followers": "followers"},
        reading="Ranked by PageRank: attention from engaged accounts, not follower counts.")

    def headline(self) -> list[str]:
        """The network's size and shape, and how much talk crosses sectors, in one line."""
        if not self.accounts:
            return []
        line = (f"{self.accounts:,} accounts, {self.ties:,} ties, {int(self.interactions):,} interactions; "
                f"{self.community_count:,} communities")
        if self.modularity is not None:
            line += f" (modularity {_short(self.modularity)})"
        if self.crossing_share is not None:
            line += f"; {round(100 * self.crossing_share)}% of interactions between labelled accounts cross sectors"
            line += f" (E-I {_short(self.ei_sector, 2)}, assortativity {_short(self.assortativity_sector)})"
        return [line + "."]

    def shown_tables(self) -> list[str]:
        """Communities, silos, brokers and influence; nothing when there is no network (the note says why)."""
        return super().shown_tables() if self.accounts else []


def _short(value: float | None, digits: int = 3) -> str:
    """A number in a sentence: whole numbers with commas, others to a few significant digits."""
    if value is None or value != value:
        return ""
    if value.is_integer() and abs(value) >= 1:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def _constraint_note(constraints: brokers.Constraint, accounts: int) -> str:
    """How many accounts' constraint was estimated, and how closely."""
    note = (f"Burt's constraint was estimated for {constraints.estimated:,} of {accounts:,} accounts from "
            f"{constraints.samples} intermediaries drawn for each")
    error = constraints.relative_error
    if error is None:
        return note + "; the rest are exact."
    about = f"{100 * error:.1f}%" if error < 0.1 else f"{100 * error:.0f}%"
    return f"{note} (standard error about {about} of the value for the lowest ones estimated); the rest are exact."


@dataclass(frozen=True, slots=True)
class MapOptions:
    """How the Map analysis is run once the graph is built."""

    resolution: float = 1.0
    seed: int = 42
    method: str = "modularity"
    exact_limit: int = brokers.EXACT_LIMIT
    samples: int = brokers.SAMPLES
    constraint_paths: int = brokers.CONSTRAINT_EXACT_PATHS
    cross_factor: float = influence.CROSS_SECTOR_FACTOR
    top: int = 20
    with_layout: bool = True


def _node_measures(graph: InteractionGraph, membership: np.ndarray, between: brokers.Betweenness,
                   constraints: np.ndarray, ranks: tuple[np.ndarray, np.ndarray], positions: np.ndarray | None
                   ) -> pa.Table:
    sector_codes, sector_names = graph.codes("sector")
    source, target = graph.endpoints()
    weight = graph.weights()
    n = graph.node_count
    columns: dict[str, Any] = {name: graph.nodes[name] for name in
                               ("platform", "account_id", "handle", "display_name", "role", "subtype", "sector")}
    columns.update({
        "community": pa.array(membership + 1, pa.int64()),
        "pagerank": pa.array(ranks[0], pa.float64()),
        "pagerank_cross_sector": pa.array(ranks[1], pa.float64()),
        "betweenness": pa.array(between.values, pa.float64()),
        "constraint": pa.array(constraints, pa.float64(), from_pandas=True),
        "sectors_reached": pa.array(brokers.distinct_neighbour_groups(graph, sector_codes, sector_names), pa.int64()),
        "communities_reached": pa.array(brokers.distinct_neighbour_groups(graph, membership), pa.int64()),
        "participation": pa.array(brokers.participation(graph, membership), pa.float64()),
        "degree_in": pa.array(np.bincount(target, minlength=n), pa.int64()),
        "degree_out": pa.array(np.bincount(source, minlength=n), pa.int64()),
        "strength_in": pa.array(np.bincount(target, weights=weight, minlength=n), pa.float64()),
        "strength_out": pa.array(np.bincount(source, weights=weight, minlength=n), pa.float64()),
        "followers": graph.nodes["followers"],
        "x": pa.array(positions[:, 0] if positions is not None else np.full(n, np.nan), pa.float64(), from_pandas=True),
        "y": pa.array(positions[:, 1] if positions is not None else np.full(n, np.nan), pa.float64(), from_pandas=True),
    })
    return pa.table(columns)


def _silo_facts(graph: InteractionGraph) -> tuple[dict[str, Any], dict[str, pa.Table], list[str]]:
    by_sector, ei_sector = silos.ei_index(graph, "sector")
    by_role, ei_role = silos.ei_index(graph, "role")
    labelled = silos.labelled_edges(graph, "sector")
    total = float(graph.weights().sum())
    facts = {
        "crossing_share": silos.crossing_share(graph, "sector"),
        "crossing_share_role": silos.crossing_share(graph, "role"),
        "ei_sector": ei_sector,
        "ei_role": ei_role,
        "assortativity_sector": silos.assortativity(graph, "sector"),
        "assortativity_role": silos.assortativity(graph, "role"),
        "labelled_share": (total - labelled.excluded_weight) / total if total else None,
    }
    tables = {"mixing": silos.mixing_matrix(graph, "sector"), "ei_by_sector": _named(by_sector, silos.SECTOR_NAMES),
              "ei_by_role": _named(by_role, silos.ROLE_NAMES)}
    notes = silos.silo_sentences(by_sector, min_accounts=silos.MIN_ACCOUNTS_FOR_SENTENCE)
    if facts["labelled_share"] is not None and facts["labelled_share"] < 1:
        notes.append(
            f"{round(100 * (1 - facts['labelled_share']))}% of interactions involve an account without a sector "
            "label and are left out of the silo measures."
        )
    return facts, tables, notes


def _named(ei_table: pa.Table, names: dict[str, str]) -> pa.Table:
    """An E-I table with each group's plain-language name beside its id."""
    shown = [silos.display_name(group, names) for group in ei_table["group"].to_pylist()]
    return ei_table.add_column(1, "name", pa.array(shown, pa.string()))


def compute_map(graph: InteractionGraph, items: pa.Table | None = None, options: MapOptions | None = None,
                periods: tuple[pa.Table, str] | None = None) -> MapResult:
    """Run every Map measure on a built graph.

    `items` has (platform, account_id, kind, item, posts): the hashtags, domains and links of
    each account's posts (`query_items`); `periods` is `query_tie_periods`' table and unit.
    """
    opts = options or MapOptions()
    membership = communities.detect_communities(graph, opts.resolution, opts.seed, opts.method)
    top = communities.top_items(graph, membership, items)
    between = brokers.betweenness(graph, opts.exact_limit, opts.samples, opts.seed)
    constraints = brokers.burt_constraint(graph, opts.constraint_paths, seed=opts.seed)
    rank = influence.pagerank(graph)
    rank_cross = influence.pagerank(graph, influence.cross_sector_weights(graph, opts.cross_factor))
    positions = layout(graph, opts.seed, membership) if opts.with_layout else None
    silo_facts, silo_tables, notes = _silo_facts(graph)
    if between.method == "sampled":
        notes.append(
            f"Betweenness was estimated from {between.sources} randomly chosen source accounts "
            f"(about {round(100 * (between.relative_error or 0))}% relative error for the top brokers)."
        )
    if constraints.method == "sampled":
        notes.append(_constraint_note(constraints, graph.node_count))
    if graph.node_count == 0:
        notes = [EMPTY_NOTE]  # the silo sentences say nothing useful about an empty graph
    nodes = _node_measures(graph, membership, between, constraints.values, (rank, rank_cross), positions)
    return MapResult(
        accounts=graph.node_count,
        ties=graph.edge_count,
        interactions=float(graph.weights().sum()),
        community_count=int(membership.max()) + 1 if len(membership) else 0,
        modularity=communities.modularity(graph, membership),
        betweenness_method=between.method,
        betweenness_sources=between.sources,
        betweenness_relative_error=between.relative_error,
        constraint_method=constraints.method,
        constraint_estimated=constraints.estimated,
        constraint_relative_error=constraints.relative_error,
        cross_sector_factor=opts.cross_factor,
        **silo_facts,
        nodes=nodes,
        edges=graph.edges,
        communities=communities.summarise_communities(graph, membership, items=top),
        top_items=top,
        tie_periods=kept_periods(graph, periods[0]) if periods else _NO_PERIODS,
        period_unit=periods[1] if periods else "day",
        community_links=communities.community_links(graph, membership),
        **silo_tables,
        brokers=brokers.brokers_table(nodes, opts.top),
        influence=influence.influence_table(graph, rank, rank_cross, membership, opts.top),
        notes=tuple(notes),
    )


# The platforms' own hosts: a link to them is a post, a profile or a picture there, not a link out.
PLATFORM_HOSTS: dict[str, tuple[str, ...]] = {
    "twitter": ("twitter.com", "x.com", "mobile.twitter.com", "mobile.x.com", "t.co", "pic.twitter.com", "pic.x.com",
                "pbs.twimg.com", "video.twimg.com"),
    "bluesky": ("bsky.app", "bsky.social", "go.bsky.app", "cdn.bsky.app", "video.bsky.app"),
}
_HOST = r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^/:?#]+)"
_ORIGIN = r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*"  # scheme and host, compared in lower case
_NO_PERIODS = pa.schema([("platform", pa.string()), ("source", pa.string()), ("target", pa.string()),
                         ("period", pa.date32()), ("weight", pa.float64())]).empty_table()


def query_items(ws: Workspace, scope: Scope) -> pa.Table:
    """Posts per (account, kind, item) in scope: its hashtags (lower case), and the domains and links it shares.

    A link is kept as written with its scheme and host in lower case, less a trailing slash or
    #fragment; its domain is its host in lower
    case without "www.". Links to the platform's own hosts (`PLATFORM_HOSTS`) or to the host of
    the post's own address (a Mastodon instance, a blog) are not links out and are left out.
    """
    own = [f"{platform}|{host}" for platform, hosts in PLATFORM_HOSTS.items() for host in hosts]
    return ws.query(f"""
        WITH tags AS (
            SELECT p.platform, p.account_id, 'hashtag' AS kind, lower(t.h) AS item, count(*) AS posts
              FROM posts p, unnest(p.hashtags) AS t(h) WHERE {scope.condition('p')} GROUP BY ALL),
        raw AS (
            SELECT p.platform, p.account_id, p.post_id,
                   regexp_replace(regexp_replace(trim(u.url), '#.*$', ''), '/+$', '') AS bare,
                   lower(regexp_extract(trim(u.url), $host, 1)) AS host,
                   lower(regexp_extract(coalesce(p.uri, ''), $host, 1)) AS own_host
              FROM posts p, unnest(p.urls) AS u(url) WHERE {scope.condition('p')}),
        links AS (
            SELECT platform, account_id, post_id, regexp_replace(host, '^www[.]', '') AS domain,
                   lower(regexp_extract(bare, $origin, 0)) || substr(bare, length(regexp_extract(bare, $origin, 0)) + 1)
                       AS link
              FROM raw
             WHERE host <> '' AND host <> own_host
               AND NOT list_contains($own, platform || '|' || regexp_replace(host, '^www[.]', '')))
        SELECT * FROM tags
        UNION ALL SELECT platform, account_id, 'domain', domain, count(DISTINCT post_id) FROM links GROUP BY ALL
        UNION ALL SELECT platform, account_id, 'link', link, count(DISTINCT post_id) FROM links GROUP BY ALL""",
        {**scope.params(), "host": _HOST, "origin": _ORIGIN, "own": own},
    )


@analysis("map", TITLE, DESCRIPTION, result=MapResult, options=OPTIONS, order=20)
def map_network(
    ws: Workspace,
    scope: Scope,
    *,
    interactions: Sequence[str] = KINDS,
    min_weight: float = 1,
    resolution: float = 1.0,
    seed: int = 42,
    method: str = "modularity",
    with_layout: bool = True,
) -> MapResult:
    """Map the interaction network of the posts in scope, over the interaction kinds chosen."""
    chosen = check_kinds(interactions)
    graph = load_graph(ws, scope, chosen, min_weight)
    options = MapOptions(resolution=resolution, seed=seed, method=method, with_layout=with_layout)
    result = compute_map(graph, query_items(ws, scope), options, query_tie_periods(ws, scope, chosen))
    if graph.node_count == 0:
        result.notes = (empty_note(ws, scope, chosen, min_weight),)
    return result


def empty_note(ws: Workspace, scope: Scope, interactions: Sequence[str], min_weight: float) -> str:
    """Why the graph is empty, in one sentence that says what to change."""
    fewer = len(interactions) < len(KINDS)
    if scope.is_everything and not fewer and min_weight <= 1:
        posts = int(ws.scalar("SELECT count(*) FROM posts") or 0)
        if posts == 0:
            return "This workspace has no posts yet, so there is no network to map; import some with `sociable import`."
        return (f"None of the {posts:,} posts in this workspace replies to, mentions, quotes or reposts another "
                "account, so there is no network to map; import conversations (replies and mentions), not only "
                "single posts.")
    limits = ["" if scope.is_everything else scope.describe(),
              f"interactions {', '.join(interactions)}" if fewer else "",
              f"min-weight {min_weight:g}" if min_weight > 1 else ""]
    return (f"No interactions between two accounts match these filters ({'; '.join(x for x in limits if x)}), so "
            "there is no network to map; widen the period, keep more kinds or lower --min-weight.")
