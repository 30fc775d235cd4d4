"""A Mastodon-compatible server for the capture tests: hashtag timelines with paging, rate-limit headers,
429s, and the hashtag stream as server-sent events."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

HOME = "nurses.example"


def account(username: str, host: str = HOME, *, local_id: str = "1", note: str = "<p>Nurse</p>",
            discoverable: bool | None = True, noindex: bool | None = False,
            acct_host: str | None = None) -> dict[str, Any]:
    """An Account entity as a server returns it (acct is user@host for remote accounts)."""
    return {"id": local_id, "username": username, "acct": f"{username}@{acct_host}" if acct_host else username,
            "display_name": username.title(), "locked": False, "bot": False, "discoverable": discoverable,
            "noindex": noindex, "group": False, "created_at": "2022-11-01T00:00:00.000Z", "note": note,
            "url": f"https://{host}/@{username}", "uri": f"https://{host}/users/{username}",
            "avatar": f"https://{host}/avatars/{username}.png", "followers_count": 10, "following_count": 5,
            "statuses_count": 3, "last_status_at": "2024-03-05", "emojis": [], "fields": []}


def status(local_id: str, who: dict[str, Any], when: str, html: str, *, number: str | None = None,
           reply_to: tuple[str, str] | None = None, visibility: str = "public", edited_at: str | None = None,
           tags: tuple[str, ...] = ("nhssm",)) -> dict[str, Any]:
    """A Status entity: `local_id` is the serving server's id, `number` the id on the author's server."""
    number = number or local_id
    return {"id": local_id, "created_at": when, "in_reply_to_id": reply_to[0] if reply_to else None,
            "in_reply_to_account_id": reply_to[1] if reply_to else None, "sensitive": False, "spoiler_text": "",
            "visibility": visibility, "language": "en", "uri": f"{who['uri']}/statuses/{number}",
            "url": f"{who['url']}/{number}", "replies_count": 0, "reblogs_count": 0, "favourites_count": 1,
            "edited_at": edited_at, "favourited": False, "content": html, "reblog": None, "account": who,
            "media_attachments": [], "mentions": [],
            "tags": [{"name": t, "url": f"https://{HOME}/tags/{t}"} for t in tags], "emojis": [], "card": None,
            "poll": None}


class Mastodon:
    """Serves `statuses` (newest first by id) as the hashtag timeline, and `stream` as the hashtag stream."""

    def __init__(self, statuses: list[dict[str, Any]], stream: list[tuple[str, str]] = (),  # type: ignore[assignment]
                 failures: list[int] = (), limit: int = 300, stream_delay: float = 1.0,  # type: ignore[assignment]
                 stream_after: str | None = None) -> None:
        self.statuses = sorted(statuses, key=lambda s: int(s["id"]), reverse=True)
        self.stream = list(stream)
        self.failures = list(failures)
        self.limit, self.remaining = limit, limit
        self.stream_delay = stream_delay
        self.stream_after = stream_after  # the stream waits until a page with this status was served
        self._served = threading.Event()
        self.requests: list[tuple[float, str, dict[str, list[str]]]] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()

    def start(self) -> str:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner._answer(self)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self._stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = parse_qs(parts.query)
        with self._lock:
            self.requests.append((time.monotonic(), parts.path, query))
        if parts.path == "/api/v1/streaming/hashtag":
            self._stream(handler)
            return
        if not parts.path.startswith("/api/v1/timelines/tag/"):
            self._send(handler, 404, {"error": "Record not found"})
            return
        with self._lock:
            failure = self.failures.pop(0) if self.failures else None
            self.remaining = self.limit if self.remaining <= 0 else self.remaining - 1
            remaining = self.remaining
        reset = datetime.now(UTC) + timedelta(seconds=1)
        headers = [("X-RateLimit-Limit", str(self.limit)), ("X-RateLimit-Remaining", str(remaining)),
                   ("X-RateLimit-Reset", reset.isoformat().replace("+00:00", "Z"))]
        if failure == 429:
            self._send(handler, 429, {"error": "Too many requests"}, [("Retry-After", format_datetime(reset, True))])
            return
        if failure:
            self._send(handler, failure, {"error": "Internal server error"})
            return
        tag = parts.path.rsplit("/", 1)[1]
        page = [s for s in self.statuses if tag in [t["name"] for t in s["tags"]] and s["visibility"] == "public"]
        limit = int(query.get("limit", ["20"])[0])
        if "max_id" in query:
            page = [s for s in page if int(s["id"]) < int(query["max_id"][0])][:limit]
        elif "min_id" in query:  # the statuses just after min_id, newest first
            page = [s for s in page if int(s["id"]) > int(query["min_id"][0])][-limit:]
        else:
            page = page[:limit]
        if self.stream_after and any(s["id"] == self.stream_after for s in page):
            self._served.set()
        self._send(handler, 200, page, headers)

    def _stream(self, handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.end_headers()
        try:
            handler.wfile.write(b":)\n\n")
            handler.wfile.flush()
            if self.stream_after:
                self._served.wait(30)
            time.sleep(self.stream_delay)
            for event, data in self.stream:
                if event == "delete":  # gone from the timeline too, as on a real server
                    with self._lock:
                        self.statuses = [s for s in self.statuses if s["id"] != data]
                handler.wfile.write(f"event: {event}\ndata: {data}\n\n".encode())
                handler.wfile.flush()
            while not self._stopping.wait(0.2):
                handler.wfile.write(b":thump\n\n")
                handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def _send(self, handler: BaseHTTPRequestHandler, status_code: int, body: Any,
              headers: list[tuple[str, str]] = ()) -> None:  # type: ignore[assignment]
        data = json.dumps(body).encode()
        handler.send_response(status_code)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)
