"""Influence: weighted PageRank and its cross-sector variant, against networkx and hand-built graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pyarrow as pa
import pytest
from networkx.algorithms.link_analysis.pagerank_alg import _pagerank_python

from sociable.analyses.influence import cross_sector_weights, influence_table, pagerank
from sociable.analyses.network import GraphError, InteractionGraph, build_graph


def graph_of(pairs: list[tuple[str, str, float]], sectors: dict[str, str] | None = None) -> InteractionGraph:
    edges = pa.table({"platform": ["mastodon"] * len(pairs), "source": [p[0] for p in pairs],
                      "target": [p[1] for p in pairs], "kind": ["mention"] * len(pairs),
                      "weight": [p[2] for p in pairs]})
    nodes = None
    if sectors:
        nodes = pa.table({"platform": ["mastodon"] * len(sectors), "account_id": list(sectors),
                          "sector": list(sectors.values()), "followers": list(range(len(sectors)))})
    return build_graph(edges, nodes)


def by_id(graph: InteractionGraph, values: np.ndarray) -> dict[str, float]:
    return dict(zip(graph.nodes["account_id"].to_pylist(), values.tolist(), strict=True))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_pagerank_matches_networkx(seed: int) -> None:
    # networkx's scipy-free reference; same conventions: A → B passes rank to B in proportion to
    # weight, dangling accounts spread their rank uniformly, damping 0.85.
    rng = np.random.default_rng(seed)
    merged: dict[tuple[str, str], float] = {}
    for u, v in rng.integers(0, 40, size=(120, 2)):
        if u != v:
            merged[(f"a{u}", f"a{v}")] = merged.get((f"a{u}", f"a{v}"), 0.0) + float(rng.integers(1, 6))
    graph = graph_of([(u, v, w) for (u, v), w in merged.items()])
    reference = nx.DiGraph()
    reference.add_weighted_edges_from((u, v, w) for (u, v), w in merged.items())
    expected = _pagerank_python(reference, alpha=0.85, weight="weight", tol=1e-14, max_iter=10_000)
    assert by_id(graph, pagerank(graph)) == pytest.approx(expected, abs=1e-9)


def test_star_hub_gets_the_attention() -> None:
    graph = graph_of([(f"p{i}", "trust", 1.0) for i in range(5)])
    ranks = by_id(graph, pagerank(graph))
    assert max(ranks, key=ranks.__getitem__) == "trust"
    assert sum(ranks.values()) == pytest.approx(1.0)
    assert ranks["p0"] == pytest.approx(ranks["p4"])


def test_cross_sector_engagement_counts_double() -> None:
    # The factor re-weights where each account's attention goes: the officer's engagement now
    # favours the council (another sector) over a colleague in the same sector.
    sectors = {"nurse": "health", "doctor": "health", "officer": "police_justice", "x": "unknown",
               "trust": "health", "council": "local_government", "sergeant": "police_justice"}
    pairs = [("nurse", "trust", 1.0), ("doctor", "trust", 1.0), ("officer", "council", 1.0), ("x", "council", 1.0),
             ("x", "trust", 1.0), ("officer", "sergeant", 1.0)]
    graph = graph_of(pairs, sectors)
    weights = cross_sector_weights(graph, factor=2.0)
    source, target = graph.endpoints()
    ids = graph.nodes["account_id"].to_pylist()
    doubled = {(ids[s], ids[t]) for s, t, w in zip(source, target, weights, strict=True) if w == 2.0}
    assert doubled == {("officer", "council")}
    plain, crossed = pagerank(graph), pagerank(graph, weights)
    assert by_id(graph, crossed)["council"] > by_id(graph, plain)["council"]
    table = influence_table(graph, plain, crossed, np.zeros(graph.node_count, dtype=np.int64), top=2)
    assert table["handle"].to_pylist() == ["trust", "council"]
    assert table["engaged_by_accounts"].to_pylist() == [3, 2]
    assert table["engaged_by_sectors"].to_pylist() == [1, 1]
    assert table["followers"].to_pylist() == [4, 5]
    with pytest.raises(GraphError):
        cross_sector_weights(graph, factor=0)
    with pytest.raises(GraphError):
        pagerank(graph, damping=1.0)
