"""Graph exports: GEXF 1.3 (checked structurally with lxml), GraphML (read back by networkx), CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx
import pyarrow as pa
import pytest
from lxml import etree

from sociable.analyses.network import build_graph
from sociable.analyses.network_map import MapResult, compute_map
from sociable.analyses.roles import RolesResult
from sociable.reports.graph_export import GEXF_NS, GEXF_VIZ_NS, ExportError, export_graph

NS = {"g": GEXF_NS, "viz": GEXF_VIZ_NS}


@pytest.fixture(scope="module")
def result() -> MapResult:
    pairs = [("ward7nurse", "citytrust", "reply"), ("ward7nurse", "citytrust", "mention"),
             ("carer_jo", "citytrust", "mention"), ("citytrust", "carer_jo", "reply"),
             ("pc_ahmed", "citycouncil", "quote"), ("citycouncil", "citytrust", "repost")]
    edges = pa.table({"platform": ["bluesky"] * len(pairs), "source": [p[0] for p in pairs],
                      "target": [p[1] for p in pairs], "kind": [p[2] for p in pairs],
                      "weight": [2.0, 1.0, 1.0, 1.0, 3.0, 1.0]})
    nodes = pa.table({
        "platform": ["bluesky"] * 5,
        "account_id": ["ward7nurse", "citytrust", "carer_jo", "pc_ahmed", "citycouncil"],
        "handle": ["ward7nurse.bsky.social", "citytrust.bsky.social", "jo & co <carer>", "pc-ahmed", "council"],
        "role": ["professional", "organisation", "person", "professional", "organisation"],
        "sector": ["health", "health", "unknown", "police_justice", "local_government"],
        "followers": [120, 9000, None, 40, 3000],
    })
    return compute_map(build_graph(edges, nodes))


def test_gexf_has_typed_attributes_positions_and_kinds(result: MapResult, tmp_path: Path) -> None:
    [path] = export_graph(result, tmp_path / "map.gexf", "gexf")
    root = etree.parse(str(path)).getroot()
    assert root.tag == f"{{{GEXF_NS}}}gexf" and root.get("version") == "1.3"
    graph = root.find("g:graph", NS)
    assert graph is not None and graph.get("defaultedgetype") == "directed"
    attributes = {a.get("title"): (a.get("id"), a.get("type"))
                  for a in graph.findall("g:attributes[@class='node']/g:attribute", NS)}
    for name, kind in {"role": "string", "sector": "string", "community": "long", "pagerank": "double",
                       "betweenness": "double", "constraint": "double", "followers": "long"}.items():
        assert attributes[name][1] == kind
    nodes = graph.findall("g:nodes/g:node", NS)
    assert len(nodes) == 5
    carer = next(n for n in nodes if n.get("id") == "bluesky:carer_jo")
    assert carer.get("label") == "jo & co <carer>"
    values = {v.get("for"): v.get("value") for v in carer.findall("g:attvalues/g:attvalue", NS)}
    assert values[attributes["sector"][0]] == "unknown"
    assert attributes["followers"][0] not in values  # missing values are left out, not written as "None"
    assert float(values[attributes["pagerank"][0]]) > 0
    position = carer.find("viz:position", NS)
    assert position is not None and float(position.get("x")) == float(position.get("x"))
    edges = graph.findall("g:edges/g:edge", NS)
    assert len(edges) == 6
    ids = {n.get("id") for n in nodes}
    assert all(e.get("source") in ids and e.get("target") in ids for e in edges)
    kinds = {(e.get("source"), e.get("target"), e.get("kind")): float(e.get("weight")) for e in edges}
    assert kinds[("bluesky:ward7nurse", "bluesky:citytrust", "reply")] == 2.0
    assert kinds[("bluesky:ward7nurse", "bluesky:citytrust", "mention")] == 1.0
    assert len({e.get("id") for e in edges}) == 6


def test_graphml_reads_back_in_networkx(result: MapResult, tmp_path: Path) -> None:
    [path] = export_graph(result, tmp_path / "map.graphml", "graphml")
    graph = nx.read_graphml(path)
    assert graph.is_directed() and graph.is_multigraph()
    assert graph.number_of_nodes() == 5 and graph.number_of_edges() == 6
    trust = graph.nodes["bluesky:citytrust"]
    assert trust["role"] == "organisation" and trust["followers"] == 9000
    assert isinstance(trust["community"], int) and isinstance(trust["pagerank"], float)
    assert "followers" not in graph.nodes["bluesky:carer_jo"]
    weights = sorted(d["weight"] for _, _, d in graph.edges(data=True))
    assert weights == [1.0, 1.0, 1.0, 1.0, 2.0, 3.0]
    assert {d["kind"] for _, _, d in graph.edges(data=True)} == {"reply", "mention", "quote", "repost"}


def test_csv_node_and_edge_lists(result: MapResult, tmp_path: Path) -> None:
    written = export_graph(result, tmp_path / "out", "CSV")
    assert [p.name for p in written] == ["nodes.csv", "edges.csv"]
    with written[0].open(newline="") as handle:
        nodes = list(csv.DictReader(handle))
    with written[1].open(newline="") as handle:
        edges = list(csv.DictReader(handle))
    assert len(nodes) == 5 and len(edges) == 6
    assert {"id", "handle", "role", "sector", "community", "pagerank", "betweenness", "x", "y"} <= set(nodes[0])
    ids = {row["id"] for row in nodes}
    assert all(row["source_id"] in ids and row["target_id"] in ids for row in edges)


def test_export_errors(result: MapResult, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="unknown graph format"):
        export_graph(result, tmp_path / "map.dot", "dot")
    with pytest.raises(ExportError, match="does not exist"):
        export_graph(result, tmp_path / "missing" / "map.gexf", "gexf")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ExportError, match="is a file"):
        export_graph(result, tmp_path / "file.txt", "csv")
    with pytest.raises(ExportError, match="no nodes and edges"):
        export_graph(RolesResult(), tmp_path / "x.gexf", "gexf")  # type: ignore[arg-type]


def test_gexf_reads_back_in_networkx(result: MapResult, tmp_path: Path) -> None:
    """A second, independent GEXF reader (networkx's) loads the file with its nodes, edges and attributes."""
    [path] = export_graph(result, tmp_path / "map.gexf", "gexf")
    graph = nx.read_gexf(path)
    nodes = result.nodes
    assert graph.number_of_nodes() == nodes.num_rows
    assert graph.is_directed()
    first = next(iter(graph.nodes(data=True)))[1]
    assert {"sector", "community", "pagerank"} <= set(first)


def test_gexf_edges_carry_their_first_and_last_time_for_gephi_timeline(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    import sociable
    from sociable.analyses.base import get_analysis
    from sociable.reports.graph_export import export_graph
    from sociable.reports.time_and_tags import edge_times
    from sociable.simulate import simulate

    simulate(tmp_path / "s.jsonl", posts=1000, seed=3)
    with sociable.open(tmp_path / "ws.duckdb") as ws:
        ws.import_files([tmp_path / "s.jsonl"])
        scope = ws.scope()
        result = get_analysis("map").run(ws, scope, with_layout=True)
        times = edge_times(ws, scope)
        expected = ws.query("SELECT platform, source, target, kind, min(created_at) AS first FROM interactions "
                            "WHERE source <> target GROUP BY ALL").to_pylist()
    path = export_graph(result, tmp_path / "map.gexf", "gexf", times)[0]
    root = etree.parse(str(path)).getroot()
    ns = {"g": "http://gexf.net/1.3"}
    graph = root.find("g:graph", ns)
    assert graph.get("mode") == "dynamic" and graph.get("timeformat") == "datetime"
    edges = graph.findall("g:edges/g:edge", ns)
    assert edges and all(edge.get("start") and edge.get("end") >= edge.get("start") for edge in edges)
    first = {(r["platform"], r["source"], r["target"], r["kind"]): r["first"] for r in expected}
    for edge in edges:  # every edge, in the edges table's order, with its own tie's times
        platform, source = edge.get("source").split(":", 1)
        target = edge.get("target").split(":", 1)[1]
        when = first[(platform, source, target, edge.get("kind"))].astimezone(UTC)
        assert edge.get("start") == when.strftime("%Y-%m-%dT%H:%M:%S")
        assert datetime.fromisoformat(edge.get("end")).replace(tzinfo=UTC) >= when.replace(microsecond=0)
    order = [(f"{r['platform']}:{r['source']}", f"{r['platform']}:{r['target']}", r["kind"])
             for r in result.edges.to_pylist()]
    assert [(e.get("source"), e.get("target"), e.get("kind")) for e in edges] == order


def test_gexf_and_graphml_are_the_same_whatever_the_batch_they_are_written_in(
        result: MapResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sociable.reports.graph_export as graph_export

    whole = [export_graph(result, tmp_path / f"whole.{f}", f)[0].read_bytes() for f in ("gexf", "graphml")]
    monkeypatch.setattr(graph_export, "BATCH_ROWS", 2)
    batched = [export_graph(result, tmp_path / f"batched.{f}", f)[0].read_bytes() for f in ("gexf", "graphml")]
    assert batched == whole
    assert len(etree.parse(str(tmp_path / "batched.gexf")).getroot().findall("g:graph/g:edges/g:edge", NS)) == 6


def test_the_hashtag_network_counts_posts_that_carry_both(tmp_path: Path) -> None:
    import json

    import sociable
    from sociable.reports.time_and_tags import hashtag_network, write_hashtag_gexf

    posts = []
    for index, tags in enumerate([["NHS", "nurses"], ["nhs", "Nurses", "care"], ["care"], ["nhs", "care"]]):
        posts.append({"id_str": str(100 + index), "created_at": "Wed Mar 02 10:00:00 +0000 2022",
                      "text": " ".join("#" + tag for tag in tags), "full_text": " ".join("#" + tag for tag in tags),
                      "user": {"id_str": str(index + 1), "screen_name": f"user{index}"},
                      "entities": {"hashtags": [{"text": tag, "indices": [0, 1]} for tag in tags],
                                   "user_mentions": [], "urls": []}})
    source = tmp_path / "tags.jsonl"
    source.write_text("\n".join(json.dumps(post) for post in posts) + "\n", encoding="utf-8")
    with sociable.open(tmp_path / "ws.duckdb") as ws:
        ws.import_files([source])
        nodes, edges = hashtag_network(ws, ws.scope(), min_weight=2)
        assert sorted((r["source"], r["target"], r["weight"]) for r in edges.to_pylist()) == [
            ("care", "nhs", 2), ("nhs", "nurses", 2)]  # care+nurses is in one post only
        assert {row["hashtag"]: row["posts"] for row in nodes.to_pylist()} == {"nhs": 3, "care": 3, "nurses": 2}
        single, _ = hashtag_network(ws, ws.scope(), min_weight=1)
        assert single.num_rows == 3
    path = write_hashtag_gexf(nodes, edges, tmp_path / "hashtags.gexf")
    root = etree.parse(str(path)).getroot()
    ns = {"g": "http://gexf.net/1.3"}
    assert sorted(node.get("label") for node in root.findall(".//g:node", ns)) == ["#care", "#nhs", "#nurses"]
    assert sorted(edge.get("weight") for edge in root.findall(".//g:edge", ns)) == ["2.0", "2.0"]
