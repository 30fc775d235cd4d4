"""Spread-tree measures on hand-built trees whose answers are known, and against networkx on random ones."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sociable.analyses.cascades.trees import build_forest, measure_trees, subtree_sizes


def measured(parent: list[int], times: list[int] | None = None):  # type: ignore[no-untyped-def]
    ms = np.array(times if times is not None else list(range(len(parent))), dtype=np.int64)
    forest = build_forest(np.array(parent), ms)
    return forest, measure_trees(forest, ms)


def test_a_star_is_one_level_of_leaves() -> None:
    _, m = measured([-1, 0, 0, 0, 0])
    assert m.roots.tolist() == [0]
    assert (m.size[0], m.depth[0], m.max_breadth[0]) == (5, 1, 4)
    # 4 root-leaf pairs at distance 1, 6 leaf-leaf pairs at distance 2: 16 / 10
    assert m.structural_virality[0] == pytest.approx(1.6)


def test_a_chain_is_deep_and_narrow() -> None:
    forest, m = measured([-1, 0, 1, 2])
    assert (m.size[0], m.depth[0], m.max_breadth[0]) == (4, 3, 1)
    # distances 1,2,3,1,2,1: 10 / 6
    assert m.structural_virality[0] == pytest.approx(10 / 6)
    assert forest.depth.tolist() == [0, 1, 2, 3]


def test_a_balanced_binary_tree() -> None:
    forest, m = measured([-1, 0, 0, 1, 1, 2, 2])
    assert (m.size[0], m.depth[0], m.max_breadth[0]) == (7, 2, 4)
    graph = nx.Graph([(i, p) for i, p in enumerate([-1, 0, 0, 1, 1, 2, 2]) if p >= 0])
    assert m.structural_virality[0] == pytest.approx(nx.average_shortest_path_length(graph))
    assert subtree_sizes(forest).tolist() == [7, 3, 3, 1, 1, 1, 1]


def test_a_lone_post_has_no_virality_and_no_speed() -> None:
    _, m = measured([-1])
    assert m.size.tolist() == [1] and math.isnan(m.structural_virality[0])
    assert m.half_life.tolist() == [-1] and m.time_to[10].tolist() == [-1]


def test_orphans_start_trees_of_their_own() -> None:
    # posts 2 and 3 have lost their parent (-1 here): each starts a tree
    forest, m = measured([-1, 0, -1, 2, -1])
    assert sorted(m.size.tolist()) == [1, 2, 2]
    assert forest.tree.tolist() == [0, 0, 2, 2, 4]


def test_a_cycle_is_cut_at_its_earliest_post_not_fatal() -> None:
    # 0 is a root with a child 1; 2 -> 3 -> 4 -> 2 is a cycle (bad data), 5 hangs below it
    forest, m = measured([-1, 0, 4, 2, 3, 3], times=[0, 1, 20, 10, 30, 40])
    assert forest.cycles_cut == [[3, 2, 4]]  # earliest first: post 3 (t=10) becomes a root
    assert forest.parent[3] == -1
    assert sorted(m.size.tolist()) == [2, 4]
    assert m.depth[m.roots.tolist().index(3)] == 2


def test_a_post_that_is_its_own_parent_becomes_a_root() -> None:
    forest, m = measured([1, 1, 1])
    assert len(forest.cycles_cut) == 1 and forest.parent.tolist() == [1, -1, 1]
    assert m.size.tolist() == [3]


def test_speed_and_half_life_count_reactions_in_time_order() -> None:
    # a root at t=0 and 12 reactions arriving every minute, given out of order
    times = [0] + [60_000 * k for k in (5, 1, 3, 2, 4, 6, 7, 8, 9, 10, 11, 12)]
    _, m = measured([-1] + [0] * 12, times)
    assert m.time_to[10][0] == 10 * 60_000
    assert m.time_to[100][0] == -1
    assert m.half_life[0] == 6 * 60_000  # the 6th of 12 reactions


def test_a_parent_outside_the_posts_is_refused_plainly() -> None:
    with pytest.raises(ValueError, match="outside"):
        build_forest(np.array([-1, 5]), np.zeros(2, dtype=np.int64))


@st.composite
def forests(draw: st.DrawFn) -> list[int]:
    n = draw(st.integers(1, 40))
    return [-1 if i == 0 or (draw(st.booleans()) and draw(st.integers(0, 5)) == 0) else draw(st.integers(0, i - 1))
            for i in range(n)]


@settings(max_examples=60, deadline=None)
@given(forests())
def test_measures_equal_networkx_on_random_forests(parent: list[int]) -> None:
    _, m = measured(parent)
    graph = nx.Graph()
    graph.add_nodes_from(range(len(parent)))
    graph.add_edges_from((i, p) for i, p in enumerate(parent) if p >= 0)
    for slot, root in enumerate(m.roots.tolist()):
        tree = graph.subgraph(nx.node_connected_component(graph, root))
        lengths = nx.single_source_shortest_path_length(tree, root)
        assert m.size[slot] == tree.number_of_nodes()
        assert m.depth[slot] == max(lengths.values())
        assert m.max_breadth[slot] == max(np.bincount(list(lengths.values())))
        if tree.number_of_nodes() > 1:
            assert m.structural_virality[slot] == pytest.approx(nx.average_shortest_path_length(tree))
