"""The self-contained HTML report: sections, overview figures, offline assets, escaping, accessibility."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar

import lxml.html
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

import sociable
from sociable.analyses import base as analyses_base
from sociable.analyses.base import Measure, Result, analysis, fact
from sociable.analyses.base import table as table_field
from sociable.errors import NoSuchCollection, SociableError, UnreadableFile
from sociable.reports import charts, sections
from sociable.reports.html import STATIC, inline_asset, render_sections, script_json, web_link, write_report
from sociable.reports.overview import bucket_counts, time_unit
from sociable.reports.sections import (
    Chart,
    Fragment,
    Paragraph,
    ReportContext,
    Section,
    Table,
    build_sections,
    section,
)
from sociable.store import Workspace
from sociable.store.scope import Scope

HOSTILE_HANDLE = "<img src=x onerror=alert(1)>"
HOSTILE_NAME = "Ward \"7\" <b onmouseover='alert(2)'>"
HOSTILE_TEXT = "</script><script>alert(3)</script><!-- \u2028 & more"
HOSTILE_TAG = "say\"hi'</script><script>alert(4)</script>"
HOSTILE_COLLECTION = "<svg onload=alert(5)>"
VEGA_ASSETS = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")
NETWORK_ASSETS = ("graphology.umd.min.js", "sigma.min.js")


# ---------------------------------------------------------------------- helpers


def add_accounts(ws: Workspace, *rows: tuple[Any, ...]) -> None:
    ws.con.executemany("INSERT INTO accounts (platform, account_id, handle, display_name) VALUES (?, ?, ?, ?)", rows)


def add_posts(ws: Workspace, *rows: dict[str, Any]) -> None:
    for row in rows:
        full = {"reply_to": None, "repost_of": None, "hashtags": [], "mentions": [], "format": "twitter-v2",
                "source_file": "chat.jsonl", "uri": None, **row}
        ws.con.execute(
            "INSERT INTO posts (platform, post_id, account_id, created_at, text, reply_to, repost_of, hashtags, "
            "mentions, format, source_file, uri) VALUES ($platform, $post_id, $account_id, $created_at, $text, "
            "$reply_to, $repost_of, $hashtags, $mentions, $format, $source_file, $uri)",
            full,
        )


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2024, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def registries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Built-in sections loaded, then both registries copied so a test's registrations are undone."""
    sections._load_builtin_sections()
    monkeypatch.setattr(sections, "_SECTIONS", dict(sections._SECTIONS))
    monkeypatch.setattr(analyses_base, "_ANALYSES", dict(analyses_base._ANALYSES))


@pytest.fixture
def nurses(workspace: Workspace) -> Workspace:
    """A small #WeNurses-style corpus on two platforms, with one collection and one import run."""
    add_accounts(
        workspace,
        ("twitter", "101", "nursejo", "Jo, ward sister"),
        ("twitter", "102", "carertom", "Tom"),
        ("mastodon", "https://social.example/users/sam", "sam@social.example", "Sam, social worker"),
        ("mastodon", "https://social.example/users/lee", "Lee@social.example", "Lee, housing officer"),
    )
    add_posts(
        workspace,
        {"platform": "twitter", "post_id": "1", "account_id": "101", "created_at": at(1, 20),
         "text": "Welcome to tonight's chat #WeNurses", "hashtags": ["wenurses"], "mentions": ["102"]},
        {"platform": "twitter", "post_id": "2", "account_id": "102", "created_at": at(1, 21),
         "text": "A1 handovers at shift change #WeNurses #handover", "hashtags": ["wenurses", "handover"],
         "reply_to": "1"},
        {"platform": "twitter", "post_id": "3", "account_id": "101", "created_at": at(3, 9),
         "text": "RT thanks all", "repost_of": "2", "hashtags": ["wenurses"]},
        {"platform": "mastodon", "post_id": "m1", "account_id": "https://social.example/users/sam",
         "created_at": at(2, 8), "text": "Following #WeNurses from the council side", "hashtags": ["wenurses"],
         "mentions": ["lee@social.example"], "format": "mastodon-api", "source_file": "toots.json"},
    )
    workspace.con.execute("INSERT INTO collections VALUES ('wenurses', 'twitter', '1'), ('wenurses', 'twitter', '2')")
    workspace.con.execute(
        "INSERT INTO runs (run_id, started_at, finished_at, file, format, collection, read, stored, duplicates, "
        "rejected) VALUES (1, ?, ?, 'chat.jsonl', 'twitter-v2', 'wenurses', 5, 3, 1, 1)",
        [datetime(2024, 3, 4, 10, tzinfo=UTC), datetime(2024, 3, 4, 10, 1, tzinfo=UTC)],
    )
    workspace.con.execute(
        "INSERT INTO rejected (rejected_id, run_id, format, file, number, reason, raw) "
        "VALUES (1, 1, 'twitter-v2', 'chat.jsonl', 5, 'line 5 is not JSON', '{oops')"
    )
    return workspace


def parse(html: str) -> Any:
    return lxml.html.document_fromstring(html)


def figures(doc: Any) -> dict[str, str]:
    return {
        item.find("dt").text_content().strip(): item.find_class("value")[0].text_content().strip()
        for item in doc.find_class("figure")
    }


def table_rows(doc: Any, caption: str) -> list[list[str]]:
    for table in doc.iter("table"):
        found = table.find("caption")
        if found is not None and found.text_content().strip().startswith(caption):
            return [[cell.text_content().strip() for cell in row] for row in table.find("tbody")]
    raise AssertionError(f"no table captioned {caption!r}")


def report_for(ws: Workspace, tmp_path: Path, collection: str | None = None, **options: Any) -> str:
    scope = ws.scope(collection=collection)
    return write_report(ws, tmp_path / "report.html", scope, **options).read_text(encoding="utf-8")


# ---------------------------------------------------------------------- the report from a workspace


def test_overview_counts_platforms_collections_and_runs(nurses: Workspace, tmp_path: Path) -> None:
    doc = parse(report_for(nurses, tmp_path))
    shown = figures(doc)
    assert shown["Posts"] == "4"
    assert shown["Accounts posting"] == "3"
    assert shown["First post"] == "01 Mar 2024"
    assert shown["Last post"] == "03 Mar 2024"
    assert shown["Records read"] == "5" and shown["Duplicates"] == "1" and shown["Rejected"] == "1"
    by_platform = table_rows(doc, "Posts by platform")
    assert [row[:6] for row in by_platform] == [
        ["twitter", "3", "1", "1", "1", "2"],
        ["mastodon", "1", "1", "0", "0", "1"],
    ]
    assert table_rows(doc, "Posts by collection")[0][:4] == ["wenurses", "2", "1", "2"]
    assert table_rows(doc, "Most common reasons for rejected records") == [["line 5 is not JSON", "chat.jsonl", "1"]]


def test_overview_ranks_hashtags_and_accounts(nurses: Workspace, tmp_path: Path) -> None:
    doc = parse(report_for(nurses, tmp_path))
    hashtags = table_rows(doc, "Top hashtags in detail")
    assert [row[:3] for row in hashtags] == [["#wenurses", "4", "3"], ["#handover", "1", "1"]]
    active = table_rows(doc, "Most active accounts")
    assert active[0][:4] == ["nursejo", "Jo, ward sister", "twitter", "2"]
    mentioned = {row[0]: row[1:] for row in table_rows(doc, "Most mentioned accounts")}
    # one mention by account id (twitter), one by lower-case handle (mastodon): both show the stored handle
    assert mentioned == {"carertom": ["Tom", "twitter", "1", "1"],
                         "Lee@social.example": ["Lee, housing officer", "mastodon", "1", "1"]}


def test_posts_over_time_chart_has_zero_filled_days_per_platform(nurses: Workspace, tmp_path: Path) -> None:
    doc = parse(report_for(nurses, tmp_path))
    chart = next(fig for fig in doc.find_class("chart") if "Posts per day" in fig.text_content())
    spec = json.loads(chart.get_element_by_id(chart.get("id") + "-spec").text)
    values = {(row["period"], row["platform"]): row["posts"] for row in spec["data"]["values"]}
    assert values == {
        ("2024-03-01", "mastodon"): 0, ("2024-03-01", "twitter"): 2,
        ("2024-03-02", "mastodon"): 1, ("2024-03-02", "twitter"): 0,
        ("2024-03-03", "mastodon"): 0, ("2024-03-03", "twitter"): 1,
    }
    assert spec["config"]["range"]["category"] == list(charts.OKABE_ITO)
    assert "What this shows:" in chart.text_content()
    term = chart.find_class("terms")[0].xpath(".//a[. = 'Posts per period']")[0]
    definition = doc.get_element_by_id(term.get("href")[1:]).getnext().text_content()
    assert definition.startswith("Posts created in each day, week")


def test_collection_filter_limits_every_count(nurses: Workspace, tmp_path: Path) -> None:
    html = report_for(nurses, tmp_path, collection="wenurses")
    doc = parse(html)
    assert figures(doc)["Posts"] == "2"
    assert [row[0] for row in table_rows(doc, "Posts by platform")] == ["twitter"]
    assert doc.find(".//h1").text_content() == "Social media report on “wenurses”, 1 Mar 2024"
    with pytest.raises(NoSuchCollection, match="there is no collection called 'nope'; the collections are: wenurses"):
        write_report(nurses, tmp_path / "other.html", Scope(collections=("nope",)))


def test_report_is_self_contained(nurses: Workspace, tmp_path: Path) -> None:
    html = report_for(nurses, tmp_path)
    doc = parse(html)
    assert all(script.get("src") is None for script in doc.iter("script"))
    assert not list(doc.iter("link")) and not list(doc.iter("iframe")) and not list(doc.iter("img"))
    for element in doc.iter():
        for name in ("src", "href", "srcset", "action", "data"):
            value = element.get(name) or ""
            assert not re.match(r"\s*(https?:)?//", value), f"<{element.tag} {name}={value!r}> points outside the file"
    styles = " ".join(style.text_content() for style in doc.iter("style"))
    assert "@import" not in styles and not re.search(r"url\(\s*['\"]?(https?:)?//", styles)
    for asset in VEGA_ASSETS:
        assert (STATIC / asset).read_text(encoding="utf-8")[:4000] in html
    assert "sigma" not in doc.find(".//nav").text_content().lower()


def test_empty_workspace_renders_a_friendly_report(workspace: Workspace, tmp_path: Path) -> None:
    html = report_for(workspace, tmp_path)
    doc = parse(html)
    overview = doc.get_element_by_id("section-overview")
    assert "holds no posts yet" in overview.text_content()
    assert "sociable import" in overview.text_content()
    assert not doc.find_class("chart")
    assert "Method notes" in doc.find(".//nav").text_content()
    # no chart, so the chart libraries are not inlined and the file stays small
    assert len(html) < 100_000


def test_write_report_to_a_missing_folder_or_a_folder_says_so(workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(SociableError, match=r"folder .* does not exist"):
        write_report(workspace, tmp_path / "missing" / "report.html")
    (tmp_path / "taken").mkdir()
    with pytest.raises(SociableError, match=r"cannot write the report to .*taken"):
        write_report(workspace, tmp_path / "taken")
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".report-")]


# ---------------------------------------------------------------------- registry


def test_registering_a_section_adds_it_to_the_toc_in_order(
    registries: None, nurses: Workspace, tmp_path: Path
) -> None:
    @section("network-demo", "Who talks with whom", order=50)
    def network_demo(ctx: ReportContext, _: None) -> Section:
        posts = ctx.query("SELECT 'twitter' AS platform, 'x' AS handle, NULL AS display_name, "
                          "now() AS created_at, 'hello' AS text").to_pylist()
        return Section("Who talks with whom", "A test network.",
                       [Fragment("post_list.html", {"caption": "Example posts", "posts": posts})],
                       assets=NETWORK_ASSETS)

    @section("nothing", "Nothing here", order=60)
    def nothing(ctx: ReportContext, _: None) -> None:
        return None

    html = report_for(nurses, tmp_path)
    doc = parse(html)
    toc = [link.text_content() for link in doc.xpath("//nav/ol/li/a")]
    assert toc.index("Overview") < toc.index("Who talks with whom") < toc.index("Method notes")
    assert "Nothing here" not in toc
    assert doc.get_element_by_id("section-network-demo").find_class("post-text")[0].text_content() == "hello"
    for asset in (*VEGA_ASSETS, *NETWORK_ASSETS):
        assert (STATIC / asset).read_text(encoding="utf-8")[:4000] in html


def test_analysis_without_a_section_is_shown_generically(registries: None, nurses: Workspace, tmp_path: Path) -> None:
    @dataclass(kw_only=True)
    class ReplyShare(Result):
        name: ClassVar[str] = "reply-share"
        title: ClassVar[str] = "Reply share"
        description: ClassVar[str] = "Replies as a share of posts."
        measures: ClassVar[tuple[Measure, ...]] = (Measure("reply_share", "Replies divided by all posts."),)
        reply_share: float = fact("Reply share")
        platforms: int = fact("Platforms")
        details: dict[str, str] = fact("Details", default={})
        by_platform: pa.Table = table_field("By platform")

    @analysis("reply-share", "Reply share", "How much of each platform's traffic is replies.", result=ReplyShare,
              order=40)
    def reply_share(ws: Any, scope: Scope) -> ReplyShare:
        table = ws.query("SELECT platform, avg((reply_to IS NOT NULL)::INT) AS reply_share FROM posts p "
                         f"WHERE {scope.condition('p')} GROUP BY platform ORDER BY platform", scope.params())
        return ReplyShare(reply_share=0.5, platforms=1, details={"skip": "me"}, by_platform=table,
                          notes=("Twitter carries all the replies.",))

    @analysis("broken", "Broken analysis", "Always fails.", result=ReplyShare, order=41)
    def broken(ws: Any, scope: Scope) -> ReplyShare:
        raise SociableError("the lexicon file is missing; reinstall sociable.")

    @analysis("replaced", "Replaced analysis", "Has its own section.", result=ReplyShare, order=42)
    def replaced(ws: Any, scope: Scope) -> ReplyShare:
        raise AssertionError("an analysis with its own section is not run for the generic view")

    @section("replaced", "Own view", order=42)
    def own_view(ctx: ReportContext, _: None) -> Section:
        return Section("Own view", "A custom section replaces the generic one.", [Paragraph("custom")])

    doc = parse(report_for(nurses, tmp_path, collection="wenurses"))
    assert doc.get_element_by_id("section-replaced").find_class("intro")[0].text_content() == (
        "What this shows: A custom section replaces the generic one.")
    generic = doc.get_element_by_id("section-reply-share")
    assert figures(generic) == {"Reply share": "50%", "Platforms": "1"}  # shares are shown as percentages
    assert "Twitter carries all the replies." in generic.text_content()
    assert table_rows(generic, "By platform") == [["twitter", "50%"]]
    assert "Replies divided by all posts." in generic.find_class("glossary")[0].text_content()
    failed = doc.get_element_by_id("section-broken")
    assert "This analysis could not run: the lexicon file is missing" in failed.text_content()
    method = doc.get_element_by_id("section-method").text_content()
    assert "Replies divided by all posts." in method and "Posts per period" in method


def test_renderer_works_from_plain_tables_without_a_workspace() -> None:
    table = pa.table({"handle": ["a", "b"], "posts": [3, 12], "last": [datetime(2024, 1, 2, tzinfo=UTC), None]})
    spec = charts.bar_chart(table, category="handle", value="posts")
    built = [Section("Plain", "From plain tables.", [
        Chart("Posts by handle", spec, "Who posted most.", data=table),
        Table("Posts", table, labels={"handle": "Handle"}, max_rows=1),
        Paragraph("A note."),
    ], name="plain")]
    doc = parse(render_sections(built, title="Plain report", now=datetime(2024, 5, 1, tzinfo=UTC)))
    assert doc.find(".//title").text == "Plain report"
    assert "1 May 2024" in doc.find_class("report-meta")[0].text_content()
    assert table_rows(doc, "Posts") == [["a", "3", "2024-01-02 00:00 UTC"]]
    assert "(first 1 of 2 rows)" in doc.find_class("note")[0].text_content()
    assert table_rows(doc, "Data behind") == [["a", "3", "2024-01-02 00:00 UTC"], ["b", "12", "–"]]


# ---------------------------------------------------------------------- escaping


@pytest.fixture
def hostile(workspace: Workspace) -> Workspace:
    add_accounts(workspace, ("twitter", "666", HOSTILE_HANDLE, HOSTILE_NAME), ("twitter", "7", "calm", "Calm"))
    add_posts(
        workspace,
        {"platform": "twitter", "post_id": "1", "account_id": "666", "created_at": at(1), "text": HOSTILE_TEXT,
         "hashtags": [HOSTILE_TAG], "mentions": ["7"], "uri": "javascript:alert(6)",
         "source_file": "<script>alert(7)</script>.jsonl"},
        {"platform": "twitter", "post_id": "2", "account_id": "7", "created_at": at(2), "text": "fine",
         "mentions": [HOSTILE_HANDLE.lower()], "uri": "https://example.org/p/2"},
    )
    workspace.con.execute("INSERT INTO collections VALUES (?, 'twitter', '1'), (?, 'twitter', '2')",
                          [HOSTILE_COLLECTION, HOSTILE_COLLECTION])
    return workspace


def test_hostile_corpus_is_escaped_everywhere(registries: None, hostile: Workspace, tmp_path: Path) -> None:
    @section("quoted", "Quoted posts", order=20)
    def quoted(ctx: ReportContext, _: None) -> Section:
        posts = ctx.query("SELECT p.platform, a.handle, a.display_name, p.created_at, p.text, p.uri FROM posts p "
                          "JOIN accounts a USING (platform, account_id) ORDER BY p.post_id").to_pylist()
        return Section("Quoted posts", "Posts shown as written.", [Fragment("post_list.html", {"posts": posts})])

    html = report_for(hostile, tmp_path, collection=HOSTILE_COLLECTION, title=f"Report {HOSTILE_NAME}")
    doc = parse(html)
    scripts = list(doc.iter("script"))
    assert html.lower().count("<script") == html.lower().count("</script") == len(scripts)
    assert {script.get("type") for script in scripts} <= {None, "application/json"}
    assert not list(doc.iter("img")) and not list(doc.iter("svg")) and not list(doc.iter("b"))
    handlers = [(el.tag, name) for el in doc.iter() for name in el.attrib if name.lower().startswith("on")]
    assert handlers == []
    for needle in ("<img src=x", "<b onmouseover", "<svg onload", "<script>alert"):
        assert needle not in html
    # the data still reads back exactly as written
    texts = [el.text_content() for el in doc.find_class("post-text")]
    assert texts == [HOSTILE_TEXT, "fine"]
    assert HOSTILE_HANDLE in [el.text_content() for el in doc.find_class("handle")]
    assert doc.find(".//title").text == f"Report {HOSTILE_NAME}"
    assert HOSTILE_COLLECTION in doc.find_class("report-meta")[0].text_content()
    links = [a.get("href") for a in doc.get_element_by_id("section-quoted").iter("a")]
    assert links == ["https://example.org/p/2"]
    specs = [json.loads(s.text) for s in scripts if s.get("type") == "application/json"]
    hashtags = [row["hashtag"] for spec in specs for row in spec["data"]["values"] if "hashtag" in row]
    assert hashtags == ["#" + HOSTILE_TAG]
    assert "#" + HOSTILE_TAG in [row[0] for row in table_rows(doc, "Top hashtags in detail")]
    assert HOSTILE_HANDLE in [row[0] for row in table_rows(doc, "Most mentioned accounts")]


def test_chart_tooltips_escape_text() -> None:
    script = (STATIC / "report.js").read_text(encoding="utf-8")
    assert "sanitize: escapeText" in script
    assert 'replace(/</g, "&lt;")' in script


@given(st.text())
def test_script_json_is_inert_inside_a_script_element(text: str) -> None:
    encoded = str(script_json({"text": text, "list": [text]}))
    assert not set(encoded) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(encoded) == {"text": text, "list": [text]}


def test_web_link_keeps_only_plain_http_addresses() -> None:
    assert web_link("https://mastodon.example/@sam/1") == "https://mastodon.example/@sam/1"
    assert web_link("javascript:alert(1)") is None
    assert web_link("https://x.example/\"onmouseover=alert(1)") is None
    assert web_link(None) is None


# ---------------------------------------------------------------------- assets and accessibility


def test_inline_asset_refuses_names_outside_the_static_folder() -> None:
    with pytest.raises(UnreadableFile, match=re.escape("'../html.py' is not in sociable's static folder")):
        inline_asset("../html.py")
    with pytest.raises(UnreadableFile, match="not in sociable's static folder"):
        inline_asset("d3.min.js")
    assert "</script" not in inline_asset("vega.min.js").lower()


def test_vendored_libraries_and_their_licences_are_present() -> None:
    notices = (STATIC / "THIRD_PARTY_NOTICES.txt").read_text(encoding="utf-8")
    for name, licence in (("vega@", "BSD-3-Clause"), ("vega-lite@", "BSD-3-Clause"), ("vega-embed@", "BSD-3-Clause"),
                          ("sigma@", "MIT"), ("graphology@", "MIT")):
        assert re.search(rf"^{licence}: (.*, )?{re.escape(name)}\d", notices, flags=re.MULTILINE), name
    assert "Redistribution and use in source and binary forms" in notices
    assert "Permission is hereby granted, free of charge" in notices
    versions = {name: re.search(rf"^{name.upper().replace('-', '_')}=(\S+)$",
                                (Path(__file__).parents[2] / "scripts" / "vendor.sh").read_text(), re.MULTILINE)
                for name in ("vega", "vega-lite", "vega-embed", "sigma", "graphology")}
    for name, found in versions.items():
        assert found is not None and f"{name}@{found.group(1)}" in notices


def test_report_structure_is_accessible(nurses: Workspace, tmp_path: Path) -> None:
    doc = parse(report_for(nurses, tmp_path))
    assert doc.get("lang") == "en-GB"
    assert doc.find(".//header") is not None and doc.find(".//main") is not None
    nav = doc.find(".//nav")
    assert nav.get("aria-labelledby") == "toc-title"
    for link in nav.iter("a"):
        target = link.get("href")[1:]
        assert doc.get_element_by_id(target) is not None
    for part in doc.iter("section"):
        assert doc.get_element_by_id(part.get("aria-labelledby")).tag == "h2"
    for table in doc.iter("table"):
        assert table.find("caption") is not None
        assert all(th.get("scope") == "col" for th in table.find("thead").iter("th"))
        assert all(th.find("button") is not None for th in table.find("thead").iter("th"))
    for holder in doc.find_class("vega"):
        assert holder.get("role") == "img" and holder.get("aria-label")


def test_builtin_sections_come_first_and_method_notes_last(nurses: Workspace) -> None:
    built = build_sections(ReportContext(nurses))
    assert [b.name for b in built[:2]] == ["summary", "overview"] and built[-1].name == "method"
    assert all(b.order >= built[0].order for b in built)


# ---------------------------------------------------------------------- periods


def test_time_unit_grows_with_the_span() -> None:
    assert time_unit(date(2024, 1, 1), date(2024, 3, 1)) == "day"
    assert time_unit(date(2024, 1, 1), date(2024, 9, 1)) == "week"
    assert time_unit(date(2020, 1, 1), date(2024, 1, 1)) == "month"


def test_bucket_counts_sum_weeks_from_monday_and_fill_gaps() -> None:
    rows = [
        {"day": date(2024, 3, 4), "platform": "bluesky", "posts": 2},  # Monday
        {"day": date(2024, 3, 10), "platform": "bluesky", "posts": 1},  # Sunday, same week
        {"day": date(2024, 3, 20), "platform": "mastodon", "posts": 5},  # two weeks later
    ]
    series = bucket_counts(rows, "week")
    assert [(r["period"].isoformat(), r["platform"], r["posts"]) for r in series] == [
        ("2024-03-04", "bluesky", 3), ("2024-03-04", "mastodon", 0),
        ("2024-03-11", "bluesky", 0), ("2024-03-11", "mastodon", 0),
        ("2024-03-18", "bluesky", 0), ("2024-03-18", "mastodon", 5),
    ]
    months = bucket_counts([{"day": date(2024, 1, 31), "platform": "x", "posts": 1},
                            {"day": date(2024, 3, 1), "platform": "x", "posts": 1}], "month")
    assert [r["period"] for r in months] == [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)]


def test_open_workspace_round_trip(tmp_path: Path) -> None:
    with sociable.open(tmp_path / "ws.duckdb") as ws:
        target = write_report(ws, tmp_path / "out.html", title="Empty")
    assert target == tmp_path / "out.html" and target.read_text(encoding="utf-8").startswith("<!doctype html>")
