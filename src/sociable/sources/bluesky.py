"""Bluesky: AppView API JSON (`bluesky-api`) and Jetstream events (`bluesky-jetstream`).

`bluesky-api` reads post views as the AppView returns them: `getPostThread` threads (the
parent chain and every reply, as one record per post), `searchPosts`/`getPosts`/`getQuotes`
pages (`posts`), `getAuthorFeed`/`getTimeline`/`getFeed` pages (`feed` items, whose
`reply` carries the parent and root posts and whose `reasonRepost` is a repost),
`com.atproto.repo.listRecords` pages of post records, and bare post views, as JSON, JSON
arrays or JSON Lines.

A repost seen in a feed is a post of its own by the reposter. Its id is the repost record's
URI when the AppView gives it (`reason.uri`), else `at://<reposter DID>/app.bsky.feed.repost/
sociable-<first 16 hex digits of sha256(original post URI)>`: stable, so importing the
same feed twice stores the repost once (a person who reposts the same post twice counts once).

Threads list deleted and blocked posts as `notFoundPost`/`blockedPost`: they carry no post,
so they are read as records that map to nothing and are counted as skipped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sociable.errors import MappingError
from sociable.model import Account, Post
from sociable.sources.base import (
    Format,
    Mapped,
    Options,
    RawRecord,
    Rejected,
    first_json_value,
    iter_json_values,
    optional_int,
    parse_time,
)
from sociable.sources.bluesky_jetstream import BLUESKY_JETSTREAM
from sociable.sources.bluesky_records import (
    PLATFORM,
    POST_COLLECTION,
    REPOST_COLLECTION,
    Counts,
    account_of,
    add,
    did_of,
    map_post_record,
    parse_at_uri,
    profile_url,
    record_time,
)

API_FORMAT = "bluesky-api"
_DEFS = "app.bsky.feed.defs#"
_PLACEHOLDERS = frozenset({f"{_DEFS}notFoundPost", f"{_DEFS}blockedPost"})
_QUOTE_VIEWS = frozenset({"app.bsky.embed.record#view", "app.bsky.embed.recordWithMedia#view"})


# ---------------------------------------------------------------------------- sniffing


def _is_post_view(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("uri"), str)
        and value["uri"].startswith("at://")
        and isinstance(value.get("author"), dict)
        and isinstance(value.get("record"), dict)
    )


def _is_post_record(value: Any) -> bool:
    record = value.get("value") if isinstance(value, dict) else None
    return (
        isinstance(value, dict)
        and isinstance(value.get("uri"), str)
        and value["uri"].startswith("at://")
        and isinstance(record, dict)
        and record.get("$type") == POST_COLLECTION
    )


def _recognised(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value) and _recognised(value[0])
    if not isinstance(value, dict):
        return False
    thread = value.get("thread")
    if isinstance(thread, dict):
        return str(thread.get("$type", "")).startswith(_DEFS)
    for key, check in (("posts", _is_post_view), ("feed", _recognised), ("records", _is_post_record)):
        items = value.get(key)
        if isinstance(items, list):
            return bool(items) and check(items[0])
    return _is_post_view(value) or _is_post_view(value.get("post")) or _is_post_record(value)


def sniff_api(path: Path, head: bytes) -> bool:
    """Post views and the API containers that hold them (thread, search, feed, listRecords)."""
    value = first_json_value(head)
    if value is not None:
        return _recognised(value)
    return (
        head.lstrip()[:1] in (b"[", b"{")
        and b'"at://did:' in head
        and b'"app.bsky.feed.post"' in head
        and b'"time_us"' not in head
    )


# ---------------------------------------------------------------------------- reading


def _thread_posts(thread: Any) -> Iterator[Any]:
    """Every entry of a getPostThread tree: ancestors from the root down, the post, then its replies."""
    ancestors: list[Any] = []
    parent = thread.get("parent") if isinstance(thread, dict) else None
    while isinstance(parent, dict):
        ancestors.append(parent)
        parent = parent.get("parent")
    yield from (_entry(node) for node in reversed(ancestors))
    pending = [thread]
    while pending:
        node = pending.pop()
        yield _entry(node)
        replies = node.get("replies") if isinstance(node, dict) else None
        if isinstance(replies, list):
            pending.extend(reversed(replies))


def thread_post_views(thread: Any) -> list[dict[str, Any]]:
    """The post views of a getPostThread tree (ancestors, the post, its replies), deleted and blocked ones left out."""
    return [view for view in _thread_posts(thread) if isinstance(view, dict) and view.get("$type") not in _PLACEHOLDERS
            and isinstance(view.get("uri"), str) and isinstance(view.get("record"), dict)]


def _entry(node: Any) -> Any:
    """A thread node's post view; deleted/blocked placeholders and unknown nodes are kept as they are."""
    if isinstance(node, dict) and node.get("$type") == f"{_DEFS}threadViewPost" and isinstance(node.get("post"), dict):
        return node["post"]
    return node


def _items(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        if isinstance(value.get("thread"), dict):
            yield from _thread_posts(value["thread"])
            return
        for key in ("posts", "feed", "records"):
            if isinstance(value.get(key), list):
                yield from value[key]
                return
    yield value


def read_api(path: Path, options: Options) -> Iterator[RawRecord | Rejected]:
    """One raw record per post view, feed item or post record; a page or thread gives many."""
    for entry in iter_json_values(path, API_FORMAT):
        if isinstance(entry, Rejected):
            yield entry
            continue
        number, value = entry
        for item in _items(value):
            yield RawRecord(API_FORMAT, str(path), number, item)


# ---------------------------------------------------------------------------- mapping


def map_api(raw: Any) -> Mapped:
    """A post view, feed item or post record as posts (a repost first) and accounts."""
    if not isinstance(raw, dict):
        raise MappingError(f"expected a Bluesky post JSON object, got {type(raw).__name__}")
    mapped = Mapped()
    kind = raw.get("$type")
    if kind in _PLACEHOLDERS:
        return mapped
    if isinstance(raw.get("post"), dict) and "record" not in raw:
        _map_feed_item(raw, mapped)
    elif _is_post_record(raw):
        _map_listed_record(raw, mapped)
    elif "record" in raw or "author" in raw:
        _map_view(raw, mapped, "record")
    else:
        raise MappingError("expected a Bluesky post view (uri, author, record), feed item or post record")
    return mapped


def _map_view(view: Mapping[str, Any], mapped: Mapped, record_key: str) -> None:
    """A postView (record under `record`) or an embedded viewRecord (record under `value`), and its quote."""
    uri = view.get("uri")
    parse_at_uri(uri)
    author = account_of(view.get("author"))
    record = view.get(record_key)
    if not isinstance(record, dict):
        raise MappingError(f"the post's '{record_key}' is missing or not an object")
    counts = Counts(
        likes=optional_int(view.get("likeCount")),
        reposts=optional_int(view.get("repostCount")),
        replies=optional_int(view.get("replyCount")),
    )
    post, mentioned = map_post_record(
        str(uri), author.account_id, record, record_time(record, view.get("indexedAt")), counts
    )
    add(mapped, post, [author, *mentioned])
    quoted = _quoted_view(view.get("embed") if record_key == "record" else _first(view.get("embeds")))
    if quoted is not None:
        _map_view(quoted, mapped, "value")


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else None


def _quoted_view(embed: Any) -> Mapping[str, Any] | None:
    """The quoted post's viewRecord inside an embed view, when the AppView could show it."""
    if not isinstance(embed, dict) or embed.get("$type") not in _QUOTE_VIEWS:
        return None
    inner = embed.get("record")
    if embed.get("$type") == "app.bsky.embed.recordWithMedia#view" and isinstance(inner, dict):
        inner = inner.get("record")
    if isinstance(inner, dict) and inner.get("$type") == "app.bsky.embed.record#viewRecord":
        collection = parse_at_uri(inner.get("uri"), "embed.record.uri")[1]
        return inner if collection == POST_COLLECTION else None
    return None


def _map_feed_item(item: Mapping[str, Any], mapped: Mapped) -> None:
    reason = item.get("reason")
    if isinstance(reason, dict) and reason.get("$type") == f"{_DEFS}reasonRepost":
        _map_repost(reason, item["post"], mapped)
    _map_view(item["post"], mapped, "record")
    reply = item.get("reply")
    for key in ("parent", "root"):
        context = reply.get(key) if isinstance(reply, dict) else None
        if isinstance(context, dict) and context.get("$type", f"{_DEFS}postView") == f"{_DEFS}postView":
            _map_view(context, mapped, "record")


def repost_id(reposter: str, original: str) -> str:
    """The stable id of a repost seen in a feed without its record URI."""
    digest = hashlib.sha256(original.encode("utf-8")).hexdigest()[:16]
    return f"at://{reposter}/{REPOST_COLLECTION}/sociable-{digest}"


def _map_repost(reason: Mapping[str, Any], original: Any, mapped: Mapped) -> None:
    reposter = account_of(reason.get("by"))
    original_uri = original.get("uri") if isinstance(original, dict) else None
    parse_at_uri(original_uri, "post.uri")
    given = reason.get("uri")
    post_id = given if isinstance(given, str) and did_of(given) == reposter.account_id else None
    when = reason.get("indexedAt")
    if when is None:
        raise MappingError("the repost's 'indexedAt' is missing")
    post = Post(
        platform=PLATFORM,
        post_id=post_id or repost_id(reposter.account_id, str(original_uri)),
        account_id=reposter.account_id,
        created_at=parse_time(when, "the repost's indexedAt"),
        repost_of=str(original_uri),
        repost_of_account=did_of(original_uri),
    )
    add(mapped, post, [reposter])


def _map_listed_record(item: Mapping[str, Any], mapped: Mapped) -> None:
    """A listRecords entry: the author is the DID in the URI; the handle is not given."""
    did = parse_at_uri(item.get("uri"))[0]
    if not did.startswith("did:"):
        raise MappingError("the record's uri names a handle, not a DID; fetch it with the DID instead")
    record = item["value"]
    post, mentioned = map_post_record(item["uri"], did, record, record_time(record, None))
    add(mapped, post, [Account(PLATFORM, did, url=profile_url(did)), *mentioned])


BLUESKY_API = Format(
    name=API_FORMAT,
    platform=PLATFORM,
    description="Bluesky API JSON: post threads, search and feed pages, post views and repo records",
    sniff=sniff_api,
    read=read_api,
    map=map_api,
)

FORMATS: tuple[Format, ...] = (BLUESKY_API, BLUESKY_JETSTREAM)
