"""RSS/Atom feeds: golden files, sniffing, comment-to-post linkage and offline parsing."""

from __future__ import annotations

import dataclasses
import json
import socket
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from sociable.errors import MappingError, UnreadableFile
from sociable.sources import feeds, tabular
from sociable.sources.base import Mapped, RawRecord, Rejected, head_bytes
from sociable.sources.registry import detect_format

FEED_DIR = Path(__file__).parents[1] / "fixtures" / "feeds"
FEED = feeds.FORMATS[0]
FEED_FILES = sorted(p for p in FEED_DIR.iterdir() if not p.name.endswith(".json"))


def as_dict(record: Any) -> dict[str, Any]:
    out = {}
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        out[field.name] = value
    return out


def mapped_file(path: Path) -> dict[str, list[dict[str, Any]]]:
    posts, accounts, rejected = [], [], []
    for record in FEED.read(path, {}):
        if isinstance(record, Rejected):
            rejected.append({"number": record.number, "reason": record.reason})
            continue
        try:
            mapped = FEED.map(record.raw)
        except MappingError as exc:
            rejected.append({"number": record.number, "reason": str(exc)})
            continue
        posts += [as_dict(p) for p in mapped.posts]
        accounts += [as_dict(a) for a in mapped.accounts]
    return {"posts": posts, "accounts": accounts, "rejected": rejected}


def raw_records(path: Path) -> list[RawRecord]:
    return [r for r in FEED.read(path, {}) if isinstance(r, RawRecord)]


def posts_of(*names: str) -> list[Any]:
    found = []
    for name in names:
        for record in raw_records(FEED_DIR / name):
            try:
                found += FEED.map(record.raw).posts
            except MappingError:
                continue
    return found


@pytest.mark.parametrize("path", FEED_FILES, ids=lambda p: p.name)
def test_golden(path: Path) -> None:
    expected = json.loads(path.with_name(path.name.rsplit(".", 1)[0] + ".expected.json").read_text())
    assert mapped_file(path) == expected


@pytest.mark.parametrize("path", FEED_FILES, ids=lambda p: p.name)
def test_sniff_recognises_feed_files_and_csv_does_not(path: Path) -> None:
    head = head_bytes(path)
    assert FEED.sniff(path, head)
    assert not tabular.FORMATS[0].sniff(path, head)
    assert detect_format(path).name == "feed"


@pytest.mark.parametrize(
    "content",
    [
        b'{"id": "1", "text": "a tweet"}\n{"id": "2", "text": "another"}\n',
        b'[{"id": "109876", "content": "<p>a toot</p>", "account": {"acct": "nurse@example.social"}}]',
        b"window.YTD.tweets.part0 = [ {\n  \"tweet\" : { } } ]",
        b"id,created_at,text\n1,2024-01-01,hello\n",
        b"<!DOCTYPE html>\n<html><head><title>Ward news</title></head><body><p>rss</p></body></html>",
        b'<?xml version="1.0"?><note><to>Ward 7</to><body>feed</body></note>',
        b"<feed><entry>not Atom: no namespace</entry></feed>",
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description/></rdf:RDF>',
        b"",
    ],
    ids=["jsonl", "json-array", "tweets-js", "csv", "html", "other-xml", "bare-feed", "rdf-not-rss", "empty"],
)
def test_sniff_refuses_other_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "input.xml"
    path.write_bytes(content)
    assert not FEED.sniff(path, content)


def test_sniff_sees_past_prologue_and_bom(tmp_path: Path) -> None:
    content = (
        b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- generated nightly -->\n'
        b'<?xml-stylesheet href="feed.xsl" type="text/xsl"?>\n<!DOCTYPE rss>\n<rss version="2.0"><channel/></rss>'
    )
    assert FEED.sniff(tmp_path / "x", content)


def test_wordpress_comments_reply_to_the_posts_of_the_main_feed() -> None:
    posts = {p.post_id: p for p in posts_of("nurse_blog.rss")}
    comments = posts_of("nurse_blog_comments.rss", "nurse_blog_post_comments.rss")
    assert len(comments) == 5
    for comment in comments:
        assert comment.reply_to in posts
        assert comment.root == comment.reply_to
        assert comment.reply_to_account == posts[comment.reply_to].account_id == "https://nightshiftnotes.blog"
        assert comment.account_id.startswith("https://nightshiftnotes.blog#commenter:")


def test_same_commenter_has_one_account_in_site_and_post_comment_feeds() -> None:
    site_wide = {p.post_id: p.account_id for p in posts_of("nurse_blog_comments.rss")}
    per_post = {p.post_id: p.account_id for p in posts_of("nurse_blog_post_comments.rss")}
    shared = site_wide.keys() & per_post.keys()
    assert shared
    assert all(site_wide[key] == per_post[key] for key in shared)


def test_blogger_comments_reply_to_blogger_posts() -> None:
    posts = {p.post_id: p for p in posts_of("blogger_posts.atom")}
    comments = posts_of("blogger_comments.atom")
    assert comments
    for comment in comments:
        assert comment.reply_to in posts
        assert comment.reply_to_account == "https://frontlineswdiaries.blogspot.com"


def test_multi_author_blog_gives_each_author_an_account_but_single_author_blog_does_not() -> None:
    assert {p.account_id for p in posts_of("blogger_posts.atom")} == {
        "http://www.blogger.com/profile/11112222333344445555",
        "http://www.blogger.com/profile/66667777888899990000",
    }
    assert {p.account_id for p in posts_of("nurse_blog.rss")} == {"https://nightshiftnotes.blog"}


def test_multi_author_without_uri_uses_blog_url_and_name(tmp_path: Path) -> None:
    path = tmp_path / "team.rss"
    path.write_text(
        '<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        "<title>Ward 9 team</title><link>https://ward9.example.org/</link><description>d</description>"
        "<item><title>A</title><link>https://ward9.example.org/a</link><dc:creator>Sue</dc:creator>"
        "<pubDate>Mon, 04 Mar 2024 10:00:00 +0000</pubDate></item>"
        "<item><title>B</title><link>https://ward9.example.org/b</link><dc:creator>Raj</dc:creator>"
        "<pubDate>Tue, 05 Mar 2024 10:00:00 +0000</pubDate></item></channel></rss>"
    )
    authors = [FEED.map(r.raw).posts[0].account_id for r in raw_records(path)]
    assert authors == ["https://ward9.example.org#author:Sue", "https://ward9.example.org#author:Raj"]


def test_entry_without_dates_is_rejected_with_reason() -> None:
    records = raw_records(FEED_DIR / "nurse_blog.rss")
    with pytest.raises(MappingError, match="neither a published nor an updated date"):
        FEED.map(records[2].raw)


def test_map_works_from_stored_raw_alone() -> None:
    for path in FEED_FILES:
        for record in raw_records(path):
            stored = orjson.loads(orjson.dumps(record.raw))
            try:
                expected: Mapped | None = FEED.map(record.raw)
            except MappingError:
                expected = None
            if expected is None:
                with pytest.raises(MappingError):
                    FEED.map(stored)
            else:
                assert FEED.map(stored) == expected


def test_email_addresses_are_not_kept_in_raw_records() -> None:
    for path in FEED_FILES:
        for record in raw_records(path):
            assert b"@blogger.com" not in orjson.dumps(record.raw)


def test_reading_never_opens_a_network_connection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the feed reader tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    path = tmp_path / "external.rss"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "http://dtd.example.invalid/rss.dtd">\n'
        '<rss version="2.0"><channel><title>t</title><link>https://blog.example.org/</link>'
        "<item><title>x</title><link>https://blog.example.org/x</link>"
        "<pubDate>Mon, 04 Mar 2024 10:00:00 +0000</pubDate></item></channel></rss>"
    )
    records = raw_records(path)
    assert [FEED.map(r.raw).posts[0].post_id for r in records] == ["https://blog.example.org/x"]


def test_not_a_feed_raises_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Handover notes for Tuesday: nothing to report.")
    with pytest.raises(UnreadableFile, match="not a readable RSS or Atom feed"):
        list(FEED.read(path, {}))


@pytest.mark.parametrize("raw", [None, [], {"feed": {}}, {"entry": "text"}], ids=repr)
def test_map_refuses_records_of_the_wrong_shape(raw: Any) -> None:
    with pytest.raises(MappingError):
        FEED.map(raw)


def test_entry_without_id_or_link_is_refused() -> None:
    raw = {"feed": {"link": "https://blog.example.org"}, "entry": {"title": "t", "published": "2024-03-01T00:00:00Z"}}
    with pytest.raises(MappingError, match="no id"):
        FEED.map(raw)


def test_html_to_text_keeps_paragraphs_and_unescapes_entities() -> None:
    text, links, images = feeds.html_to_text(
        '<p>Tea &amp; toast&nbsp;at 10</p><script>alert(1)</script><p><a href="https://a.example/">link</a>'
        '<img src="x.png"></p>'
    )
    assert text == "Tea & toast at 10\n\nlink"
    assert links == ["https://a.example/"]
    assert images == 1
