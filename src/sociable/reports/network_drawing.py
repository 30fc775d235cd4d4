"""The Map's network as drawn: which accounts and ties, where, in what colours, with what filters and labels.

The network is drawn twice from the same positions: by sigma.js in the browser (nodes and edges
embedded as JSON, drawn and filtered by static/network.js) and as an inline SVG, which is what
prints and what a reader without JavaScript sees. Big graphs are cut to the accounts with the
highest PageRank, so the report stays a file a laptop opens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import igraph as ig
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sociable.analyses import silos
from sociable.analyses.network import UNKNOWN
from sociable.analyses.network_map import MapResult
from sociable.reports import charts, readable

INTERACTIVE_LIMIT = 20_000  # accounts drawn by sigma; above this, the highest PageRank ones
INTERACTIVE_EDGE_LIMIT = 60_000  # heaviest account pairs drawn by sigma
SVG_LIMIT = 2_000  # accounts in the static picture
SVG_EDGE_LIMIT = 5_000
WIDTH, HEIGHT, MARGIN = 1000.0, 700.0, 24.0  # the SVG's viewBox; sigma gets the same coordinates
PALETTE_SIZE = len(charts.OKABE_ITO)
OTHER_COLOUR = "#6e6e6e"
UNLABELLED_COLOUR = "#bdbdbd"
LAYOUT_SEED = 42

ROLE_NAMES = {"organisation": "Organisation", "professional": "Professional", "person": "Person",
              UNKNOWN: "Unlabelled"}



@dataclass(frozen=True, slots=True)
class NetworkView:
    """The accounts and ties to draw, in descending PageRank, with positions in the SVG's coordinates."""

    nodes: pa.Table  # the chosen rows of the analysis' nodes table
    x: np.ndarray
    y: np.ndarray
    source: np.ndarray  # positions in `nodes`, one per undirected pair, heaviest first
    target: np.ndarray
    weight: np.ndarray
    total_nodes: int
    total_pairs: int
    periods: TiePeriods | None = None  # interactions of each drawn pair per period, when the result has them


@dataclass(frozen=True, slots=True)
class TiePeriods:
    """Per drawn pair, its interactions in each period: `count[e]` entries of (`index`, `weight`), pair by pair."""

    unit: str
    starts: list[str]  # the first day of every period from the first to the last, ISO dates
    count: np.ndarray
    index: np.ndarray
    weight: np.ndarray


def network_view(result: MapResult, limit: int = INTERACTIVE_LIMIT,
                 edge_limit: int = INTERACTIVE_EDGE_LIMIT) -> NetworkView:
    """The `limit` accounts with the highest PageRank and the `edge_limit` heaviest ties among them."""
    nodes = result.nodes
    rank = np.nan_to_num(nodes["pagerank"].to_numpy(zero_copy_only=False).astype(np.float64))
    chosen = np.lexsort((np.arange(nodes.num_rows), -rank))[:limit]
    source, target, weight = _pairs(nodes, result.edges)
    position = np.full(nodes.num_rows, -1, dtype=np.int64)
    position[chosen] = np.arange(len(chosen))
    total_pairs = len(weight)
    keep = (position[source] >= 0) & (position[target] >= 0)
    order = np.lexsort((np.arange(int(keep.sum())), -weight[keep]))[:edge_limit]
    width = max(nodes.num_rows, 1)
    keys = (source[keep] * width + target[keep])[order]
    source, target, weight = position[source[keep]][order], position[target[keep]][order], weight[keep][order]
    shown = nodes.take(pa.array(chosen, pa.int64()))
    x = shown["x"].to_numpy(zero_copy_only=False).astype(np.float64)
    y = shown["y"].to_numpy(zero_copy_only=False).astype(np.float64)
    if len(x) and not (np.isfinite(x).all() and np.isfinite(y).all()):
        x, y = _layout(len(x), source, target, weight)
    x, y = _fit(x, y)
    return NetworkView(shown, x, y, source, target, weight, nodes.num_rows, total_pairs,
                       _tie_periods(result, keys))


def _tie_periods(result: MapResult, keys: np.ndarray) -> TiePeriods | None:
    """The drawn pairs' interactions per period, from the result's tie_periods (both directions summed)."""
    table = result.tie_periods
    if not table.num_rows or not len(keys):
        return None
    low, high, rows = _pair_ends(result.nodes, table)
    dates = table["period"].to_pylist()
    starts = _period_starts(min(dates), max(dates), result.period_unit)
    bin_of = {day: i for i, day in enumerate(starts)}
    period = np.array([bin_of[dates[row]] for row in rows], dtype=np.int64)
    weight = table["weight"].to_numpy(zero_copy_only=False).astype(np.float64)[rows]
    sorter = np.argsort(keys, kind="stable")
    found = np.searchsorted(keys, low * max(result.nodes.num_rows, 1) + high, sorter=sorter)
    found = np.minimum(found, len(keys) - 1)
    edge = sorter[found]
    drawn = keys[edge] == low * max(result.nodes.num_rows, 1) + high
    edge, period, weight = edge[drawn], period[drawn], weight[drawn]
    cells, inverse = np.unique(edge * len(starts) + period, return_inverse=True)
    summed = np.bincount(inverse, weights=weight, minlength=len(cells))
    return TiePeriods(result.period_unit, [day.isoformat() for day in starts],
                      np.bincount(cells // len(starts), minlength=len(keys)), cells % len(starts), summed)


def _period_starts(first: date, last: date, unit: str) -> list[date]:
    """Every period's first day from `first` to `last`, both periods' starts, in steps of one unit."""
    starts = [first]
    while starts[-1] < last:
        day = starts[-1]
        if unit == "month":
            starts.append(date(day.year + day.month // 12, day.month % 12 + 1, 1))
        else:
            starts.append(day + timedelta(days=7 if unit == "week" else 1))
    return starts


def _pairs(nodes: pa.Table, edges: pa.Table) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Undirected account pairs as row numbers of `nodes`, with the interactions between them summed."""
    if not edges.num_rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    low, high, rows = _pair_ends(nodes, edges)
    weight = edges["weight"].to_numpy().astype(np.float64)[rows]
    width = max(nodes.num_rows, 1)
    pair, inverse = np.unique(low * width + high, return_inverse=True)
    return pair // width, pair % width, np.bincount(inverse, weights=weight, minlength=len(pair))


def _pair_ends(nodes: pa.Table, ties: pa.Table) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For rows of a (platform, source, target) table: the lower and higher row of `nodes` they join, and which
    rows of `ties` those are (rows whose ends are unknown or the same account are left out)."""
    keys = pc.binary_join_element_wise(nodes["platform"], nodes["account_id"], "\x1f")
    source = pc.index_in(pc.binary_join_element_wise(ties["platform"], ties["source"], "\x1f"), value_set=keys)
    target = pc.index_in(pc.binary_join_element_wise(ties["platform"], ties["target"], "\x1f"), value_set=keys)
    src = pc.fill_null(source, -1).to_numpy().astype(np.int64)
    tgt = pc.fill_null(target, -1).to_numpy().astype(np.int64)
    rows = np.flatnonzero((src >= 0) & (tgt >= 0) & (src != tgt))
    return np.minimum(src, tgt)[rows], np.maximum(src, tgt)[rows], rows


def _layout(count: int, source: np.ndarray, target: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions for an analysis run without a layout: Fruchterman-Reingold on the accounts shown, seeded."""
    graph = ig.Graph(n=count, edges=np.column_stack([source, target]).tolist() if len(source) else [])
    start = np.random.default_rng(LAYOUT_SEED).uniform(-1.0, 1.0, size=(count, 2)).tolist()
    coords = np.asarray(graph.layout_fruchterman_reingold(weights=weight.tolist() or None, seed=start).coords)
    return coords[:, 0], coords[:, 1]


def _fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Turn the layout so its longest extent runs across, then scale it into the viewBox keeping its proportions.

    A force-directed layout has no up or across, and the frame is wider than tall: turning the
    layout's main axis (its first principal component) to the horizontal lets it fill the frame.
    A single point goes to the centre.
    """
    if not len(x):
        return x, y
    x, y = _turned(x, y)
    span = max(float(np.ptp(x)), float(np.ptp(y)) * (WIDTH - 2 * MARGIN) / (HEIGHT - 2 * MARGIN), 1e-12)
    scale = (WIDTH - 2 * MARGIN) / span
    fitted_x = WIDTH / 2 + (x - (x.min() + x.max()) / 2) * scale
    fitted_y = HEIGHT / 2 + (y - (y.min() + y.max()) / 2) * scale
    return np.round(fitted_x, 1), np.round(fitted_y, 1)


def _turned(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions rotated about their centre so the direction they spread most in is the x axis."""
    if len(x) < 3:
        return x, y
    points = np.column_stack([x - x.mean(), y - y.mean()])
    _, vectors = np.linalg.eigh(np.cov(points.T))
    main = vectors[:, -1] * (1.0 if vectors[0, -1] >= 0 else -1.0)  # the largest eigenvalue's axis, pointing right
    across = np.array([-main[1], main[0]])
    return points @ main, points @ across


def _sizes(view: NetworkView, smallest: float, largest: float) -> np.ndarray:
    rank = np.nan_to_num(view.nodes["pagerank"].to_numpy(zero_copy_only=False).astype(np.float64))
    top = float(rank.max()) if len(rank) else 0.0
    share = np.sqrt(rank / top) if top > 0 else np.zeros(len(rank))
    return np.round(smallest + (largest - smallest) * share, 2)


def legend(values: list[str], names: dict[str, str] | None, other: str) -> tuple[list[dict[str, Any]], list[int]]:
    """Colour keys for a column: the most common values get the Okabe–Ito colours, the rest one grey.

    Returns the legend entries (label, colour, count) and each value's entry index.
    """
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    labelled = sorted((v for v in counts if v != UNKNOWN), key=lambda v: (-counts[v], _natural(v)))
    coloured = labelled[:PALETTE_SIZE] if len(labelled) <= PALETTE_SIZE else labelled[:PALETTE_SIZE - 1]
    entries = [{"label": _display(value, names), "colour": charts.OKABE_ITO[i], "count": counts[value]}
               for i, value in enumerate(coloured)]
    index = {value: i for i, value in enumerate(coloured)}
    rest = [value for value in labelled if value not in index]
    if rest:
        index.update({value: len(entries) for value in rest})
        entries.append({"label": other, "colour": OTHER_COLOUR, "count": sum(counts[v] for v in rest)})
    if UNKNOWN in counts:
        index[UNKNOWN] = len(entries)
        entries.append({"label": "Unlabelled", "colour": UNLABELLED_COLOUR, "count": counts[UNKNOWN]})
    return entries, [index[value] for value in values]


def _natural(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (0, value)


def _display(value: str, names: dict[str, str] | None) -> str:
    return f"Community {value}" if names is None else silos.display_name(value, names)


COMMUNITY_ROLES = {"professional": "professionals", "person": "public, patients and carers",
                   "organisation": "organisations"}


def community_names(communities: pa.Table) -> dict[str, str]:
    """Each community named from its dominant sector, role and hashtag: '1 · Health professionals · #midwifery'.

    A sector or role leads the name only when it holds at least half of the labelled accounts;
    otherwise the name says the community is mixed.
    """
    names: dict[str, str] = {}
    for row in communities.to_pylist():
        parts = []
        if row.get("top_sector") and row.get("top_sector") != UNKNOWN and (row.get("top_sector_share") or 0) >= 0.5:
            parts.append(silos.display_name(str(row["top_sector"])))
        role_text = str(row.get("roles") or "")
        first_role = role_text.split(",")[0].split()
        if len(first_role) == 2 and first_role[1].endswith("%") and float(first_role[1].rstrip("%")) >= 50:
            role = COMMUNITY_ROLES.get(first_role[0], readable.words(first_role[0]))
            parts.append(role if parts else role[:1].upper() + role[1:])
        label = " ".join(parts) if parts else "Mixed"
        hashtag = str(row.get("top_hashtags") or "").split(",")[0].strip()
        names[str(row["community"])] = f"{row['community']} · {label}" + (f" · {hashtag}" if hashtag else "")
    return names


def network_data(view: NetworkView, names: dict[str, str] | None = None) -> dict[str, Any]:
    """What network.js draws and filters: columns of node values, undirected pairs, the colour legends and
    the filters' choices.

    Sector and role are codes into `filters`' choices. An edge's interactions are its `weight`,
    or, with `periods`, `periodCount[e]` (period, weight) entries of `period`/`periodWeight`,
    pair by pair (their sum is its weight), so a time window can recount a tie's weight.
    """
    sectors = [str(value) for value in view.nodes["sector"].to_pylist()]
    roles = [str(value) for value in view.nodes["role"].to_pylist()]
    communities = [str(value) for value in view.nodes["community"].to_pylist()]
    sector_legend, sector_colour = legend(sectors, silos.SECTOR_NAMES, "Other sectors")
    community_legend, community_colour = legend(communities, names, "Smaller communities")
    sector_choices, sector_code = _choices(sectors, lambda value: silos.display_name(value))
    role_choices, role_code = _choices(roles, lambda value: ROLE_NAMES.get(value, readable.words(value)))
    community_choices, _ = _choices(communities, lambda value: _display(value, names))
    largest = float(np.max(view.weight)) if len(view.weight) else 1.0
    data: dict[str, Any] = {
        "shown": view.nodes.num_rows,
        "total": view.total_nodes,
        "nodes": {
            "handle": [str(value) for value in view.nodes["handle"].to_pylist()],
            "name": [value or "" for value in view.nodes["display_name"].to_pylist()],
            "sector": sector_code,
            "role": role_code,
            "community": [int(value) for value in communities],
            "x": view.x.tolist(),
            "y": (-view.y).tolist(),  # sigma's y axis points up, the SVG's down
            "size": _sizes(view, 2.0 if view.nodes.num_rows > 2_000 else 3.0, 14.0).tolist(),
            "bySector": sector_colour,
            "byCommunity": community_colour,
        },
        "edges": {
            "source": view.source.tolist(),
            "target": view.target.tolist(),
            "weight": _numbers(view.weight),
            "size": np.round(1.0 + 2.0 * np.log1p(view.weight) / math.log1p(largest), 2).tolist(),
        },
        "legends": {"sector": sector_legend, "community": community_legend},
        "filters": {"sector": sector_choices, "role": role_choices, "community": community_choices,
                    "maxWeight": math.ceil(largest)},
    }
    periods = view.periods
    if periods is not None:
        data["periods"] = {"unit": periods.unit, "starts": periods.starts,
                           "labels": [_period_label(day, periods.unit) for day in periods.starts]}
        del data["edges"]["weight"]  # the sum of its periods' weights
        data["edges"].update({
            "periodCount": periods.count.tolist(), "period": periods.index.tolist(),
            "periodWeight": _numbers(periods.weight)})
    return data


def _numbers(values: np.ndarray) -> list[float | int]:
    """Counts as short JSON: whole numbers without a decimal point."""
    return [int(v) if float(v).is_integer() else round(float(v), 2) for v in values]


def _period_label(day: str, unit: str) -> str:
    """A period as a reader names it: '7 Mar 2022', 'week of 7 Mar 2022', 'Mar 2022'."""
    start = date.fromisoformat(day)
    if unit == "month":
        return start.strftime("%b %Y")
    text = f"{start.day} {start.strftime('%b %Y')}"
    return f"week of {text}" if unit == "week" else text


def _choices(values: list[str], label: Any) -> tuple[list[dict[str, Any]], list[int]]:
    """The distinct values of a column as filter choices (value, label, accounts), commonest first, unlabelled
    last; and each value's position among them."""
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    order = sorted(counts, key=lambda v: (v == UNKNOWN, -counts[v], _natural(v)))
    choices = [{"value": value, "label": "Unlabelled" if value == UNKNOWN else label(value), "count": counts[value]}
               for value in order]
    index = {value: i for i, value in enumerate(order)}
    return choices, [index[value] for value in values]


def svg_picture(view: NetworkView, data: dict[str, Any], limit: int = SVG_LIMIT,
                 edge_limit: int = SVG_EDGE_LIMIT) -> dict[str, Any]:
    """The static picture: the first `limit` accounts (highest PageRank) as circles over the heaviest lines,
    and the handles of the largest that have room for their label."""
    count = min(limit, view.nodes.num_rows)
    nodes, colours = data["nodes"], data["legends"]["sector"]
    radius = _sizes(view, 1.5, 9.0)
    circles = [
        {"cx": float(view.x[i]), "cy": float(view.y[i]), "r": float(radius[i]),
         "fill": colours[nodes["bySector"][i]]["colour"], "title": _node_title(data, i)}
        for i in reversed(range(count))  # the highest PageRank drawn last, on top
    ]
    within = np.flatnonzero((view.source < count) & (view.target < count))
    lines = [
        {"x1": float(view.x[view.source[i]]), "y1": float(view.y[view.source[i]]),
         "x2": float(view.x[view.target[i]]), "y2": float(view.y[view.target[i]]),
         "width": round(float(data["edges"]["size"][i]) * 0.4, 2)}
        for i in within[:edge_limit]
    ]
    labels = svg_labels(view.x[:count], view.y[:count], radius[:count], ["@" + h for h in nodes["handle"][:count]])
    return {"width": WIDTH, "height": HEIGHT, "circles": circles, "lines": lines, "shown": count,
            "labels": labels, "lines_left_out": max(0, len(within) - edge_limit), "lines_total": len(within)}


LABEL_FONT = 11.0  # px in the picture's viewBox
LABEL_CANDIDATES = 300  # the largest accounts that may get a label
LABEL_LIMIT = 40


def svg_labels(x: np.ndarray, y: np.ndarray, radius: np.ndarray, texts: list[str],
               limit: int = LABEL_LIMIT) -> list[dict[str, Any]]:
    """Labels that do not overlap: accounts in the order given (largest first), each label to the right of its
    dot, kept only when its box meets no earlier label's box and stays inside the picture."""
    boxes: list[tuple[float, float, float, float]] = []
    labels: list[dict[str, Any]] = []
    for i in range(min(len(texts), LABEL_CANDIDATES)):
        if len(labels) >= limit:
            break
        left = float(x[i] + radius[i] + 2.0)
        box = (left, float(y[i] - LABEL_FONT * 0.75), left + _text_width(texts[i]), float(y[i] + LABEL_FONT * 0.35))
        if box[2] > WIDTH or box[1] < 0 or box[3] > HEIGHT:
            continue
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes):
            continue
        boxes.append(box)
        labels.append({"x": round(left, 1), "y": round(float(y[i] + LABEL_FONT * 0.35), 1), "text": texts[i],
                       "box": [round(v, 1) for v in box]})
    return labels


def _text_width(text: str) -> float:
    """A generous estimate of a label's width in the picture: wide letters count more than narrow ones."""
    narrow, wide = sum(ch in "iljtfr.,:;'!|1" for ch in text), sum(ch in "mwMW@" for ch in text)
    return LABEL_FONT * (0.62 * (len(text) - narrow - wide) + 0.35 * narrow + 0.95 * wide)


def _node_title(data: dict[str, Any], i: int) -> str:
    nodes = data["nodes"]
    name = f" ({nodes['name'][i]})" if nodes["name"][i] else ""
    sector = data["filters"]["sector"][nodes["sector"][i]]["label"]
    return f"@{nodes['handle'][i]}{name} · {sector} · community {nodes['community'][i]}"
