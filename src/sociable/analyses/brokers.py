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

from sociable.analyses.network import UNKNOWN, GraphError, InteractionGraph

EXACT_LIMIT = 5_000
SAMPLES = 100
BATCHES = 10
TOP_FOR_ERROR = 10


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
    """
    if graph.node_count == 0:
        return np.zeros(0)
    return np.asarray(graph.graph.constraint(weights="weight"), dtype=np.float64)


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


def brokers_table(
    graph: InteractionGraph,
    between: Betweenness,
    constraints: np.ndarray,
    communities: np.ndarray,
    top: int = 20,
) -> pa.Table:
    """The accounts with the highest betweenness, with constraint and the sectors/communities they touch."""
    sector_codes, sector_names = graph.codes("sector")
    sectors_reached = distinct_neighbour_groups(graph, sector_codes, sector_names)
    communities_reached = distinct_neighbour_groups(graph, communities)
    spread = participation(graph, communities)
    order = np.lexsort((np.arange(graph.node_count), -sectors_reached, -between.values))[:top]
    nodes = graph.nodes.take(pa.array(order, pa.int64()))
    return pa.table({
        "account_id": nodes["account_id"],
        "handle": nodes["handle"],
        "role": nodes["role"],
        "sector": nodes["sector"],
        "community": pa.array(communities[order] + 1, pa.int64()),
        "betweenness": pa.array(between.values[order], pa.float64()),
        "constraint": pa.array(constraints[order], pa.float64(), from_pandas=True),
        "sectors_reached": pa.array(sectors_reached[order], pa.int64()),
        "communities_reached": pa.array(communities_reached[order], pa.int64()),
        "participation": pa.array(spread[order], pa.float64()),
    })
