"""A blog server for the feed capture tests: a page naming its feed, a WordPress RSS feed with
ETag/Last-Modified and per-post comment feeds, and an Atom news feed."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PAGE = """<!doctype html><html><head><title>Night Shift</title>
<link rel="alternate" type="application/rss+xml" title="Night Shift &raquo; Feed" href="/blog/feed/">
<link rel="stylesheet" href="/style.css"></head><body><h1>Notes</h1></body></html>"""

ITEM = """	<item>
		<title>{title}</title>
		<link>{base}/blog/{slug}/</link>
		<comments>{base}/blog/{slug}/#comments</comments>
		<dc:creator><![CDATA[Jo Whitfield]]></dc:creator>
		<pubDate>{date}</pubDate>
		<category><![CDATA[District nursing]]></category>
		<guid isPermaLink="false">{base}/?p={number}</guid>
		<description><![CDATA[{text}]]></description>
		<content:encoded><![CDATA[<p>{text}</p>]]></content:encoded>
		<wfw:commentRss>{base}/blog/{slug}/feed/</wfw:commentRss>
		<slash:comments>1</slash:comments>
	</item>
"""

RSS = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:slash="http://purl.org/rss/1.0/modules/slash/">
<channel>
	<title>{title}</title>
	<atom:link href="{self}" rel="self" type="application/rss+xml" />
	<link>{link}</link>
	<description>Reflections of a district nurse</description>
	<language>en-GB</language>
	<generator>https://wordpress.org/?v=6.4.3</generator>
{items}</channel>
</rss>
"""

COMMENT = """	<item>
		<title>By: Ade (student nurse)</title>
		<link>{base}/blog/{slug}/#comment-{number}</link>
		<dc:creator><![CDATA[Ade (student nurse)]]></dc:creator>
		<pubDate>Wed, 13 Mar 2024 08:15:40 +0000</pubDate>
		<guid isPermaLink="false">{base}/?p=412#comment-{number}</guid>
		<description><![CDATA[{text}]]></description>
		<content:encoded><![CDATA[<p>{text}</p>]]></content:encoded>
	</item>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>County Council news</title>
  <link href="{base}/news" rel="alternate"/>
  <link href="{base}/news.atom" rel="self"/>
  <id>{base}/news</id>
  <updated>2024-03-10T09:00:00Z</updated>
  <entry>
    <title type="html">Care &amp;amp; support: new &lt;b&gt;day centre&lt;/b&gt; opens</title>
    <link href="{base}/news/day-centre" rel="alternate"/>
    <id>{base}/news/day-centre</id>
    <updated>2024-03-10T09:00:00Z</updated>
    <published>2024-03-10T09:00:00Z</published>
    <summary type="html">&lt;p&gt;The centre opens on Monday &amp;amp; welcomes carers.&lt;/p&gt;</summary>
  </entry>
</feed>
"""

POSTS = [
    ("What a good handover sounds like", "2024/03/12/handover", "Tue, 12 Mar 2024 20:41:09 +0000", "412",
     "Three minutes at the start of a shift &#8211; SBAR &amp; a whiteboard."),
    ("Falls at home: the kettle question", "2024/02/27/kettle", "Tue, 27 Feb 2024 19:02:55 +0000", "398",
     "Can the kettle be reached without a step stool?"),
]
LATER = ("Night visits in the snow", "2024/03/14/snow", "Thu, 14 Mar 2024 21:00:00 +0000", "430",
         "Chains on, flask full.")


class Blog:
    """Serves the page, the feeds and the comment feeds; `publish()` adds a post (a new ETag)."""

    def __init__(self, publish_after: int | None = None) -> None:
        self.publish_after = publish_after  # a new post appears after this many polls of the blog feed
        self.posts = list(POSTS)
        self.version = 1
        self.requests: list[tuple[str, str | None, int]] = []  # path, If-None-Match, status
        self.failures = {"/news.atom": [503]}
        self._lock = threading.Lock()

    def publish(self) -> None:
        with self._lock:
            self.posts.insert(0, LATER)
            self.version += 1

    def start(self) -> str:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner._answer(self)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self.base

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        path, tag = handler.path, handler.headers.get("If-None-Match")
        base = self.base
        with self._lock:
            failure = self.failures.get(path, []).pop(0) if self.failures.get(path) else None
            version, posts = self.version, list(self.posts)
        if failure:
            self._send(handler, path, tag, failure, "text/plain", b"busy", [("Retry-After", "0")])
        elif path == "/blog/":
            self._send(handler, path, tag, 200, "text/html; charset=utf-8", PAGE.encode())
        elif path == "/blog/feed/":
            polls = sum(1 for p, _, _ in self.requests if p == path)
            if self.publish_after is not None and polls == self.publish_after:
                self.publish()
                version, posts = self.version, list(self.posts)
            etag = f'"v{version}"'
            if tag == etag:
                self._send(handler, path, tag, 304, "application/rss+xml", b"")
                return
            items = "".join(ITEM.format(base=base, title=t, slug=s, date=d, number=n, text=x)
                            for t, s, d, n, x in posts)
            body = RSS.format(title="Notes from the Night Shift", self=f"{base}/blog/feed/", link=f"{base}/blog",
                              items=items)
            self._send(handler, path, tag, 200, "application/rss+xml; charset=UTF-8", body.encode(),
                       [("ETag", etag), ("Last-Modified", "Thu, 14 Mar 2024 21:00:00 GMT")])
        elif path.startswith("/blog/") and path.endswith("/feed/"):
            slug = path[len("/blog/"):-len("/feed/")]
            comments = COMMENT.format(base=base, slug=slug, number=len(slug), text="Going to suggest the whiteboard.")
            body = RSS.format(title="Comments on: a post", self=f"{base}{path}", link=f"{base}/blog/{slug}/",
                              items=comments if slug == "2024/03/12/handover" else "")
            self._send(handler, path, tag, 200, "application/rss+xml; charset=UTF-8", body.encode(),
                       [("ETag", '"c1"')] if tag != '"c1"' else [])
        elif path == "/news.atom":
            self._send(handler, path, tag, 200, "application/atom+xml", ATOM.format(base=base).encode())
        else:
            self._send(handler, path, tag, 404, "text/plain", b"not found")

    def _send(self, handler: BaseHTTPRequestHandler, path: str, tag: str | None, status: int, kind: str,
              body: bytes, headers: list[tuple[str, str]] | None = None) -> None:
        with self._lock:
            self.requests.append((path, tag, status))
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in headers or []:
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)
