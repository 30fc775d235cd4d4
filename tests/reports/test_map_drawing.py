"""The drawn network's data for its filters, its labels that never overlap, and the top items table."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from sociable.analyses.network import build_graph
from sociable.analyses.network_map import compute_map
from sociable.reports.network_drawing import (
    HEIGHT,
    LABEL_FONT,
    WIDTH,
    _fit,
    _period_starts,
    network_data,
    network_view,
    svg_labels,
)
from sociable.reports.sections_map import top_items_table


def three_accounts() -> tuple[pa.Table, pa.Table, pa.Table]:
    """a ↔ b on days 1 and 3 (2 + 1 and 1 interactions), b → c on day 2; a and b nurses, c a council."""
    edges = pa.table({"platform": ["twitter"] * 3, "source": ["a", "b", "b"], "target": ["b", "a", "c"],
                      "kind": ["reply"] * 3, "weight": [3.0, 1.0, 1.0]})
    nodes = pa.table({"platform": ["twitter"] * 3, "account_id": ["a", "b", "c"], "handle": ["ann", "bob", "cal"],
                      "role": ["professional", "professional", "organisation"],
                      "sector": ["health", "health", "local_government"]})
    periods = pa.table({
        "platform": ["twitter"] * 4, "source": ["a", "a", "b", "b"], "target": ["b", "b", "a", "c"],
        "period": pa.array([date(2024, 3, 1), date(2024, 3, 3), date(2024, 3, 3), date(2024, 3, 2)], pa.date32()),
        "weight": [2.0, 1.0, 1.0, 1.0]})
    return edges, nodes, periods


def test_the_drawn_ties_carry_their_interactions_per_period() -> None:
    edges, nodes, periods = three_accounts()
    result = compute_map(build_graph(edges, nodes), periods=(periods, "day"))
    data = network_data(network_view(result))
    handles = data["nodes"]["handle"]
    pairs = [{handles[s], handles[t]} for s, t in zip(data["edges"]["source"], data["edges"]["target"], strict=True)]
    assert pairs == [{"ann", "bob"}, {"bob", "cal"}]  # the heaviest first
    assert data["periods"] == {"unit": "day", "starts": ["2024-03-01", "2024-03-02", "2024-03-03"],
                               "labels": ["1 Mar 2024", "2 Mar 2024", "3 Mar 2024"]}
    # ann–bob: day 1 two, day 3 one each way; bob–cal: day 2 one
    assert data["edges"]["periodCount"] == [2, 1]
    assert data["edges"]["period"] == [0, 2, 1]
    assert data["edges"]["periodWeight"] == [2, 2, 1]
    assert "weight" not in data["edges"]  # the sum of its periods'
    sectors = [choice["label"] for choice in data["filters"]["sector"]]
    roles = [choice["label"] for choice in data["filters"]["role"]]
    assert sectors == ["Health", "Local government"] and roles == ["Professional", "Organisation"]
    assert [sectors[code] for code in data["nodes"]["sector"]] == [
        "Health" if handle != "cal" else "Local government" for handle in handles]
    assert [choice["count"] for choice in data["filters"]["sector"]] == [2, 1]
    assert data["filters"]["maxWeight"] == 4


def test_without_periods_the_ties_carry_their_weight() -> None:
    edges, nodes, _ = three_accounts()
    data = network_data(network_view(compute_map(build_graph(edges, nodes))))
    assert data["edges"]["weight"] == [4, 1] and "periods" not in data and "periodCount" not in data["edges"]


def test_periods_run_without_gaps_by_day_week_and_month() -> None:
    assert _period_starts(date(2024, 3, 4), date(2024, 3, 18), "week") == [
        date(2024, 3, 4), date(2024, 3, 11), date(2024, 3, 18)]
    assert _period_starts(date(2023, 11, 1), date(2024, 2, 1), "month") == [
        date(2023, 11, 1), date(2023, 12, 1), date(2024, 1, 1), date(2024, 2, 1)]
    assert _period_starts(date(2024, 2, 28), date(2024, 3, 1), "day") == [
        date(2024, 2, 28), date(2024, 2, 29), date(2024, 3, 1)]


def test_svg_labels_skip_a_label_that_would_overlap_an_earlier_one() -> None:
    x = np.array([100.0, 104.0, 400.0, WIDTH - 5.0, 100.0])
    y = np.array([100.0, 103.0, 100.0, 300.0, 100.0 + 2 * LABEL_FONT])
    texts = ["@largest", "@crowded", "@apart", "@offtheedge", "@below"]
    labels = svg_labels(x, y, np.full(5, 4.0), texts)
    assert [label["text"] for label in labels] == ["@largest", "@apart", "@below"]
    boxes = [label["box"] for label in labels]
    for i, box in enumerate(boxes):
        assert box[2] <= WIDTH and box[1] >= 0 and box[3] <= HEIGHT
        for other in boxes[:i]:
            assert not (box[0] < other[2] and other[0] < box[2] and box[1] < other[3] and other[1] < box[3])
    assert len(svg_labels(np.arange(0, 900, 300.0), np.full(3, 50.0), np.ones(3), ["@a", "@b", "@c"], limit=2)) == 2


def test_the_layout_is_turned_to_run_across_the_frame() -> None:
    tall = np.linspace(0, 10, 50)  # a column of accounts, ten times taller than wide
    x, y = _fit(np.sin(tall) * 0.5, tall)
    assert np.ptp(x) > 0.9 * (WIDTH - 50) and np.ptp(y) < 0.3 * HEIGHT


def test_top_items_table_puts_each_communitys_items_side_by_side() -> None:
    items = pa.table({"community": [1, 1, 1, 2], "kind": ["hashtag", "domain", "link", "hashtag"],
                      "rank": [1, 1, 1, 1], "item": ["nhs", "nhs.uk", "https://www.nhs.uk/flu", "socialwork"],
                      "posts": [12, 1200, 3, 4]})
    table = top_items_table(items, {"1": "1 · Health", "2": "2 · Social care"})
    assert table.to_pylist() == [
        {"community": "1 · Health", "top_hashtags": "#nhs (12)", "top_domains": "nhs.uk (1,200)",
         "top_links": "www.nhs.uk/flu (3)"},
        {"community": "2 · Social care", "top_hashtags": "#socialwork (4)", "top_domains": "", "top_links": ""},
    ]
