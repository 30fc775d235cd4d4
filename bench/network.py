"""Time the Map steps on a random interaction graph: build, Leiden, PageRank, betweenness, constraint.

    .venv/bin/python bench/network.py                 # 1,000,000 interactions
    .venv/bin/python bench/network.py --edges 200000 --accounts 20000 --layout

The graph is synthetic: accounts in sectors with a preference for their own sector (so there
are silos to find), heavy-tailed activity, and four interaction kinds.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa

from sociable.analyses import brokers, communities, influence, silos
from sociable.analyses.network import KINDS, build_graph, layout

SECTORS = ("health", "social_care", "housing", "local_government", "police_justice", "voluntary", "media")


def synthetic_tables(edges: int, accounts: int, seed: int) -> tuple[pa.Table, pa.Table]:
    """Random interactions: 70% inside the source's sector, targets chosen by a Zipf-like popularity."""
    rng = np.random.default_rng(seed)
    sector = rng.integers(0, len(SECTORS), accounts)
    popularity = 1.0 / np.arange(1, accounts + 1) ** 0.8
    popularity /= popularity.sum()
    source = rng.integers(0, accounts, edges)
    target = rng.choice(accounts, size=edges, p=popularity)
    by_sector = [np.flatnonzero(sector == s) for s in range(len(SECTORS))]
    same = rng.random(edges) < 0.7
    for s, members in enumerate(by_sector):
        rows = np.flatnonzero(same & (sector[source] == s))
        target[rows] = members[rng.integers(0, len(members), len(rows))]
    ids = np.char.add("u", np.arange(accounts).astype(str))
    edge_table = pa.table({
        "platform": pa.array(np.full(edges, "bench")),
        "source": pa.array(ids[source]),
        "target": pa.array(ids[target]),
        "kind": pa.array(np.asarray(KINDS)[rng.integers(0, len(KINDS), edges)]),
        "weight": pa.array(np.ones(edges)),
    })
    node_table = pa.table({
        "platform": pa.array(np.full(accounts, "bench")),
        "account_id": pa.array(ids),
        "sector": pa.array(np.asarray(SECTORS)[sector]),
    })
    return edge_table, node_table


def timed(label: str, step: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    value = step()
    print(f"{label:<34} {time.perf_counter() - started:8.2f} s")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=1_000_000, help="interactions to generate")
    parser.add_argument("--accounts", type=int, default=100_000, help="accounts to generate")
    parser.add_argument("--samples", type=int, default=brokers.SAMPLES, help="betweenness source samples")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--layout", action="store_true", help="also time the layout (slow on large graphs)")
    args = parser.parse_args()

    edge_table, node_table = timed("generate tables", lambda: synthetic_tables(args.edges, args.accounts, args.seed))
    graph = timed("build_graph", lambda: build_graph(edge_table, node_table))
    print(f"  {graph.node_count:,} accounts, {graph.edge_count:,} ties from {args.edges:,} interactions")
    membership = timed("Leiden (modularity, seeded)", lambda: communities.detect_communities(graph, seed=args.seed))
    print(f"  {int(membership.max()) + 1} communities")
    timed("community summaries", lambda: communities.summarise_communities(graph, membership))
    timed("PageRank (weighted)", lambda: influence.pagerank(graph))
    timed("PageRank cross-sector", lambda: influence.pagerank(graph, influence.cross_sector_weights(graph)))
    between = timed(
        f"betweenness (sampled, k={args.samples})",
        lambda: brokers.betweenness(graph, exact_limit=0, samples=args.samples, seed=args.seed),
    )
    print(f"  estimated relative error for the top brokers: {between.relative_error:.1%}")
    timed("constraint (Burt)", lambda: brokers.constraint(graph))
    timed("E-I, mixing, assortativity", lambda: (silos.ei_index(graph), silos.mixing_matrix(graph),
                                                 silos.assortativity(graph)))
    if args.layout:
        timed("layout", lambda: layout(graph, args.seed))


if __name__ == "__main__":
    main()
