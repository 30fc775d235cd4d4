"""Blog feeds: RSS 2.0, RSS 1.0 (RDF) and Atom, including WordPress and Blogger comment feeds.

Each feed entry becomes a Post on the platform `feeds`. The rules, chosen so that posts,
comments and accounts from separate feed files join up:

* **Blog account.** The channel (title, link, subtitle) is the blog's Account; its
  account_id is the channel link without trailing slashes (`https://nurse.blog`).
* **Authors.** When every entry of a feed has the same author (or none), the blog is
  single-author and each post belongs to the blog account. When entries name two or more
  authors, each author is an account of their own: their Atom `<uri>` when the feed gives
  one, else `<blog url>#author:<name>`. Email addresses are never used and never kept.
* **Post ids.** An entry's id/guid, else its link. WordPress guids (`https://blog/?p=123`)
  never appear in comment links, so for WordPress feeds (generator, or a `?p=N` guid) the
  entry's link is the post id instead: a post is its permalink, a comment its
  `permalink#comment-N`.
* **Comments are replies.** An Atom entry with `thr:in-reply-to` (Blogger and others)
  replies to the `ref` it names, which is the post's Atom id. A WordPress comment (a link
  ending `#comment-N`) replies to the link without that fragment, which is the post's id
  under the rule above. reply_to_account and root are the blog account and the post. A
  commenter is an account: their `<uri>` when given, else `<blog url>#commenter:<name>`.
  For a per-post comments feed, whose channel link is the post itself, the blog account
  is the site root (scheme and host), which is right for WordPress and Blogger sites
  installed at the root of their host.
* **Text** is the title, a blank line, then the plain text of the content (or summary):
  tags stripped, entities unescaped. Comments carry only their body (their titles are
  generated: "Comment on <post> by <name>").
* **Hashtags** come from categories and tags: lower-case with spaces and punctuation
  removed, so the category "Mental Health" joins the hashtag #MentalHealth elsewhere
  (WordPress's default "Uncategorized" is dropped), plus any #hashtags in the text.
* **urls** are the links in the content; `slash:comments` (WordPress) or `thr:total`
  (Blogger) is reply_count; images in the content and enclosures are media_count.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import feedparser

from sociable.errors import MappingError, UnreadableFile
from sociable.model import Account, Post
from sociable.sources.base import (
    Format,
    Mapped,
    Options,
    RawRecord,
    Rejected,
    decode_text,
    hashtags_in,
    looks_binary,
    optional_int,
    parse_time,
    unique,
)

PLATFORM = "feeds"
FORMAT_NAME = "feed"

_ATOM_NAMESPACES = ("http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#")
_RDF_NAMESPACES = ("http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/")
# A declaration, comments, and a DOCTYPE with or without an internal subset ([...], which may
# declare entities: recognised here, never expanded by the reader).
_PROLOGUE = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\]\s*)?>)", re.DOTALL | re.IGNORECASE)
_FIRST_TAG = re.compile(r"\s*<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_WORDPRESS_GUID = re.compile(r"[?&]p=\d+(?:#comment-\d+)?$")
_WORDPRESS_COMMENT = re.compile(r"#comment-\d+$")
_EMAIL = re.compile(r"\s*\(?[\w.+-]+@[\w-]+(?:\.[\w-]+)+\)?\s*")
_PLACEHOLDER_CATEGORIES = frozenset({"uncategorized", "uncategorised"})


# ---------------------------------------------------------------------------- sniffing


def sniff(path: Path, head: bytes) -> bool:
    """True when the first element of the file is an RSS, RDF (RSS 1.0) or Atom root."""
    if not head or looks_binary(head):
        return False
    text = decode_text(head).lstrip()
    if not text.startswith("<"):
        return False
    while True:
        match = _PROLOGUE.match(text)
        if not match or match.end() == 0:
            break
        text = text[match.end() :]
    tag = _FIRST_TAG.match(text)
    if tag is None:
        return False
    name = tag.group(2)
    if name == "rss":
        return True
    if name == "feed":
        return any(ns in text for ns in _ATOM_NAMESPACES)
    if name == "RDF":
        return any(ns in text for ns in _RDF_NAMESPACES)
    return False


# ---------------------------------------------------------------------------- reading


def read(path: Path, options: Options) -> Iterator[RawRecord | Rejected]:
    """Yield one raw record per feed entry, each carrying the channel facts map() needs."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"{path} could not be read ({exc.strerror or exc}).") from exc
    for number, raw in enumerate(parse_feed(data, str(path)), 1):
        yield RawRecord(FORMAT_NAME, str(path), number, raw)


def parse_feed(data: bytes, where: str) -> list[dict[str, Any]]:
    """A feed's entries as raw records (`{"feed": channel facts, "entry": entry}`); UnreadableFile if not a feed."""
    # A file object, never a string: feedparser fetches anything that looks like a URL.
    # HTML is reduced to text by map() itself, and relative links are resolved there too.
    parsed = feedparser.parse(io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False)
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS or Atom elements found"
        raise UnreadableFile(f"{where} is not a readable RSS or Atom feed ({reason}); check that it is a feed file.")
    entries = [_json_safe(entry) for entry in parsed.entries]
    channel = _channel_facts(_json_safe(parsed.feed), entries)
    return [{"feed": channel, "entry": entry} for entry in entries]


def _channel_facts(feed: dict[str, Any], entries: list[dict[str, Any]]) -> dict[str, Any]:
    """What map() needs to know about the channel, copied into every raw record."""
    authors = {_author_name(e) for e in entries if not _is_comment(e)} - {None}
    self_link = next((link.get("href") for link in feed.get("links", []) if link.get("rel") == "self"), None)
    return {
        "title": feed.get("title"),
        "link": feed.get("link"),
        "self": self_link,
        "id": feed.get("id"),
        "subtitle": feed.get("subtitle"),
        "subtitle_type": (feed.get("subtitle_detail") or {}).get("type"),
        "language": feed.get("language"),
        "generator": feed.get("generator"),
        "distinct_authors": len(authors),
    }


def _json_safe(value: Any) -> Any:
    """feedparser's dicts as plain JSON: times as ISO strings, email addresses dropped."""
    if isinstance(value, time.struct_time):
        return datetime(*value[:6], tzinfo=UTC).isoformat()
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "email":
                continue
            if key in ("author", "publisher", "contributor") and isinstance(item, str):
                item = _EMAIL.sub(" ", item).strip() or None
            out[str(key)] = _json_safe(item)
        return out
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


# ---------------------------------------------------------------------------- mapping


def map_record(raw: Any) -> Mapped:
    """Turn one raw feed entry (with its channel facts) into a Post and its author's Account."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("entry"), Mapping):
        raise MappingError("a feed record should hold an 'entry' object and a 'feed' object")
    feed: Mapping[str, Any] = raw["feed"] if isinstance(raw.get("feed"), Mapping) else {}
    entry: Mapping[str, Any] = raw["entry"]
    blog = _blog_account(feed)
    post_id = _post_id(feed, entry)
    created_at = _entry_time(entry, post_id)
    body, links, images = _entry_body(entry)
    reply_to = reply_to_account = None
    if _is_comment(entry):
        site = _comment_site(blog, entry)
        author = _commenter(site, entry)
        reply_to, reply_to_account = _replied_post(entry), site.account_id
        text = body
    else:
        author = _post_author(blog, feed, entry)
        text = "\n\n".join(part for part in (_title(entry), body) if part)
    post = Post(
        platform=PLATFORM,
        post_id=post_id,
        account_id=author.account_id,
        created_at=created_at,
        text=text,
        uri=_string(entry.get("link")),
        lang=_language(feed, entry),
        reply_to=reply_to,
        reply_to_account=reply_to_account,
        root=reply_to,
        hashtags=_hashtags(entry, text),
        urls=links,
        media_count=images + _enclosures(entry),
        reply_count=optional_int(entry.get("slash_comments") or entry.get("thr_total")),
    )
    return Mapped(posts=[post], accounts=[author])


def _blog_account(feed: Mapping[str, Any]) -> Account:
    link = _string(feed.get("link")) or _site_root(_string(feed.get("self")))
    blog_id = _normal_url(link) or _string(feed.get("id"))
    if not blog_id:
        raise MappingError("the feed gives no link or id for the blog, so its posts cannot be given an author")
    subtitle = _string(feed.get("subtitle"))
    if subtitle and feed.get("subtitle_type") != "text/plain":
        subtitle = html_to_text(subtitle)[0]
    return Account(
        platform=PLATFORM,
        account_id=blog_id,
        display_name=_clean(feed.get("title")) or None,
        bio=subtitle or None,
        url=link or None,
    )


def _post_id(feed: Mapping[str, Any], entry: Mapping[str, Any]) -> str:
    entry_id = _string(entry.get("id"))
    link = _string(entry.get("link"))
    if link and _is_wordpress(feed, entry_id):
        return link
    if entry_id:
        return entry_id
    if link:
        return link
    raise MappingError("the feed entry has no id (guid) and no link, so it cannot be told apart from others")


def _is_wordpress(feed: Mapping[str, Any], entry_id: str | None) -> bool:
    generator = _string(feed.get("generator")) or ""
    return "wordpress" in generator.lower() or bool(entry_id and _WORDPRESS_GUID.search(entry_id))


def _entry_time(entry: Mapping[str, Any], post_id: str) -> datetime:
    for key in ("published_parsed", "updated_parsed", "created_parsed", "published", "updated"):
        value = entry.get(key)
        if value:
            try:
                return parse_time(value, key)
            except MappingError:
                continue
    raise MappingError(f"the feed entry {post_id} has neither a published nor an updated date")


def _is_comment(entry: Mapping[str, Any]) -> bool:
    if _in_reply_to(entry):
        return True
    link = _string(entry.get("link"))
    return bool(link and _WORDPRESS_COMMENT.search(link))


def _in_reply_to(entry: Mapping[str, Any]) -> Mapping[str, Any] | None:
    target = entry.get("thr_in-reply-to")
    if isinstance(target, Mapping) and (target.get("ref") or target.get("href")):
        return target
    return None


def _replied_post(entry: Mapping[str, Any]) -> str:
    target = _in_reply_to(entry)
    if target is not None:
        return str(target.get("ref") or target.get("href"))
    return urldefrag(str(entry.get("link")))[0]


def _comment_site(blog: Account, entry: Mapping[str, Any]) -> Account:
    """The blog a comment was left on; a per-post comments feed's channel link is the post."""
    target = _in_reply_to(entry)
    post_link = _string(target.get("href")) if target else urldefrag(str(entry.get("link")))[0]
    if post_link and _normal_url(post_link) == blog.account_id:
        root = _site_root(post_link)
        if root:
            return Account(platform=PLATFORM, account_id=root, url=root + "/")
    return blog


def _author_name(entry: Mapping[str, Any]) -> str | None:
    detail = entry.get("author_detail")
    name = detail.get("name") if isinstance(detail, Mapping) else None
    return _clean(name or entry.get("author")) or None


def _author_href(entry: Mapping[str, Any]) -> str | None:
    detail = entry.get("author_detail")
    href = detail.get("href") if isinstance(detail, Mapping) else None
    return _string(href)


def _post_author(blog: Account, feed: Mapping[str, Any], entry: Mapping[str, Any]) -> Account:
    name = _author_name(entry)
    if not name or int(feed.get("distinct_authors") or 0) <= 1:
        return blog
    href = _author_href(entry)
    account_id = href or f"{blog.account_id}#author:{name}"
    return Account(platform=PLATFORM, account_id=account_id, display_name=name, url=href)


def _commenter(blog: Account, entry: Mapping[str, Any]) -> Account:
    name = _author_name(entry) or "Anonymous"
    href = _author_href(entry)
    account_id = href or f"{blog.account_id}#commenter:{name}"
    return Account(platform=PLATFORM, account_id=account_id, display_name=name, url=href)


def _entry_body(entry: Mapping[str, Any]) -> tuple[str, tuple[str, ...], int]:
    """Plain text of the fullest content (else the summary), its links and its image count."""
    candidates = [c for c in entry.get("content") or [] if isinstance(c, Mapping) and c.get("value")]
    candidates.sort(key=lambda c: len(str(c.get("value"))), reverse=True)
    if candidates:
        value, kind = str(candidates[0]["value"]), candidates[0].get("type")
    else:
        detail = entry.get("summary_detail")
        value = _string(entry.get("summary")) or ""
        kind = detail.get("type") if isinstance(detail, Mapping) else "text/html"
    if kind == "text/plain":
        return _collapse(value), (), 0
    text, links, images = html_to_text(value)
    base = _string(entry.get("link")) or ""
    absolute = (urljoin(base, link) for link in links)
    return text, unique(u for u in absolute if u.startswith(("http://", "https://"))), images


def _enclosures(entry: Mapping[str, Any]) -> int:
    links = entry.get("links") or []
    return sum(1 for link in links if isinstance(link, Mapping) and link.get("rel") == "enclosure")


def _hashtags(entry: Mapping[str, Any], text: str) -> tuple[str, ...]:
    tags = []
    for tag in entry.get("tags") or []:
        term = (tag.get("term") or tag.get("label")) if isinstance(tag, Mapping) else None
        if isinstance(term, str):
            tag_text = re.sub(r"[\W_]+", "", term.lower())
            if tag_text and tag_text not in _PLACEHOLDER_CATEGORIES:
                tags.append(tag_text)
    without_links = re.sub(r"https?://\S+", " ", text)
    return unique([*tags, *hashtags_in(without_links)])


def _language(feed: Mapping[str, Any], entry: Mapping[str, Any]) -> str | None:
    """The primary language subtag ('en-GB' -> 'en'), from the entry else the channel."""
    sources = [*(entry.get("content") or []), entry.get("summary_detail"), entry.get("title_detail")]
    for detail in sources:
        if isinstance(detail, Mapping) and _string(detail.get("language")):
            return str(detail["language"]).split("-")[0].lower()
    language = _string(feed.get("language"))
    return language.split("-")[0].lower() if language else None


# ---------------------------------------------------------------------------- text helpers


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML fragment, its link targets and its images."""

    _BLOCKS = frozenset(
        {"p", "div", "br", "li", "ul", "ol", "tr", "table", "blockquote", "pre", "hr", "section", "article"}
        | {f"h{n}" for n in range(1, 7)}
    )
    _HIDDEN = frozenset({"script", "style", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self.images = 0
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")
        elif tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href.strip())
        elif tag == "img":
            self.images += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def html_to_text(fragment: str) -> tuple[str, list[str], int]:
    """Plain text of an HTML fragment (paragraphs kept as blank lines), its hrefs and image count."""
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    return _collapse("".join(parser.parts)), parser.links, parser.images


def _collapse(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.replace("\r", "\n").split("\n")]
    paragraphs: list[str] = []
    blank = False
    for line in lines:
        if line:
            if blank and paragraphs:
                paragraphs.append("")
            paragraphs.append(line)
            blank = False
        else:
            blank = True
    return "\n".join(paragraphs)


def _title(entry: Mapping[str, Any]) -> str:
    """An entry's title as plain text: an HTML title (Atom type="html", or escaped markup) loses tags and entities."""
    title = entry.get("title")
    detail = entry.get("title_detail")
    kind = detail.get("type") if isinstance(detail, Mapping) else None
    if isinstance(title, str) and (kind in ("text/html", "application/xhtml+xml") or "&" in title or "<" in title):
        return _clean(html_to_text(title)[0])
    return _clean(title)


def _clean(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _string(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _normal_url(url: str | None) -> str | None:
    """A blog URL as an account id: scheme and host lower-case, no trailing slash."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return url.strip().rstrip("/") or None
    rest = url.strip()[len(parts.scheme) + 3 + len(parts.netloc) :]
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{rest}".rstrip("/")


def _site_root(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


FORMATS: tuple[Format, ...] = (
    Format(
        name=FORMAT_NAME,
        platform=PLATFORM,
        description="RSS 2.0, RSS 1.0 or Atom blog feed, with WordPress and Blogger comment feeds as replies",
        sniff=sniff,
        read=read,
        map=map_record,
    ),
)
