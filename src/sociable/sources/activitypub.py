"""What the Mastodon API and ActivityPub formats share: HTML to text, actor URIs, handles, audiences.

Mastodon's own conventions are used to relate its two kinds of address for one account:
the profile page `https://host/@name` and the ActivityPub actor `https://host/users/name`,
whose statuses are `https://host/users/name/statuses/<id>`.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import urlsplit

PLATFORM = "mastodon"
PUBLIC_AUDIENCES = frozenset({"https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"})
KEEP_PRIVATE_OPTION = "private"  # reader option: private=keep imports followers-only and direct posts

_PROFILE_PATH = re.compile(r"^/@([^/@]+)/?$")
_STATUS_URI = re.compile(r"^(https?://[^/]+/users/[^/]+)/statuses/[^/]+$")
_BLOCKS = frozenset({"div", "blockquote", "pre", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"})
_SKIPPED = frozenset({"script", "style"})


_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>|<!--.*?-->|([^<]+|<)", re.DOTALL)
_ATTRIBUTE = re.compile(r"""([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+)""")
_VOID = frozenset({"br", "img", "hr", "meta", "link", "input", "wbr"})


class _TextWriter:
    """Plain text of post HTML, with the links it carries sorted into mentions, hashtags and others."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.links: list[str] = []
        self.hidden_depth = 0  # >0 inside an element whose text is not part of the post
        self.stack: list[bool] = []  # per open element: does it hide its content?

    def feed(self, html: str) -> None:
        for match in _TOKEN.finditer(html):
            closing, tag, attributes, data = match.groups()
            if data is not None:
                if not self.hidden_depth:
                    self.parts.append(unescape(data))
            elif tag is not None:
                tag = tag.lower()
                if closing:
                    self.end(tag)
                else:
                    self.start(tag, attributes)

    def start(self, tag: str, raw_attributes: str) -> None:
        if tag == "br":
            self.parts.append("\n")
            return
        if tag in _VOID or raw_attributes.rstrip().endswith("/"):
            return
        attributes = {name.lower(): unescape(value.strip("\"'")) for name, value in _ATTRIBUTE.findall(raw_attributes)}
        hides = tag in _SKIPPED or "quote-inline" in attributes.get("class", "").split()
        self.stack.append(hides)
        if hides:
            self.hidden_depth += 1
        elif tag == "p":
            self.parts.append("\n\n")
        elif tag in _BLOCKS:
            self.parts.append("\n")
        elif tag == "a" and not self.hidden_depth:
            self._add_link(attributes)

    def end(self, tag: str) -> None:
        if tag in _VOID or not self.stack:
            return
        if self.stack.pop():
            self.hidden_depth -= 1
        elif tag == "p":
            self.parts.append("\n\n")
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def _add_link(self, attributes: dict[str, str]) -> None:
        classes = attributes.get("class", "").split()
        rels = attributes.get("rel", "").split()
        href = attributes.get("href", "")
        if "mention" in classes or "hashtag" in classes or "tag" in rels:
            return
        if href.startswith(("http://", "https://")):
            self.links.append(href)

    def text(self) -> str:
        joined = "".join(self.parts)
        lines = [line.strip(" \t") for line in joined.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_text(html: Any) -> tuple[str, tuple[str, ...]]:
    """Plain text of post HTML (paragraphs and line breaks kept, entities decoded) and its links.

    Links are the hrefs of anchors that are not mentions or hashtags; the fallback
    `RE: <link>` paragraph Mastodon adds to quote posts for older clients is left out.
    Servers sanitise post HTML to a few simple elements, so a tokenizer is enough here.
    """
    if not isinstance(html, str) or not html:
        return "", ()
    if "<" not in html:
        return unescape(html).strip(), ()
    writer = _TextWriter()
    writer.feed(html)
    return writer.text(), tuple(dict.fromkeys(writer.links))


def plain_text(html: Any) -> str | None:
    """Plain text of an HTML bio or name, None when empty."""
    text, _links = html_text(html)
    return text or None


def host_of(url: Any) -> str | None:
    """The lower-case host of a URL, None when it is not an absolute URL."""
    if not isinstance(url, str):
        return None
    host = urlsplit(url).hostname
    return host.lower() if host else None


def actor_uri_from_profile(url: Any) -> str | None:
    """The ActivityPub actor URI for a Mastodon profile page URL (`/@name` → `/users/name`).

    Other URLs (already actor URIs, or other software's profile pages) are returned unchanged.
    """
    if not isinstance(url, str) or not url:
        return None
    parts = urlsplit(url)
    match = _PROFILE_PATH.match(parts.path)
    if parts.scheme in ("http", "https") and parts.netloc and match:
        return f"{parts.scheme}://{parts.netloc}/users/{match.group(1)}"
    return url


def actor_of_status(status_uri: Any) -> str | None:
    """The actor URI inside a Mastodon-style status URI (`.../users/name/statuses/1` → `.../users/name`)."""
    if not isinstance(status_uri, str):
        return None
    match = _STATUS_URI.match(status_uri)
    return match.group(1) if match else None


def full_handle(acct: Any, profile_url: Any) -> str | None:
    """`user@server`: the acct as given when it names its server, else with the profile URL's host."""
    if not isinstance(acct, str) or not acct.strip():
        return None
    acct = acct.strip().lstrip("@")
    if "@" in acct:
        name, _, server = acct.partition("@")
        return f"{name}@{server.lower()}"
    host = host_of(profile_url)
    return f"{acct}@{host}" if host else acct


def as_list(value: Any) -> list[Any]:
    """ActivityStreams properties may be one value or a list of values."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def is_public(*audiences: Any) -> bool:
    """True when any of the to/cc audiences addresses the public collection."""
    return any(isinstance(a, str) and a in PUBLIC_AUDIENCES for value in audiences for a in as_list(value))


def text_with_warning(warning: Any, body: str) -> str:
    """A post's text with its content warning (spoiler) first, as readers see it."""
    if isinstance(warning, str) and warning.strip():
        return f"{warning.strip()}\n\n{body}" if body else warning.strip()
    return body
