"""The interaction network: a weighted directed account graph built from Arrow tables.

An edge A → B means A engaged with B (replied to, mentioned, quoted or reposted B); its weight
is the number of such interactions. The graph is built with numpy and igraph only, so it
scales to millions of interactions without a Python loop per edge.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import igraph as ig
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sociable.errors import SociableError

if TYPE_CHECKING:
    from sociable.store import Workspace

KINDS: tuple[str, ...] = ("reply", "mention", "quote", "repost")
UNKNOWN = "unknown"
NODE_LABELS: tuple[str, ...] = ("role", "subtype", "sector")
EDGE_COLUMNS: tuple[str, ...] = ("platform", "source", "target", "kind", "weight")
_KEY_SEPARATOR = "\x1f"
FR_LAYOUT_LIMIT = 20_000  # above this many accounts the layout uses DrL, which is faster and coarser


class GraphError(SociableError, ValueError):
    """The interaction graph could not be built from the tables or options given."""


@dataclass(frozen=True, slots=True)
class InteractionGraph:
    """A directed, weighted account graph with one vertex per account and one edge per ordered pair.

    `graph` is simple (no self-loops, no parallel edges): its `weight` attribute is the number of
    interactions from source to target over all kinds kept. `nodes` has one row per vertex, in
    vertex order; `edges` keeps the per-kind counts behind each graph edge.
    """

    graph: ig.Graph
    nodes: pa.Table
    edges: pa.Table

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
        return np.asarray(self.graph.es["weight"], dtype=np.float64)

    def endpoints(self) -> tuple[np.ndarray, np.ndarray]:
        """Source and target vertex indices of every graph edge."""
        if self.edge_count == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        pairs = np.asarray(self.graph.get_edgelist(), dtype=np.int64)
        return pairs[:, 0], pairs[:, 1]

    def codes(self, column: str) -> tuple[np.ndarray, list[str]]:
        """Integer codes per vertex for a node column (e.g. sector) and the value of each code."""
        encoded = pc.dictionary_encode(self.nodes.column(column)).combine_chunks()
        return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), encoded.dictionary.to_pylist()

    def undirected(self) -> ig.Graph:
        """The undirected projection: A–B weighted by interactions in both directions."""
        return self.graph.as_undirected(mode="collapse", combine_edges={"weight": "sum"})


def _keys(platform: pa.ChunkedArray | pa.Array, account: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray:
    joined = pc.binary_join_element_wise(platform, account, _KEY_SEPARATOR)
    return joined if isinstance(joined, pa.ChunkedArray) else pa.chunked_array([joined])


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
        pc.and_(pc.is_valid(edges["source"]), pc.is_valid(edges["target"])),
        pc.and_(pc.not_equal(edges["source"], edges["target"]), pc.greater(edges["weight"], 0)),
    )
    return edges.filter(pc.fill_null(keep, False))


def _plain_names(table: pa.Table) -> pa.Table:
    """Drop the `_sum`/`_first` suffixes Arrow gives aggregated columns."""
    names = [name.removesuffix("_sum").removesuffix("_first") for name in table.column_names]
    return table.rename_columns(names)


def _pair_weights(edges: pa.Table, min_weight: float) -> pa.Table:
    pairs = edges.group_by(["platform", "source", "target"]).aggregate([("weight", "sum")])
    pairs = _plain_names(pairs)
    return pairs.filter(pc.greater_equal(pairs["weight"], min_weight))


def _node_table(keys: pa.Array, nodes: pa.Table | None) -> pa.Table:
    """One row per vertex key: platform, account_id and the labels, missing labels as 'unknown'."""
    parts = pc.split_pattern(keys, _KEY_SEPARATOR, max_splits=1)
    left = pa.table({
        "platform": pc.list_element(parts, 0),
        "account_id": pc.list_element(parts, 1),
        "_k": pa.array(np.arange(len(keys), dtype=np.int64)),
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


def build_graph(edges: pa.Table, nodes: pa.Table | None = None, min_weight: float = 1) -> InteractionGraph:
    """Build the account graph from edges (platform, source, target, kind, weight) and optional node labels.

    Pairs whose total weight over the kinds given is below `min_weight` are dropped, as are
    self-loops. `nodes` may carry handle, display_name, followers, role, subtype and sector.
    """
    if min_weight <= 0:
        raise GraphError(f"min_weight must be a positive number of interactions, not {min_weight}.")
    edges = _clean_edges(edges)
    pairs = _pair_weights(edges, float(min_weight))
    source_keys = _keys(pairs["platform"], pairs["source"])
    target_keys = _keys(pairs["platform"], pairs["target"])
    unique = pc.unique(pa.chunked_array([*source_keys.chunks, *target_keys.chunks], type=pa.string()))
    unique = unique.take(pc.sort_indices(unique))
    src = pc.index_in(source_keys, value_set=unique).to_numpy().astype(np.int64)
    tgt = pc.index_in(target_keys, value_set=unique).to_numpy().astype(np.int64)
    graph = ig.Graph(n=len(unique), edges=np.column_stack([src, tgt]) if len(src) else [], directed=True)
    graph.es["weight"] = pairs["weight"].to_numpy().tolist()
    pair_keys = ["platform", "source", "target"]
    kept = edges.join(pairs.select(pair_keys), pair_keys, join_type="inner")
    kept = kept.group_by(["platform", "source", "target", "kind"]).aggregate([("weight", "sum")])
    kept = _plain_names(kept).select(list(EDGE_COLUMNS)).sort_by([("source", "ascending"), ("target", "ascending"),
                                                           ("kind", "ascending")])
    return InteractionGraph(graph=graph, nodes=_node_table(unique, nodes), edges=kept)


def check_kinds(kinds: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
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


@dataclass(frozen=True, slots=True)
class GraphFilter:
    """Which interactions go into the graph: a SQL condition over alias `i`, its parameters, and the kinds."""

    where: str = "TRUE"
    params: tuple[Any, ...] = ()
    kinds: tuple[str, ...] = KINDS


def make_filter(
    ws: Workspace,
    collection: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    kinds: list[str] | tuple[str, ...] | None = None,
) -> GraphFilter:
    """Check the options against the workspace and return the filter they describe."""
    if since is not None and until is not None and since >= until:
        raise GraphError(f"--since ({since.isoformat()}) must be earlier than --until ({until.isoformat()}).")
    chosen = check_kinds(kinds)
    where, params = ws.post_filter(collection, since, until, alias="i")
    return GraphFilter(where, tuple(params), chosen)


def _edges_sql(graph_filter: GraphFilter) -> tuple[str, list[Any]]:
    where, params = graph_filter.where, list(graph_filter.params)
    placeholders = ", ".join("?" for _ in graph_filter.kinds)
    sql = (
        "SELECT i.platform, i.source, i.target, i.kind, count(*)::DOUBLE AS weight FROM interactions i "
        f"WHERE {where} AND i.kind IN ({placeholders}) AND i.source <> i.target GROUP BY ALL"
    )
    return sql, [*params, *graph_filter.kinds]


def query_edges(ws: Workspace, graph_filter: GraphFilter) -> pa.Table:
    """Interaction counts per (platform, source, target, kind), aggregated in DuckDB."""
    sql, params = _edges_sql(graph_filter)
    return ws.query(f"{sql} ORDER BY ALL", params)


def query_nodes(ws: Workspace, graph_filter: GraphFilter) -> pa.Table:
    """Handles, followers and labels of the accounts that appear in the filtered interactions."""
    sql, params = _edges_sql(graph_filter)
    return ws.query(
        f"WITH e AS ({sql}), ids AS (SELECT platform, source AS account_id FROM e "
        "UNION SELECT platform, target AS account_id FROM e) "
        "SELECT ids.platform, ids.account_id, a.handle, a.display_name, a.followers, l.role, l.subtype, l.sector "
        "FROM ids LEFT JOIN accounts a ON a.platform = ids.platform AND a.account_id = ids.account_id "
        "LEFT JOIN labels l ON l.platform = ids.platform AND l.account_id = ids.account_id",
        params,
    )


def load_graph(
    ws: Workspace,
    collection: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    kinds: list[str] | tuple[str, ...] | None = None,
    min_weight: float = 1,
) -> InteractionGraph:
    """The interaction graph of a workspace, optionally limited to a collection, a period and some kinds."""
    graph_filter = make_filter(ws, collection, since, until, kinds)
    edges = query_edges(ws, graph_filter)
    return build_graph(edges, query_nodes(ws, graph_filter), min_weight=min_weight)


def layout(graph: InteractionGraph, seed: int = 42) -> np.ndarray:
    """x, y positions per vertex: Fruchterman-Reingold for up to 20,000 accounts, DrL above; seeded."""
    n = graph.node_count
    if n == 0:
        return np.zeros((0, 2))
    undirected = graph.undirected()
    start = np.random.default_rng(seed).uniform(-1.0, 1.0, size=(n, 2)).tolist()
    previous = random.getstate()
    ig.set_random_number_generator(random.Random(seed))
    try:
        if n <= FR_LAYOUT_LIMIT:
            positions = undirected.layout_fruchterman_reingold(weights="weight", seed=start, niter=500)
        else:
            positions = undirected.layout_drl(weights="weight", seed=start)
    finally:
        ig.set_random_number_generator(random)
        random.setstate(previous)
    return np.asarray(positions.coords, dtype=np.float64)
