"""Bridges and brokers: betweenness (exact or source-sampled), Burt's constraint (exact or sampled), and reach.

Betweenness runs on the undirected, unweighted projection: a tie is a tie whichever way the
interaction went and however many times, so a broker is an account on the shortest paths
between people who do not talk to each other directly.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from scipy import sparse

from sociable.analyses.network import UNKNOWN, GraphError, InteractionGraph

EXACT_LIMIT = 5_000
SAMPLES = 100
BATCHES = 10
TOP_FOR_ERROR = 10
CONSTRAINT_PATHS = 20_000_000  # two-step paths worked out at once in Burt's constraint (bounds its memory)
CONSTRAINT_EXACT_PATHS = 250_000_000  # up to this many two-step paths in the graph, constraint is exact (about 1.5 s)
CONSTRAINT_SAMPLES = 16  # intermediaries drawn for each estimated account, split into CONSTRAINT_GROUPS groups
CONSTRAINT_GROUPS = 4  # independent groups of draws: their spread gives the standard error
CONSTRAINT_NODE_FACTOR = 4.0  # estimate an account when its exact work is this many times its estimate's
CONSTRAINT_LOWEST_SHARE = 0.2  # share of the exact budget spent keeping the likely lowest-constraint accounts exact
CONSTRAINT_LOWEST_FOR_ERROR = 20  # the relative error reported is over this many lowest-constraint accounts
LOOKUPS = 2_000_000  # shares looked up at once when estimating constraint (bounds its memory)
ROW_BUFFER = 8_000_000  # shares of intermediaries held as dense rows at once (32 MB)
SEEN_CELLS = 64_000_000  # (account, group) cells marked at once when counting groups reached (64 MB)


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


@dataclass(frozen=True, slots=True)
class Constraint:
    """Burt's constraint per account and how it was computed."""

    values: np.ndarray
    method: str  # "exact" | "sampled"
    estimated: int  # accounts whose value was estimated from sampled intermediaries
    samples: int  # intermediaries drawn for each estimated account (0 when exact)
    relative_error: float | None  # standard error / value, median over the lowest-constraint estimated accounts


def burt_constraint(
    graph: InteractionGraph,
    exact_paths: int = CONSTRAINT_EXACT_PATHS,
    samples: int = CONSTRAINT_SAMPLES,
    node_factor: float = CONSTRAINT_NODE_FACTOR,
    lowest_paths: float | None = None,
    seed: int = 42,
) -> Constraint:
    """Burt's constraint per account, using interaction counts in both directions as tie strength.

    Near 1: all ties go to one circle of mutually connected accounts; low: ties to many
    otherwise unconnected accounts (a structural hole spanner).

    c_i = sum over neighbours j of (p_ij + m_ij)^2, where p_ij is the share of i's interactions
    (either way) that are with j and m_ij = sum_q p_iq p_qj its indirect share through the others.
    Exact when the graph has at most `exact_paths` two-step paths (the work of the exact method).
    Above that, an account whose two-step paths exceed `node_factor` × `samples` × its degree
    (the cost of its estimate) is estimated from `samples` intermediaries drawn with
    probability p_iq (`_sampled_constraint`), so the work grows with the ties; the others stay
    exact, and so do the accounts most likely to have the lowest constraint (the brokers), within
    `lowest_paths` two-step paths (by default CONSTRAINT_LOWEST_SHARE of `exact_paths`).
    """
    lowest_paths = exact_paths * CONSTRAINT_LOWEST_SHARE if lowest_paths is None else lowest_paths
    if samples < CONSTRAINT_GROUPS or min(exact_paths, lowest_paths, node_factor) < 0:
        raise GraphError(f"constraint needs at least {CONSTRAINT_GROUPS} samples and non-negative budgets.")
    n = graph.node_count
    if n == 0 or graph.edge_count == 0:
        return Constraint(np.full(n, np.nan), "exact", 0, 0, 0.0)
    shares = _shares(graph)
    degree = np.diff(shares.indptr)
    owner = np.repeat(np.arange(n), degree)
    paths = np.bincount(owner, weights=degree[shares.indices], minlength=n)  # two-step paths from each account
    estimated = np.zeros(n, dtype=bool)
    if paths.sum() > exact_paths:
        estimated = (degree > 0) & (paths > node_factor * samples * degree)
        estimated[_likely_lowest(shares, owner, paths, estimated, lowest_paths)] = False
    values = np.full(n, np.nan)
    exact_rows = np.flatnonzero((degree > 0) & ~estimated)
    values[exact_rows] = _exact_constraint(shares, exact_rows, paths[exact_rows])
    if not estimated.any():
        return Constraint(values, "exact", 0, 0, 0.0)
    rows = np.flatnonzero(estimated)
    per = samples // CONSTRAINT_GROUPS
    values[rows], error = _sampled_constraint(shares, rows, per, np.random.default_rng(seed))
    error_share = _lowest_relative_error(values[rows], error)
    return Constraint(values, "sampled", len(rows), per * CONSTRAINT_GROUPS, error_share)


def constraint(graph: InteractionGraph, **options: Any) -> np.ndarray:
    """Burt's constraint per account: the values of `burt_constraint` (which takes the same options)."""
    return burt_constraint(graph, **options).values


def _shares(graph: InteractionGraph) -> sparse.csr_matrix:
    """P: p_ij is the share of i's interaction weight (either way) that is with j; rows sum to 1, columns sorted.

    Made from the directed edges: A → B and B → A add up in one entry, as in the undirected projection.
    """
    n = graph.node_count
    source, target = graph.endpoints()
    weight = graph.weights()
    rows = np.concatenate([source, target])
    cols = np.concatenate([target, source])
    both = np.concatenate([weight, weight])
    strength = np.bincount(rows, weights=both, minlength=n)
    shares = sparse.csr_matrix((both / strength[rows], (rows, cols)), shape=(n, n))
    shares.sum_duplicates()
    shares.sort_indices()
    return shares


def _likely_lowest(shares: sparse.csr_matrix, owner: np.ndarray, paths: np.ndarray, among: np.ndarray,
                   budget: float) -> np.ndarray:
    """The accounts `among` with the smallest sum_j p_ij^2, as many as `budget` two-step paths allow.

    sum_j p_ij^2 is a lower bound of c_i, and near it (within about 2x on the simulated samples) for
    an account with many weak ties, so these are the accounts most likely to have the lowest constraint.
    """
    bound = np.bincount(owner, weights=shares.data**2, minlength=shares.shape[0])
    likely = np.flatnonzero(among)[np.argsort(bound[among], kind="stable")]
    return likely[np.cumsum(paths[likely]) <= budget]


def _exact_constraint(shares: sparse.csr_matrix, rows: np.ndarray, paths: np.ndarray) -> np.ndarray:
    """Exact constraint of `rows` as sparse matrices, a block of rows at a time.

    The indirect shares are (P @ P) kept only where i and j are neighbours; the work is the
    number of two-step paths, done in compiled loops, and each block holds at most about
    CONSTRAINT_PATHS of them. The same values as igraph's and networkx's constraint (tested).
    """
    values = np.zeros(len(rows))
    for start, stop in _blocks(paths, CONSTRAINT_PATHS):
        block = shares[rows[start:stop]]
        indirect = (block @ shares).multiply(block != 0)  # two-step shares, only between neighbours
        total = (block + indirect).tocsr()
        values[start:stop] = np.asarray(total.multiply(total).sum(axis=1)).ravel()
    return values


def _blocks(sizes: np.ndarray, budget: float) -> list[tuple[int, int]]:
    """Consecutive (start, stop) ranges whose sizes add up to about `budget` (at least one item each)."""
    if len(sizes) == 0:
        return []
    ends = np.cumsum(sizes, dtype=np.float64)
    cuts = np.searchsorted(ends, np.arange(budget, ends[-1], budget), side="right")
    return list(itertools.pairwise(np.unique(np.concatenate([[0], np.maximum(cuts, 1), [len(sizes)]])).tolist()))


def _sampled_constraint(shares: sparse.csr_matrix, egos: np.ndarray, per: int, rng: np.random.Generator
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Estimated constraint of `egos` and its standard error, from `per` draws in each group of CONSTRAINT_GROUPS.

    The work is the egos' ties × the draws, whatever the degrees of the intermediaries.

    m_ij is the mean of p_qj over intermediaries q drawn with probability p_iq (i's shares sum
    to 1), so it needs only p_qj for i's own neighbours j. The draws form CONSTRAINT_GROUPS
    independent groups, each a systematic sample; with a_g = p_ij + (m_ij from group g),
    (p_ij + m_ij)^2 is estimated without bias by the mean of a_g a_h over pairs of different
    groups, and the jackknife over groups gives the standard error.
    """
    drawn = _draw_intermediaries(shares, egos, CONSTRAINT_GROUPS, per, rng)
    start = shares.indptr[egos].astype(np.int64)
    lengths = shares.indptr[egos + 1].astype(np.int64) - start
    offsets = np.cumsum(lengths) - lengths
    edges = _ranges(start, lengths)  # positions in `shares` of the egos' ties, ego by ego
    sums = _indirect_sums(shares, shares.indices[edges], lengths, offsets, drawn)
    values, errors = np.zeros(len(egos)), np.zeros(len(egos))
    for first, last in _blocks(lengths, LOOKUPS):
        span = slice(int(offsets[first]), int(offsets[last - 1] + lengths[last - 1]))
        by_group = shares.data[edges[span]] + sums[:, span].astype(np.float64) / per  # a_g for each group and tie
        values[first:last], errors[first:last] = _pairs_and_jackknife(by_group, offsets[first:last] - offsets[first])
    return values, errors


def _draw_intermediaries(shares: sparse.csr_matrix, egos: np.ndarray, groups: int, per: int,
                         rng: np.random.Generator) -> np.ndarray:
    """(egos, groups, per) intermediaries q drawn with probability p_iq; each group is a systematic sample."""
    cumulative = np.cumsum(shares.data)
    start, stop = shares.indptr[egos], shares.indptr[egos + 1]
    before = np.where(start > 0, cumulative[np.maximum(start - 1, 0)], 0.0)
    total = cumulative[stop - 1] - before
    points = (np.arange(per) + rng.random((len(egos), groups, 1))) / per
    found = np.searchsorted(cumulative, before[:, None, None] + points * total[:, None, None], side="right")
    return np.asarray(shares.indices[np.clip(found, start[:, None, None], stop[:, None, None] - 1)], dtype=np.int64)


def _indirect_sums(shares: sparse.csr_matrix, neighbours: np.ndarray, lengths: np.ndarray, offsets: np.ndarray,
                   drawn: np.ndarray) -> np.ndarray:
    """(groups, ties) sums over the intermediaries q drawn in each group of p_qj, for each tie (i, j) of the egos.

    Draws are taken in order of q; the rows of a range of intermediaries are spread into a dense
    buffer once, so each share p_qj is found by position, not by search.
    """
    n = shares.shape[0]
    groups, per = drawn.shape[1:]
    width = len(neighbours)
    flat = drawn.ravel()
    order = np.argsort(flat, kind="stable")
    intermediary = flat[order]
    ego = order // (groups * per)
    first, length = offsets[ego], lengths[ego]
    group_start = (order // per % groups) * width  # where each group's sums start
    sums = np.zeros(groups * width, dtype=np.float32)
    rows = max(1, ROW_BUFFER // n)
    dense = np.zeros(rows * n, dtype=np.float32)
    bounds = np.searchsorted(intermediary, np.arange(0, n + rows, rows))
    for top, low, high in zip(range(0, n, rows), bounds[:-1], bounds[1:], strict=True):
        if low == high:
            continue
        span = slice(shares.indptr[top], shares.indptr[min(n, top + rows)])
        cells = np.repeat(np.arange(min(rows, n - top), dtype=np.int64) * n,
                          np.diff(shares.indptr[top:min(n, top + rows) + 1])) + shares.indices[span]
        dense[cells] = shares.data[span]
        for start, stop in _blocks(length[low:high], LOOKUPS):
            take = slice(low + start, low + stop)
            which = np.repeat(np.arange(stop - start), length[take])
            tie = _ranges(first[take], length[take])
            found = dense[(intermediary[take] - top)[which] * n + neighbours[tie]]
            np.add.at(sums, tie + group_start[take][which], found)
        dense[cells] = 0.0
    return sums.reshape(groups, width)


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """starts[k], starts[k] + 1, ..., starts[k] + lengths[k] - 1 for each k, one after the other."""
    shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return shift + np.arange(len(shift))


def _pairs_and_jackknife(by_group: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per ego: the mean over pairs of groups g != h of sum_j a_g a_h, and its jackknife standard error.

    `by_group` is (groups, ties) a_g = p_ij + m_ij as estimated by group g; an ego's ties start at `offsets`.
    """
    groups = by_group.shape[0]
    total, squares = by_group.sum(axis=0), (by_group * by_group).sum(axis=0)
    value = np.add.reduceat((total * total - squares) / (groups * (groups - 1)), offsets)
    left_out = np.stack([
        np.add.reduceat(((total - a) ** 2 - (squares - a * a)) / ((groups - 1) * (groups - 2)), offsets)
        for a in by_group
    ])
    spread = ((left_out - left_out.mean(axis=0)) ** 2).sum(axis=0)
    return value, np.sqrt((groups - 1) / groups * spread)


def _lowest_relative_error(values: np.ndarray, errors: np.ndarray) -> float | None:
    """Median standard error / value over the estimated accounts with the lowest constraint."""
    lowest = np.argsort(values)[:CONSTRAINT_LOWEST_FOR_ERROR]
    lowest = lowest[values[lowest] > 0]
    if len(lowest) == 0:
        return None
    return float(np.median(errors[lowest] / values[lowest]))


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
    codes = ego * width + other_group
    if graph.node_count * width <= SEEN_CELLS:  # mark each (account, group) seen: linear, no sort
        seen = np.zeros(graph.node_count * width, dtype=bool)
        seen[codes] = True
        return np.count_nonzero(seen.reshape(graph.node_count, width), axis=1).astype(np.int64)
    pairs = np.unique(codes)
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
