"""On the simulated sample: the planted sector silos come back as communities, and planted brokers rank high.

The simulator plants silos by making every account talk mostly inside its own sector (nine
interactions in ten), and plants brokers who spread most of their engagement across sectors.
Here the whole Map runs on an imported 20,000-post sample and is scored against the truth file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import igraph as ig
import numpy as np
import orjson
import pytest

import sociable
from sociable.analyses.base import get_analysis
from sociable.analyses.network_map import MapResult
from sociable.simulate import simulate

POSTS = 20000
SEED = 7


@pytest.fixture(scope="module")
def mapped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[MapResult, dict[str, Any]]]:
    folder = tmp_path_factory.mktemp("map-sim")
    summary = simulate(folder / "sample.jsonl", posts=POSTS, seed=SEED)
    ws = sociable.open(folder / "ws.duckdb")
    try:
        ws.import_files([folder / "sample.jsonl"])
        ws.save_labels(get_analysis("roles").run(ws).labels)
        result = get_analysis("map").run(ws, seed=42, with_layout=False)
    finally:
        ws.close()
    yield result, orjson.loads(Path(summary.truth).read_bytes())


def nmi(found: list[Any], planted: list[Any]) -> float:
    """Normalised mutual information between two labellings of the same accounts (0..1)."""
    def codes(values: list[Any]) -> list[int]:
        index = {value: i for i, value in enumerate(sorted(set(values), key=str))}
        return [index[value] for value in values]

    return float(ig.compare_communities(codes(found), codes(planted), method="nmi"))


def precision_at_k(scores: np.ndarray, planted: np.ndarray) -> float:
    """Share of the k highest scores (k = number of planted accounts) that are planted; ties keep table order."""
    k = int(planted.sum())
    top = np.argsort(-scores, kind="stable")[:k]
    return float(planted[top].mean())


def test_nmi_helper_on_known_partitions() -> None:
    assert nmi([1, 1, 2, 2], ["a", "a", "b", "b"]) == pytest.approx(1.0)
    assert nmi([1, 1, 2, 2], ["a", "b", "a", "b"]) == pytest.approx(0.0)


def test_precision_helper_counts_the_top_k() -> None:
    planted = np.array([True, False, True, False])
    assert precision_at_k(np.array([0.9, 0.8, 0.1, 0.0]), planted) == pytest.approx(0.5)
    assert precision_at_k(np.array([0.9, 0.1, 0.8, 0.0]), planted) == pytest.approx(1.0)


def test_communities_recover_the_planted_sectors(mapped: tuple[MapResult, dict[str, Any]]) -> None:
    result, truth = mapped
    sector = {a["account_id"]: a["sector"] for a in truth["accounts"]}
    nodes = result.nodes.select(["account_id", "community"]).to_pylist()
    # members of the public have no planted sector; every other account has one
    known = [row for row in nodes if sector.get(row["account_id"], "unknown") != "unknown"]
    score = nmi([row["community"] for row in known], [sector[row["account_id"]] for row in known])
    print(f"\nNMI(communities, planted sectors) = {score:.3f} over {len(known)} of {len(nodes)} accounts; "
          f"{result.community_count} communities, modularity {result.modularity:.3f}")
    assert len(known) >= 0.8 * len(nodes)
    # measured 0.892 with seed 7 (posts) and seed 42 (Leiden)
    assert score >= 0.85


def test_silos_show_in_the_sector_measures(mapped: tuple[MapResult, dict[str, Any]]) -> None:
    result, _ = mapped
    print(f"\ncrossing share {result.crossing_share:.3f}, E-I {result.ei_sector:.3f}, "
          f"assortativity {result.assortativity_sector:.3f}, labelled share {result.labelled_share:.3f}")
    # one interaction in ten is planted to cross sectors (six in ten for the few brokers); the labels come from
    # bios, so some accounts land in a neighbouring sector and the measured crossing share is higher than that
    # measured: crossing share 0.197, E-I −0.606, assortativity 0.658
    assert result.crossing_share is not None and result.crossing_share < 0.3
    assert result.ei_sector is not None and result.ei_sector < -0.5
    assert result.assortativity_sector is not None and result.assortativity_sector > 0.55


def test_planted_brokers_rank_high(mapped: tuple[MapResult, dict[str, Any]]) -> None:
    result, truth = mapped
    nodes = result.nodes
    planted = np.isin(np.asarray(nodes["account_id"].to_pylist(), dtype=object), truth["brokers"])
    betweenness = nodes["betweenness"].to_numpy()
    constraint = np.nan_to_num(nodes["constraint"].to_numpy(zero_copy_only=False), nan=np.inf)
    k, n = int(planted.sum()), nodes.num_rows
    by_betweenness = precision_at_k(betweenness, planted)
    by_constraint = precision_at_k(-constraint, planted)
    by_participation = precision_at_k(nodes["participation"].to_numpy(), planted)
    percentile = (np.argsort(np.argsort(betweenness)) / (n - 1))[planted]
    print(f"\nbrokers: k = {k} of {n} accounts (random precision {k / n:.3f}); precision@k by betweenness "
          f"{by_betweenness:.2f}, by low constraint {by_constraint:.2f}, by participation {by_participation:.2f}; "
          "betweenness percentile of each planted "
          f"broker {', '.join(f'{p:.2f}' for p in sorted(percentile))}")
    assert k >= 3
    # measured 0.25 and 0.50 (1 and 2 of 4): many times the random 0.013, but the sample plants only four brokers
    # among busy organisations that also sit on many shortest paths, so the top k is not all brokers
    assert by_betweenness >= 0.25
    assert by_constraint >= 0.5
    assert by_participation >= 0.25  # measured 0.25: spread over communities alone does not single them out
    assert np.median(percentile) >= 0.85  # measured 0.92
