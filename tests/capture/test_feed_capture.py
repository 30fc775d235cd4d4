"""Feed capture against a blog server started here: a page naming its feed, ETag polling, comment feeds."""

from __future__ import annotations

from pathlib import Path

import pytest
from capture_feeds import Blog
from typer.testing import CliRunner

import sociable
from sociable.cli import app
from sociable.cli.capture import parse_interval
from sociable.errors import SociableError
from sociable.sources.live.feeds import FeedOptions, feed_links, read_url_list


def test_feeds_are_found_polled_with_etags_and_their_comment_feeds_followed(tmp_path: Path) -> None:
    blog = Blog(publish_after=3)  # the page's feed, its first poll, a 304, then a new post
    base = blog.start()
    urls = tmp_path / "feeds.txt"
    urls.write_text(f"# blogs we follow\n{base}/blog/\n\n{base}/news.atom\n")
    path = tmp_path / "ws.duckdb"
    try:
        done = CliRunner().invoke(app, ["-w", str(path), "capture", "feeds", str(urls), "--every", "0.4s",
                                        "--duration", "3", "-c", "blogs", "--name", "blogs"])
        assert done.exit_code == 0, done.output
        again = CliRunner().invoke(app, ["-w", str(path), "capture", "feeds", str(urls), "--every", "10m",
                                         "--duration", "1", "-c", "blogs", "--name", "blogs"])
        assert again.exit_code == 0, again.output
    finally:
        blog.stop()
    with sociable.open(path, read_only=True) as ws:
        rows = {r["post_id"]: r for r in ws.posts(collection="blogs", limit=None).to_pylist()}
        capture = ws.captures()[0]
    posts = {f"{base}/blog/2024/03/12/handover/", f"{base}/blog/2024/02/27/kettle/", f"{base}/blog/2024/03/14/snow/"}
    comment = f"{base}/blog/2024/03/12/handover/#comment-19"
    news = f"{base}/news/day-centre"
    assert set(rows) == posts | {comment, news}
    assert rows[comment]["reply_to"] == f"{base}/blog/2024/03/12/handover/"
    assert rows[news]["text"].startswith("Care & support: new day centre opens")
    assert "SBAR & a whiteboard" in rows[f"{base}/blog/2024/03/12/handover/"]["text"]
    feed_polls = [(tag, status) for p, tag, status in blog.requests if p == "/blog/feed/"]
    assert feed_polls[:4] == [(None, 200), (None, 200), ('"v1"', 304), ('"v1"', 200)]
    assert ('"v2"', 304) in feed_polls[4:]  # and the restart polled with the saved ETag
    assert ("/news.atom", None, 503) in blog.requests  # retried
    assert capture["stored"] == 5 and capture["duplicates"] == 0
    assert "Going to suggest" in rows[comment]["text"]


def test_lists_intervals_and_pages() -> None:
    assert parse_interval("30m") == 1800 and parse_interval("1h") == 3600 and parse_interval("90") == 90
    with pytest.raises(SociableError, match="--every expects"):
        parse_interval("soon")
    with pytest.raises(SociableError, match="at least one feed"):
        FeedOptions()
    assert feed_links('<link rel="alternate" type="application/atom+xml" href="/a.xml">', "https://b.example/x/") == [
        "https://b.example/a.xml"]


def test_a_bad_list_line_is_named(tmp_path: Path) -> None:
    urls = tmp_path / "feeds.txt"
    urls.write_text("https://ok.example/feed\nftp://nope\n")
    with pytest.raises(SociableError, match=r"line 2 of .*feeds\.txt is not an http"):
        read_url_list(urls)
