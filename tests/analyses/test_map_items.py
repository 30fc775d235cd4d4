"""NodeXL's "top items" per community (hashtags, domains, links) and the ties' interactions per period."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

import sociable
from sociable.analyses.communities import detect_communities, top_items
from sociable.analyses.network import build_graph, period_unit
from sociable.analyses.network_map import MapResult
from sociable.store import Workspace


def two_cliques() -> tuple[pa.Table, pa.Table]:
    """Nurses a, b, c talk among themselves; police x, y, z among themselves; one tie c → x."""
    nurses, police = ["a", "b", "c"], ["x", "y", "z"]
    pairs = [(u, v) for group in (nurses, police) for u in group for v in group if u != v] + [("c", "x")]
    edges = pa.table({"platform": ["mastodon"] * len(pairs), "source": [s for s, _ in pairs],
                      "target": [t for _, t in pairs], "kind": ["reply"] * len(pairs),
                      "weight": [1.0] * len(pairs)})
    nodes = pa.table({"platform": ["mastodon"] * 6, "account_id": nurses + police,
                      "sector": ["health"] * 3 + ["police_justice"] * 3})
    return edges, nodes


def test_top_items_ranks_each_kind_within_each_community() -> None:
    edges, nodes = two_cliques()
    graph = build_graph(edges, nodes)
    membership = detect_communities(graph)
    nurses = int(membership[0]) + 1  # accounts are numbered a, b, c, x, y, z
    police = int(membership[3]) + 1
    assert nurses != police
    items = pa.table({
        "platform": ["mastodon"] * 9,
        "account_id": ["a", "b", "c", "a", "b", "x", "y", "z", "stranger"],
        "kind": ["hashtag", "hashtag", "hashtag", "domain", "domain", "hashtag", "link", "link", "hashtag"],
        "item": ["nhs", "nhs", "wenurses", "nhs.uk", "bbc.co.uk", "policing", "https://police.example/a",
                 "https://police.example/a", "elsewhere"],
        "posts": [2, 1, 4, 3, 3, 1, 1, 2, 50],
    })
    table = top_items(graph, membership, items, limit=1)
    rows = [(r["community"], r["kind"], r["rank"], r["item"], r["posts"]) for r in table.to_pylist()]
    # wenurses (4 posts) beats nhs (2 + 1); bbc.co.uk and nhs.uk tie at 3, the first in text order wins;
    # the stranger is not in the graph, so its 50 posts count nowhere
    assert sorted(rows) == sorted([
        (nurses, "hashtag", 1, "wenurses", 4), (nurses, "domain", 1, "bbc.co.uk", 3),
        (police, "hashtag", 1, "policing", 1), (police, "link", 1, "https://police.example/a", 3),
    ])
    assert [r[1] for r in rows if r[0] == nurses] == ["hashtag", "domain"]  # hashtags, then domains, then links
    both = top_items(graph, membership, items, limit=2).filter(pa.compute.equal(
        pa.compute.field("community"), nurses))
    assert [(r["kind"], r["rank"], r["item"]) for r in both.to_pylist()] == [
        ("hashtag", 1, "wenurses"), ("hashtag", 2, "nhs"), ("domain", 1, "bbc.co.uk"), ("domain", 2, "nhs.uk")]
    assert top_items(graph, membership, None).num_rows == 0


@pytest.mark.parametrize("limit", [1, 2, 3, 10])
def test_top_items_with_many_ties_match_a_full_ranking(limit: int) -> None:
    """Many items tie on their count: the ranking is the one a full sort by count, then text, gives."""
    import random

    edges, nodes = two_cliques()
    graph = build_graph(edges, nodes)
    membership = detect_communities(graph)
    draw = random.Random(limit)
    rows = [("mastodon", draw.choice("abcxyz"), draw.choice(["hashtag", "domain", "link"]), f"item{draw.randrange(12)}",
             draw.randint(1, 3)) for _ in range(400)]
    items = pa.table({name: [r[i] for r in rows] for i, name in enumerate(("platform", "account_id", "kind", "item",
                                                                          "posts"))})
    totals: dict[tuple[int, str, str], int] = {}
    for _, account, kind, item, posts in rows:
        key = (int(membership["abcxyz".index(account)]) + 1, kind, item)
        totals[key] = totals.get(key, 0) + posts
    expected = []
    for community in sorted({c for c, _, _ in totals}):
        for kind in ("hashtag", "domain", "link"):
            ranked = sorted(((-n, item) for (c, k, item), n in totals.items() if (c, k) == (community, kind)))
            expected += [(community, kind, rank, item, -n) for rank, (n, item) in enumerate(ranked[:limit], 1)]
    table = top_items(graph, membership, items, limit=limit)
    assert [(r["community"], r["kind"], r["rank"], r["item"], r["posts"]) for r in table.to_pylist()] == expected


def test_period_unit_follows_the_span_of_the_data() -> None:
    assert [period_unit(days) for days in (0, 62, 63, 728, 729)] == ["day", "day", "week", "week", "month"]


@pytest.fixture()
def linked(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Three Twitter accounts and one Mastodon account sharing links, some of them the platforms' own."""
    ws = sociable.open(tmp_path / "ws.duckdb")
    posts = [  # post, platform, account, uri, day, urls
        ("t1", "twitter", "ann", None, 1, ["https://www.NHS.uk/conditions/flu/", "https://twitter.com/bob/status/9"]),
        ("t2", "twitter", "ann", None, 1, ["https://www.nhs.uk/conditions/flu#symptoms", "https://t.co/abc"]),
        ("t3", "twitter", "bob", None, 9, ["https://news.example.org/a", "https://www.nhs.uk/"]),
        ("t4", "twitter", "cat", None, 9, ["https://pic.twitter.com/xyz", "https://x.com/ann"]),
        ("m1", "mastodon", "dee", "https://social.example/users/dee/statuses/1", 2,
         ["https://social.example/@ann", "https://twitter.com/nhsengland"]),
    ]
    for post, platform, account, uri, day, urls in posts:
        ws.query("INSERT INTO posts (platform, post_id, uri, account_id, created_at, urls) VALUES (?, ?, ?, ?, ?, ?)",
                 [platform, post, uri, account, datetime(2024, 3, day, 12, tzinfo=UTC), urls])
    interactions = [("twitter", "ann", "bob", "t1", 1), ("twitter", "ann", "bob", "t2", 1),
                    ("twitter", "bob", "ann", "t3", 9), ("twitter", "cat", "ann", "t4", 9),
                    ("mastodon", "dee", "ann", "m1", 2)]
    for platform, source, target, post, day in interactions:
        ws.query("INSERT INTO interactions VALUES (?, ?, ?, 'mention', ?, ?)",
                 [platform, source, target, post, datetime(2024, 3, day, 12, tzinfo=UTC)])
    yield ws
    ws.close()


def test_links_and_domains_leave_out_the_platforms_own_addresses(linked: Workspace) -> None:
    result = linked.map(seed=1)
    assert isinstance(result, MapResult)
    platform_of = {r["community"]: r["platform"] for r in result.nodes.to_pylist()}
    items = {(platform_of[r["community"]], r["kind"], r["item"]): r["posts"]
             for r in result.top_items.to_pylist()}
    # the two spellings of the flu page are one link (host in lower case, no trailing slash or #fragment);
    # twitter.com, t.co, pic.twitter.com and x.com on Twitter, and the Mastodon post's own instance, are the
    # platforms' own addresses; twitter.com linked from Mastodon is a link out
    assert items == {
        ("twitter", "domain", "nhs.uk"): 3, ("twitter", "domain", "news.example.org"): 1,
        ("twitter", "link", "https://www.nhs.uk/conditions/flu"): 2, ("twitter", "link", "https://www.nhs.uk"): 1,
        ("twitter", "link", "https://news.example.org/a"): 1,
        ("mastodon", "domain", "twitter.com"): 1, ("mastodon", "link", "https://twitter.com/nhsengland"): 1,
    }
    measures = {m.name: m.definition for m in result.measures}
    assert "top domains" in measures and "top links" in measures
    as_json = result.to_json()["tables"]["top_items"]
    assert {row["kind"] for row in as_json} == {"domain", "link"}


def test_tie_periods_count_each_tie_by_day(linked: Workspace) -> None:
    result = linked.map(seed=1)
    assert result.period_unit == "day"
    rows = {(r["platform"], r["source"], r["target"], r["period"].day): r["weight"]
            for r in result.tie_periods.to_pylist()}
    assert rows == {("twitter", "ann", "bob", 1): 2.0, ("twitter", "bob", "ann", 9): 1.0,
                    ("twitter", "cat", "ann", 9): 1.0, ("mastodon", "dee", "ann", 2): 1.0}
    heavy = linked.map(seed=1, min_weight=2)  # only ann → bob is kept, and only its periods
    assert [(r["source"], r["target"]) for r in heavy.tie_periods.to_pylist()] == [("ann", "bob")]
