"""The interaction network: a weighted directed account graph built from Arrow tables.

An edge A → B means A engaged with B (replied to, mentioned, quoted or reposted B); its weight
is the number of such interactions, counted over the posts in a Scope. The graph is built with
numpy and igraph only, so it scales to millions of interactions without a Python loop per edge.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import igraph as ig
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sociable.errors import SociableError
from sociable.store.scope import Scope

if TYPE_CHECKING:
    from sociable.store import Workspace

KINDS: tuple[str, ...] = ("reply", "mention", "quote", "repost")
UNKNOWN = "unknown"
NODE_LABELS: tuple[str, ...] = ("role", "subtype", "sector")
EDGE_COLUMNS: tuple[str, ...] = ("platform", "source", "target", "kind", "weight")
FR_LAYOUT_LIMIT = 2_000  # above this many accounts the layout is multilevel: communities, then their members
FR_ITERATIONS = 500
FR_PAIR_BUDGET = 500  # a community this large or larger gets fewer iterations, so the work grows with its size
FR_MIN_ITERATIONS = 30


class GraphError(SociableError, ValueError):
    """The interaction graph could not be built from the tables or options given."""


@dataclass(frozen=True, slots=True)
class InteractionGraph:
    """A directed, weighted account graph with one vertex per account and one edge per ordered pair.

    `graph` is simple (no self-loops, no parallel edges): its `weight` attribute is the number of
    interactions from source to target over all kinds kept. `nodes` has one row per vertex, in
    vertex order; `edges` keeps the per-kind counts behind each graph edge. The graph is treated
    as read-only: edge endpoints and the undirected projection are computed once and reused.
    """

    graph: ig.Graph
    nodes: pa.Table
    edges: pa.Table
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def node_count(self) -> int:
        return int(self.graph.vcount())

    @property
    def edge_count(self) -> int:
        return int(self.graph.ecount())

    def weights(self) -> np.ndarray:
        """Edge weights (interaction counts) in graph edge order."""
        if self.edge_count == 0:
            return np.zeros(0, dtype=np.float64)
        if "weights" not in self.cache:
            self.cache["weights"] = np.asarray(self.graph.es["weight"], dtype=np.float64)
        return np.array(self.cache["weights"])

    def endpoints(self) -> tuple[np.ndarray, np.ndarray]:
        """Source and target vertex indices of every graph edge."""
        if "endpoints" not in self.cache:
            flat = np.fromiter((v for pair in self.graph.get_edgelist() for v in pair), dtype=np.int64,
                               count=2 * self.edge_count)
            self.cache["endpoints"] = (flat[0::2], flat[1::2])
        source, target = self.cache["endpoints"]
        return np.array(source), np.array(target)

    def codes(self, column: str) -> tuple[np.ndarray, list[str]]:
        """Integer codes per vertex for a node column (e.g. sector) and the value of each code."""
        encoded = pc.dictionary_encode(self.nodes.column(column)).combine_chunks()
        return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), encoded.dictionary.to_pylist()

    def undirected(self) -> ig.Graph:
        """The undirected projection: A–B weighted by interactions in both directions (shared; do not modify)."""
        if "undirected" not in self.cache:
            self.cache["undirected"] = self.graph.as_undirected(mode="collapse", combine_edges={"weight": "sum"})
        undirected: ig.Graph = self.cache["undirected"]
        return undirected


def _require_columns(table: pa.Table, columns: tuple[str, ...], what: str) -> None:
    missing = [name for name in columns if name not in table.column_names]
    if missing:
        raise GraphError(f"the {what} table has no column {', '.join(missing)}; it needs {', '.join(columns)}.")


def _clean_edges(edges: pa.Table) -> pa.Table:
    """Keep well-formed rows of the edge table: known kind, no self-loop, positive weight."""
    _require_columns(edges, EDGE_COLUMNS, "edges")
    try:
        edges = edges.select(list(EDGE_COLUMNS)).cast(
            pa.schema([("platform", pa.string()), ("source", pa.string()), ("target", pa.string()),
                       ("kind", pa.string()), ("weight", pa.float64())])
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise GraphError(f"the edges table has a column of the wrong type ({exc}); weight must be a number.") from exc
    keep = pc.and_(
        pc.and_(pc.and_(pc.is_valid(edges["source"]), pc.is_valid(edges["target"])), pc.is_valid(edges["platform"])),
        pc.and_(pc.not_equal(edges["source"], edges["target"]), pc.greater(edges["weight"], 0)),
    )
    return edges.filter(pc.fill_null(keep, False))


def _plain_names(table: pa.Table) -> pa.Table:
    """Drop the `_sum`/`_first` suffixes Arrow gives aggregated columns."""
    names = [name.removesuffix("_sum").removesuffix("_first") for name in table.column_names]
    return table.rename_columns(names)


def _node_table(platforms: pa.Array, ids: pa.Array, nodes: pa.Table | None) -> pa.Table:
    """One row per vertex: platform, account_id and the labels, missing labels as 'unknown'."""
    left = pa.table({
        "platform": platforms,
        "account_id": ids,
        "_k": pa.array(np.arange(len(ids), dtype=np.int64)),
    })
    if nodes is None:
        nodes = pa.table({"platform": pa.array([], pa.string()), "account_id": pa.array([], pa.string())})
    _require_columns(nodes, ("platform", "account_id"), "nodes")
    optional = {"handle": pa.string(), "display_name": pa.string(), "followers": pa.int64()}
    wanted = [c for c in (*optional, *NODE_LABELS) if c in nodes.column_names]
    right = nodes.select(["platform", "account_id", *wanted]).cast(
        pa.schema([("platform", pa.string()), ("account_id", pa.string())]
                  + [(c, optional.get(c, pa.string())) for c in wanted])
    )
    right = right.group_by(["platform", "account_id"], use_threads=False).aggregate([(c, "first") for c in wanted])
    right = _plain_names(right)
    table = left.join(right, ["platform", "account_id"], join_type="left outer").sort_by("_k")
    for name in (*optional, *NODE_LABELS):
        if name not in table.column_names:
            table = table.append_column(name, pa.nulls(table.num_rows, optional.get(name, pa.string())))
    return _fill_labels(table)


def _fill_labels(table: pa.Table) -> pa.Table:
    columns: dict[str, Any] = {
        "platform": table["platform"],
        "account_id": table["account_id"],
        "handle": pc.coalesce(table["handle"].cast(pa.string()), table["account_id"]),
        "display_name": table["display_name"].cast(pa.string()),
        "followers": table["followers"].cast(pa.int64()),
    }
    for name in NODE_LABELS:
        text = table[name].cast(pa.string())
        blank = pc.or_(pc.is_null(text), pc.equal(pc.utf8_trim_whitespace(text), ""))
        columns[name] = pc.if_else(pc.fill_null(blank, True), UNKNOWN, text)
    return pa.table(columns)


def _codes(values: pa.ChunkedArray | pa.Array, value_set: pa.Array) -> np.ndarray:
    """Position of every value in `value_set`; -1 for a null."""
    found = pc.fill_null(pc.index_in(values, value_set=value_set), -1)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.int64)


def _sorted_unique(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    unique = pc.unique(values).drop_null()
    return unique.take(pc.sort_indices(unique))


def build_graph(edges: pa.Table, nodes: pa.Table | None = None, min_weight: float = 1) -> InteractionGraph:
    """Build the account graph from edges (platform, source, target, kind, weight) and optional node labels.

    Pairs whose total weight over the kinds given is below `min_weight` are dropped, as are
    self-loops. `nodes` may carry handle, display_name, followers, role, subtype and sector.
    Accounts are numbered once (sorted by platform, then id); everything after that is integer
    work in numpy, so a million interactions take a few seconds.
    """
    if min_weight <= 0:
        raise GraphError(f"min_weight must be a positive number of interactions, not {min_weight}.")
    edges = _clean_edges(edges)
    accounts = _Accounts.of(edges)
    n = accounts.count
    src, tgt = accounts.source, accounts.target
    weight = edges["weight"].to_numpy()
    pair_codes, first, pair_of_row = np.unique(src * n + tgt, return_index=True, return_inverse=True)
    pair_weight = np.bincount(pair_of_row, weights=weight, minlength=len(pair_codes))
    order = np.argsort(first, kind="stable")  # graph edges in order of first appearance
    order = order[pair_weight[order] >= float(min_weight)]
    source, target = pair_codes[order] // n, pair_codes[order] % n
    used = np.unique(np.concatenate([source, target]))  # accounts left with at least one tie
    vertex = np.full(n, -1, dtype=np.int64)
    vertex[used] = np.arange(len(used))
    source, target = vertex[source], vertex[target]
    # pairs of Python ints: igraph reads them about 2.5 times as fast as the rows of a numpy array
    graph = ig.Graph(n=len(used), edges=list(zip(source.tolist(), target.tolist(), strict=True)), directed=True)
    graph.es["weight"] = pair_weight[order].tolist()
    picked = pa.array(used, pa.int64())
    result = InteractionGraph(graph=graph,
                              nodes=_node_table(accounts.platforms.take(picked), accounts.ids.take(picked), nodes),
                              edges=_kind_edges(edges, accounts, pair_of_row, len(pair_codes), order))
    result.cache["endpoints"] = (source, target)
    return result


def _ranks(values: pa.Array) -> np.ndarray:
    """The place of each (distinct) value in sorted order."""
    ranks = np.empty(len(values), dtype=np.int64)
    ranks[pc.sort_indices(values).to_numpy()] = np.arange(len(values))
    return ranks


@dataclass(frozen=True, slots=True)
class _Accounts:
    """The accounts at either end of an edge table, numbered in (platform, account id) order.

    Strings are hashed once (a dictionary of platforms and one of account ids); the numbering
    is then integer work: each (platform, id) pair marked in a table of every pair, its number
    the count of marked pairs before it.
    """

    count: int
    source: np.ndarray  # account number of each edge's source
    target: np.ndarray
    platforms: pa.Array  # platform and id of each account number
    ids: pa.Array
    id_rank: np.ndarray  # rank of each edge's source (first half) and target (second half) id among all ids

    @classmethod
    def of(cls, edges: pa.Table) -> _Accounts:
        rows = edges.num_rows
        platform = pc.dictionary_encode(edges["platform"]).combine_chunks()
        ids = pc.dictionary_encode(pa.chunked_array([*edges["source"].chunks, *edges["target"].chunks],
                                                    pa.string())).combine_chunks()
        platform_dictionary = platform.dictionary if rows else pa.array([], pa.string())
        id_dictionary = ids.dictionary if rows else pa.array([], pa.string())
        platform_rank = _ranks(platform_dictionary)[platform.indices.to_numpy()] if rows else np.zeros(0, np.int64)
        id_rank = _ranks(id_dictionary)[ids.indices.to_numpy()] if rows else np.zeros(0, np.int64)
        width = len(id_dictionary)
        key = np.concatenate([platform_rank, platform_rank]) * width + id_rank
        marked = np.zeros(len(platform_dictionary) * width, dtype=bool)
        marked[key] = True
        present = np.flatnonzero(marked)
        number = np.cumsum(marked) - 1
        by_rank = (platform_dictionary.take(pc.sort_indices(platform_dictionary)),
                   id_dictionary.take(pc.sort_indices(id_dictionary)))
        return cls(
            count=len(present),
            source=number[key[:rows]],
            target=number[key[rows:]],
            platforms=by_rank[0].take(pa.array(present // max(width, 1), pa.int64())),
            ids=by_rank[1].take(pa.array(present % max(width, 1), pa.int64())),
            id_rank=id_rank,
        )


def _kind_edges(edges: pa.Table, accounts: _Accounts, pair_of_row: np.ndarray, pairs: int, kept: np.ndarray
                ) -> pa.Table:
    """Interactions per (platform, source, target, kind) of the kept pairs, sorted by source, target and kind."""
    kind = _codes(edges["kind"], _sorted_unique(edges["kind"])) + 1  # 0 for a missing kind
    keep_pair = np.zeros(pairs, dtype=bool)
    keep_pair[kept] = True
    rows = np.flatnonzero(keep_pair[pair_of_row])
    width = int(kind.max()) + 1 if len(kind) else 1
    groups, first, inverse = np.unique(pair_of_row[rows] * width + kind[rows], return_index=True,
                                       return_inverse=True)
    summed = np.bincount(inverse, weights=edges["weight"].to_numpy()[rows], minlength=len(groups))
    take = rows[first]
    source_rank, target_rank = accounts.id_rank[:edges.num_rows][take], accounts.id_rank[edges.num_rows:][take]
    ids = int(accounts.id_rank.max()) + 1 if len(take) else 1
    if ids * ids * width < 2**62:  # one integer key: a stable sort of it is the lexicographic order, and quick
        order = np.argsort((source_rank * ids + target_rank) * width + kind[take], kind="stable")
    else:
        order = np.lexsort((kind[take], target_rank, source_rank))
    rows_kept = take[order]
    columns = ("platform", "source", "target", "kind")
    if len(rows_kept) == edges.num_rows and np.array_equal(rows_kept, np.arange(edges.num_rows)):
        chosen = {name: edges[name] for name in columns}  # rows already one per kind, in order: no copy
    else:
        picked = pa.array(rows_kept, pa.int64())
        chosen = {name: edges[name].take(picked) for name in columns}
    return pa.table({**chosen, "weight": pa.array(summed[order], pa.float64())})


def check_kinds(kinds: Sequence[str] | None) -> tuple[str, ...]:
    """The interaction kinds to keep; None means all four."""
    if kinds is None:
        return KINDS
    chosen = tuple(dict.fromkeys(kind.strip().lower() for kind in kinds if kind.strip()))
    unknown = [kind for kind in chosen if kind not in KINDS]
    if unknown or not chosen:
        raise GraphError(
            f"unknown interaction kind {', '.join(unknown) or '(none given)'}; choose from {', '.join(KINDS)}."
        )
    return chosen


def _edges_sql(scope: Scope, interactions: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    """Interaction counts per (platform, source, target, kind) of the posts in scope, for the kinds chosen."""
    sql = (
        "SELECT i.platform, i.source, i.target, i.kind, count(*)::DOUBLE AS weight FROM interactions i "
        f"WHERE {scope.condition('i', table='interactions')} AND i.kind IN (SELECT unnest($interaction_kinds)) "
        "AND i.source <> i.target GROUP BY ALL"
    )
    return sql, {**scope.params(), "interaction_kinds": list(interactions)}


def query_edges(ws: Workspace, scope: Scope, interactions: tuple[str, ...] = KINDS) -> pa.Table:
    """Interaction counts per (platform, source, target, kind), aggregated in DuckDB."""
    sql, params = _edges_sql(scope, check_kinds(interactions))
    return ws.query(f"{sql} ORDER BY ALL", params)


PERIOD_UNITS: tuple[str, ...] = ("day", "week", "month")
DAY_PERIODS_UP_TO = 62  # days of data drawn day by day; up to WEEK_PERIODS_UP_TO days, week by week; then months
WEEK_PERIODS_UP_TO = 728


def period_unit(days: float) -> str:
    """The period tie times are counted in: days for two months of data, weeks for two years, then months."""
    if days <= DAY_PERIODS_UP_TO:
        return "day"
    return "week" if days <= WEEK_PERIODS_UP_TO else "month"


def query_tie_periods(ws: Workspace, scope: Scope, interactions: tuple[str, ...] = KINDS) -> tuple[pa.Table, str]:
    """Interactions per (platform, source, target, period) in UTC, all kinds chosen summed, and the period unit.

    Periods start on a UTC day, a Monday (ISO week) or the first of a month (`period_unit`).
    """
    chosen = check_kinds(interactions)
    where = (f"{scope.condition('i', table='interactions')} AND i.kind IN (SELECT unnest($interaction_kinds)) "
             "AND i.source <> i.target")
    params = {**scope.params(), "interaction_kinds": list(chosen)}
    span = ws.query("SELECT date_diff('second', min(i.created_at), max(i.created_at)) / 86400.0 AS days "
                    f"FROM interactions i WHERE {where}", params).column(0)[0].as_py()
    unit = period_unit(float(span or 0))
    periods = ws.query(
        f"SELECT i.platform, i.source, i.target, date_trunc('{unit}', timezone('UTC', i.created_at))::DATE AS period, "
        f"count(*)::DOUBLE AS weight FROM interactions i WHERE {where} GROUP BY ALL ORDER BY ALL", params)
    return periods, unit


def kept_periods(graph: InteractionGraph, periods: pa.Table) -> pa.Table:
    """The rows of a `query_tie_periods` table whose tie is in the graph (kept by the minimum weight)."""
    ties = graph.edges.select(["platform", "source", "target"]).group_by(["platform", "source", "target"]).aggregate([])
    kept = periods.join(ties, ["platform", "source", "target"], join_type="left semi")
    return kept.sort_by([("platform", "ascending"), ("source", "ascending"), ("target", "ascending"),
                         ("period", "ascending")])


def query_nodes(ws: Workspace, edges: pa.Table) -> pa.Table:
    """Handles, followers and labels of the accounts at either end of `query_edges`' rows.

    Reads the edges already aggregated (not the interactions again), so a map scans its
    interactions once for its ties.
    """
    return ws.query_with(
        {"e": edges.select(["platform", "source", "target"])},
        "WITH ids AS (SELECT platform, source AS account_id FROM e UNION SELECT platform, target AS account_id FROM e) "
        "SELECT ids.platform, ids.account_id, a.handle, a.display_name, a.followers, l.role, l.subtype, l.sector "
        "FROM ids LEFT JOIN accounts a ON a.platform = ids.platform AND a.account_id = ids.account_id "
        "LEFT JOIN labels l ON l.platform = ids.platform AND l.account_id = ids.account_id",
    )


def load_graph(
    ws: Workspace,
    scope: Scope | None = None,
    interactions: Sequence[str] | None = None,
    min_weight: float = 1,
) -> InteractionGraph:
    """The interaction graph of the posts in scope (every post by default), for some interaction kinds."""
    checked = ws.check_scope(scope)
    chosen = check_kinds(interactions)
    edges = query_edges(ws, checked, chosen)
    return build_graph(edges, query_nodes(ws, edges), min_weight=min_weight)


def layout(graph: InteractionGraph, seed: int = 42, membership: np.ndarray | None = None) -> np.ndarray:
    """x, y positions per vertex, seeded.

    Up to FR_LAYOUT_LIMIT accounts: Fruchterman-Reingold (500 iterations) on the whole undirected
    graph. Above, given communities, a multilevel layout: the graph of communities is laid out
    first, then each community's own ties around its place, in a disc whose area grows with its
    size. Each step of Fruchterman-Reingold compares every pair of vertices, so one layout of
    every account grows as accounts squared; a community of more than FR_PAIR_BUDGET accounts
    gets proportionally fewer iterations (at least FR_MIN_ITERATIONS), which keeps the work
    linear in the accounts. Ties between communities pull only at the community level.
    """
    n = graph.node_count
    if n == 0:
        return np.zeros((0, 2))
    previous = random.getstate()
    ig.set_random_number_generator(random.Random(seed))
    try:
        if n <= FR_LAYOUT_LIMIT or membership is None or len(membership) != n:
            return _fruchterman_reingold(graph.undirected(), seed, FR_ITERATIONS)
        return _multilevel(graph.undirected(), np.asarray(membership, dtype=np.int64), seed)
    finally:
        ig.set_random_number_generator(random)
        random.setstate(previous)


def _fruchterman_reingold(graph: ig.Graph, seed: int, iterations: int) -> np.ndarray:
    start = np.random.default_rng(seed).uniform(-1.0, 1.0, size=(graph.vcount(), 2)).tolist()
    weights = "weight" if graph.ecount() else None
    positions = graph.layout_fruchterman_reingold(weights=weights, seed=start, niter=iterations)
    return np.asarray(positions.coords, dtype=np.float64).reshape(-1, 2)


def _multilevel(undirected: ig.Graph, membership: np.ndarray, seed: int) -> np.ndarray:
    n = undirected.vcount()
    groups = int(membership.max()) + 1
    sizes = np.bincount(membership, minlength=groups)
    between = undirected.copy()
    between.contract_vertices(membership.tolist(), combine_attrs=None)
    between.simplify(combine_edges={"weight": "sum"})
    centres = _unit(_fruchterman_reingold(between, seed, FR_ITERATIONS))
    radius = np.sqrt(sizes / n)
    positions = np.zeros((n, 2))
    for group in range(groups):
        members = np.flatnonzero(membership == group)
        inside = undirected.induced_subgraph(members.tolist())
        iterations = max(FR_MIN_ITERATIONS, min(FR_ITERATIONS, FR_ITERATIONS * FR_PAIR_BUDGET // len(members)))
        local = _unit(_fruchterman_reingold(inside, seed + group, iterations))
        positions[members] = centres[group] * 2.0 + local * radius[group]
    return positions


def _unit(coords: np.ndarray) -> np.ndarray:
    """Positions centred and scaled into the unit disc (a single point at the centre)."""
    centred = coords - coords.mean(axis=0)
    extent = float(np.sqrt((centred**2).sum(axis=1)).max()) if len(centred) else 0.0
    return centred / extent if extent > 0 else centred
