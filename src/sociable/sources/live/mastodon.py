"""Mastodon: hashtag timelines over REST, and optionally the streaming API, on several servers at once.

For every server and tag the capture pages the hashtag timeline (`/api/v1/timelines/tag/:tag`):
back with `max_id` to the `--since` date on its first run (backfill), then forward with
`min_id` from the newest status it has, every `--every` seconds. With `--stream` it also
listens to `/api/v1/streaming/hashtag` (server-sent events) for new statuses (`update`),
edits (`status.update`) and deletes (`delete`); the REST polls fill any gap a dropped stream
leaves. A status seen on several servers is one post: posts are keyed by their canonical
ActivityPub `uri`, never the server-local id. The cursor is, per server and tag, the newest
and oldest local ids reached and whether the backfill is done.

`X-RateLimit-Remaining`/`X-RateLimit-Reset` are honoured (the capture waits for the reset
when a server says it has one request left), 429s wait for `Retry-After`, and 5xx and
dropped connections are retried with backoff. Accounts with `discoverable: false`,
`noindex: true` or an opt-out word in their bio are not collected. Only public and unlisted
statuses are.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from sociable.errors import MappingError, SociableError
from sociable.sources.activitypub import PLATFORM, plain_text
from sociable.sources.base import RawRecord, parse_time
from sociable.sources.live.base import (
    Backoff,
    CaptureSink,
    Counts,
    Recent,
    account_digest,
    opted_out_by_text,
)
from sociable.sources.live.batching import BatchingCapture, capture_session
from sociable.sources.live.profiles import retry_after
from sociable.sources.mastodon import API_FORMAT, map_api

_PAGE = 40  # the most statuses a timeline page gives
_PUBLIC = frozenset({"public", "unlisted"})
_LOCAL_IDS = 200_000  # server-local ids remembered per capture, to apply deletes


@dataclass(frozen=True, slots=True)
class MastodonOptions:
    """What a Mastodon capture follows (hashtags) and where (servers)."""

    servers: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    since: date | None = None
    stream: bool = False
    every: float = 60.0
    token: str | None = None
    duration: float | None = None
    max_posts: int | None = None
    batch_seconds: float = 1.0
    first_backoff: float = 0.5
    longest_backoff: float = 60.0

    def __post_init__(self) -> None:
        servers = tuple(dict.fromkeys(base_url(s) for s in self.servers if s.strip()))
        object.__setattr__(self, "servers", servers)
        object.__setattr__(self, "tags", tuple(dict.fromkeys(t.strip().lstrip("#").lower() for t in self.tags
                                                             if t.strip().lstrip("#"))))
        if not self.servers:
            raise SociableError("a Mastodon capture needs at least one --server (e.g. mastodon.social).")
        if not self.tags:
            raise SociableError("a Mastodon capture needs at least one --tag to follow.")
        if self.every <= 0:
            raise SociableError(f"--every should be a number of seconds above 0, not {self.every:g}.")
        if self.duration is not None and self.duration <= 0:
            raise SociableError(f"--duration should be a number of seconds above 0, not {self.duration:g}.")
        if self.max_posts is not None and self.max_posts < 1:
            raise SociableError(f"--max-posts should be at least 1, not {self.max_posts}.")

    def saved(self) -> dict[str, Any]:
        return {"servers": list(self.servers), "tags": list(self.tags), "stream": self.stream,
                "since": self.since.isoformat() if self.since else None, "every": self.every}

    def default_name(self) -> str:
        hosts = " ".join(s.split("://", 1)[1] for s in self.servers)
        return ("mastodon " + " ".join(f"#{t}" for t in self.tags) + " on " + hosts)[:100]


def base_url(server: str) -> str:
    """A server as a base URL: `mastodon.social` → `https://mastodon.social`."""
    server = server.strip().rstrip("/")
    return server if server.startswith(("http://", "https://")) else f"https://{server}"


def withheld(account: Any) -> str | None:
    """Why an account is not collected (None when it may be)."""
    if not isinstance(account, dict):
        return "no account"
    if account.get("discoverable") is False:
        return "not discoverable"
    if account.get("noindex") is True:
        return "noindex"
    if opted_out_by_text(plain_text(account.get("note")), account.get("display_name")):
        return "opted out in bio"
    return None


def _later(a: str | None, b: str | None) -> str | None:
    """The later of two Mastodon ids (numeric strings, compared as numbers)."""
    if a is None or b is None:
        return a or b
    return a if (len(a), a) >= (len(b), b) else b


def _earlier(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return a if (len(a), a) <= (len(b), b) else b


class RateLimited(Exception):
    """A server asked to wait (`seconds`)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class MastodonCapture(BatchingCapture):
    """One run of a Mastodon capture: poll and stream hashtag timelines, keep consenting public statuses."""

    format = API_FORMAT
    platform = PLATFORM

    def __init__(self, options: MastodonOptions, sink: CaptureSink, name: str,
                 progress: Callable[[Counts, str | None], None] | None = None) -> None:
        super().__init__(sink, name, options.batch_seconds, options.max_posts, progress)
        self.options = options
        self.cursor: dict[str, dict[str, dict[str, Any]]] = {}
        self.seen = Recent(200_000)  # canonical uris of statuses handled (one post across servers)
        self.local: OrderedDict[tuple[str, str], str] = OrderedDict()  # (server, local id) → uri
        self.not_before: dict[str, float] = {}  # server → when its rate limit lets the next request go
        self.deleted_local = Recent(50_000)  # (server, local id) of statuses the stream said were deleted
        self.forgotten: frozenset[str] = frozenset()

    def cursor_text(self) -> str:
        return orjson.dumps(self.cursor).decode()

    # ------------------------------------------------------------------ running

    async def run(self, stop: asyncio.Event | None = None) -> Counts:
        if stop is not None:
            self.stop = stop
        start = await asyncio.to_thread(self.sink.start, "mastodon", PLATFORM, self.options.saved())
        self.known, self.forgotten = set(start.known_posts), start.forgotten
        if start.cursor:
            with contextlib.suppress(orjson.JSONDecodeError):
                loaded = orjson.loads(start.cursor)
                if isinstance(loaded, dict):
                    self.cursor = loaded
        headers = {"Authorization": f"Bearer {self.options.token}"} if self.options.token else {}
        async with capture_session(self.stop, self.options.duration, self.sink), httpx.AsyncClient(
                timeout=httpx.Timeout(20.0), headers=headers, follow_redirects=True) as client:
            tasks = [asyncio.create_task(self._follow(client, server, tag))
                     for server in self.options.servers for tag in self.options.tags]
            if self.options.stream:
                tasks += [asyncio.create_task(self._stream(client, server, tag))
                          for server in self.options.servers for tag in self.options.tags]
            await self._serve(tasks)
        return self.totals

    def _state(self, server: str, tag: str) -> dict[str, Any]:
        return self.cursor.setdefault(server, {}).setdefault(tag, {"newest": None, "oldest": None,
                                                                    "backfilled": False})

    # ------------------------------------------------------------------ REST

    async def _follow(self, client: httpx.AsyncClient, server: str, tag: str) -> None:
        """Backfill once, then poll for newer statuses until stopped."""
        backoff = Backoff(self.options.first_backoff, self.options.longest_backoff)
        while not self.stop.is_set():
            try:
                state = self._state(server, tag)
                if not state["backfilled"]:
                    await self._backfill(client, server, tag, state)
                await self._newer(client, server, tag, state)
                backoff.reset()
                wait = self.options.every
            except RateLimited as limited:
                wait = limited.seconds
            except (httpx.HTTPError, ValueError) as exc:
                self.note_error(f"{server}: {type(exc).__name__}: {exc}")
                wait = backoff.next()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), wait)

    async def _backfill(self, client: httpx.AsyncClient, server: str, tag: str, state: dict[str, Any]) -> None:
        """Page back from the oldest status reached until `since` (or the first page only, without it)."""
        while not self.stop.is_set():
            params = {"limit": str(_PAGE)}
            if state["oldest"]:
                params["max_id"] = state["oldest"]
            page = await self._page(client, server, tag, params)
            reached_since = False
            for status in page:
                if self.options.since and _created(status) < self.options.since:
                    reached_since = True
                    continue
                self._status(server, status)
            ids = [s["id"] for s in page if isinstance(s.get("id"), str)]
            for local_id in ids:
                state["oldest"] = _earlier(state["oldest"], local_id)
                state["newest"] = _later(state["newest"], local_id)
            if not ids or reached_since or not self.options.since:
                state["backfilled"] = True
                return

    async def _newer(self, client: httpx.AsyncClient, server: str, tag: str, state: dict[str, Any]) -> None:
        """Every status newer than the newest reached, page by page with `min_id`."""
        while not self.stop.is_set():
            params = {"limit": str(_PAGE)}
            if state["newest"]:
                params["min_id"] = state["newest"]
            page = await self._page(client, server, tag, params)
            for status in sorted(page, key=lambda s: (len(str(s.get("id"))), str(s.get("id")))):
                self._status(server, status)
                if isinstance(status.get("id"), str):
                    state["newest"] = _later(state["newest"], status["id"])
                    state["oldest"] = _earlier(state["oldest"], status["id"])
            if len(page) < _PAGE:
                return

    async def _page(self, client: httpx.AsyncClient, server: str, tag: str, params: dict[str, str]) -> list[Any]:
        """One page of a hashtag timeline, after any wait the server's rate limit asked for."""
        ahead = self.not_before.get(server, 0.0) - time.monotonic()
        if ahead > 0:
            await asyncio.sleep(ahead)
        response = await client.get(f"{server}/api/v1/timelines/tag/{quote(tag)}", params=params)
        wait = _rate_wait(response)
        if wait:
            self.not_before[server] = time.monotonic() + wait
        if response.status_code == 429:
            raise RateLimited(wait if wait is not None else retry_after(response.headers.get("Retry-After"), 60.0))
        if response.status_code == 404:
            raise SociableError(f"{server} has no hashtag timeline API (HTTP 404); is it a Mastodon server?")
        response.raise_for_status()
        body = response.json()
        if not isinstance(body, list):
            raise ValueError("the hashtag timeline is not a list of statuses")
        self.pending.counts.received += len(body)
        return [s for s in body if isinstance(s, dict)]

    # ------------------------------------------------------------------ streaming

    async def _stream(self, client: httpx.AsyncClient, server: str, tag: str) -> None:
        """Server-sent events of the hashtag stream, reconnecting with backoff."""
        backoff = Backoff(self.options.first_backoff, self.options.longest_backoff)
        url = f"{server}/api/v1/streaming/hashtag"
        while not self.stop.is_set():
            try:
                async with client.stream("GET", url, params={"tag": tag},
                                         timeout=httpx.Timeout(20.0, read=None)) as response:
                    if response.status_code != 200:
                        raise httpx.HTTPStatusError(f"HTTP {response.status_code}", request=response.request,
                                                    response=response)
                    async for event, data in _events(response.aiter_lines()):
                        backoff.reset()
                        self._streamed(server, event, data)
                self.note_error(f"{server}: the stream was closed")
            except httpx.HTTPError as exc:
                self.note_error(f"{server} stream: {type(exc).__name__}: {exc}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), backoff.next())

    def _streamed(self, server: str, event: str, data: str) -> None:
        self.pending.counts.received += 1
        if event == "delete":
            local_id = data.strip()
            uri = self.local.get((server, local_id))
            self.deleted_local.seen((server, local_id))  # a copy still on a page read later is not kept
            if uri and (uri in self.known or uri in self.pending.index):
                self.pending.deletes.append(uri)
                self.known.discard(uri)
            return
        if event not in ("update", "status.update"):
            return
        try:
            status = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            self.reject(data, f"an event of {server}'s stream is not JSON ({exc})")
            return
        if isinstance(status, dict):
            self._status(server, status, edited=event == "status.update")

    # ------------------------------------------------------------------ one status

    def _status(self, server: str, status: dict[str, Any], edited: bool = False) -> None:
        uri = status.get("uri")
        if not isinstance(uri, str) or not uri:
            self.reject(orjson.dumps(status).decode(), f"a status from {server} has no 'uri'")
            return
        if isinstance(status.get("id"), str):
            if (server, status["id"]) in self.deleted_local:
                return
            self.local[(server, status["id"])] = uri
            if len(self.local) > _LOCAL_IDS:
                self.local.popitem(last=False)
        if status.get("visibility") not in _PUBLIC:
            return
        key = (uri, status.get("edited_at")) if edited else uri
        if self.seen.seen(key):
            return  # the same status from another server, another tag or another page
        counts = self.pending.counts
        counts.matched += 1
        account = status.get("account")
        if withheld(account) or self._erased(account):
            counts.skipped_consent += 1
            return
        host = server.split("://", 1)[1]
        raw = {"status": status, "context": {"server": host, "mastodon_uris": _mastodon_uri(status)}}
        try:
            mapped = map_api(raw)
        except MappingError as exc:
            self.reject(orjson.dumps(status).decode(), f"a status from {server}: {exc}")
            return
        posts = [p for p in mapped.posts if p.post_id == uri]
        authors = [a for a in mapped.accounts if posts and a.account_id == posts[0].account_id][:1]
        record = (RawRecord(API_FORMAT, f"capture:{self.name}", self.next_number(), raw), posts, authors)
        added = self.pending.add(uri, record, newer=edited)  # an edit of a status not stored yet replaces it
        if added and edited and uri in self.known:
            self.pending.replace.append(uri)

    def _erased(self, account: Any) -> bool:
        if not self.forgotten or not isinstance(account, dict):
            return False
        actor = account.get("uri") or account.get("url")
        return isinstance(actor, str) and account_digest(PLATFORM, actor) in self.forgotten

def _created(status: dict[str, Any]) -> date:
    try:
        return parse_time(status.get("created_at")).date()
    except MappingError:
        return datetime.now(UTC).date()


def _mastodon_uri(status: dict[str, Any]) -> bool:
    account = status.get("account")
    actor = account.get("uri") if isinstance(account, dict) else None
    return isinstance(actor, str) and status.get("uri") == f"{actor}/statuses/{status.get('id')}"


def _rate_wait(response: httpx.Response) -> float | None:
    """Seconds to wait before the next request when the server says its allowance is spent."""
    remaining = response.headers.get("X-RateLimit-Remaining")
    reset = response.headers.get("X-RateLimit-Reset")
    if remaining is None or reset is None:
        return None
    try:
        left = int(remaining)
        until = parse_time(reset, "X-RateLimit-Reset").timestamp() - time.time()
    except (ValueError, MappingError):
        return None
    if left > 1:
        return None
    return min(max(until, 0.0), 900.0)


async def _events(lines: AsyncIterator[str]) -> AsyncIterator[tuple[str, str]]:
    """(event, data) pairs of a server-sent event stream (comments and heartbeats skipped)."""
    event, data = "message", list[str]()
    async for line in lines:
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
