"""Bluesky through Jetstream: posts matching tags, keywords, languages or accounts, and their conversations.

The capture subscribes to `wantedCollections=app.bsky.feed.post` from its saved cursor
(Jetstream replays every event with `time_us >= cursor`), reads plain JSON text frames and
keeps, in order:

* posts that match: a tag (from facets, the record's tags, or `#tag` in the text) OR a keyword
  (a case-insensitive substring) OR an account (written by it or mentioning it), and, when
  languages are given, in one of them;
* replies and quotes whose root, parent or quoted post is stored (by this run or an earlier one);
* deletes of stored posts (the post is removed) and new handles of stored accounts.

A capture that follows accounts and nothing else asks Jetstream for those accounts' events
only (`wantedDids`), unless told to read the whole stream (to see others' replies to them and
mentions of them). With `backfill_threads`, the thread of each newly matched post is read
from the AppView (`app.bsky.feed.getPostThread`: its parents and replies) and stored with
the same consent checks; an AppView that does not serve threads (501) or a post it does not
know (400/404) is passed over.

Every batch waits for its authors' profiles (consent) and goes to the sink with the cursor of
its last event, so a restart resumes exactly there. Reconnects replay a few seconds of
overlap, and repeated events are dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import orjson
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidHandshake, InvalidURI, WebSocketException

from sociable.errors import MappingError, SociableError, WorkspaceBusy
from sociable.model import Post
from sociable.sources.base import RawRecord, Rejected
from sociable.sources.bluesky import API_FORMAT, map_api, thread_post_views
from sociable.sources.bluesky_jetstream import JETSTREAM_FORMAT, map_jetstream
from sociable.sources.bluesky_records import PLATFORM, POST_COLLECTION, clean_handle, did_of, read_facets
from sociable.sources.live.base import Backoff, CaptureSink, Counts, LiveBatch, Recent, account_digest
from sociable.sources.live.batching import capture_session
from sociable.sources.live.profiles import DEFAULT_APPVIEW, ProfileCache, ProfilesUnavailable, retry_after

DEFAULT_JETSTREAM = "wss://jetstream2.us-east.bsky.network/subscribe"
_TAG = re.compile(r"[#＃](\w+)", re.UNICODE)
_MAX_FRAME = 4 * 1024 * 1024
_MAX_PENDING = 50_000  # events waiting for a batch; reading pauses beyond it
_STOP_FLUSH = 10.0  # seconds the last batch may take when stopping (SIGTERM must stop within 15 s)
_THREADS_PER_BATCH = 20  # threads read after one batch; the rest wait for the next
_THREAD_ATTEMPTS = 3
_NO_THREAD = frozenset({400, 404, 501})  # a post the AppView does not know, or an AppView without threads
_WANTED_DIDS_MAX = 10_000  # Jetstream's limit


@dataclass(frozen=True, slots=True)
class BlueskyOptions:
    """What a Bluesky capture follows and where from (the endpoints default to the public services)."""

    tags: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    conversations: bool = True
    backfill_threads: bool = False
    whole_stream: bool = False  # with accounts only: read every event, not just the accounts' (wantedDids)
    jetstream: str = DEFAULT_JETSTREAM
    appview: str = DEFAULT_APPVIEW
    duration: float | None = None
    max_posts: int | None = None
    batch_seconds: float = 1.0
    batch_size: int = 2_000
    overlap_seconds: float = 2.0
    profile_max_age: float = 86_400.0
    first_backoff: float = 0.5
    longest_backoff: float = 30.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "tags", tuple(dict.fromkeys(t.strip().lstrip("#").lower() for t in self.tags
                                                             if t.strip().lstrip("#"))))
        object.__setattr__(self, "keywords", tuple(dict.fromkeys(k.casefold() for k in self.keywords if k.strip())))
        object.__setattr__(self, "langs", tuple(dict.fromkeys(x.strip().lower() for x in self.langs if x.strip())))
        object.__setattr__(self, "accounts", tuple(dict.fromkeys(a.strip().lstrip("@").lower()
                                                                 for a in self.accounts if a.strip())))
        if not (self.tags or self.keywords or self.accounts):
            raise SociableError("a Bluesky capture needs at least one --tag, --keyword or --account to follow.")
        if not self.jetstream.startswith(("ws://", "wss://")):
            raise SociableError(f"--jetstream should be a ws:// or wss:// subscribe URL, not '{self.jetstream}'.")
        if not self.appview.startswith(("http://", "https://")):
            raise SociableError(f"--appview should be an http:// or https:// URL, not '{self.appview}'.")
        if self.duration is not None and self.duration <= 0:
            raise SociableError(f"--duration should be a number of seconds above 0, not {self.duration:g}.")
        if self.max_posts is not None and self.max_posts < 1:
            raise SociableError(f"--max-posts should be at least 1, not {self.max_posts}.")

    def saved(self) -> dict[str, Any]:
        """The options kept with the capture (what it follows and where from)."""
        kept = ("tags", "keywords", "langs", "accounts", "conversations", "backfill_threads", "whole_stream",
                "jetstream", "appview")
        return {k: v for k, v in asdict(self).items() if k in kept}

    def default_name(self) -> str:
        parts = [*(f"#{t}" for t in self.tags), *self.keywords, *(f"@{a}" for a in self.accounts)]
        return "bluesky " + " ".join(parts)[:80]


def subscribe_url(base: str, cursor: int | None, dids: tuple[str, ...] = ()) -> str:
    """The Jetstream subscribe URL with `wantedCollections`, the cursor and any `wantedDids` (which replace the
    URL's own) added to what it has."""
    parts = urlsplit(base)
    replaced = ("wantedCollections", "cursor", *(("wantedDids",) if dids else ()))
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in replaced]
    query.append(("wantedCollections", POST_COLLECTION))
    query.extend(("wantedDids", did) for did in dids)
    if cursor is not None:
        query.append(("cursor", str(cursor)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


class PostFilter:
    """Whether a post record matches: a tag OR a keyword OR an account, and one of the languages if given."""

    def __init__(self, options: BlueskyOptions, account_dids: frozenset[str]) -> None:
        self.tags = frozenset(options.tags)
        self.keywords = options.keywords
        self.langs = frozenset(options.langs)
        self.dids = account_dids

    def matches(self, did: str, record: dict[str, Any]) -> bool:
        if self.langs and not self._lang(record):
            return False
        value = record.get("text")
        text = value if isinstance(value, str) else ""
        if self.tags and self.tags & self.tags_of(text, record):
            return True
        if self.keywords:
            folded = text.casefold()
            if any(k in folded for k in self.keywords):
                return True
        if self.dids:
            return did in self.dids or bool(self.dids & read_facets(text, record.get("facets")).mentions.keys())
        return False

    def _lang(self, record: dict[str, Any]) -> bool:
        langs = record.get("langs")
        if not isinstance(langs, list):
            return False
        return any(isinstance(x, str) and (x.lower() in self.langs or x.lower().split("-")[0] in self.langs)
                   for x in langs)

    @staticmethod
    def tags_of(text: str, record: dict[str, Any]) -> set[str]:
        """Tags from facets, the record's own tags and `#tag` in the text, lower-case and without '#'."""
        found = {t.lower() for t in _TAG.findall(text)} if "#" in text or "＃" in text else set()
        facets = record.get("facets")
        if isinstance(facets, list):
            found.update(read_facets(text, facets).tags)
        extra = record.get("tags")
        if isinstance(extra, list):
            found.update(t.lstrip("#").lower() for t in extra if isinstance(t, str))
        return found


def references(record: dict[str, Any]) -> tuple[str, ...]:
    """The posts a record replies to (parent, root) or quotes."""
    found: list[str] = []
    reply = record.get("reply")
    if isinstance(reply, dict):
        for key in ("parent", "root"):
            ref = reply.get(key)
            if isinstance(ref, dict) and isinstance(ref.get("uri"), str):
                found.append(ref["uri"])
    embed = record.get("embed")
    if isinstance(embed, dict):
        inner = embed.get("record")
        if isinstance(inner, dict) and isinstance(inner.get("record"), dict):
            inner = inner["record"]  # recordWithMedia
        if isinstance(inner, dict) and isinstance(inner.get("uri"), str):
            found.append(inner["uri"])
    return tuple(found)


@dataclass(slots=True)
class _Event:
    """A post event waiting for its batch: matched by the filters, or there for its conversation."""

    raw: dict[str, Any]
    did: str
    uri: str
    time_us: int
    matched: bool
    refs: tuple[str, ...]
    update: bool = False
    anchored: bool = False  # it replies to or quotes a post already stored when it arrived


@dataclass(slots=True)
class _Pending:
    events: list[_Event] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    deletes: list[str] = field(default_factory=list)
    handles: dict[str, str] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    cursor: int | None = None

    def size(self) -> int:
        return len(self.events) + len(self.deletes) + len(self.handles) + len(self.rejected)


Progress = Callable[[Counts, str | None], None]


class BlueskyCapture:
    """One run of a Bluesky capture: read Jetstream, filter, check consent, hand batches to the sink."""

    def __init__(self, options: BlueskyOptions, sink: CaptureSink, name: str,
                 progress: Progress | None = None) -> None:
        self.options, self.sink, self.name, self.progress = options, sink, name, progress
        self.totals = Counts()
        self.known: set[str] = set()
        self.in_flight: set[str] = set()  # posts of the batch being stored right now
        self.authors: set[str] = set()  # accounts of the posts stored or waiting (their new handles are kept)
        self.forgotten: frozenset[str] = frozenset()  # digests of accounts erased with `forget`
        self.deleted = Recent(100_000)  # stored posts deleted since: replies that came before still count
        self.profiles: ProfileCache | None = None
        self.pending = _Pending()
        self.recent = Recent()
        self.last_time_us: int | None = None
        self.start_cursor: int | None = None
        self.filter = PostFilter(options, frozenset())
        self.wanted_dids: tuple[str, ...] = ()  # asked of Jetstream when following accounts only
        self.threads_waiting: list[str] = []  # matched posts whose threads are still to be read
        self.threads_read = 0
        self.client: httpx.AsyncClient | None = None
        self.stop = asyncio.Event()
        self.error: str | None = None
        self.connected = 0
        self._frames = 0

    # ------------------------------------------------------------------ running

    async def run(self, stop: asyncio.Event | None = None) -> Counts:
        """Capture until `stop` is set, the duration passes or enough posts are stored; return the counters."""
        if stop is not None:
            self.stop = stop
        start = await asyncio.to_thread(self.sink.start, "bluesky", PLATFORM, self.options.saved())
        self.known = set(start.known_posts)
        self.forgotten = start.forgotten
        self.authors = {a for uri in self.known if (a := did_of(uri))}
        self.start_cursor = int(start.cursor) if start.cursor and start.cursor.isdigit() else None
        async with capture_session(self.stop, self.options.duration, self.sink), httpx.AsyncClient(
                timeout=httpx.Timeout(15.0), follow_redirects=True) as client:
            self.client = client
            self.profiles = ProfileCache(client, self.options.appview, self.options.profile_max_age,
                                         backoff=Backoff(self.options.first_backoff, self.options.longest_backoff))
            await self._resolve_accounts()
            reader = asyncio.create_task(self._read())
            try:
                await self._flush_loop()
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader
                await self._final_flush()
        return self.totals

    async def _resolve_accounts(self) -> None:
        """The DIDs of the accounts followed (handles are looked up on the AppView)."""
        if not self.options.accounts or self.profiles is None:
            return
        found = await self.profiles.get(self.options.accounts)
        dids = set()
        for who in self.options.accounts:
            profile = found[who]
            if who.startswith("did:"):
                dids.add(who)
            elif profile.reason == "no public profile":
                raise SociableError(f"the AppView does not know the account '{who}'; check the handle.")
            else:
                dids.add(profile.did)
        self.filter = PostFilter(self.options, frozenset(dids))
        only_accounts = not (self.options.tags or self.options.keywords)
        if only_accounts and not self.options.whole_stream and len(dids) <= _WANTED_DIDS_MAX:
            self.wanted_dids = tuple(sorted(dids))

    async def _read(self) -> None:
        """Read frames until stopped, reconnecting with backoff from just before the last event seen."""
        backoff = Backoff(self.options.first_backoff, self.options.longest_backoff)
        while not self.stop.is_set():
            cursor = self.last_time_us if self.last_time_us is not None else self.start_cursor
            if cursor is not None:
                cursor = max(0, cursor - int(self.options.overlap_seconds * 1_000_000))
            try:
                async with connect(subscribe_url(self.options.jetstream, cursor, self.wanted_dids), max_size=_MAX_FRAME,
                                   open_timeout=15, close_timeout=2, ping_interval=20, ping_timeout=30) as socket:
                    self.connected += 1
                    async for frame in socket:
                        self.handle(frame)
                        backoff.reset()
                        while self.pending.size() >= _MAX_PENDING and not self.stop.is_set():
                            await asyncio.sleep(0.05)
                    self._note_error("the Jetstream connection was closed")
            except InvalidURI:
                raise SociableError(f"--jetstream '{self.options.jetstream}' is not a WebSocket URL.") from None
            except (OSError, TimeoutError, InvalidHandshake, WebSocketException) as exc:
                self._note_error(f"Jetstream: {type(exc).__name__}: {exc}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), backoff.next())

    def _note_error(self, message: str) -> None:
        self.pending.counts.errors += 1
        self.error = message[:300]

    # ------------------------------------------------------------------ one frame

    def handle(self, frame: str | bytes) -> None:
        """Classify one frame: a post to keep or to check, a delete, a handle, or nothing; count it."""
        pending = self.pending
        pending.counts.received += 1
        self._frames += 1
        try:
            event = orjson.loads(frame)
        except orjson.JSONDecodeError as exc:
            self._reject(frame, f"frame {self._frames} of the capture '{self.name}' is not JSON ({exc})")
            return
        did = event.get("did") if isinstance(event, dict) else None
        time_us = event.get("time_us") if isinstance(event, dict) else None
        kind = event.get("kind") if isinstance(event, dict) else None
        if not isinstance(did, str) or not isinstance(time_us, int) or isinstance(time_us, bool) or not kind:
            self._reject(frame, f"frame {self._frames} of the capture '{self.name}' is not a Jetstream event "
                                "(expected a JSON object with did, time_us and kind)")
            return
        if self.recent.seen((time_us, did, kind, _commit_key(event))):
            return  # replayed by the overlap of a reconnect
        self.last_time_us = time_us if self.last_time_us is None else max(self.last_time_us, time_us)
        pending.cursor = self.last_time_us
        if kind == "commit":
            self._commit(event, did, time_us, frame)
        elif kind == "identity":
            identity = event.get("identity")
            handle = clean_handle(identity.get("handle")) if isinstance(identity, dict) else None
            if handle and did in self.authors:
                pending.handles[did] = handle
                if self.profiles is not None:
                    self.profiles.forget(did)

    def _commit(self, event: dict[str, Any], did: str, time_us: int, frame: str | bytes) -> None:
        commit = event.get("commit")
        if not isinstance(commit, dict) or commit.get("collection") != POST_COLLECTION:
            return
        rkey, operation = commit.get("rkey"), commit.get("operation")
        if not isinstance(rkey, str) or not rkey:
            self._reject(frame, f"frame {self._frames} of the capture '{self.name}' is a commit without an rkey")
            return
        uri = f"at://{did}/{POST_COLLECTION}/{rkey}"
        if operation == "delete":
            self._delete(uri)
            return
        record = commit.get("record")
        if operation not in ("create", "update") or not isinstance(record, dict):
            return
        refs = references(record) if self.options.conversations else ()
        matched = self.filter.matches(did, record)
        update = operation == "update" and (uri in self.known or uri in self.pending.ids)
        anchored = any(ref in self.known for ref in refs)
        if matched or update or anchored or any(self._stored(ref) for ref in refs):
            self.pending.events.append(_Event(event, did, uri, time_us, matched, refs, update, anchored))
            self.pending.ids.add(uri)
            self.authors.add(did)

    def _stored(self, uri: str) -> bool:
        """Whether a post is stored, being stored, or waiting in this batch."""
        return uri in self.known or uri in self.pending.ids or uri in self.in_flight

    def _delete(self, uri: str) -> None:
        """A post deleted upstream: removed once stored (a post of this batch is stored, then removed, so its
        replies stay in the conversation however the batches fall)."""
        if self._stored(uri):
            self.pending.deletes.append(uri)
            if uri in self.known:
                self.deleted.seen(uri)
            for ids in (self.known, self.pending.ids, self.in_flight):  # later replies to it are not kept
                ids.discard(uri)

    def _reject(self, frame: str | bytes, reason: str) -> None:
        text = frame.decode("utf-8", "replace") if isinstance(frame, bytes) else frame
        self.pending.rejected.append(Rejected(JETSTREAM_FORMAT, f"capture:{self.name}", self._frames,
                                              text[:65_536], reason))
        self.pending.counts.errors += 1
        self.error = reason

    # ------------------------------------------------------------------ batches

    async def _flush_loop(self) -> None:
        last_write = time.monotonic()
        while not self.stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), self.options.batch_seconds)
            if self.stop.is_set():
                return
            waiting = self.pending.size()
            quiet = time.monotonic() - last_write
            if waiting or (self.pending.cursor is not None and quiet >= 5 * self.options.batch_seconds):
                try:
                    await self._flush()
                except (ProfilesUnavailable, WorkspaceBusy) as exc:
                    self._note_error(str(exc))  # the batch's events are taken again next time
                last_write = time.monotonic()

    async def _final_flush(self) -> None:
        try:
            await asyncio.wait_for(self._flush(), _STOP_FLUSH)
        except (TimeoutError, ProfilesUnavailable, SociableError) as exc:
            self.error = f"the last batch was not stored ({exc or 'it took too long'}); it is read again next time"

    async def _flush(self) -> None:
        """Check consent for the waiting posts and store them with the cursor reached."""
        pending, self.pending = self.pending, _Pending()
        if pending.cursor is None and not pending.size() and not pending.counts.received:
            return
        self.in_flight = pending.ids
        try:
            batch = await self._batch(pending)
            if self.error:
                batch.error = self.error
            written = await asyncio.to_thread(self.sink.write, batch)
        except BaseException:
            self._put_back(pending)
            raise
        finally:
            self.in_flight = set()
        self.error = None
        kept = {p.post_id for _, posts, _ in batch.records for p in posts}
        if self.options.backfill_threads:
            self.threads_waiting.extend(e.uri for e in pending.events
                                        if e.matched and not e.update and e.uri in kept and e.uri not in self.known)
        self.known.update(kept)
        self.known.difference_update(pending.deletes)
        for uri in self.pending.deletes:  # deleted while this batch was being stored
            self.known.discard(uri)
            if uri in kept:
                self.deleted.seen(uri)
        batch.counts.stored, batch.counts.duplicates, batch.counts.deleted = (
            written.stored, written.duplicates, written.deleted)
        self.totals.add(batch.counts)
        if self.threads_waiting and not self.stop.is_set():
            await self._backfill()
        if self.progress:
            self.progress(self.totals, self.error)
        if self.options.max_posts and self.totals.stored >= self.options.max_posts:
            self.stop.set()

    # ------------------------------------------------------------------ threads

    async def _backfill(self) -> None:
        """Read the threads of the posts matched lately (a few per batch) and store their posts."""
        uris, self.threads_waiting = (self.threads_waiting[:_THREADS_PER_BATCH],
                                      self.threads_waiting[_THREADS_PER_BATCH:])
        views: dict[str, dict[str, Any]] = {}
        counts = Counts()
        for uri in uris:
            found = await self._thread(uri, counts)
            if found is None:
                continue
            self.threads_read += 1
            for view in found:
                key = view["uri"]
                if key not in self.known and did_of(key) and key not in views:
                    views[key] = view
        if not views and not counts.errors:
            return
        try:
            batch = await self._thread_batch(list(views.values()), counts)
            written = await asyncio.to_thread(self.sink.write, batch)
        except (ProfilesUnavailable, WorkspaceBusy) as exc:
            self.threads_waiting[:0] = uris  # read again after the next batch
            self._note_error(str(exc))
            return
        self.known.update(p.post_id for _, posts, _ in batch.records for p in posts)
        batch.counts.stored, batch.counts.duplicates = written.stored, written.duplicates
        self.totals.add(batch.counts)

    async def _thread(self, uri: str, counts: Counts) -> list[dict[str, Any]] | None:
        """The post views of one post's thread; [] when there is none to read, None when the AppView failed."""
        if self.client is None:
            return None
        url = self.options.appview.rstrip("/") + "/xrpc/app.bsky.feed.getPostThread"
        backoff = Backoff(self.options.first_backoff, self.options.longest_backoff)
        for _attempt in range(_THREAD_ATTEMPTS):
            wait = backoff.next()
            try:
                response = await self.client.get(url, params={"uri": uri, "depth": 10, "parentHeight": 80})
            except httpx.HTTPError as exc:
                self.error = f"getPostThread: {type(exc).__name__}: {exc}"[:300]
            else:
                if response.status_code == 200:
                    try:
                        body = response.json()
                    except ValueError:
                        body = None
                    thread = body.get("thread") if isinstance(body, dict) else None
                    return thread_post_views(thread) if isinstance(thread, dict) else []
                if response.status_code in _NO_THREAD:
                    return []
                self.error = f"getPostThread: HTTP {response.status_code}"
                if response.status_code == 429:
                    wait = retry_after(response.headers.get("Retry-After"), wait)
            if self.stop.is_set():
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), wait)
        counts.errors += 1
        return None

    async def _thread_batch(self, views: list[dict[str, Any]], counts: Counts) -> LiveBatch:
        """The posts of threads read, each with its author's checked profile (consent, as for the stream)."""
        if self.profiles is None:
            raise SociableError("the capture has not started (no AppView client).")
        authors = {did_of(v["uri"]) or "" for v in views}
        profiles = await self.profiles.get(d for d in authors if d and not self._erased(d))
        batch = LiveBatch(API_FORMAT, PLATFORM, counts=counts)
        for number, view in enumerate(views, 1):
            author = did_of(view["uri"]) or ""
            batch.counts.matched += 1
            profile = None if self._erased(author) else profiles.get(author)
            if profile is None or profile.account is None:
                batch.counts.skipped_consent += 1
                continue
            try:
                mapped = map_api(view)
            except MappingError as exc:
                batch.rejected.append(Rejected(API_FORMAT, f"capture:{self.name}", number, orjson.dumps(view).decode(),
                                               f"a post of a thread read by the capture '{self.name}': {exc}"))
                batch.counts.errors += 1
                continue
            posts = [p for p in mapped.posts if p.post_id == view["uri"]]  # not the posts it quotes: unchecked
            if posts:
                batch.records.append((RawRecord(API_FORMAT, f"capture:{self.name}", number, view), posts,
                                      [profile.account]))
        return batch

    def _put_back(self, pending: _Pending) -> None:
        """A batch that could not be finished waits in front of the events read meanwhile."""
        later = self.pending
        pending.events.extend(later.events)
        pending.ids.update(later.ids)
        pending.deletes.extend(later.deletes)
        pending.handles.update(later.handles)
        pending.rejected.extend(later.rejected)
        pending.counts.add(later.counts)
        pending.cursor = later.cursor if later.cursor is not None else pending.cursor
        self.pending = pending

    async def _batch(self, pending: _Pending) -> LiveBatch:
        if self.profiles is None:
            raise SociableError("the capture has not started (no AppView client).")
        profiles = await self.profiles.get(e.did for e in pending.events if not self._erased(e.did))
        counts = Counts()
        counts.add(pending.counts)  # a copy: a batch that fails is counted once, when it is stored
        batch = LiveBatch(JETSTREAM_FORMAT, PLATFORM, deletes=list(pending.deletes), rejected=list(pending.rejected),
                          handles=list(pending.handles.items()),
                          cursor=str(pending.cursor) if pending.cursor is not None else None, counts=counts)
        kept: set[str] = set()
        for event in pending.events:
            if not (event.matched or event.update or event.anchored
                    or any(r in self.known or r in kept or r in self.deleted for r in event.refs)):
                continue  # its conversation's post was not kept (an opted-out author)
            batch.counts.matched += 1
            profile = None if self._erased(event.did) else profiles[event.did]
            if profile is None or profile.account is None:
                batch.counts.skipped_consent += 1
                continue
            posts = self._map(event, batch)
            if posts is None:
                continue
            kept.add(event.uri)
            if event.update:
                batch.replace.append(event.uri)
            record = RawRecord(JETSTREAM_FORMAT, f"capture:{self.name}", event.time_us, event.raw)
            batch.records.append((record, posts, [profile.account]))
        return batch

    def _erased(self, did: str) -> bool:
        """Whether the account was erased from this workspace with `forget` (it is never collected again)."""
        return bool(self.forgotten) and account_digest(PLATFORM, did) in self.forgotten

    def _map(self, event: _Event, batch: LiveBatch) -> list[Post] | None:
        try:
            mapped = map_jetstream(event.raw)
        except MappingError as exc:
            reason = f"event at {event.time_us} of the capture '{self.name}': {exc}"
            batch.rejected.append(Rejected(JETSTREAM_FORMAT, f"capture:{self.name}", event.time_us,
                                           orjson.dumps(event.raw).decode(), reason))
            batch.counts.errors += 1
            return None
        return [p for p in mapped.posts if p.post_id == event.uri]


def _commit_key(event: dict[str, Any]) -> tuple[Any, ...]:
    commit = event.get("commit")
    if isinstance(commit, dict):
        return (commit.get("operation"), commit.get("rkey"), commit.get("collection"))
    return ()
