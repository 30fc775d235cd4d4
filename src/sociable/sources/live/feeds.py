"""Blogs and news feeds: RSS and Atom polled on an interval with ETag and Last-Modified, comment feeds found.

Each address in the list is a feed or a page: a page is read for its `<link rel="alternate">`
feed, and a WordPress site's `/feed/` is tried when the page names none. Every feed is then
polled every `--every` seconds (with a tenth of jitter, so many feeds do not hit at once),
sending the `ETag` and `Last-Modified` it last got, so an unchanged feed costs a 304.
Comment feeds are followed too: those entries name with `wfw:commentRss` (WordPress) or
with a `replies` link (Atom, Blogger). Entries are mapped as `sociable import` maps feed
files, so a blog's posts and its comments join up as posts and replies. The cursor holds, per
feed, its validators and the feed found for each address.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import orjson

from sociable.errors import MappingError, SociableError, UnreadableFile
from sociable.sources.base import RawRecord
from sociable.sources.feeds import FORMAT_NAME, PLATFORM, map_record, parse_feed
from sociable.sources.live.base import Backoff, CaptureSink, Counts, Recent
from sociable.sources.live.batching import BatchingCapture, capture_session
from sociable.sources.live.profiles import retry_after

_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")
_MAX_COMMENT_FEEDS = 200  # comment feeds followed per capture (the newest entries' first)
USER_AGENT = "sociable (research capture; +https://github.com/sociable)"


@dataclass(frozen=True, slots=True)
class FeedOptions:
    """Which feeds or blogs, and how often."""

    urls: tuple[str, ...] = ()
    every: float = 1800.0
    comments: bool = True
    duration: float | None = None
    max_posts: int | None = None
    batch_seconds: float = 1.0
    first_backoff: float = 1.0
    longest_backoff: float = 600.0

    def __post_init__(self) -> None:
        urls = tuple(dict.fromkeys(u.strip() for u in self.urls if u.strip()))
        object.__setattr__(self, "urls", urls)
        if not urls:
            raise SociableError("a feed capture needs at least one feed or blog address.")
        bad = [u for u in urls if not u.startswith(("http://", "https://"))]
        if bad:
            raise SociableError(f"feed addresses should start with http:// or https://; '{bad[0]}' does not.")
        if self.every <= 0:
            raise SociableError(f"--every should be a time above 0, not {self.every:g} seconds.")

    def saved(self) -> dict[str, Any]:
        return {"urls": list(self.urls), "every": self.every, "comments": self.comments}

    def default_name(self) -> str:
        return f"feeds ({len(self.urls)})" if len(self.urls) > 1 else f"feed {self.urls[0]}"[:100]


_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")


def parse_interval(value: str) -> float:
    """An interval ('30m', '1h', '90s', '45') as seconds."""
    found = _INTERVAL.match(value)
    if not found:
        raise SociableError(f"--every expects a time such as 30m, 1h or 90s, not '{value}'.")
    return float(found[1]) * {"s": 1, None: 1, "m": 60, "h": 3600, "d": 86400}[found[2]]


def check_urls(lines: list[str], where: str) -> list[str]:
    """Feed or blog addresses, one a line; blank lines and lines starting with # are skipped."""
    urls = []
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not line.startswith(("http://", "https://")):
            raise SociableError(f"line {number} of {where} is not an http(s) address ('{line[:60]}'); "
                                "expected one feed or blog address a line.")
        urls.append(line)
    return urls


def read_url_list(path: str | Path) -> list[str]:
    """The addresses in a list file: one a line; blank lines and lines starting with # are skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UnreadableFile(f"{path} could not be read ({exc.strerror or exc}).") from None
    return check_urls(text.splitlines(), str(path))


class _FeedLinks(HTMLParser):
    """The feeds a page names with `<link rel="alternate" type="application/rss+xml" href="...">`."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        values = {k: (v or "") for k, v in attrs}
        rel, kind = values.get("rel", "").lower().split(), values.get("type", "").lower()
        if "alternate" in rel and kind in _FEED_TYPES and values.get("href"):
            self.found.append(values["href"])


def feed_links(html: str, base: str) -> list[str]:
    parser = _FeedLinks()
    with contextlib.suppress(Exception):
        parser.feed(html)
    return [urljoin(base, href) for href in parser.found]


def comment_feeds(raw: dict[str, Any]) -> list[str]:
    """Comment feeds an entry names: `wfw:commentRss`, or an Atom `replies` link to a feed."""
    value = raw.get("entry")
    entry: dict[str, Any] = value if isinstance(value, dict) else {}
    found = []
    if isinstance(entry.get("wfw_commentrss"), str):
        found.append(entry["wfw_commentrss"])
    for link in entry.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "replies" and str(link.get("type", "")) in _FEED_TYPES:
            found.append(str(link.get("href")))
    return [u for u in found if u.startswith(("http://", "https://"))]


class FeedCapture(BatchingCapture):
    """One run of a feed capture: each feed polled in its own loop, entries stored once."""

    format = FORMAT_NAME
    platform = PLATFORM

    def __init__(self, options: FeedOptions, sink: CaptureSink, name: str,
                 progress: Callable[[Counts, str | None], None] | None = None) -> None:
        super().__init__(sink, name, options.batch_seconds, options.max_posts, progress)
        self.options = options
        self.validators: dict[str, dict[str, str | None]] = {}  # feed URL → its ETag and Last-Modified
        self.pages: dict[str, str] = {}  # an address given → the feed found for it
        self.comment_feeds: list[str] = []
        self.seen = Recent(500_000)
        self.following: set[str] = set()
        self.tasks: list[asyncio.Task[None]] = []

    def cursor_text(self) -> str:
        return orjson.dumps({"feeds": self.validators, "pages": self.pages, "comments": self.comment_feeds}).decode()

    def _load(self, cursor: str | None) -> None:
        try:
            state = orjson.loads(cursor) if cursor else {}
        except orjson.JSONDecodeError:
            state = {}
        if isinstance(state, dict):
            feeds, pages, comments = state.get("feeds"), state.get("pages"), state.get("comments")
            self.validators = feeds if isinstance(feeds, dict) else {}
            self.pages = pages if isinstance(pages, dict) else {}
            self.comment_feeds = [c for c in comments if isinstance(c, str)] if isinstance(comments, list) else []

    async def run(self, stop: asyncio.Event | None = None) -> Counts:
        if stop is not None:
            self.stop = stop
        start = await asyncio.to_thread(self.sink.start, "feeds", PLATFORM, self.options.saved())
        self.known = set(start.known_posts)
        self._load(start.cursor)
        async with capture_session(self.stop, self.options.duration, self.sink), httpx.AsyncClient(
                timeout=httpx.Timeout(30.0), follow_redirects=True, headers={"User-Agent": USER_AGENT}) as client:
            self.client = client
            for url in self.options.urls:
                self._follow(url, discover=True)
            for url in list(self.comment_feeds):
                self._follow(url, discover=False)
            await self._serve(self.tasks)
        return self.totals

    def _follow(self, url: str, discover: bool) -> None:
        if url in self.following:
            return
        self.following.add(url)
        self.tasks.append(asyncio.create_task(self._poll_loop(url, discover)))

    async def _poll_loop(self, address: str, discover: bool) -> None:
        backoff = Backoff(self.options.first_backoff, self.options.longest_backoff)
        while not self.stop.is_set():
            try:
                wait = await self._poll(address, discover)
                backoff.reset()
            except (httpx.HTTPError, UnreadableFile) as exc:
                self.note_error(f"{address}: {type(exc).__name__}: {exc}"[:300])
                wait = backoff.next()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), wait)

    async def _poll(self, address: str, discover: bool) -> float:
        """Fetch the feed (found from the page the first time); return how long to wait before the next poll."""
        every = self.options.every * random.uniform(0.9, 1.1)
        feed = self.pages.get(address) or address
        known = self.validators.get(feed, {})
        headers = {k: v for k, v in (("If-None-Match", known.get("etag")),
                                     ("If-Modified-Since", known.get("modified"))) if v}
        response = await self.client.get(feed, headers=headers)
        if response.status_code == 304:
            return every
        if response.status_code in (429, 503):
            self.note_error(f"{feed}: HTTP {response.status_code}")
            return retry_after(response.headers.get("Retry-After"), every)
        response.raise_for_status()
        kind = response.headers.get("Content-Type", "").lower()
        if "html" in kind and discover and feed == address:
            self.pages[address] = await self._discover(address, response.text)
            return await self._poll(address, discover=False)
        self.validators[feed] = {"etag": response.headers.get("ETag"),
                                 "modified": response.headers.get("Last-Modified")}
        self._entries(feed, response.content)
        return every

    async def _discover(self, page: str, html: str) -> str:
        """The feed a page names, else its WordPress `/feed/`, else an error naming the page."""
        for candidate in [*feed_links(html, page), urljoin(page.rstrip("/") + "/", "feed/")]:
            response = await self.client.get(candidate)
            if response.status_code == 200 and "html" not in response.headers.get("Content-Type", "").lower():
                return candidate
        raise UnreadableFile(f"{page} names no feed (no <link rel=\"alternate\"> and no /feed/); "
                             "give the feed's own address.")

    def _entries(self, feed: str, data: bytes) -> None:
        raws = parse_feed(data, feed)
        counts = self.pending.counts
        for raw in raws:
            counts.received += 1
            if self.options.comments:
                for url in comment_feeds(raw):
                    if url not in self.following and len(self.comment_feeds) < _MAX_COMMENT_FEEDS:
                        self.comment_feeds.append(url)
                        self._follow(url, discover=False)
            record = RawRecord(FORMAT_NAME, feed, self.next_number(), raw)
            try:
                mapped = map_record(raw)
            except MappingError as exc:
                self.reject(orjson.dumps(raw).decode(), f"an entry of {feed}: {exc}")
                continue
            for post in mapped.posts:
                if post.post_id in self.known or self.seen.seen(post.post_id):
                    continue  # unchanged entries come back on every poll
                counts.matched += 1
                authors = [a for a in mapped.accounts if a.account_id == post.account_id][:1]
                self.pending.add(post.post_id, (record, [post], authors))
