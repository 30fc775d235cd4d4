"""The interaction graph, Leiden communities and the ws-level Map analysis."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import sociable
from sociable.analyses.base import OptionError, get_analysis, registered_analyses
from sociable.analyses.communities import community_links, detect_communities, modularity, summarise_communities
from sociable.analyses.network import GraphError, build_graph, check_kinds, layout, load_graph
from sociable.analyses.network_map import MapResult, compute_map
from sociable.errors import NoSuchCollection
from sociable.store import Scope
from sociable.store.scope import BadScope


def edges_of(pairs: list[tuple[str, str]], kind: str = "reply", weight: float = 1.0) -> pa.Table:
    return pa.table({
        "platform": ["mastodon"] * len(pairs),
        "source": [s for s, _ in pairs],
        "target": [t for _, t in pairs],
        "kind": [kind] * len(pairs),
        "weight": [weight] * len(pairs),
    })


def two_groups_and_broker() -> tuple[pa.Table, pa.Table]:
    """Two 5-cliques (nurses, police) that never talk to each other, joined by one charity account."""
    nurses = [f"nurse{i}" for i in range(5)]
    police = [f"police{i}" for i in range(5)]
    pairs = [(u, v) for group in (nurses, police) for u in group for v in group if u != v]
    pairs += [(u, "charity") for u in nurses + police]
    nodes = pa.table({
        "platform": ["mastodon"] * 11,
        "account_id": [*nurses, *police, "charity"],
        "handle": [*nurses, *police, "carershelp"],
        "role": ["professional"] * 10 + ["organisation"],
        "sector": ["health"] * 5 + ["police_justice"] * 5 + ["voluntary"],
    })
    return edges_of(pairs), nodes


def test_build_graph_sums_kinds_drops_self_loops_and_labels_unknown() -> None:
    edges = pa.concat_tables([
        edges_of([("a", "b"), ("a", "b"), ("b", "c"), ("c", "c")]),
        edges_of([("a", "b")], kind="mention", weight=3.0),
    ])
    nodes = pa.table({"platform": ["mastodon"], "account_id": ["a"], "handle": ["alice"], "sector": ["health"]})
    graph = build_graph(edges, nodes)
    assert graph.node_count == 3
    assert graph.edge_count == 2
    assert graph.nodes["account_id"].to_pylist() == ["a", "b", "c"]
    assert graph.nodes["handle"].to_pylist() == ["alice", "b", "c"]
    assert graph.nodes["sector"].to_pylist() == ["health", "unknown", "unknown"]
    assert graph.nodes["role"].to_pylist() == ["unknown"] * 3
    source, target = graph.endpoints()
    weights = dict(zip(zip(source.tolist(), target.tolist(), strict=True), graph.weights().tolist(), strict=True))
    assert weights == {(0, 1): 5.0, (1, 2): 1.0}
    assert graph.edges.to_pylist() == [
        {"platform": "mastodon", "source": "a", "target": "b", "kind": "mention", "weight": 3.0},
        {"platform": "mastodon", "source": "a", "target": "b", "kind": "reply", "weight": 2.0},
        {"platform": "mastodon", "source": "b", "target": "c", "kind": "reply", "weight": 1.0},
    ]


def test_min_weight_keeps_only_strong_ties() -> None:
    graph = build_graph(edges_of([("a", "b"), ("a", "b"), ("b", "c")]), min_weight=2)
    assert graph.nodes["account_id"].to_pylist() == ["a", "b"]
    assert graph.edges["weight"].to_pylist() == [2.0]


def test_same_id_on_two_platforms_is_two_accounts() -> None:
    edges = pa.table({"platform": ["bluesky", "mastodon"], "source": ["x", "x"], "target": ["y", "y"],
                      "kind": ["reply", "reply"], "weight": [1.0, 1.0]})
    graph = build_graph(edges)
    assert graph.node_count == 4
    assert graph.nodes["platform"].to_pylist() == ["bluesky", "bluesky", "mastodon", "mastodon"]


def test_accounts_are_numbered_by_platform_then_id_whatever_the_input_order() -> None:
    """Platform names that prefix each other, ids that sort apart from their platform, unsorted rows."""
    rows = [("bluesky", "b", "a", "reply"), ("blue", "z", "a", "quote"), ("bluesky", "a", "B", "mention"),
            ("blue", "a\x1fb", "z", "reply"), (None, "q", "r", "reply"), ("bluesky", "b", "a", "mention"),
            ("bluesky", "b", "a", "reply")]
    edges = pa.table({"platform": [r[0] for r in rows], "source": [r[1] for r in rows],
                      "target": [r[2] for r in rows], "kind": [r[3] for r in rows], "weight": [1.0] * len(rows)})
    graph = build_graph(edges)
    accounts = list(zip(graph.nodes["platform"].to_pylist(), graph.nodes["account_id"].to_pylist(), strict=True))
    assert accounts == [("blue", "a"), ("blue", "a\x1fb"), ("blue", "z"), ("bluesky", "B"), ("bluesky", "a"),
                        ("bluesky", "b")]  # the row without a platform is left out: it names no account
    assert [(e["platform"], e["source"], e["target"], e["kind"], e["weight"]) for e in graph.edges.to_pylist()] == [
        ("bluesky", "a", "B", "mention", 1.0), ("blue", "a\x1fb", "z", "reply", 1.0),
        ("bluesky", "b", "a", "mention", 1.0), ("bluesky", "b", "a", "reply", 2.0), ("blue", "z", "a", "quote", 1.0)]
    source, target = graph.endpoints()
    assert list(zip(source.tolist(), target.tolist(), strict=True)) == [(5, 4), (2, 0), (4, 3), (1, 2)]
    assert graph.weights().tolist() == [3.0, 1.0, 1.0, 1.0]


def test_empty_and_bad_input() -> None:
    empty = build_graph(edges_of([]))
    assert (empty.node_count, empty.edge_count) == (0, 0)
    result = compute_map(empty)
    assert result.accounts == 0 and result.headline() == [] and result.shown_tables() == []
    assert "no network" in result.notes[0]
    with pytest.raises(GraphError, match="no column weight"):
        build_graph(edges_of([("a", "b")]).drop_columns(["weight"]))
    with pytest.raises(GraphError, match="min_weight"):
        build_graph(edges_of([("a", "b")]), min_weight=0)
    with pytest.raises(GraphError, match="unknown interaction kind like"):
        check_kinds(["reply", "like"])
    assert check_kinds([" Reply", "mention", "reply"]) == ("reply", "mention")


def test_leiden_finds_the_two_groups_and_is_reproducible() -> None:
    edges, nodes = two_groups_and_broker()
    graph = build_graph(edges, nodes)
    for engine in ("igraph", "leidenalg"):
        membership = detect_communities(graph, seed=7, engine=engine)
        ids = graph.nodes["account_id"].to_pylist()
        nurses = membership[[i for i, a in enumerate(ids) if a.startswith("nurse")]]
        police = membership[[i for i, a in enumerate(ids) if a.startswith("police")]]
        assert len(set(nurses.tolist())) == 1 and len(set(police.tolist())) == 1
        assert nurses[0] != police[0]
        assert membership.max() == 1
        assert (detect_communities(graph, seed=7, engine=engine) == membership).all()
    assert modularity(graph, detect_communities(graph)) == pytest.approx(0.395)
    with pytest.raises(GraphError, match="unknown community method"):
        detect_communities(graph, method="louvain")
    with pytest.raises(GraphError, match="resolution"):
        detect_communities(graph, resolution=0)


def test_same_seed_same_partition_on_a_random_graph() -> None:
    rng = np.random.default_rng(3)
    pairs = [(f"u{a}", f"u{b}") for a, b in rng.integers(0, 300, size=(1500, 2))]
    graph = build_graph(edges_of(pairs))
    first = detect_communities(graph, seed=11)
    assert (detect_communities(graph, seed=11) == first).all()
    sizes = np.bincount(first)
    assert (np.diff(sizes) <= 0).all()  # community 0 is the largest
    high = detect_communities(graph, resolution=3.0, seed=11)
    assert high.max() > first.max()


def test_community_summary_and_links() -> None:
    edges, nodes = two_groups_and_broker()
    graph = build_graph(edges, nodes)
    membership = detect_communities(graph)
    hashtags = pa.table({"platform": ["mastodon"] * 3, "account_id": ["nurse0", "nurse1", "police0"],
                         "hashtag": ["wenurses", "wenurses", "policing"], "posts": [2, 1, 4]})
    summary = summarise_communities(graph, membership, hashtags).to_pylist()
    by_sector = {row["top_sector"]: row for row in summary}
    assert by_sector["police_justice"]["size"] == 5
    assert by_sector["police_justice"]["top_sector_share"] == 1.0
    assert by_sector["police_justice"]["internal_weight"] == 20
    assert by_sector["police_justice"]["external_weight"] == 5
    assert by_sector["police_justice"]["top_hashtags"] == "#policing"
    assert by_sector["health"]["top_hashtags"] == "#wenurses"
    assert by_sector["health"]["sectors"] == "health 83%, voluntary 17%"
    assert by_sector["health"]["key_accounts"].split(", ")[0].startswith("nurse")
    links = community_links(graph, membership)
    assert sum(links["weight"].to_pylist()) == 50
    police = by_sector["police_justice"]["community"]
    assert {(r["source_community"], r["target_community"]): r["weight"] for r in links.to_pylist()}[
        (police, police)] == 20


def test_layout_is_seeded() -> None:
    edges, nodes = two_groups_and_broker()
    graph = build_graph(edges, nodes)
    first = layout(graph, seed=5)
    assert first.shape == (11, 2) and np.isfinite(first).all()
    assert np.allclose(layout(graph, seed=5), first)


def test_map_registered() -> None:
    assert "map" in {spec.name for spec in registered_analyses()}


@pytest.fixture()
def workspace(tmp_path: Path):  # type: ignore[no-untyped-def]
    ws = sociable.open(tmp_path / "ws.duckdb")
    edges, _ = two_groups_and_broker()
    rows = [(s, t, f"p{i}", 1 + (i % 3)) for i, (s, t) in enumerate(zip(edges["source"].to_pylist(),
                                                                         edges["target"].to_pylist(), strict=True))]
    for source, target, post, day in rows:
        kind = "mention" if target == "charity" else "reply"
        ws.query("INSERT INTO interactions VALUES ('mastodon', ?, ?, ?, ?, ?)",
                 [source, target, kind, post, datetime(2024, 3, day, 12, tzinfo=UTC)])
        ws.query("INSERT INTO posts (platform, post_id, account_id, created_at, hashtags) VALUES "
                 "('mastodon', ?, ?, ?, ?)", [post, source, datetime(2024, 3, day, 12, tzinfo=UTC),
                                              ["NHS"] if source.startswith("nurse") else []])
        if source.startswith("police"):
            ws.query("INSERT INTO collections VALUES ('policing', 'mastodon', ?)", [post])
    ws.query("INSERT INTO accounts (platform, account_id, handle, followers) VALUES "
             "('mastodon', 'charity', 'carershelp', 12000)")
    ws.query("INSERT INTO derived_labels (platform, account_id, role, sector) SELECT 'mastodon', source, "
             "'professional', CASE WHEN source LIKE 'nurse%' THEN 'health' ELSE 'police_justice' END "
             "FROM interactions GROUP BY source")
    ws.query("INSERT INTO derived_labels (platform, account_id, role, sector) VALUES "
             "('mastodon', 'charity', 'organisation', 'voluntary')")
    yield ws
    ws.close()


def test_load_graph_filters(workspace) -> None:  # type: ignore[no-untyped-def]
    full = load_graph(workspace)
    assert (full.node_count, full.edge_count) == (11, 50)
    assert full.nodes["handle"].to_pylist()[0] == "carershelp"
    assert full.nodes["sector"].to_pylist()[0] == "voluntary"
    assert load_graph(workspace, interactions=["mention"]).edge_count == 10
    assert load_graph(workspace, workspace.scope(collection="policing")).node_count == 6
    since = datetime(2024, 3, 3, tzinfo=UTC)
    assert load_graph(workspace, workspace.scope(since=since)).graph.ecount() == sum(
        1 for i in range(50) if 1 + i % 3 >= 3)
    # the Scope's kinds are kinds of post: every post here is an original post, none a reply
    assert load_graph(workspace, workspace.scope(kinds="post")).edge_count == 50
    assert load_graph(workspace, workspace.scope(kinds="reply")).edge_count == 0
    assert load_graph(workspace, Scope(platforms=("bluesky",))).edge_count == 0
    with pytest.raises(NoSuchCollection):
        load_graph(workspace, Scope(collections=("nope",)))
    with pytest.raises(BadScope, match="is not before"):
        workspace.scope(since=since, until=since)
    with pytest.raises(GraphError, match="unknown interaction kind like"):
        load_graph(workspace, interactions=["like"])


def test_map_network_on_a_workspace(workspace) -> None:  # type: ignore[no-untyped-def]
    spec = get_analysis("map")
    result = spec.run(workspace, seed=1)
    assert isinstance(result, MapResult) and result.name == "map"
    assert result.accounts == 11 and result.community_count == 2
    assert result.crossing_share == pytest.approx(10 / 50)
    assert result.brokers["handle"][0].as_py() == "carershelp"
    assert result.influence["followers"][0].as_py() == 12000
    communities = result.communities.to_pylist()
    assert any(row["top_hashtags"] == "#nhs" for row in communities)
    # every sector here is smaller than the minimum for a sentence, so the notes say so; the table keeps the numbers
    assert "Every sector here has fewer than 10 accounts, too few to say which sectors are silos" in result.notes[0]
    police = next(row for row in result.ei_by_sector.to_pylist() if row["group"] == "police_justice")
    assert police["inside_share"] == pytest.approx(0.8)
    names = {m.name for m in result.measures}
    assert {"betweenness", "constraint", "pagerank", "E-I index", "assortativity", "modularity"} <= names
    expected = {"nodes", "edges", "communities", "community_links", "mixing", "ei_by_sector", "ei_by_role",
                "brokers", "influence"}
    assert expected <= set(result.tables())
    assert spec.run(workspace, seed=1).nodes.equals(result.nodes)
    assert result.options == {"interactions": ("reply", "mention", "quote", "repost"), "min_weight": 1,
                              "resolution": 1.0, "seed": 1, "method": "modularity", "with_layout": False}
    assert result.shown_tables() == ["communities", "ei_by_sector", "ei_by_role", "brokers", "influence"]
    assert result.headline() == [
        "11 accounts, 50 ties, 50 interactions; 2 communities (modularity 0.395); 20% of interactions between "
        "labelled accounts cross sectors (E-I -0.6, assortativity 0.667)."]  # (.8 - .4) / (1 - .4)
    assert set(result.ei_by_sector["name"].to_pylist()) == {"Health", "Police and justice", "Voluntary sector"}
    for name, info in result.table_fields():
        assert set(info.columns) <= set(getattr(result, name).column_names), name


def test_map_options_and_scope(workspace) -> None:  # type: ignore[no-untyped-def]
    spec = get_analysis("map")
    mentions = spec.run(workspace, workspace.scope(collection="policing"), interactions="mention", seed=1)
    assert (mentions.accounts, mentions.ties) == (6, 5)
    assert mentions.scope.collections == ("policing",) and mentions.options["interactions"] == ("mention",)
    none = spec.run(workspace, workspace.scope(collection="policing"), interactions="quote")
    assert none.accounts == 0 and none.notes == (
        "No interactions between two accounts match these filters (collection policing; interactions quote), so "
        "there is no network to map; widen the period, keep more kinds or lower --min-weight.",)
    with pytest.raises(OptionError, match="--interactions should be one of reply, mention, quote, repost, not likes"):
        spec.run(workspace, interactions="likes")
    with pytest.raises(OptionError, match="--min-weight should be at least 1"):
        spec.run(workspace, min_weight=0)
    with pytest.raises(OptionError, match="no option 'kinds'"):
        spec.run(workspace, kinds="reply")


def test_a_large_graph_is_laid_out_community_by_community(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the limit each community is laid out around its own place: members sit nearer each other."""
    import sociable.analyses.network as network

    groups = [[f"g{g}a{i}" for i in range(12)] for g in range(3)]
    pairs = [(u, v) for group in groups for u in group for v in group if u < v]
    pairs += [(groups[0][0], groups[1][0]), (groups[1][1], groups[2][1])]
    edges = pa.table({"platform": ["x"] * len(pairs), "source": [u for u, _ in pairs],
                      "target": [v for _, v in pairs], "kind": ["reply"] * len(pairs),
                      "weight": [1.0] * len(pairs)})
    graph = build_graph(edges)
    ids = graph.nodes["account_id"].to_pylist()
    membership = np.array([int(i[1]) for i in ids])
    monkeypatch.setattr(network, "FR_LAYOUT_LIMIT", 10)
    positions = layout(graph, seed=3, membership=membership)
    assert positions.shape == (36, 2) and np.isfinite(positions).all()
    assert np.allclose(layout(graph, seed=3, membership=membership), positions)
    centres = np.array([positions[membership == g].mean(axis=0) for g in range(3)])
    spread = max(np.linalg.norm(positions[membership == g] - centres[g], axis=1).max() for g in range(3))
    apart = min(np.linalg.norm(centres[a] - centres[b]) for a in range(3) for b in range(a + 1, 3))
    assert apart > spread
