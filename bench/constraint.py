"""Burt's constraint, exact against sampled, on the interaction graphs of imported workspaces.

    .venv/bin/python bench/constraint.py --workspace ws1m.duckdb --workspace ws10m.duckdb
    .venv/bin/python bench/constraint.py --workspace ws1m.duckdb --seeds 1,2,3,4,5

Each graph is loaded as the map loads it (every interaction kind, min-weight 1). The exact
constraint of every account is timed against the estimate forced on (`exact_paths=0`, so every
account whose exact work is more than `node_factor` times its estimate's is sampled, as the map
does above its budget), wall and CPU seconds. The estimate is then compared with the exact value:
mean and largest absolute error, median relative error of the estimated accounts, relative
error on the 20 accounts with the lowest constraint (the brokers), how many of those 20 the
estimate also puts lowest, the Spearman rank correlation over every account, and the median
relative error of the 20 lowest estimated accounts beside the standard error / value that the
estimate reports for them. Figures and a run are in bench/README.md.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
from scipy import stats

import sociable
from sociable.analyses import brokers
from sociable.analyses.network import load_graph

LOWEST = 20


def timed(**options: Any) -> tuple[brokers.Constraint, float, float]:
    """burt_constraint(**options), its wall seconds and its CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = brokers.burt_constraint(**options)
    return value, time.perf_counter() - wall, time.process_time() - cpu


def compare(exact: np.ndarray, sampled: brokers.Constraint) -> dict[str, float]:
    """How far the estimate is from the exact values, over the accounts that have a value."""
    known = ~np.isnan(exact)
    truth, guess = exact[known], sampled.values[known]
    error = np.abs(guess - truth) / truth
    lowest = np.argsort(truth)[:LOWEST]
    estimated = np.flatnonzero(error > 0)  # the accounts kept exact have no error at all
    if len(estimated) == 0:
        estimated = np.arange(len(truth))
    lowest_estimated = estimated[np.argsort(truth[estimated])[:LOWEST]]
    return {
        "mean_abs": float(np.abs(guess - truth).mean()),
        "max_abs": float(np.abs(guess - truth).max()),
        "median_rel": float(np.median(error[estimated])),
        "lowest_rel_mean": float(np.mean(error[lowest])),
        "lowest_rel_max": float(np.max(error[lowest])),
        "lowest_shared": len(set(lowest.tolist()) & set(np.argsort(guess)[:LOWEST].tolist())),
        "spearman": float(stats.spearmanr(truth, guess).statistic),
        "lowest_estimated_rel": float(np.median(error[lowest_estimated])),
    }


def bench(path: str, samples: int, node_factor: float, seeds: list[int]) -> None:
    """The rows of one workspace's graph: exact, then the estimate with each seed.

    The estimate runs twice per seed: as the map runs it above its budget (the likely lowest
    accounts kept exact within a fifth of the exact budget), and with every account over the node
    rule estimated (`lowest_paths=0`), which is the error of the estimator itself.
    """
    graph = load_graph(sociable.open(path))
    graph.endpoints(), graph.weights()  # cached for every measure; the map has them before constraint runs
    degree = np.asarray(graph.undirected().degree(), dtype=np.float64)
    size = f"| {path} | {graph.node_count:,} | {graph.undirected().ecount():,} | {degree @ degree:,.0f} "
    exact, wall, cpu = timed(graph=graph)
    print(f"{size}| {exact.method} (default budget) | {exact.estimated:,} | {wall:.2f} | {cpu:.2f} "
          "| | | | | | | | | |", flush=True)
    if exact.method != "exact":
        exact, wall, cpu = timed(graph=graph, exact_paths=2**62)
        print(f"{size}| exact (forced) | 0 | {wall:.2f} | {cpu:.2f} | | | | | | | | | |", flush=True)
    as_the_map = brokers.CONSTRAINT_EXACT_PATHS * brokers.CONSTRAINT_LOWEST_SHARE
    for seed, lowest in ((seed, lowest) for lowest in (as_the_map, 0) for seed in seeds):
        sampled, wall, cpu = timed(graph=graph, exact_paths=0, samples=samples, node_factor=node_factor,
                                   lowest_paths=lowest, seed=seed)
        c = compare(exact.values, sampled)
        kept = "likely lowest kept exact" if lowest else "none kept"
        print(f"{size}| sampled ({kept}), seed {seed} | {sampled.estimated:,} | {wall:.2f} | {cpu:.2f} "
              f"| {c['mean_abs']:.2g} | {c['max_abs']:.2g} | {c['median_rel']:.2%} | {c['lowest_rel_mean']:.2%} "
              f"| {c['lowest_rel_max']:.2%} | {c['lowest_shared']} | {c['spearman']:.4f} "
              f"| {c['lowest_estimated_rel']:.2%} | {sampled.relative_error or 0:.2%} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", action="append", required=True, help="an imported workspace (repeatable)")
    parser.add_argument("--samples", type=int, default=brokers.CONSTRAINT_SAMPLES)
    parser.add_argument("--node-factor", type=float, default=brokers.CONSTRAINT_NODE_FACTOR)
    parser.add_argument("--seeds", default="42", help="seeds for the estimate, comma-separated")
    args = parser.parse_args()
    print("| graph | accounts | ties (undirected) | two-step paths | method | estimated | wall s | CPU s | "
          "mean abs | max abs | median rel | 20 lowest: mean rel | max rel | same 20 | Spearman | "
          "20 lowest estimated: median rel | reported |")
    print("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for path in args.workspace:
        bench(path, args.samples, args.node_factor, [int(seed) for seed in args.seeds.split(",")])


if __name__ == "__main__":
    main()
