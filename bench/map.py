"""Time the whole Map against the same steps done the usual way in networkx, and against bare igraph calls.

    .venv/bin/python bench/map.py                                  # 100,000 and 1,000,000 ties, all routes
    .venv/bin/python bench/map.py --ties 10000000 --routes sociable
    .venv/bin/python bench/map.py --workspace ws.duckdb            # the interactions of an imported workspace

Graphs come from the simulator's cast (`sociable.simulate.cast.build_cast`): its accounts, their
home sectors, activity and behaviour, with the simulator's own engagement rule (nine interactions
in ten stay in the home sector; brokers cross six times in ten; busier accounts are engaged with
more). Simulating and importing enough posts for a million ties would take hours, so the
interactions are drawn directly from that structure. Account numbers follow the simulator's
growth law at about 2.4 posts per tie (the ratio of an imported 100,000-post sample).

Every (route, step) runs in its own interpreter, so each peak memory figure (ru_maxrss) is that
step's own, including loading its input. Steps compared: graph build, communities (Leiden /
Louvain), weighted PageRank, betweenness from k sampled sources, silo measures by sector.
Figures go to stdout as a Markdown table and to bench/out/map.json.
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

OUT = Path(__file__).parent / "out"
STEPS = ("build", "communities", "pagerank", "betweenness", "silos")
ROUTES = ("sociable", "networkx", "igraph")
POSTS_PER_TIE = 2.4
KIND_SHARES = {"regular": (0.24, 0.18, 0.06, 0.10), "broker": (0.3, 0.15, 0.10, 0.15)}  # reply, repost, quote, mention


# ---------------------------------------------------------------- graphs from the simulator's cast

def cast_tables(ties: int, seed: int) -> tuple[pa.Table, pa.Table]:
    """Interactions (platform, source, target, kind, weight) with exactly `ties` ordered pairs, and node labels."""
    import random

    from sociable.simulate import DEFAULT_START
    from sociable.simulate.cast import build_cast

    cast = build_cast(random.Random(seed), int(ties * POSTS_PER_TIE), DEFAULT_START)
    members = cast.members
    n = len(members)
    rng = np.random.default_rng(seed)
    activity = np.array([m.activity for m in members])
    homes = sorted({m.home for m in members})
    home = np.array([homes.index(m.home) for m in members])
    broker = np.array([m.behaviour == "broker" for m in members])
    target_ok = np.array([m.behaviour not in ("dormant", "chat_host") for m in members])
    pools = [np.flatnonzero(target_ok & (home == h)) for h in range(len(homes))]
    pool_cdf = [np.cumsum(activity[p]) / activity[p].sum() if len(p) else np.zeros(0) for p in pools]
    source_cdf = np.cumsum(activity) / activity.sum()
    sources, targets = _draw(rng, ties, source_cdf, home, broker, pools, pool_cdf)
    kinds = _kinds(rng, broker[sources])
    pair = sources * n + targets
    _, first = np.unique(pair, return_index=True)
    cutoff = np.sort(first)[min(ties, len(first)) - 1]
    keep = np.arange(len(pair)) <= cutoff
    code, weight = np.unique(pair[keep] * 4 + kinds[keep], return_counts=True)
    ids = np.array([str(m.user_id) for m in members], dtype=object)
    edges = pa.table({
        "platform": pa.array(["twitter"] * len(code)),
        "source": pa.array(ids[code // 4 // n], pa.string()),
        "target": pa.array(ids[code // 4 % n], pa.string()),
        "kind": pa.array(np.array(["reply", "repost", "quote", "mention"], dtype=object)[code % 4], pa.string()),
        "weight": pa.array(weight.astype(np.float64)),
    })
    nodes = pa.table({
        "platform": pa.array(["twitter"] * n),
        "account_id": pa.array(ids, pa.string()),
        "handle": pa.array([m.handle for m in members]),
        "role": pa.array([m.role for m in members]),
        "subtype": pa.array([m.subtype for m in members]),
        "sector": pa.array([m.sector for m in members]),
    })
    return edges, nodes


def _draw(rng: np.random.Generator, ties: int, source_cdf: np.ndarray, home: np.ndarray, broker: np.ndarray,
          pools: list[np.ndarray], pool_cdf: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Draw interactions in rounds until they hold at least `ties` distinct ordered pairs."""
    n = len(home)
    sources: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    distinct, batch = 0, int(ties * 1.3) + 1000
    while distinct < ties:
        src = np.minimum(np.searchsorted(source_cdf, rng.random(batch)), n - 1)
        crossing = rng.random(batch) < np.where(broker[src], 0.6, 0.1)
        sector = np.where(crossing, rng.integers(0, len(pools), batch), home[src])
        tgt = np.full(batch, -1)
        for s, pool in enumerate(pools):
            rows = np.flatnonzero(sector == s)
            if len(pool) and len(rows):
                tgt[rows] = pool[np.minimum(np.searchsorted(pool_cdf[s], rng.random(len(rows))), len(pool) - 1)]
        ok = (tgt >= 0) & (tgt != src)
        sources.append(src[ok])
        targets.append(tgt[ok])
        distinct = len(np.unique(np.concatenate(sources) * n + np.concatenate(targets)))
        batch = max(int((ties - distinct) * 2), 1000)
    return np.concatenate(sources), np.concatenate(targets)


def _kinds(rng: np.random.Generator, is_broker: np.ndarray) -> np.ndarray:
    shares = {key: np.cumsum(value) / sum(value) for key, value in KIND_SHARES.items()}
    draw = rng.random(len(is_broker))
    return np.where(is_broker, np.searchsorted(shares["broker"], draw), np.searchsorted(shares["regular"], draw))


def workspace_tables(path: Path) -> tuple[pa.Table, pa.Table]:
    """The edge and node tables the Map itself reads from a workspace."""
    import sociable
    from sociable.analyses.network import query_edges, query_nodes

    ws = sociable.open(path, read_only=True)
    try:
        edges = query_edges(ws, ws.scope())
        return edges, query_nodes(ws, edges)
    finally:
        ws.close()


def prepare(folder: Path, make: Callable[[], tuple[pa.Table, pa.Table]]) -> dict[str, int]:
    """Write edges.parquet, nodes.parquet and the integer edge list bare igraph starts from (once)."""
    if not (folder / "pairs.npz").exists():
        folder.mkdir(parents=True, exist_ok=True)
        edges, nodes = make()
        pq.write_table(edges, folder / "edges.parquet")
        pq.write_table(nodes, folder / "nodes.parquet")
        pairs = edges.group_by(["source", "target"]).aggregate([("weight", "sum")])
        keys = pa.chunked_array([pairs["source"], pairs["target"]]).unique()
        src = np.asarray(pa.compute.index_in(pairs["source"], value_set=keys))
        tgt = np.asarray(pa.compute.index_in(pairs["target"], value_set=keys))
        np.savez(folder / "pairs.npz", source=src, target=tgt, weight=pairs["weight_sum"].to_numpy(),
                 n=np.array([len(keys)]))
    data = np.load(folder / "pairs.npz")
    return {"accounts": int(data["n"][0]), "ties": len(data["source"]),
            "interactions": int(pq.read_table(folder / "edges.parquet", columns=["weight"])["weight"].to_numpy().sum())}


# ---------------------------------------------------------------- the three routes, one step at a time

def sociable_step(step: str, folder: Path, k: int, seed: int) -> Callable[[], Any]:
    from sociable.analyses import brokers, communities, influence, silos
    from sociable.analyses.network import build_graph
    from sociable.analyses.network_map import MapOptions, compute_map

    edges, nodes = pq.read_table(folder / "edges.parquet"), pq.read_table(folder / "nodes.parquet")
    if step == "build":
        return lambda: build_graph(edges, nodes)
    if step == "whole":
        options = MapOptions(seed=seed, exact_limit=0, samples=k, with_layout=False)
        return lambda: compute_map(build_graph(edges, nodes), None, options)
    graph = build_graph(edges, nodes)
    steps: dict[str, Callable[[], Any]] = {
        "communities": lambda: communities.detect_communities(graph, seed=seed),
        "pagerank": lambda: influence.pagerank(graph),
        "betweenness": lambda: brokers.betweenness(graph, exact_limit=0, samples=k, seed=seed),
        "silos": lambda: (silos.crossing_share(graph), silos.ei_index(graph), silos.mixing_matrix(graph),
                          silos.assortativity(graph)),
    }
    return steps[step]


def networkx_graph(folder: Path) -> Any:
    """A weighted DiGraph the usual way: sum interactions per pair in a Counter, add edges, set node attributes."""
    import networkx as nx

    edges = pq.read_table(folder / "edges.parquet", columns=["source", "target", "weight"]).to_pydict()
    weights: Counter[tuple[str, str]] = Counter()
    for source, target, weight in zip(edges["source"], edges["target"], edges["weight"], strict=True):
        weights[source, target] += weight
    graph = nx.DiGraph()
    graph.add_weighted_edges_from((s, t, w) for (s, t), w in weights.items())
    nodes = pq.read_table(folder / "nodes.parquet", columns=["account_id", "sector"]).to_pydict()
    sector = dict(zip(nodes["account_id"], nodes["sector"], strict=True))
    nx.set_node_attributes(graph, {v: sector.get(v, "unknown") for v in graph}, "sector")
    return graph


def networkx_undirected(graph: Any) -> Any:
    """A–B weighted by interactions both ways (networkx's to_undirected keeps one direction's weight)."""
    import networkx as nx

    undirected = nx.Graph()
    undirected.add_nodes_from(graph)
    for source, target, weight in graph.edges(data="weight"):
        if undirected.has_edge(source, target):
            undirected[source][target]["weight"] += weight
        else:
            undirected.add_edge(source, target, weight=weight)
    return undirected


def networkx_silos(graph: Any) -> tuple[float, dict[str, float], dict[tuple[str, str], float], float]:
    """Crossing share, E-I per sector and the weighted mixing counts by a loop over edges; nx assortativity."""
    import networkx as nx

    sector = nx.get_node_attributes(graph, "sector")
    internal: Counter[str] = Counter()
    external: Counter[str] = Counter()
    mixing: Counter[tuple[str, str]] = Counter()
    for source, target, weight in graph.edges(data="weight"):
        a, b = sector[source], sector[target]
        if a == "unknown" or b == "unknown":
            continue
        mixing[a, b] += weight
        if a == b:
            internal[a] += weight
        else:
            external[a] += weight
            external[b] += weight
    ei = {g: (external[g] - internal[g]) / (external[g] + internal[g]) for g in set(internal) | set(external)}
    total = sum(mixing.values())
    crossing = sum(w for (a, b), w in mixing.items() if a != b) / total if total else 0.0
    labelled = graph.subgraph([v for v, s in sector.items() if s != "unknown"])
    return crossing, ei, dict(mixing), nx.attribute_assortativity_coefficient(labelled, "sector")


def networkx_step(step: str, folder: Path, k: int, seed: int) -> Callable[[], Any]:
    import networkx as nx
    from networkx.algorithms.link_analysis.pagerank_alg import _pagerank_python

    if step == "build":
        return lambda: networkx_graph(folder)
    graph = networkx_graph(folder)
    steps: dict[str, Callable[[], Any]] = {
        "communities": lambda: nx.community.louvain_communities(networkx_undirected(graph), weight="weight",
                                                                seed=seed),
        # nx.pagerank needs scipy, which sociable does not install; this is networkx's own pure-Python power
        # iteration, the same algorithm and stopping rule
        "pagerank": lambda: _pagerank_python(graph, alpha=0.85, weight="weight"),
        "betweenness": lambda: nx.betweenness_centrality(nx.Graph(graph), k=k, seed=seed),
        "silos": lambda: networkx_silos(graph),
    }
    return steps[step]


def igraph_step(step: str, folder: Path, k: int, seed: int) -> Callable[[], Any] | None:
    """The bare igraph calls behind each step, from integer edge lists; None where igraph has no such call."""
    import igraph as ig

    data = np.load(folder / "pairs.npz")
    n, pairs, weight = int(data["n"][0]), np.column_stack([data["source"], data["target"]]), data["weight"]

    def build() -> Any:
        graph = ig.Graph(n=n, edges=pairs, directed=True)
        graph.es["weight"] = weight
        return graph

    if step == "build":
        return build
    if step == "silos":
        return None
    graph = build()
    chosen = np.random.default_rng(seed).choice(n, size=k, replace=False).tolist()
    steps: dict[str, Callable[[], Any]] = {
        "communities": lambda: graph.as_undirected(mode="collapse", combine_edges={"weight": "sum"}).community_leiden(
            objective_function="modularity", weights="weight", n_iterations=2),
        "pagerank": lambda: graph.pagerank(directed=True, damping=0.85, weights="weight"),
        "betweenness": lambda: graph.as_undirected(mode="collapse").betweenness(directed=False, sources=chosen),
    }
    return steps[step]


def worker(route: str, step: str, folder: Path, k: int, seed: int) -> dict[str, Any]:
    """Run one step once in this process: its seconds, and the process's peak and pre-step resident memory."""
    make = {"sociable": sociable_step, "networkx": networkx_step, "igraph": igraph_step}[route]
    run = make(step, folder, k, seed)
    if run is None:
        return {"seconds": None}
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "input_rss_mb": before}


# ---------------------------------------------------------------- driver

def run_worker(route: str, step: str, folder: Path, k: int, seed: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", route, step, str(folder), "--samples", str(k), "--seed", str(seed)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    shown = "—" if figures["seconds"] is None else f"{figures['seconds']:.2f} s, {figures['peak_rss_mb']:,.0f} MB"
    print(f"  {route:<9} {step:<12} {shown}", file=sys.stderr, flush=True)
    return figures


def seconds(figures: dict[str, dict[str, Any]], route: str, step: str) -> float | None:
    value = figures.get(route, {}).get(step, {}).get("seconds")
    return None if value is None else float(value)


def _cell(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:,.2f}{unit}"


def table(label: str, size: dict[str, int], figures: dict[str, dict[str, Any]]) -> list[str]:
    """Markdown rows for one graph: each step per route, ratios, peak memory, then the sums."""
    rows = [f"**{label}**: {size['accounts']:,} accounts, {size['ties']:,} ties, {size['interactions']:,} "
            "interactions", "",
            "| step | sociable s | networkx s | bare igraph s | networkx / sociable | sociable / bare igraph "
            "| peak RSS sociable | peak RSS networkx |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    totals = {route: 0.0 for route in ROUTES}
    algorithm = {route: 0.0 for route in ROUTES}
    for step in STEPS:
        mine, theirs, bare = (seconds(figures, route, step) for route in ROUTES)
        for route, value in zip(ROUTES, (mine, theirs, bare), strict=True):
            totals[route] += value or 0.0
            if step in ("communities", "pagerank", "betweenness"):
                algorithm[route] += value or 0.0
        peaks = [figures.get(route, {}).get(step, {}).get("peak_rss_mb") for route in ("sociable", "networkx")]
        rows.append(f"| {step} | {_cell(mine)} | {_cell(theirs)} | {_cell(bare)} | "
                    f"{_cell(theirs / mine if mine and theirs else None, '×')} | "
                    f"{_cell(mine / bare if mine and bare else None, '×')} | "
                    + " | ".join("—" if p is None else f"{p:,.0f} MB" for p in peaks) + " |")
    for name, sums in (("sum of the five steps", totals), ("Leiden + PageRank + betweenness", algorithm)):
        mine, theirs, bare = (sums[route] or None for route in ROUTES)
        rows.append(f"| **{name}** | {_cell(mine)} | {_cell(theirs)} | {_cell(bare)} | "
                    f"{_cell(theirs / mine if mine and theirs else None, '×')} | "
                    f"{_cell(mine / bare if mine and bare else None, '×')} | | |")
    whole = figures.get("sociable", {}).get("whole")
    if whole:
        rows.append(f"| whole map (build + every measure, no layout) | {_cell(whole['seconds'])} | | | | | "
                    f"{whole['peak_rss_mb']:,.0f} MB | |")
    return [*rows, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ties", default="100000,1000000", help="comma-separated graph sizes (ordered pairs)")
    parser.add_argument("--workspace", type=Path, help="bench the interactions of this workspace instead")
    parser.add_argument("--routes", default=",".join(ROUTES), help="which of sociable,networkx,igraph to run")
    parser.add_argument("--samples", type=int, default=100, help="betweenness source samples (k), the same for all")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--worker", nargs=3, metavar=("ROUTE", "STEP", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        route, step, folder = args.worker
        print(json.dumps(worker(route, step, Path(folder), args.samples, args.seed)))
        return
    routes = [r for r in ROUTES if r in args.routes.split(",")]
    graphs: list[tuple[str, Path, Callable[[], tuple[pa.Table, pa.Table]]]] = []
    if args.workspace:
        path = args.workspace.resolve()
        graphs.append((f"workspace {path.name}", OUT / f"map-ws-{path.stem}", lambda: workspace_tables(path)))
    else:
        for ties in (int(t) for t in args.ties.split(",")):
            graphs.append((f"{ties:,} ties from the simulator's cast", OUT / f"map-{ties}",
                           functools.partial(cast_tables, ties, args.seed)))
    lines = [f"k = {args.samples} betweenness sources, seed {args.seed}", ""]
    results = []
    saved = json.loads((OUT / "map.json").read_text()) if (OUT / "map.json").exists() else []
    previous = {(row["graph"], row["samples"]): row["figures"] for row in saved}
    for label, folder, make in graphs:
        started = time.perf_counter()
        size = prepare(folder, make)
        print(f"{label}: {size} (prepared in {time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
        figures: dict[str, dict[str, Any]] = {}
        for route in routes:
            for step in (*STEPS, "whole") if route == "sociable" else STEPS:
                figures.setdefault(route, {})[step] = run_worker(route, step, folder, args.samples, args.seed)
        for route in ROUTES:  # a route not run this time keeps its figures from the last run on the same graph
            if route not in figures and previous.get((label, args.samples), {}).get(route):
                figures[route] = previous[label, args.samples][route]
        lines += table(label, size, figures)
        results.append({"graph": label, **size, "samples": args.samples, "figures": figures})
    OUT.mkdir(exist_ok=True)
    done = {(row["graph"], row["samples"]) for row in results}
    kept = [row for row in saved if (row["graph"], row["samples"]) not in done]
    (OUT / "map.json").write_text(json.dumps(kept + results, indent=2) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
