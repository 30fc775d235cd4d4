"""Silos: how much conversation crosses sector and role lines.

Every measure here counts weighted interactions between *labelled* accounts: an edge with an
'unknown' sector (or role) at either end says nothing about crossing, so it is left out and
the share of interactions left out is reported beside the result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from sociable.analyses.network import UNKNOWN, InteractionGraph

MIN_TIES_FOR_SENTENCE = 5
MIN_ACCOUNTS_FOR_SENTENCE = 10  # the map's sentences leave out groups smaller than this

SECTOR_NAMES: dict[str, str] = {
    "health": "Health",
    "social_care": "Social care",
    "housing": "Housing",
    "local_government": "Local government",
    "police_justice": "Police and justice",
    "fire_ambulance": "Fire and ambulance",
    "education": "Education",
    "voluntary": "Voluntary sector",
    "media": "Media",
    "academic": "Academic",
    "government": "Government",
    "business": "Business",
    UNKNOWN: "Unlabelled",
}

ROLE_NAMES: dict[str, str] = {
    "organisation": "Organisations",
    "professional": "Professionals",
    "person": "Members of the public, patients and carers",
    UNKNOWN: "Unlabelled",
}


def display_name(value: str, names: dict[str, str] | None = None) -> str:
    """The plain-language name of a sector or role id."""
    return (names or SECTOR_NAMES).get(value, value.replace("_", " ").capitalize())


@dataclass(frozen=True, slots=True)
class LabelledEdges:
    """The graph's edges between labelled accounts, as group codes and weights."""

    source: np.ndarray
    target: np.ndarray
    weight: np.ndarray
    names: list[str]
    group_of_node: np.ndarray
    excluded_weight: float
    mask: np.ndarray  # which graph edges are kept


def labelled_edges(graph: InteractionGraph, column: str = "sector") -> LabelledEdges:
    """Edges whose both ends carry a known value of `column`, with their groups as codes."""
    codes, names = graph.codes(column)
    source, target = graph.endpoints()
    weight = graph.weights()
    unknown_code = names.index(UNKNOWN) if UNKNOWN in names else -1
    keep = (codes[source] != unknown_code) & (codes[target] != unknown_code)
    return LabelledEdges(
        codes[source[keep]], codes[target[keep]], weight[keep], names, codes, float(weight[~keep].sum()), keep
    )


def crossing_share(graph: InteractionGraph, column: str = "sector") -> float | None:
    """Share of weighted interactions between labelled accounts that join two different groups."""
    edges = labelled_edges(graph, column)
    total = edges.weight.sum()
    if total == 0:
        return None
    return float(edges.weight[edges.source != edges.target].sum() / total)


def ei_index(graph: InteractionGraph, column: str = "sector") -> tuple[pa.Table, float | None]:
    """Krackhardt's E-I index per group and overall: (external - internal) / (external + internal).

    A tie inside a group counts once as internal for that group; a tie between two groups counts
    as external for both. The overall index counts every tie once. −1 is a closed silo, +1 only
    outward ties.
    """
    edges = labelled_edges(graph, column)
    count = len(edges.names)
    inside = edges.source == edges.target
    internal = np.bincount(edges.source[inside], weights=edges.weight[inside], minlength=count)
    cross_w = edges.weight[~inside]
    external = np.bincount(edges.source[~inside], weights=cross_w, minlength=count) + np.bincount(
        edges.target[~inside], weights=cross_w, minlength=count
    )
    accounts = np.bincount(edges.group_of_node, minlength=count)
    ties = internal + external
    present = np.array([name != UNKNOWN for name in edges.names], dtype=bool) & (ties > 0)
    order = np.flatnonzero(present)[np.argsort(-ties[present], kind="stable")]
    with np.errstate(invalid="ignore", divide="ignore"):
        ei = (external - internal) / ties
    table = pa.table({
        "group": pa.array([edges.names[i] for i in order], pa.string()),
        "accounts": pa.array(accounts[order], pa.int64()),
        "internal": pa.array(internal[order], pa.float64()),
        "external": pa.array(external[order], pa.float64()),
        "ei": pa.array(ei[order], pa.float64()),
        "inside_share": pa.array(internal[order] / ties[order], pa.float64()),
    })
    total = float(edges.weight.sum())
    overall = float((cross_w.sum() - edges.weight[inside].sum()) / total) if total else None
    return table, overall


def mixing_matrix(graph: InteractionGraph, column: str = "sector") -> pa.Table:
    """Observed weighted ties from each group to each group, the count expected if partners were
    chosen at random given each group's totals (row total × column total / grand total), and
    observed/expected."""
    edges = labelled_edges(graph, column)
    count = len(edges.names)
    flat = np.bincount(edges.source * count + edges.target, weights=edges.weight, minlength=count * count)
    observed = flat.reshape(count, count)
    total = observed.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / total if total else np.zeros_like(observed)
    rows, cols = np.nonzero(expected)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = observed[rows, cols] / expected[rows, cols]
    return pa.table({
        "source_group": pa.array([edges.names[i] for i in rows], pa.string()),
        "target_group": pa.array([edges.names[i] for i in cols], pa.string()),
        "observed": pa.array(observed[rows, cols], pa.float64()),
        "expected": pa.array(expected[rows, cols], pa.float64()),
        "ratio": pa.array(ratio, pa.float64()),
    })


def assortativity(graph: InteractionGraph, column: str = "sector") -> float | None:
    """Newman's weighted nominal assortativity over directed ties between labelled accounts.

    r = (Σ e_ii − Σ a_i b_i) / (1 − Σ a_i b_i) over the weighted mixing matrix e (Newman 2003, eq. 2).
    +1: every tie stays inside its group; 0: mixing as if at random; negative: groups prefer others.
    Computed with numpy because igraph's binding does not accept weights for it.
    """
    edges = labelled_edges(graph, column)
    total = edges.weight.sum()
    if total == 0:
        return None
    count = len(edges.names)
    flat = np.bincount(edges.source * count + edges.target, weights=edges.weight, minlength=count * count)
    mixing = flat.reshape(count, count) / total
    chance = float(mixing.sum(axis=1) @ mixing.sum(axis=0))
    if math.isclose(chance, 1.0):
        return None
    return float((np.trace(mixing) - chance) / (1.0 - chance))


def silo_sentences(
    ei_table: pa.Table,
    names: dict[str, str] | None = None,
    kind: str = "sector",
    min_ties: float = MIN_TIES_FOR_SENTENCE,
    min_accounts: int = 1,
) -> list[str]:
    """Plain-language findings: which groups talk mostly to themselves, and which look outward.

    Groups with fewer than `min_ties` ties or fewer than `min_accounts` accounts are left out
    (a sentence about 3 accounts says little), and the last sentence says how many were.
    """
    every = [row for row in ei_table.to_pylist() if row["internal"] + row["external"] >= min_ties]
    rows = [row for row in every if int(row.get("accounts") or 0) >= min_accounts]
    small = len(every) - len(rows)
    if every and not rows:
        return [f"Every {kind} here has fewer than {min_accounts} accounts, too few to say which {kind}s are silos; "
                "the table gives each one's numbers."]
    if not rows:
        return [f"Too few interactions between {kind}-labelled accounts to say which {kind}s are silos; "
                f"label more accounts or widen the period."]
    sentences = []
    for row in sorted(rows, key=lambda r: r["ei"]):
        name = display_name(row["group"], names)
        if row["ei"] < 0:
            share = _percent(row["inside_share"])
            sentences.append(f"{name}: {share} of its ties stay inside the {kind} (E-I {_signed(row['ei'])}).")
    outward = [row for row in rows if row["ei"] > 0]
    if outward:
        best = max(outward, key=lambda r: r["ei"])
        sentences.append(
            f"{display_name(best['group'], names)} looks outward most: {_percent(1 - best['inside_share'])} "
            f"of its ties reach other {kind}s (E-I {_signed(best['ei'])})."
        )
    if small:
        groups = f"{small} {kind}" + ("" if small == 1 else "s")
        sentences.append(f"{groups} with fewer than {min_accounts} accounts {'is' if small == 1 else 'are'} left out "
                         "of these sentences.")
    return sentences


def _percent(share: float) -> str:
    return f"{round(100 * share)}%"


def _signed(value: float) -> str:
    return f"{value:+.2f}".replace("-", "−")
