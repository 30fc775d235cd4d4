"""Servers the capture tests start on 127.0.0.1: a Jetstream-compatible WebSocket server and an AppView.

`Jetstream` replays the events it is given (JSON objects, or raw text for malformed frames)
with `time_us >= cursor`, as the real service does, and can refuse handshakes with a 503,
drop the connection between frames or inside one, and pause between frames. `AppView`
answers `app.bsky.actor.getProfiles` from the profiles it is given, after any 429s and
500s it is told to give first, and, when given threads, `app.bsky.feed.getPostThread`
(400 NotFound for a post it does not know; 501, as for any other method, when it has none).
"""

from __future__ import annotations

import asyncio
import json
import struct
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response


def did(name: str) -> str:
    return f"did:plc:{name}{'x' * max(0, 24 - len(name))}"


def uri(author: str, rkey: str) -> str:
    return f"at://{did(author)}/app.bsky.feed.post/{rkey}"


def post(author: str, rkey: str, time_us: int, text: str, *, tags: Iterable[str] = (), reply_to: str | None = None,
         root: str | None = None, quote: str | None = None, langs: Iterable[str] = ("en",),
         operation: str = "create") -> dict[str, Any]:
    """A Jetstream commit event creating an app.bsky.feed.post, in the service's exact shape."""
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "createdAt": _iso(time_us), "langs": list(langs),
                              "text": text}
    facets = []
    encoded = text.encode()
    for tag in tags:
        start = encoded.find(f"#{tag}".encode())
        index = {"byteStart": start, "byteEnd": start + len(tag) + 1} if start >= 0 else {"byteStart": 0,
                                                                                          "byteEnd": 1}
        facets.append({"$type": "app.bsky.richtext.facet", "index": index,
                       "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}]})
    if facets:
        record["facets"] = facets
    if reply_to:
        record["reply"] = {"parent": {"cid": "bafyreiparent", "uri": reply_to},
                           "root": {"cid": "bafyreiroot", "uri": root or reply_to}}
    if quote:
        record["embed"] = {"$type": "app.bsky.embed.record", "record": {"cid": "bafyreiquote", "uri": quote}}
    return {"did": did(author), "time_us": time_us, "kind": "commit",
            "commit": {"rev": f"3l{time_us}", "operation": operation, "collection": "app.bsky.feed.post",
                       "rkey": rkey, "record": record, "cid": f"bafyrei{rkey}"}}


def delete(author: str, rkey: str, time_us: int) -> dict[str, Any]:
    return {"did": did(author), "time_us": time_us, "kind": "commit",
            "commit": {"rev": f"3l{time_us}", "operation": "delete", "collection": "app.bsky.feed.post",
                       "rkey": rkey}}


def identity(author: str, handle: str, time_us: int) -> dict[str, Any]:
    return {"did": did(author), "time_us": time_us, "kind": "identity",
            "identity": {"did": did(author), "handle": handle, "seq": time_us // 1000, "time": _iso(time_us)}}


def account_event(author: str, time_us: int) -> dict[str, Any]:
    return {"did": did(author), "time_us": time_us, "kind": "account",
            "account": {"active": True, "did": did(author), "seq": time_us // 1000, "time": _iso(time_us)}}


def profile(author: str, handle: str, bio: str = "", labels: Iterable[str] = ()) -> dict[str, Any]:
    """A profileViewDetailed as the AppView returns it."""
    return {"did": did(author), "handle": handle, "displayName": author.title(), "description": bio,
            "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did(author)}/bafkrei@jpeg",
            "followersCount": 10, "followsCount": 5, "postsCount": 3, "createdAt": "2024-01-01T00:00:00.000Z",
            "indexedAt": "2024-01-01T00:00:00.000Z",
            "labels": [{"src": did(author), "uri": f"at://{did(author)}/app.bsky.actor.profile/self",
                        "cid": "bafyreilabel", "val": v, "cts": "2024-01-01T00:00:00.000Z"} for v in labels]}


def post_view(author: str, rkey: str, time_us: int, text: str, *, reply_to: str | None = None,
              root: str | None = None, handle: str | None = None) -> dict[str, Any]:
    """An app.bsky.feed.defs#postView as the AppView returns it in threads."""
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "createdAt": _iso(time_us), "langs": ["en"],
                              "text": text}
    if reply_to:
        record["reply"] = {"parent": {"cid": "bafyreiparent", "uri": reply_to},
                           "root": {"cid": "bafyreiroot", "uri": root or reply_to}}
    return {"uri": uri(author, rkey), "cid": f"bafyrei{rkey}",
            "author": {"did": did(author), "handle": handle or f"{author}.bsky.social", "displayName": author.title(),
                       "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did(author)}/bafkrei@jpeg", "labels": [],
                       "createdAt": "2024-01-01T00:00:00.000Z"},
            "record": record, "replyCount": 0, "repostCount": 0, "likeCount": 1, "quoteCount": 0,
            "indexedAt": _iso(time_us), "labels": []}


def thread_view(post: dict[str, Any], parent: dict[str, Any] | None = None,
                replies: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    """A getPostThread answer: the post, its parent chain (one here) and replies, as threadViewPost nodes."""
    node: dict[str, Any] = {"$type": "app.bsky.feed.defs#threadViewPost", "post": post,
                            "replies": [{"$type": "app.bsky.feed.defs#threadViewPost", "post": r, "replies": []}
                                        for r in replies]}
    if parent is not None:
        node["parent"] = {"$type": "app.bsky.feed.defs#threadViewPost", "post": parent}
    return {"thread": node}


def _iso(time_us: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time_us / 1e6)) + f".{(time_us // 1000) % 1000:03d}Z"


@dataclass
class Item:
    time_us: int
    text: str


@dataclass
class Jetstream:
    """A Jetstream-compatible server replaying `items` from the cursor each client asks for."""

    items: list[Item] = field(default_factory=list)
    refuse: int = 0  # the first handshakes answered with 503
    drops: list[tuple[int, str]] = field(default_factory=list)  # per connection: (frames sent, "between"|"inside")
    pause: float = 0.0  # seconds between frames
    urls: list[str] = field(default_factory=list)
    handshakes: int = 0

    def add(self, *events: dict[str, Any] | tuple[int, str]) -> None:
        for event in events:
            if isinstance(event, tuple):
                self.items.append(Item(event[0], event[1]))
            else:
                self.items.append(Item(event["time_us"], json.dumps(event)))

    def start(self) -> str:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self._thread.start()
        ready.wait(10)
        return f"ws://127.0.0.1:{self.port}/subscribe"

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(10)

    def _serve(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main(ready))

    async def _main(self, ready: threading.Event) -> None:
        self._stopping = asyncio.Event()
        async with serve(self._handler, "127.0.0.1", 0, process_request=self._process_request) as server:
            self.port = next(iter(server.sockets)).getsockname()[1]
            ready.set()
            await self._stopping.wait()

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        self.handshakes += 1
        self.urls.append(request.path)
        if self.handshakes <= self.refuse:
            return Response(503, "Service Unavailable", Headers([("Content-Length", "0")]), b"")
        return None

    async def _handler(self, connection: ServerConnection) -> None:
        query = parse_qs(urlsplit(connection.request.path if connection.request else "").query)
        cursor = int(query["cursor"][0]) if "cursor" in query else None
        number = self.handshakes - min(self.refuse, self.handshakes)  # this connection, counting from 1
        drop = self.drops[number - 1] if 0 < number <= len(self.drops) else None
        sent = 0
        for item in sorted(self.items, key=lambda i: i.time_us):
            if cursor is not None and item.time_us < cursor:
                continue
            if drop and sent == drop[0]:
                if drop[1] == "inside":
                    _send_half_frame(connection, item.text)
                connection.transport.abort()
                return
            await connection.send(item.text)
            sent += 1
            if self.pause:
                await asyncio.sleep(self.pause)
        await connection.wait_closed()


def _send_half_frame(connection: ServerConnection, text: str) -> None:
    """Write the header and half the payload of a text frame straight to the socket, then stop."""
    payload = text.encode()
    length = len(payload)
    header = bytes([0x81]) + (bytes([length]) if length < 126 else bytes([126]) + struct.pack("!H", length))
    connection.transport.write(header + payload[: length // 2])


class AppView:
    """An AppView answering getProfiles from `profiles` (by DID and handle), after the failures queued."""

    def __init__(self, profiles: Iterable[dict[str, Any]], failures: Iterable[int] = (), retry_after: str = "1",
                 threads: dict[str, dict[str, Any]] | None = None, thread_failures: Iterable[int] = ()):
        self.profiles = list(profiles)
        self.threads = threads
        self.thread_failures = list(thread_failures)
        self.thread_requests: list[str] = []
        self.failures = list(failures)
        self.retry_after = retry_after
        self.requests: list[list[str]] = []
        self.statuses: list[int] = []
        self._lock = threading.Lock()

    def start(self) -> str:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner._answer(self)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        if parts.path == "/xrpc/app.bsky.feed.getPostThread" and self.threads is not None:
            self._thread(handler, parse_qs(parts.query).get("uri", [""])[0])
            return
        if parts.path != "/xrpc/app.bsky.actor.getProfiles":
            self._send(handler, 501, {"error": "MethodNotImplemented"})
            return
        actors = parse_qs(parts.query).get("actors", [])
        with self._lock:
            self.requests.append(actors)
            status = self.failures.pop(0) if self.failures else 200
        if status == 429:
            self._send(handler, 429, {"error": "RateLimitExceeded"}, [("Retry-After", self.retry_after)])
            return
        if status != 200:
            self._send(handler, status, {"error": "InternalServerError"})
            return
        if len(actors) > 25:
            self._send(handler, 400, {"error": "InvalidRequest", "message": "actors must have at most 25 items"})
            return
        found = [p for p in self.profiles if p["did"] in actors or p["handle"] in actors]
        self._send(handler, 200, {"profiles": found})

    def _thread(self, handler: BaseHTTPRequestHandler, wanted: str) -> None:
        with self._lock:
            self.thread_requests.append(wanted)
            status = self.thread_failures.pop(0) if self.thread_failures else 200
        if status == 429:
            self._send(handler, 429, {"error": "RateLimitExceeded"}, [("Retry-After", "0")])
        elif status != 200:
            self._send(handler, status, {"error": "InternalServerError"})
        elif self.threads is not None and wanted in self.threads:
            self._send(handler, 200, self.threads[wanted])
        else:
            self._send(handler, 400, {"error": "NotFound", "message": f"Post not found: {wanted}"})

    def _send(self, handler: BaseHTTPRequestHandler, status: int, body: Any,
              headers: Iterable[tuple[str, str]] = ()) -> None:
        data = json.dumps(body).encode()
        with self._lock:
            self.statuses.append(status)
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)
