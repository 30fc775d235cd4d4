"""Influence that is not follower counts: who receives engagement, from how far away.

An edge A → B means A engaged with B, so PageRank's attention flows to B. The role-aware
variant multiplies the weight of engagement that comes from another sector by a factor
(2 by default), so being answered by health *and* police *and* housing counts for more than
being answered twice as often by one's own sector.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sociable.analyses.brokers import distinct_neighbour_groups
from sociable.analyses.network import UNKNOWN, GraphError, InteractionGraph

DAMPING = 0.85
CROSS_SECTOR_FACTOR = 2.0


def pagerank(graph: InteractionGraph, weights: np.ndarray | None = None, damping: float = DAMPING) -> np.ndarray:
    """Weighted directed PageRank (sums to 1); accounts nobody engages with get only the teleport share."""
    if not 0 < damping < 1:
        raise GraphError(f"damping must be between 0 and 1, not {damping}.")
    if graph.node_count == 0:
        return np.zeros(0)
    chosen: str | list[float] | None = "weight" if weights is None else weights.tolist()
    if graph.edge_count == 0:
        chosen = None
    values = graph.graph.pagerank(directed=True, damping=damping, weights=chosen)
    return np.asarray(values, dtype=np.float64)


def cross_sector_weights(graph: InteractionGraph, factor: float = CROSS_SECTOR_FACTOR) -> np.ndarray:
    """Edge weights with engagement between two different known sectors multiplied by `factor`."""
    if factor <= 0:
        raise GraphError(f"the cross-sector factor must be positive, not {factor}.")
    codes, names = graph.codes("sector")
    source, target = graph.endpoints()
    unknown = names.index(UNKNOWN) if UNKNOWN in names else -1
    crossing = (codes[source] != codes[target]) & (codes[source] != unknown) & (codes[target] != unknown)
    return graph.weights() * np.where(crossing, factor, 1.0)


def influence_table(
    graph: InteractionGraph,
    rank: np.ndarray,
    rank_cross: np.ndarray,
    communities: np.ndarray,
    top: int = 20,
) -> pa.Table:
    """The accounts with the highest PageRank, with who engages with them and their follower count."""
    sector_codes, sector_names = graph.codes("sector")
    engaged_sectors = distinct_neighbour_groups(graph, sector_codes, sector_names, direction="in")
    engaged_communities = distinct_neighbour_groups(graph, communities, direction="in")
    _, target = graph.endpoints()
    engaged_accounts = np.bincount(target, minlength=graph.node_count)
    received = np.bincount(target, weights=graph.weights(), minlength=graph.node_count)
    order = np.lexsort((np.arange(graph.node_count), -rank_cross, -rank))[:top]
    nodes = graph.nodes.take(pa.array(order, pa.int64()))
    return pa.table({
        "account_id": nodes["account_id"],
        "handle": nodes["handle"],
        "role": nodes["role"],
        "sector": nodes["sector"],
        "community": pa.array(communities[order] + 1, pa.int64()),
        "pagerank": pa.array(rank[order], pa.float64()),
        "pagerank_cross_sector": pa.array(rank_cross[order], pa.float64()),
        "engaged_by_accounts": pa.array(engaged_accounts[order], pa.int64()),
        "interactions_received": pa.array(received[order], pa.float64()),
        "engaged_by_sectors": pa.array(engaged_sectors[order], pa.int64()),
        "engaged_by_communities": pa.array(engaged_communities[order], pa.int64()),
        "followers": nodes["followers"],
    })
