"""The Map analysis: communities, silos, brokers and influence of one interaction graph, in one result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from sociable.analyses import brokers, communities, influence, silos
from sociable.analyses.base import AnalysisResult, Measure, analysis
from sociable.analyses.network import KINDS, GraphFilter, InteractionGraph, layout, load_graph, make_filter

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


@dataclass(frozen=True, slots=True)
class MapOptions:
    """How the Map analysis is run once the graph is built."""

    resolution: float = 1.0
    seed: int = 42
    method: str = "modularity"
    exact_limit: int = brokers.EXACT_LIMIT
    samples: int = brokers.SAMPLES
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
    tables = {"mixing": silos.mixing_matrix(graph, "sector"), "ei_by_sector": by_sector, "ei_by_role": by_role}
    notes = silos.silo_sentences(by_sector)
    if facts["labelled_share"] is not None and facts["labelled_share"] < 1:
        notes.append(
            f"{round(100 * (1 - facts['labelled_share']))}% of interactions involve an account without a sector "
            "label and are left out of the silo measures."
        )
    return facts, tables, notes


def compute_map(graph: InteractionGraph, hashtags: pa.Table | None = None,
                options: MapOptions | None = None) -> AnalysisResult:
    """Run every Map measure on a built graph; `hashtags` has (platform, account_id, hashtag, posts)."""
    opts = options or MapOptions()
    membership = communities.detect_communities(graph, opts.resolution, opts.seed, opts.method)
    between = brokers.betweenness(graph, opts.exact_limit, opts.samples, opts.seed)
    constraints = brokers.constraint(graph)
    rank = influence.pagerank(graph)
    rank_cross = influence.pagerank(graph, influence.cross_sector_weights(graph, opts.cross_factor))
    positions = layout(graph, opts.seed) if opts.with_layout else None
    silo_facts, silo_tables, notes = _silo_facts(graph)
    if between.method == "sampled":
        notes.append(
            f"Betweenness was estimated from {between.sources} randomly chosen source accounts "
            f"(about {round(100 * (between.relative_error or 0))}% relative error for the top brokers)."
        )
    facts: dict[str, Any] = {
        "accounts": graph.node_count,
        "ties": graph.edge_count,
        "interactions": float(graph.weights().sum()),
        "communities": int(membership.max()) + 1 if len(membership) else 0,
        "modularity": communities.modularity(graph, membership),
        "community_method": opts.method,
        "resolution": opts.resolution,
        "seed": opts.seed,
        "betweenness_method": between.method,
        "betweenness_sources": between.sources,
        "betweenness_relative_error": between.relative_error,
        "cross_sector_factor": opts.cross_factor,
        **silo_facts,
    }
    tables = {
        "nodes": _node_measures(graph, membership, between, constraints, (rank, rank_cross), positions),
        "edges": graph.edges,
        "communities": communities.summarise_communities(graph, membership, hashtags),
        "community_links": communities.community_links(graph, membership),
        **silo_tables,
        "brokers": brokers.brokers_table(graph, between, constraints, membership, opts.top),
        "influence": influence.influence_table(graph, rank, rank_cross, membership, opts.top),
    }
    if graph.node_count == 0:
        notes = [EMPTY_NOTE]  # the silo sentences say nothing useful about an empty graph
    return AnalysisResult("map", TITLE, DESCRIPTION, MEASURES, tables, facts, tuple(notes))


def query_hashtags(ws: Workspace, collection: str | None = None, since: datetime | None = None,
                   until: datetime | None = None) -> pa.Table:
    """Posts per (account, hashtag) within the same collection and period as the graph."""
    where, params = ws.post_filter(collection, since, until, alias="p")
    return ws.query(
        "SELECT p.platform, p.account_id, lower(t.h) AS hashtag, count(*) AS posts "
        f"FROM posts p, unnest(p.hashtags) AS t(h) WHERE {where} GROUP BY ALL",
        params,
    )


@analysis("map", TITLE, DESCRIPTION, order=20)
def map_network(
    ws: Workspace,
    collection: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    kinds: list[str] | tuple[str, ...] | None = None,
    min_weight: float = 1,
    resolution: float = 1.0,
    seed: int = 42,
    method: str = "modularity",
    with_layout: bool = True,
) -> AnalysisResult:
    """Map the interaction network of a workspace (optionally one collection, period and kinds)."""
    chosen = make_filter(ws, collection, since, until, kinds)
    graph = load_graph(ws, collection, since, until, kinds, min_weight)
    options = MapOptions(resolution=resolution, seed=seed, method=method, with_layout=with_layout)
    result = compute_map(graph, query_hashtags(ws, collection, since, until), options)
    result.facts.update({
        "collection": collection,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "kinds": list(chosen.kinds),
        "min_weight": min_weight,
    })
    if graph.node_count == 0:
        result.notes = (empty_note(ws, chosen, collection, since, until, min_weight),)
    return result


def empty_note(ws: Workspace, chosen: GraphFilter, collection: str | None, since: datetime | None,
               until: datetime | None, min_weight: float) -> str:
    """Why the graph is empty, in one sentence that says what to change."""
    narrowed = collection is not None or since is not None or until is not None or len(chosen.kinds) < len(KINDS)
    if not narrowed and min_weight <= 1:
        posts = int(ws.scalar("SELECT count(*) FROM posts") or 0)
        if posts == 0:
            return "This workspace has no posts yet, so there is no network to map; import some with `sociable import`."
        return (f"None of the {posts:,} posts in this workspace replies to, mentions, quotes or reposts another "
                "account, so there is no network to map; import conversations (replies and mentions), not only "
                "single posts.")
    limits = [f"collection '{collection}'" if collection is not None else "",
              f"since {since.date().isoformat()}" if since else "",
              f"until {until.date().isoformat()}" if until else "",
              f"kinds {', '.join(chosen.kinds)}" if len(chosen.kinds) < len(KINDS) else "",
              f"min-weight {min_weight:g}" if min_weight > 1 else ""]
    return (f"No interactions between two accounts match these filters ({'; '.join(x for x in limits if x)}), so "
            "there is no network to map; widen the period, keep more kinds or lower --min-weight.")
