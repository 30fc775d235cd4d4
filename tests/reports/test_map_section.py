"""The Map section of the report: network data and static picture, heatmap, tables, escaping and caps."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html
import numpy as np
import pyarrow as pa
import pytest

import sociable
from sociable.analyses.base import get_analysis
from sociable.analyses.network import build_graph
from sociable.analyses.network_map import MapOptions, MapResult, compute_map
from sociable.errors import SociableError
from sociable.reports import charts
from sociable.reports.html import render_sections
from sociable.reports.network_drawing import (
    HEIGHT,
    INTERACTIVE_EDGE_LIMIT,
    INTERACTIVE_LIMIT,
    SVG_EDGE_LIMIT,
    SVG_LIMIT,
    WIDTH,
    legend,
    network_data,
    network_view,
    svg_picture,
)
from sociable.reports.sections import (
    Chart,
    Definitions,
    Fragment,
    Paragraph,
    ReportContext,
    Section,
    Table,
    section_builders,
)
from sociable.reports.sections_map import MIN_MIXING_GROUP, summary_sentence
from sociable.simulate import simulate
from sociable.store import Workspace

HOSTILE_HANDLE = "</script><script>window.__xss=1</script>"
HOSTILE_NAME = "Ward \"7\" <img src=x onerror=alert(2)> & co"
HOSTILE_SVG = "<svg onload=alert(3)>"


# ---------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """2,000 simulated posts with roles and sectors assigned."""
    folder = tmp_path_factory.mktemp("map-section")
    simulate(folder / "sample.jsonl", posts=2000, seed=7)
    with sociable.open(folder / "ws.duckdb") as ws:
        ws.import_files([folder / "sample.jsonl"])
        ws.save_labels(get_analysis("roles").run(ws).labels)
        yield ws


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Workspace]:
    with sociable.open(tmp_path / "empty.duckdb") as ws:
        yield ws


def hostile_result() -> MapResult:
    """Two sectors of four accounts each, where handles and names try to break out of HTML and JSON."""
    accounts = [("a1", HOSTILE_HANDLE, HOSTILE_NAME, "health"), ("a2", HOSTILE_SVG, "Nurse <b>Bea</b>", "health"),
                ("a3", "carol_rn", None, "health"), ("a4", "dan_gp", "Dan", "health"),
                ("b1", "eastmoor_asc", "Adult social care", "social_care"), ("b2", "fay_sw", "Fay", "social_care"),
                ("b3", "gus_carer", "Gus", "social_care"), ("b4", "hal_ot", "Hal", "social_care")]
    nodes = pa.table({"platform": ["twitter"] * 8, "account_id": [a[0] for a in accounts],
                      "handle": [a[1] for a in accounts], "display_name": [a[2] for a in accounts],
                      "role": ["professional"] * 8, "sector": [a[3] for a in accounts]})
    pairs = [("a1", "a2"), ("a2", "a3"), ("a3", "a4"), ("a4", "a1"), ("a1", "a3"), ("b1", "b2"), ("b2", "b3"),
             ("b3", "b4"), ("b4", "b1"), ("b1", "b3"), ("a1", "b1"), ("a2", "a1")]
    edges = pa.table({"platform": ["twitter"] * len(pairs), "source": [p[0] for p in pairs],
                      "target": [p[1] for p in pairs], "kind": ["reply"] * len(pairs),
                      "weight": [3.0] * (len(pairs) - 1) + [1.0]})
    return compute_map(build_graph(edges, nodes))


def section_for(result: MapResult | SociableError, ws: Workspace) -> Section:
    """The Map section as the report builds it, from a result given in place of running the analysis."""
    ctx = ReportContext(ws)
    ctx.results["map"] = result
    built = {name: build for name, _, build in section_builders()}["map"](ctx)
    assert built is not None
    built.name = "map"
    return built


def report_section(ws: Workspace) -> Section | None:
    """The Map section of a report on the whole workspace: the analysis runs in the report's scope."""
    ctx = ReportContext(ws)
    return {name: build for name, _, build in section_builders()}["map"](ctx)


def network_json(page: Any) -> dict[str, Any]:
    return json.loads(page.get_element_by_id("network-map-data").text)


def big_result(count: int, ties: int) -> MapResult:
    """A result with `count` accounts (PageRank falling with the row number, shuffled) and random ties."""
    rng = np.random.default_rng(3)
    order = rng.permutation(count)
    rank = (count - order) / count
    ids = [f"u{i}" for i in range(count)]
    nodes = pa.table({
        "platform": ["twitter"] * count, "account_id": ids, "handle": ids, "display_name": [None] * count,
        "role": ["unknown"] * count, "subtype": ["unknown"] * count, "sector": ["unknown"] * count,
        "community": pa.array(order % 12 + 1, pa.int64()), "pagerank": pa.array(rank / rank.sum()),
        "x": rng.normal(size=count), "y": rng.normal(size=count),
    })
    source, target = rng.integers(0, count, ties), rng.integers(0, count, ties)
    edges = pa.table({"platform": ["twitter"] * ties, "source": [ids[i] for i in source],
                      "target": [ids[i] for i in target], "kind": ["mention"] * ties,
                      "weight": rng.integers(1, 9, ties).astype(float)})
    return MapResult(nodes=nodes, edges=edges, accounts=count)


# ---------------------------------------------------------------------- a simulated workspace


def test_the_section_shows_network_heatmap_and_tables(simulated: Workspace) -> None:
    section = report_section(simulated)
    assert section is not None and section.assets == ("graphology.umd.min.js", "sigma.min.js", "network.js")
    section.name = "map"
    page = lxml.html.fromstring(render_sections([section]))
    data = network_json(page)
    accounts = simulated.query("SELECT count(DISTINCT source) FROM (SELECT source FROM interactions WHERE "
                               "source <> target UNION SELECT target FROM interactions WHERE source <> target)")
    assert data["shown"] == data["total"] == len(data["nodes"]["handle"]) == accounts.column(0)[0].as_py()
    assert len(page.xpath("//*[@data-network-static]//circle[@fill]/title")) == data["shown"]
    assert len(page.xpath("//*[@id='network-map']//svg//line")) == len(data["edges"]["source"]) > 0
    assert all(0 <= x <= WIDTH for x in data["nodes"]["x"]) and all(-HEIGHT <= y <= 0 for y in data["nodes"]["y"])
    captions = [caption.text_content().strip() for caption in page.xpath("//table/caption")]
    assert {"Communities", "Top items per community", "Silos by sector", "Silos by role", "Brokers",
            "Influence"} <= set(captions)
    labels = page.xpath("//*[@data-network-static]//svg//text/text()")
    assert labels and labels[0] == "@" + data["nodes"]["handle"][0]  # the largest account is labelled first
    assert page.xpath("//*[@id='network-map']//input[@type='range' and @data-network-weight]")
    heatmap = next(block for block in section.blocks if isinstance(block, Chart))
    assert [layer["mark"]["type"] for layer in heatmap.spec["layer"]] == ["rect", "text"]
    groups = {row["source_group"]: row for row in heatmap.spec["data"]["values"]}
    health = next(name for name in groups if name.startswith("Health ("))  # each sector shown with its accounts
    sizes = section_sizes(data)
    assert health == f"Health ({sizes['Health']:,})"
    # sectors under the minimum group size do not set colours: their cells carry no ratio
    small = [name for name in groups if int(name.rsplit("(", 1)[1].rstrip(")").replace(",", "")) < MIN_MIXING_GROUP]
    assert small and all(row["ratio"] is None for row in heatmap.spec["data"]["values"]
                         if row["source_group"] in small or row["target_group"] in small)
    legend_labels = page.xpath("//*[@data-network-legend='sector']/li")[0].text_content()
    assert "Health" in legend_labels
    paragraphs = [block.text for block in section.blocks if isinstance(block, Paragraph)]
    assert paragraphs[0].startswith(f"{data['total']:,} accounts are joined by")
    assert any("ties stay inside the sector" in text for text in paragraphs)


def section_sizes(data: dict[str, Any]) -> dict[str, int]:
    """Accounts per sector among the drawn nodes (every node is drawn at this size)."""
    sizes: dict[str, int] = {}
    for code in data["nodes"]["sector"]:  # a code into the sector filter's choices
        sector = data["filters"]["sector"][code]["label"]
        sizes[sector] = sizes.get(sector, 0) + 1
    return sizes


def test_every_block_defines_its_measures(simulated: Workspace) -> None:
    section = report_section(simulated)
    assert section is not None
    for index, block in enumerate(section.blocks):
        if isinstance(block, Table | Chart):
            assert block.measures and all(m.definition for m in block.measures), block
        if isinstance(block, Fragment):  # a fragment's measures follow it, so they join the section's glossary
            following = section.blocks[index + 1]
            assert isinstance(following, Definitions) and following.measures
            assert all(m.definition for m in following.measures)
    section.name = "map"
    page = lxml.html.fromstring(render_sections([section]))
    glossary = page.get_element_by_id("section-map-glossary")
    defined = {dt.text_content() for dt in glossary.xpath(".//dt")}
    assert defined >= {"PageRank", "Community", "Position"}
    terms = page.get_element_by_id("network-map").getnext()  # the figure's terms, linked to the glossary
    assert {a.text_content() for a in terms.xpath(".//a")} >= {"PageRank", "Community"}


# ---------------------------------------------------------------------- escaping


def test_hostile_handles_stay_text_in_json_svg_and_tables(empty: Workspace) -> None:
    section = section_for(hostile_result(), empty)
    html = render_sections([section])
    assert "</script><script>window.__xss" not in html
    assert "<img src=x onerror" not in html and "<svg onload" not in html
    page = lxml.html.fromstring(html)
    data = network_json(page)
    assert HOSTILE_HANDLE in data["nodes"]["handle"] and HOSTILE_NAME in data["nodes"]["name"]
    titles = [title.text_content() for title in page.xpath("//*[@data-network-static]//circle/title")]
    assert f"@{HOSTILE_HANDLE} ({HOSTILE_NAME}) · Health · community 1" in titles
    assert any(title.startswith(f"@{HOSTILE_SVG} (Nurse <b>Bea</b>)") for title in titles)
    cells = [cell.text_content() for cell in page.xpath("//table//td | //table//th")]
    assert HOSTILE_HANDLE in cells
    assert not page.xpath("//img | //script[@data-xss] | //svg[@onload]")
    for element in page.iter():
        assert not any(name.lower().startswith("on") for name in element.attrib), element.attrib


def test_an_error_or_an_empty_network_is_said_plainly(empty: Workspace) -> None:
    failed = section_for(SociableError("the workspace has no interactions table."), empty)
    assert [type(block) for block in failed.blocks] == [Paragraph]
    assert "no interactions table" in failed.blocks[0].text  # type: ignore[union-attr]
    nothing = report_section(empty)
    assert nothing is not None and nothing.assets == ()
    assert [type(block) for block in nothing.blocks] == [Paragraph]
    assert "no posts yet" in nothing.blocks[0].text  # type: ignore[union-attr]
    edges = pa.table({"platform": pa.array([], pa.string()), "source": pa.array([], pa.string()),
                      "target": pa.array([], pa.string()), "kind": pa.array([], pa.string()),
                      "weight": pa.array([], pa.float64())})
    unconnected = section_for(compute_map(build_graph(edges)), empty)
    assert unconnected.assets == ()
    assert unconnected.blocks[0].text == (  # type: ignore[union-attr]
        "No interactions match these filters, so there is no network to map.")


# ---------------------------------------------------------------------- caps and layout


def test_large_graphs_keep_the_top_accounts_by_pagerank() -> None:
    result = big_result(INTERACTIVE_LIMIT + 5_000, 80_000)
    view = network_view(result)
    rank = result.nodes["pagerank"].to_numpy()
    assert view.nodes.num_rows == INTERACTIVE_LIMIT and view.total_nodes == INTERACTIVE_LIMIT + 5_000
    shown = view.nodes["pagerank"].to_numpy()
    assert np.all(np.diff(shown) <= 0) and shown.min() >= np.sort(rank)[::-1][INTERACTIVE_LIMIT - 1]
    assert view.source.max() < INTERACTIVE_LIMIT and view.target.max() < INTERACTIVE_LIMIT
    assert np.all(np.diff(view.weight) <= 0), "heaviest ties first"
    data = network_data(view)
    picture = svg_picture(view, data)
    assert picture["shown"] == len(picture["circles"]) == SVG_LIMIT
    assert 0 < len(picture["lines"]) <= SVG_EDGE_LIMIT
    assert picture["circles"][-1]["title"].startswith("@" + str(view.nodes["handle"][0]))
    assert len(data["legends"]["community"]) == 8 and data["legends"]["community"][-1]["label"] == (
        "Smaller communities")


def test_a_capped_section_says_what_it_left_out(empty: Workspace) -> None:
    result = hostile_result()
    big = big_result(INTERACTIVE_LIMIT + 10, 2_000)
    result.nodes, result.edges = big.nodes, big.edges
    section = section_for(result, empty)
    network = next(block for block in section.blocks if isinstance(block, Fragment))
    assert network.context["limits"] == (
        f"The {INTERACTIVE_LIMIT:,} accounts with the highest PageRank of {INTERACTIVE_LIMIT + 10:,} are shown. "
        "1,999 of the 2,000 pairs of accounts that interacted are drawn: pairs between the accounts shown, the "
        f"heaviest (most interactions) first, up to {INTERACTIVE_EDGE_LIMIT:,}; the other 1 are left out of the "
        f"picture only, and every measure counts them. The printed picture shows the top {SVG_LIMIT:,} of them.")
    page = lxml.html.fromstring(render_sections([section]))
    assert len(page.xpath("//*[@data-network-static]//circle[@fill]")) == SVG_LIMIT
    assert network_json(page)["shown"] == INTERACTIVE_LIMIT


def test_positions_are_computed_when_the_analysis_skipped_the_layout() -> None:
    base = hostile_result()
    graph_nodes = base.nodes
    assert np.isfinite(graph_nodes["x"].to_numpy()).all()
    edges = base.edges
    unlaid = compute_map(build_graph(edges, graph_nodes.select(["platform", "account_id", "handle", "sector"])),
                         options=MapOptions(with_layout=False))
    assert np.isnan(unlaid.nodes["x"].to_numpy()).all()
    view = network_view(unlaid)
    assert np.isfinite(view.x).all() and np.isfinite(view.y).all()
    assert view.x.min() >= 0 and view.x.max() <= WIDTH and view.y.min() >= 0 and view.y.max() <= HEIGHT
    assert len(set(zip(view.x.tolist(), view.y.tolist(), strict=True))) == view.nodes.num_rows


def test_a_single_tie_is_drawn_in_the_middle() -> None:
    edges = pa.table({"platform": ["twitter"], "source": ["a"], "target": ["b"], "kind": ["reply"], "weight": [1.0]})
    view = network_view(compute_map(build_graph(edges)))
    assert view.nodes.num_rows == 2 and view.weight.tolist() == [1.0]
    assert abs(float(view.x.mean()) - WIDTH / 2) < 1 and abs(float(view.y.mean()) - HEIGHT / 2) < 1


# ---------------------------------------------------------------------- pieces


def test_legend_colours_the_commonest_values_and_greys_the_rest() -> None:
    sectors = ["health"] * 9 + ["social_care"] * 8 + ["housing", "media", "police_justice", "education",
                                                      "academic", "voluntary", "business", "government"] + ["unknown"]
    entries, index = legend(sectors, {"health": "Health", "social_care": "Social care"}, "Other sectors")
    assert [e["label"] for e in entries[:2]] == ["Health", "Social care"]
    assert [e["colour"] for e in entries[:7]] == list(charts.OKABE_ITO[:7])
    assert entries[-2] == {"label": "Other sectors", "colour": "#6e6e6e", "count": 3}
    assert entries[-1]["label"] == "Unlabelled" and index[-1] == len(entries) - 1
    exactly_eight, _ = legend([str(n) for n in range(1, 9)], None, "Smaller communities")
    assert [e["label"] for e in exactly_eight] == [f"Community {n}" for n in range(1, 9)]


def test_mixing_heatmap_shades_by_log_ratio_and_keeps_order() -> None:
    table = pa.table({"from": ["Health", "Health", "Housing", "Housing"],
                      "to": ["Health", "Housing", "Health", "Housing"],
                      "ratio": [2.0, 0.0, 100.0, None], "observed": [4.0, 0.0, 5.0, 0.0]})
    spec = charts.mixing_heatmap(table, source="from", target="to", value="ratio", extra=(("observed", "Observed"),))
    assert [row[charts.SHADE] for row in spec["data"]["values"]] == [1.0, -3.0, 3.0, None]
    assert spec["encoding"]["y"]["sort"] == ["Health", "Housing"]
    assert spec["encoding"]["tooltip"][-1] == {"field": "observed", "type": "quantitative", "title": "Observed",
                                               "format": ",.1f"}
    assert "$schema" not in spec and json.dumps(spec)


def test_summary_sentence_reads_naturally() -> None:
    result = MapResult(accounts=1200, ties=3400, interactions=5000.0, community_count=1, modularity=None,
                       crossing_share=0.254, assortativity_sector=0.31)
    assert summary_sentence(result) == (
        "1,200 accounts are joined by 3,400 ties (5,000 interactions) and fall into 1 community. 25% of "
        "interactions between sector-labelled accounts cross from one sector to another (assortativity by sector "
        "+0.31).")


def test_the_picture_says_how_many_pairs_it_leaves_out_and_why(simulated: Workspace) -> None:
    from sociable.reports.sections_map import _network_block

    result = get_analysis("map").run(simulated, with_layout=True)
    block = _network_block(result, edge_limit=50)
    pairs = network_view(result).total_pairs
    assert pairs > 50
    assert (f"50 of the {pairs:,} pairs of accounts that interacted are drawn: pairs between the accounts shown, "
            "the heaviest (most interactions) first, up to 50;" in block.context["limits"])
    assert f"the other {pairs - 50:,} are left out of the picture only" in block.context["limits"]
    assert "are drawn" not in _network_block(result).context["limits"]


def test_communities_are_named_from_their_dominant_sector_role_and_hashtag() -> None:
    from sociable.reports.network_drawing import community_names

    table = pa.table({
        "community": [1, 2],
        "top_sector": ["health", "local_government"],
        "top_sector_share": [0.95, 0.43],
        "roles": ["professional 52%, person 34%, 8 unlabelled", "person 45%, organisation 40%"],
        "top_hashtags": ["#midwifery, #nhsteam", ""],
    })
    assert community_names(table) == {"1": "1 · Health professionals · #midwifery", "2": "2 · Mixed"}
