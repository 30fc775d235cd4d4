"""Spread trees as arrays: parents in, each tree's root, depth and measures out, in O(n) per tree.

A forest is given as one parent index per post (-1 for a post that starts a tree) and each post's
time in milliseconds. Everything is vectorised with numpy so a million posts take seconds:
depths by pointer jumping, subtree sizes level by level, and the structural virality of each tree
from the Wiener index (the sum of all pairwise distances), which for a tree is the sum over its
edges of s·(n−s), s being the size of the subtree below the edge. Bad data is repaired, never
fatal: a post that is its own parent, or a cycle of posts each replying to the next, is cut at its
earliest post, which then starts a tree; every cut is counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MILESTONES: tuple[int, ...] = (10, 100, 1000)


@dataclass(slots=True)
class Forest:
    """Trees over n posts: each post's parent (after repairs), tree (index of its root) and depth."""

    parent: np.ndarray  # int64, -1 for a root
    tree: np.ndarray  # int64, the index of the post's root
    depth: np.ndarray  # int64, edges from the root
    cycles_cut: list[list[int]] = field(default_factory=list)  # the posts of each cycle found, earliest first

    @property
    def size(self) -> int:
        return int(self.parent.shape[0])


@dataclass(slots=True)
class TreeMeasures:
    """Measures of every tree in a forest, one entry per root (arrays aligned with `roots`)."""

    roots: np.ndarray  # int64 indices of the roots
    size: np.ndarray  # posts in the tree, the root included
    depth: np.ndarray  # edges on the longest root-to-leaf path
    max_breadth: np.ndarray  # most posts at any one depth
    structural_virality: np.ndarray  # float64; NaN for a tree of one post
    time_to: dict[int, np.ndarray]  # milestone -> ms from the root to that many reactions (-1: not reached)
    half_life: np.ndarray  # ms from the root to half its reactions (-1: no reactions)


def build_forest(parent: np.ndarray, time_ms: np.ndarray) -> Forest:
    """Roots and depths of the trees the parent links make, cutting self-links and cycles."""
    parent = np.asarray(parent, dtype=np.int64).copy()
    n = parent.shape[0]
    if n and (parent.min() < -1 or parent.max() >= n):
        raise ValueError("a parent index points outside the posts given")
    cycles: list[list[int]] = []
    while True:
        tree, depth, stuck = _jump(parent)
        if not stuck.size:
            return Forest(parent, tree, depth, cycles)
        for cycle in _cycles(parent, stuck):
            first = min(cycle, key=lambda i: (int(time_ms[i]), i))
            parent[first] = -1
            ordered = [first, *(i for i in cycle if i != first)]
            cycles.append(ordered)


def _jump(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pointer jumping: each post's root and depth, and the posts that never reach a root (cycles)."""
    n = parent.shape[0]
    index = np.arange(n, dtype=np.int64)
    has_parent = parent >= 0
    nxt = np.where(has_parent, parent, index)
    dist = has_parent.astype(np.int64)
    for _ in range(max(1, int(n).bit_length() + 1)):
        further = nxt[nxt]
        if np.array_equal(further, nxt):
            break
        dist = dist + dist[nxt]
        nxt = further
    stuck = index[parent[nxt] >= 0]  # landed on a post that still has a parent: inside or below a cycle
    return nxt, dist, stuck


def _cycles(parent: np.ndarray, stuck: np.ndarray) -> list[list[int]]:
    """The distinct cycles the stuck posts lead into (each walked once)."""
    seen: set[int] = set()
    found: list[list[int]] = []
    for start in stuck.tolist():
        path: dict[int, int] = {}
        node = start
        while node not in path and node not in seen and node >= 0:
            path[node] = len(path)
            node = int(parent[node])
        if node >= 0 and node in path:
            order = list(path)
            found.append(order[path[node]:])
        seen.update(path)
    return found


def measure_trees(forest: Forest, time_ms: np.ndarray, milestones: tuple[int, ...] = MILESTONES) -> TreeMeasures:
    """Size, depth, breadth, structural virality, speed and half-life of every tree in the forest."""
    n = forest.size
    time_ms = np.asarray(time_ms, dtype=np.int64)
    roots = np.flatnonzero(forest.parent < 0).astype(np.int64)
    slot = np.full(n, -1, dtype=np.int64)
    slot[roots] = np.arange(roots.shape[0])
    tree_slot = slot[forest.tree]
    count = roots.shape[0]
    size = np.bincount(tree_slot, minlength=count).astype(np.int64)
    depth = np.zeros(count, dtype=np.int64)
    np.maximum.at(depth, tree_slot, forest.depth)
    time_to, half_life = _speed(tree_slot, time_ms, roots, size, milestones)
    return TreeMeasures(
        roots=roots, size=size, depth=depth,
        max_breadth=_max_breadth(tree_slot, forest.depth, count),
        structural_virality=_virality(forest, tree_slot, size),
        time_to=time_to, half_life=half_life,
    )


def _max_breadth(tree_slot: np.ndarray, depth: np.ndarray, count: int) -> np.ndarray:
    breadth = np.zeros(count, dtype=np.int64)
    if not tree_slot.size:
        return breadth
    key = tree_slot * (int(depth.max()) + 1) + depth
    levels, per_level = np.unique(key, return_counts=True)
    np.maximum.at(breadth, levels // (int(depth.max()) + 1), per_level)
    return breadth


def subtree_sizes(forest: Forest) -> np.ndarray:
    """Posts in each post's subtree (itself included), summed from the deepest level up."""
    n = forest.size
    sizes = np.ones(n, dtype=np.int64)
    if not n:
        return sizes
    order = np.argsort(-forest.depth, kind="stable")
    ordered_depth = forest.depth[order]
    bounds = np.flatnonzero(np.diff(ordered_depth)) + 1
    for level in np.split(order, bounds):
        if forest.depth[level[0]] == 0:
            break
        np.add.at(sizes, forest.parent[level], sizes[level])
    return sizes


def _virality(forest: Forest, tree_slot: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Mean shortest-path distance over all pairs of posts in each tree: 2W / (n(n−1)), W the Wiener index."""
    below = subtree_sizes(forest)
    edge = forest.parent >= 0
    whole = size[tree_slot]
    wiener = np.bincount(tree_slot[edge], weights=(below[edge] * (whole[edge] - below[edge])).astype(np.float64),
                         minlength=size.shape[0])
    pairs = size.astype(np.float64) * (size - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(size > 1, 2.0 * wiener / pairs, np.nan)


def _speed(tree_slot: np.ndarray, time_ms: np.ndarray, roots: np.ndarray, size: np.ndarray,
           milestones: tuple[int, ...]) -> tuple[dict[int, np.ndarray], np.ndarray]:
    """Time from each root to its k-th reaction (for each milestone) and to half of its reactions."""
    count = roots.shape[0]
    reaction = np.ones(tree_slot.shape[0], dtype=bool)
    reaction[roots] = False
    slots = tree_slot[reaction]
    delay = time_ms[reaction] - time_ms[roots][slots]
    order = np.lexsort((delay, slots))
    slots, delay = slots[order], delay[order]
    starts = np.zeros(count, dtype=np.int64)
    reactions = size - 1
    starts[1:] = np.cumsum(reactions)[:-1]
    time_to: dict[int, np.ndarray] = {}
    for k in milestones:
        reached = reactions >= k
        values = np.full(count, -1, dtype=np.int64)
        values[reached] = delay[starts[reached] + k - 1]
        time_to[k] = values
    half = np.full(count, -1, dtype=np.int64)
    some = reactions > 0
    half[some] = delay[starts[some] + (reactions[some] + 1) // 2 - 1]
    return time_to, half
