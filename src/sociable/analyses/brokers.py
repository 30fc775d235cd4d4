"""Bridges and brokers: betweenness (exact or source-sampled), Burt's constraint, and reach.

Betweenness runs on the undirected, unweighted projection: a tie is a tie whichever way the
interaction went and however many times, so a broker is an account on the shortest paths
between people who do not talk to each other directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from scipy import sparse

from sociable.analyses.network import UNKNOWN, GraphError, InteractionGraph

EXACT_LIMIT = 5_000
SAMPLES = 100
BATCHES = 10
TOP_FOR_ERROR = 10
CONSTRAINT_PATHS = 20_000_000  # two-step paths worked out at once in Burt's constraint (bounds its memory)


@dataclass(frozen=True, slots=True)
class Betweenness:
    """Normalised betweenness per account and how it was computed."""

    values: np.ndarray
    method: str  # "exact" | "sampled"
    sources: int  # number of source accounts the shortest paths were counted from
    relative_error: float | None  # estimated standard error / value, median over the top accounts


def _normaliser(n: int) -> float:
    pairs = (n - 1) * (n - 2) / 2
    return 1.0 / pairs if pairs > 0 else 0.0


def betweenness(
    graph: InteractionGraph, exact_limit: int = EXACT_LIMIT, samples: int = SAMPLES, seed: int = 42
) -> Betweenness:
    """Share of shortest paths between other pairs that pass through each account (0..1).

    Exact (Brandes) up to `exact_limit` accounts. Above it, shortest paths are counted from
    `samples` source accounts chosen at random with `seed`, scaled by n / samples (an unbiased
    estimate); the sources are split into batches so the spread of the batch estimates gives a
    standard error, reported relative to the value for the top accounts.
    """
    if samples < 1 or exact_limit < 0:
        raise GraphError("betweenness needs at least one sample source and a non-negative exact limit.")
    n = graph.node_count
    if n == 0:
        return Betweenness(np.zeros(0), "exact", 0, None)
    simple = graph.undirected()
    if n <= exact_limit or samples >= n:
        values = np.asarray(simple.betweenness(directed=False), dtype=np.float64)
        return Betweenness(values * _normaliser(n), "exact", n, 0.0)
    chosen = np.random.default_rng(seed).choice(n, size=samples, replace=False)
    batches = [batch for batch in np.array_split(chosen, min(BATCHES, samples)) if len(batch)]
    estimates = np.vstack([
        np.asarray(simple.betweenness(directed=False, sources=batch.tolist()), dtype=np.float64) * (n / len(batch))
        for batch in batches
    ])
    sizes = np.array([len(batch) for batch in batches], dtype=np.float64)
    values = (estimates * sizes[:, None]).sum(axis=0) / sizes.sum()
    error = _relative_error(estimates, values, n, samples)
    return Betweenness(values * _normaliser(n), "sampled", samples, error)


def _relative_error(estimates: np.ndarray, values: np.ndarray, n: int, samples: int) -> float | None:
    """Median standard error / value over the top accounts, from the spread of the batch estimates."""
    if len(estimates) < 2:
        return None
    correction = math.sqrt((n - samples) / (n - 1))  # sampling without replacement
    standard_error = estimates.std(axis=0, ddof=1) / math.sqrt(len(estimates)) * correction
    top = np.argsort(-values)[:TOP_FOR_ERROR]
    top = top[values[top] > 0]
    if len(top) == 0:
        return None
    return float(np.median(standard_error[top] / values[top]))


def constraint(graph: InteractionGraph) -> np.ndarray:
    """Burt's constraint per account, using interaction counts in both directions as tie strength.

    Near 1: all ties go to one circle of mutually connected accounts; low: ties to many
    otherwise unconnected accounts (a structural hole spanner).

    c_i = sum over neighbours j of (p_ij + sum_q p_iq p_qj)^2, where p_ij is the share of i's
    interactions (either way) that are with j. Computed on the aggregated undirected graph as
    sparse matrices, a block of rows at a time: the indirect shares are (P @ P) kept only where i
    and j are neighbours. The same values as igraph's and networkx's constraint (tested), in a
    fraction of the time: the work is the number of two-step paths, done in compiled loops.
    """
    n = graph.node_count
    if n == 0:
        return np.zeros(0)
    undirected = graph.undirected()
    if undirected.ecount() == 0:
        return np.full(n, np.nan)
    pairs = np.asarray(undirected.get_edgelist(), dtype=np.int64)
    weight = np.asarray(undirected.es["weight"], dtype=np.float64)
    rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
    both = np.concatenate([weight, weight])
    strength = np.bincount(rows, weights=both, minlength=n)
    shares = sparse.csr_matrix((both / strength[rows], (rows, cols)), shape=(n, n))
    shares.sum_duplicates()
    shares.sort_indices()
    values = np.full(n, np.nan)
    step = max(1, CONSTRAINT_PATHS // max(1, int(shares.nnz / n * shares.getnnz(axis=1).max())))
    for start in range(0, n, step):
        block = shares[start:start + step]
        indirect = (block @ shares).multiply(block != 0)  # two-step shares, only between neighbours
        total = (block + indirect).tocsr()
        sums = np.asarray(total.multiply(total).sum(axis=1)).ravel()
        values[start:start + step] = np.where(block.getnnz(axis=1) > 0, sums, np.nan)
    return values


def distinct_neighbour_groups(
    graph: InteractionGraph, groups: np.ndarray, names: list[str] | None = None, direction: str = "all"
) -> np.ndarray:
    """How many distinct groups (sectors, communities) each account's interaction partners belong to.

    direction "all" counts partners either way, "in" only accounts that engaged with it.
    A group named 'unknown' is not counted.
    """
    source, target = graph.endpoints()
    if direction == "in":
        ego, other = target, source
    elif direction == "all":
        ego, other = np.concatenate([source, target]), np.concatenate([target, source])
    else:
        raise GraphError(f"direction must be 'all' or 'in', not {direction!r}.")
    other_group = groups[other]
    if names is not None and UNKNOWN in names:
        known = other_group != names.index(UNKNOWN)
        ego, other_group = ego[known], other_group[known]
    width = int(groups.max()) + 1 if len(groups) else 1
    pairs = np.unique(ego * width + other_group)
    return np.bincount(pairs // width, minlength=graph.node_count).astype(np.int64)


def participation(graph: InteractionGraph, communities: np.ndarray) -> np.ndarray:
    """Guimerà and Amaral's participation coefficient: 1 - sum over communities of (share of tie weight)^2.

    0 when every interaction (either direction) is with one community; near 1 when spread evenly over
    many. Accounts with no interactions get 0.
    """
    n = graph.node_count
    if n == 0:
        return np.zeros(0)
    source, target = graph.endpoints()
    weight = graph.weights()
    ego = np.concatenate([source, target])
    other = communities[np.concatenate([target, source])]
    both = np.concatenate([weight, weight])
    width = int(communities.max()) + 1 if len(communities) else 1
    by_pair = np.bincount(ego * width + other, weights=both, minlength=n * width).reshape(n, width)
    strength = by_pair.sum(axis=1)
    shares = np.divide(by_pair, strength[:, None], out=np.zeros_like(by_pair), where=strength[:, None] > 0)
    return np.where(strength > 0, 1.0 - (shares**2).sum(axis=1), 0.0)


BROKER_COLUMNS = ("account_id", "handle", "role", "sector", "community", "betweenness", "constraint",
                  "sectors_reached", "communities_reached", "participation")


def brokers_table(nodes: pa.Table, top: int = 20) -> pa.Table:
    """The accounts with the highest betweenness, with constraint and the sectors/communities they touch.

    `nodes` is the Map's table of every account with its measures (network_map._node_measures),
    so nothing is computed twice: ties go to more sectors reached, then to the earlier account.
    """
    betweenness = nodes["betweenness"].to_numpy()
    sectors_reached = nodes["sectors_reached"].to_numpy()
    order = np.lexsort((np.arange(nodes.num_rows), -sectors_reached, -betweenness))[:top]
    return nodes.select(list(BROKER_COLUMNS)).take(pa.array(order, pa.int64()))
