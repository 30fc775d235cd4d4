"""Silos: crossing share, Krackhardt E-I, the mixing matrix and assortativity, against hand counts and networkx."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pyarrow as pa
import pytest

from sociable.analyses.network import build_graph
from sociable.analyses.silos import assortativity, crossing_share, ei_index, mixing_matrix, silo_sentences

SECTORS = ("health", "social_care", "police_justice", "housing")


def labelled_graph(pairs: list[tuple[str, str, float]], sector: dict[str, str]):  # type: ignore[no-untyped-def]
    edges = pa.table({"platform": ["bluesky"] * len(pairs), "source": [p[0] for p in pairs],
                      "target": [p[1] for p in pairs], "kind": ["mention"] * len(pairs),
                      "weight": [float(p[2]) for p in pairs]})
    nodes = pa.table({"platform": ["bluesky"] * len(sector), "account_id": list(sector),
                      "sector": list(sector.values()), "role": ["professional"] * len(sector)})
    return build_graph(edges, nodes)


def test_pure_silo_scores_minus_one() -> None:
    graph = labelled_graph([("a", "b", 3), ("b", "a", 1), ("c", "d", 2)],
                           {"a": "police_justice", "b": "police_justice", "c": "health", "d": "health"})
    table, overall = ei_index(graph)
    assert overall == -1.0
    assert table["ei"].to_pylist() == [-1.0, -1.0]
    assert crossing_share(graph) == 0.0
    assert assortativity(graph) == pytest.approx(1.0)


def test_hand_counted_ei_and_mixing() -> None:
    sector = {"n1": "health", "n2": "health", "s1": "social_care", "p1": "police_justice", "x": "unknown"}
    graph = labelled_graph(
        [("n1", "n2", 6), ("n2", "n1", 2), ("n1", "s1", 1), ("s1", "n2", 1), ("s1", "p1", 2), ("x", "n1", 5)],
        sector,
    )
    table, overall = ei_index(graph)
    rows = {row["group"]: row for row in table.to_pylist()}
    assert rows["health"]["internal"] == 8 and rows["health"]["external"] == 2
    assert rows["health"]["ei"] == pytest.approx((2 - 8) / 10)
    assert rows["health"]["inside_share"] == pytest.approx(0.8)
    assert rows["social_care"]["ei"] == 1.0 and rows["social_care"]["external"] == 4
    assert rows["police_justice"]["external"] == 2
    assert "unknown" not in rows
    assert overall == pytest.approx((4 - 8) / 12)
    assert crossing_share(graph) == pytest.approx(4 / 12)
    mixing = {(r["source_group"], r["target_group"]): r for r in mixing_matrix(graph).to_pylist()}
    # row totals: health 9, social_care 3; column totals: health 9, social_care 1, police 2; total 12
    assert mixing[("health", "health")]["observed"] == 8
    assert mixing[("health", "health")]["expected"] == pytest.approx(9 * 9 / 12)
    assert mixing[("social_care", "police_justice")]["expected"] == pytest.approx(3 * 2 / 12)
    assert mixing[("social_care", "police_justice")]["ratio"] == pytest.approx(2 / 0.5)


def test_sentences_name_the_silos() -> None:
    sector = {"p1": "police_justice", "p2": "police_justice", "h1": "health", "v1": "voluntary"}
    graph = labelled_graph([("p1", "p2", 9), ("p2", "p1", 9), ("p1", "h1", 1), ("v1", "h1", 4), ("v1", "p2", 2)],
                           sector)
    table, _ = ei_index(graph)
    sentences = silo_sentences(table)
    assert sentences[0] == "Police and justice: 86% of its ties stay inside the sector (E-I −0.71)."
    assert sentences[-1] == "Voluntary sector looks outward most: 100% of its ties reach other sectors (E-I +1.00)."
    assert "Too few" in silo_sentences(table, min_ties=1000)[0]
    assert silo_sentences(table, min_accounts=10)[0].startswith("Every sector here has fewer than 10 accounts")
    kept = silo_sentences(table, min_accounts=2)  # police and justice has 2 accounts; the others 1
    assert kept[0] == "Police and justice: 86% of its ties stay inside the sector (E-I −0.71)."
    assert kept[-1] == "2 sectors with fewer than 2 accounts are left out of these sentences."


def reference_ei(graph_edges: list[tuple[str, str, float]], sector: dict[str, str]) -> dict[str, float]:
    internal: dict[str, float] = {}
    external: dict[str, float] = {}
    for u, v, w in graph_edges:
        if u == v:
            continue
        if sector[u] == sector[v]:
            internal[sector[u]] = internal.get(sector[u], 0) + w
        else:
            for group in (sector[u], sector[v]):
                external[group] = external.get(group, 0) + w
    groups = set(internal) | set(external)
    return {g: (external.get(g, 0) - internal.get(g, 0)) / (external.get(g, 0) + internal.get(g, 0)) for g in groups}


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_against_a_reference_on_random_graphs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sector = {f"a{i}": SECTORS[rng.integers(0, len(SECTORS))] for i in range(40)}
    raw = [(f"a{u}", f"a{v}", float(rng.integers(1, 4))) for u, v in rng.integers(0, 40, size=(160, 2))]
    graph = labelled_graph(raw, sector)
    table, _ = ei_index(graph)
    ours = dict(zip(table["group"].to_pylist(), table["ei"].to_pylist(), strict=True))
    merged: dict[tuple[str, str], float] = {}
    for u, v, w in raw:
        merged[(u, v)] = merged.get((u, v), 0) + w
    expected = reference_ei([(u, v, w) for (u, v), w in merged.items()], sector)
    assert ours == pytest.approx(expected)
    # networkx's attribute assortativity counts each edge once: expand integer weights into parallel edges.
    multi = nx.MultiDiGraph()
    multi.add_nodes_from((node, {"sector": value}) for node, value in sector.items())
    for (u, v), w in merged.items():
        if u != v:
            multi.add_edges_from([(u, v)] * int(w))
    assert assortativity(graph) == pytest.approx(nx.attribute_assortativity_coefficient(multi, "sector"))
