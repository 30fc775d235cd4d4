"""Communities: Leiden on the undirected weighted projection, and what each community is made of."""

from __future__ import annotations

import random

import igraph as ig
import leidenalg
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sociable.analyses.network import UNKNOWN, GraphError, InteractionGraph

METHODS: tuple[str, ...] = ("modularity", "cpm")
ENGINES: tuple[str, ...] = ("igraph", "leidenalg")
ITERATIONS = 2
KEY_ACCOUNTS = 5


def detect_communities(
    graph: InteractionGraph,
    resolution: float = 1.0,
    seed: int = 42,
    method: str = "modularity",
    engine: str = "igraph",
) -> np.ndarray:
    """Community of every account (0 = largest), by Leiden; the same seed gives the same partition.

    `modularity` optimises modularity with a resolution parameter (1.0 is classic modularity;
    higher finds more, smaller communities). `cpm` uses the Constant Potts Model, where the
    resolution is the minimum density a community must have (try 0.01 to 0.1 on weighted graphs).
    `engine` "igraph" runs igraph's C implementation of Leiden (about ten times faster on large
    graphs); "leidenalg" runs the leidenalg package, the reference implementation.
    """
    if method not in METHODS:
        raise GraphError(f"unknown community method {method!r}; choose from {', '.join(METHODS)}.")
    if engine not in ENGINES:
        raise GraphError(f"unknown Leiden engine {engine!r}; choose from {', '.join(ENGINES)}.")
    if not resolution > 0:
        raise GraphError(f"resolution must be a positive number, not {resolution}.")
    if graph.node_count == 0:
        return np.zeros(0, dtype=np.int64)
    undirected = graph.undirected()
    if engine == "leidenalg":
        membership = _leidenalg_membership(undirected, resolution, seed, method)
    else:
        previous = random.getstate()
        ig.set_random_number_generator(random.Random(seed))
        try:
            clustering = undirected.community_leiden(
                objective_function="modularity" if method == "modularity" else "CPM",
                weights="weight",
                resolution=float(resolution),
                n_iterations=ITERATIONS,
            )
        finally:
            ig.set_random_number_generator(random)
            random.setstate(previous)
        membership = clustering.membership
    return _by_size(np.asarray(membership, dtype=np.int64))


def _leidenalg_membership(undirected: ig.Graph, resolution: float, seed: int, method: str) -> list[int]:
    if method == "modularity":
        partition_type = leidenalg.RBConfigurationVertexPartition
    else:
        partition_type = leidenalg.CPMVertexPartition
    partition = leidenalg.find_partition(
        undirected, partition_type, weights="weight", resolution_parameter=float(resolution),
        n_iterations=ITERATIONS, seed=int(seed),
    )
    return list(partition.membership)


def _by_size(membership: np.ndarray) -> np.ndarray:
    """Renumber communities so 0 is the largest (ties broken by lowest first member)."""
    sizes = np.bincount(membership)
    first = np.full(len(sizes), len(membership))
    np.minimum.at(first, membership, np.arange(len(membership)))
    order = np.lexsort((first, -sizes))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[membership]


def modularity(graph: InteractionGraph, membership: np.ndarray) -> float | None:
    """Newman's weighted modularity of the partition on the undirected projection."""
    if graph.edge_count == 0:
        return None
    return float(graph.undirected().modularity(membership.tolist(), weights="weight"))


def community_links(graph: InteractionGraph, membership: np.ndarray) -> pa.Table:
    """Weighted interactions from each community to each community (the diagonal is within-community)."""
    count = int(membership.max()) + 1 if len(membership) else 0
    source, target = graph.endpoints()
    flat = np.bincount(membership[source] * count + membership[target], weights=graph.weights(),
                       minlength=count * count)
    matrix = flat.reshape(count, count) if count else np.zeros((0, 0))
    rows, cols = np.nonzero(matrix)
    return pa.table({
        "source_community": pa.array(rows + 1, pa.int64()),
        "target_community": pa.array(cols + 1, pa.int64()),
        "weight": pa.array(matrix[rows, cols], pa.float64()),
    })


def _internal_strength(graph: InteractionGraph, membership: np.ndarray) -> np.ndarray:
    source, target = graph.endpoints()
    inside = membership[source] == membership[target]
    weights = graph.weights()[inside]
    n = graph.node_count
    return np.bincount(source[inside], weights=weights, minlength=n) + np.bincount(
        target[inside], weights=weights, minlength=n
    )


def _top_per_group(groups: np.ndarray, score: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the `limit` highest scores within each group, and their group, best first."""
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.lexsort((-score, groups))
    sorted_groups = groups[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    keep = rank < limit
    return order[keep], sorted_groups[keep]


def _mix_text(membership: np.ndarray, codes: np.ndarray, names: list[str], count: int) -> list[str]:
    """Per community: 'health 60%, social_care 30%' over its labelled members, largest first."""
    width = max(len(names), 1)
    flat = np.bincount(membership * width + codes, minlength=count * width).reshape(count, width)
    texts = []
    for row in flat:
        labelled = {names[i]: int(v) for i, v in enumerate(row) if v and names[i] != UNKNOWN}
        unknown = int(row[names.index(UNKNOWN)]) if UNKNOWN in names else 0
        total = sum(labelled.values())
        ranked = sorted(labelled.items(), key=lambda kv: -kv[1])[:5]
        parts = [f"{name} {round(100 * v / total)}%" for name, v in ranked]
        if unknown:
            parts.append(f"{unknown} unlabelled")
        texts.append(", ".join(parts))
    return texts


def _top_share(membership: np.ndarray, codes: np.ndarray, names: list[str], count: int) -> tuple[list[str], list]:
    width = max(len(names), 1)
    flat = np.bincount(membership * width + codes, minlength=count * width).reshape(count, width).astype(float)
    if UNKNOWN in names:
        flat[:, names.index(UNKNOWN)] = 0
    totals = flat.sum(axis=1)
    best = flat.argmax(axis=1)
    tops = [names[b] if totals[i] else UNKNOWN for i, b in enumerate(best)]
    shares = [float(flat[i, b] / totals[i]) if totals[i] else None for i, b in enumerate(best)]
    return tops, shares


ITEM_KINDS: tuple[str, ...] = ("hashtag", "domain", "link")
TOP_ITEMS = 5


def top_items(graph: InteractionGraph, membership: np.ndarray, items: pa.Table | None,
              limit: int = TOP_ITEMS) -> pa.Table:
    """NodeXL's "top items": the hashtags, domains and links its members' posts carry most, per community.

    `items` has (platform, account_id, kind, item, posts) rows: how many posts of an account
    carry the item. Rows of accounts outside the graph are ignored. One row per (community,
    kind, rank), ranks from 1, ties broken by the item's text.
    """
    schema = pa.schema([("community", pa.int64()), ("kind", pa.string()), ("rank", pa.int64()),
                        ("item", pa.string()), ("posts", pa.int64())])
    count = int(membership.max()) + 1 if len(membership) else 0
    if items is None or items.num_rows == 0 or count == 0:
        return schema.empty_table()
    keys = pc.binary_join_element_wise(graph.nodes["platform"], graph.nodes["account_id"], "\x1f")
    item_keys = pc.binary_join_element_wise(items["platform"], items["account_id"], "\x1f")
    vertex = pc.index_in(item_keys, value_set=keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys)
    found = pc.is_valid(vertex)
    rows = pa.table({
        "community": membership[pc.filter(vertex, found).to_numpy().astype(np.int64)] + 1,
        "kind": pc.filter(items["kind"], found).cast(pa.string()),
        "item": pc.filter(items["item"], found).cast(pa.string()),
        "posts": pc.filter(items["posts"], found).cast(pa.int64()),
    })
    totals = _contenders(rows.group_by(["community", "kind", "item"]).aggregate([("posts", "sum")]), limit)
    totals = totals.sort_by([("community", "ascending"), ("kind", "ascending"), ("posts_sum", "descending"),
                             ("item", "ascending")])
    group = pc.binary_join_element_wise(totals["community"].cast(pa.string()), totals["kind"], "\x1f")
    codes = pc.dictionary_encode(group).combine_chunks().indices.to_numpy().astype(np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(codes)) + 1]
    rank = np.arange(len(codes)) - np.repeat(starts, np.diff(np.r_[starts, len(codes)])) + 1
    keep = pa.array(rank <= limit)
    kind_order = pc.index_in(totals["kind"], value_set=pa.array(ITEM_KINDS)).fill_null(len(ITEM_KINDS))
    table = pa.table({
        "community": totals["community"], "kind": totals["kind"], "rank": pa.array(rank, pa.int64()),
        "item": totals["item"], "posts": totals["posts_sum"].cast(pa.int64()), "_order": kind_order,
    }).filter(keep)
    table = table.sort_by([("community", "ascending"), ("_order", "ascending"), ("rank", "ascending")])
    return table.drop_columns(["_order"]).cast(schema)


def _contenders(totals: pa.Table, limit: int) -> pa.Table:
    """The rows of (community, kind, item, posts_sum) that can rank within `limit` of their community and kind.

    A row whose posts are below its group's `limit`-th largest cannot, so only the others need
    sorting by text (a million distinct items become a few dozen rows).
    """
    if totals.num_rows <= limit:
        return totals
    kinds = pc.dictionary_encode(pc.fill_null(totals["kind"], "")).combine_chunks()
    group = (totals["community"].to_numpy().astype(np.int64) * (len(kinds.dictionary) + 1)
             + kinds.indices.to_numpy().astype(np.int64))
    posts = totals["posts_sum"].to_numpy().astype(np.int64)
    order = np.lexsort((-posts, group))
    in_order = group[order]
    starts = np.r_[0, np.flatnonzero(np.diff(in_order)) + 1]
    sizes = np.diff(np.r_[starts, len(order)])
    threshold = np.where(sizes >= limit, posts[order[np.minimum(starts + limit - 1, len(order) - 1)]],
                         np.iinfo(np.int64).min)
    floor = np.zeros(int(group.max()) + 1, dtype=np.int64)
    floor[in_order[starts]] = threshold
    return totals.filter(pa.array(posts >= floor[group]))


def hashtag_items(hashtags: pa.Table) -> pa.Table:
    """(platform, account_id, hashtag, posts) rows as `top_items` reads them."""
    return pa.table({"platform": hashtags["platform"], "account_id": hashtags["account_id"],
                     "kind": pa.array(["hashtag"] * hashtags.num_rows, pa.string()),
                     "item": hashtags["hashtag"], "posts": hashtags["posts"]})


def _joined(items: pa.Table, kind: str, count: int, prefix: str = "") -> list[str]:
    """Per community, its top items of one kind as text, best first: '#nhs, #wenurses'."""
    parts: list[list[str]] = [[] for _ in range(count)]
    for row in items.filter(pc.equal(items["kind"], kind)).to_pylist():
        parts[row["community"] - 1].append(prefix + row["item"])
    return [", ".join(texts) for texts in parts]


def summarise_communities(
    graph: InteractionGraph, membership: np.ndarray, hashtags: pa.Table | None = None,
    items: pa.Table | None = None,
) -> pa.Table:
    """One row per community: size, cohesion, sector and role mix, key accounts and top hashtags.

    `hashtags` has (platform, account_id, hashtag, posts); `items` is `top_items`' result when
    it was computed already (its hashtags are used, and `hashtags` is ignored).
    """
    count = int(membership.max()) + 1 if len(membership) else 0
    size = np.bincount(membership, minlength=count)
    links = community_links(graph, membership)
    src, tgt, weight = (links[c].to_numpy() - (1 if c != "weight" else 0) for c in links.column_names)
    internal = np.bincount(src[src == tgt], weights=weight[src == tgt], minlength=count)
    touching = np.bincount(src, weights=weight, minlength=count) + np.bincount(tgt, weights=weight, minlength=count)
    external = touching - 2 * internal
    sector_codes, sector_names = graph.codes("sector")
    role_codes, role_names = graph.codes("role")
    top_sector, top_sector_share = _top_share(membership, sector_codes, sector_names, count)
    key, key_group = _top_per_group(membership, _internal_strength(graph, membership), KEY_ACCOUNTS)
    handles = graph.nodes["handle"].to_pylist()
    if items is None:
        items = top_items(graph, membership, None if hashtags is None else hashtag_items(hashtags))
    return pa.table({
        "community": pa.array(np.arange(1, count + 1), pa.int64()),
        "size": pa.array(size, pa.int64()),
        "internal_weight": pa.array(internal, pa.float64()),
        "external_weight": pa.array(external, pa.float64()),
        "cohesion": pa.array(np.divide(internal, internal + external, out=np.full(count, np.nan),
                                       where=(internal + external) > 0), pa.float64(), from_pandas=True),
        "top_sector": pa.array(top_sector, pa.string()),
        "top_sector_share": pa.array(top_sector_share, pa.float64()),
        "sectors": pa.array(_mix_text(membership, sector_codes, sector_names, count), pa.string()),
        "roles": pa.array(_mix_text(membership, role_codes, role_names, count), pa.string()),
        "key_accounts": pa.array([", ".join(handles[i] for i in key[key_group == c]) for c in range(count)]),
        "top_hashtags": pa.array(_joined(items, "hashtag", count, "#"), pa.string()),
    })

