"""Mapping one `app.bsky.feed.post` or `app.bsky.feed.repost` record, shared by the API and Jetstream formats.

A post's id is its `at://<did>/app.bsky.feed.post/<rkey>` URI and an account's id its DID;
`uri` is the post's bsky.app web address. Facets mark mentions, links and hashtags by
UTF-8 byte offsets into the text; a mention's span (`@handle`) also gives the mentioned
account's handle at the time of posting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sociable.errors import MappingError
from sociable.model import Account, Post
from sociable.sources.base import Mapped, optional_int, parse_time, unique

PLATFORM = "bluesky"
POST_COLLECTION = "app.bsky.feed.post"
REPOST_COLLECTION = "app.bsky.feed.repost"
INVALID_HANDLE = "handle.invalid"

_AT_URI = re.compile(r"^at://([^/?#]+)/([a-zA-Z0-9.-]+)/([A-Za-z0-9._:~-]{1,512})$")
_FACET = "app.bsky.richtext.facet#"


def parse_at_uri(uri: Any, what: str = "uri") -> tuple[str, str, str]:
    """(authority, collection, rkey) of an at:// record URI, else MappingError naming the field."""
    if not isinstance(uri, str):
        raise MappingError(f"the field '{what}' is missing or not an at:// URI")
    match = _AT_URI.match(uri)
    if not match:
        raise MappingError(f"the field '{what}' ({uri[:80]!r}) is not an at:// record URI")
    return match.group(1), match.group(2), match.group(3)


def did_of(uri: Any) -> str | None:
    """The account (DID) in an at:// URI, None when the value is not one."""
    match = _AT_URI.match(uri) if isinstance(uri, str) else None
    return match.group(1) if match else None


def web_url(did: str, rkey: str) -> str:
    return f"https://bsky.app/profile/{did}/post/{rkey}"


def profile_url(did: str) -> str:
    return f"https://bsky.app/profile/{did}"


def clean_handle(value: Any) -> str | None:
    if not isinstance(value, str) or not value or value == INVALID_HANDLE:
        return None
    return value.lower()


def account_of(profile: Any) -> Account:
    """An Account from a profile view (basic, full or detailed: whichever fields it has)."""
    if not isinstance(profile, dict) or not isinstance(profile.get("did"), str) or not profile["did"]:
        raise MappingError("the post's 'author' has no 'did'")
    did = profile["did"]
    created = profile.get("createdAt")
    return Account(
        platform=PLATFORM,
        account_id=did,
        handle=clean_handle(profile.get("handle")),
        display_name=profile.get("displayName") or None if isinstance(profile.get("displayName"), str) else None,
        bio=profile.get("description") or None if isinstance(profile.get("description"), str) else None,
        url=profile_url(did),
        followers=optional_int(profile.get("followersCount")),
        following=optional_int(profile.get("followsCount")),
        created_at=_time_or_none(created),
    )


def _time_or_none(value: Any) -> datetime | None:
    try:
        return parse_time(value) if value else None
    except MappingError:
        return None


def record_time(record: Mapping[str, Any], fallback: Any) -> datetime:
    """The record's own `createdAt`; the network's time (indexedAt, time_us) when that is absent or invalid."""
    try:
        return parse_time(record.get("createdAt"), "the record's createdAt")
    except (MappingError, ValueError, OverflowError):
        if fallback is None:
            raise MappingError("the record's 'createdAt' is missing or not a date-time") from None
        return parse_time(fallback, "the post's indexed time")


@dataclass(slots=True)
class Facets:
    """What a post's facets mark: mentioned DIDs (with the handle spelled in the text), links, tags."""

    mentions: dict[str, str | None] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def span_text(encoded: bytes, index: Any) -> str | None:
    """The text a facet's byte range covers, None when the range is not valid UTF-8 inside the text."""
    if not isinstance(index, dict):
        return None
    start, end = index.get("byteStart"), index.get("byteEnd")
    if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= len(encoded):
        return None
    try:
        return encoded[start:end].decode("utf-8")
    except UnicodeDecodeError:
        return None


def read_facets(text: str, facets: Any) -> Facets:
    found = Facets()
    encoded = text.encode("utf-8")
    for facet in facets if isinstance(facets, list) else []:
        if not isinstance(facet, dict) or not isinstance(facet.get("features"), list):
            continue
        for feature in facet["features"]:
            kind = feature.get("$type") if isinstance(feature, dict) else None
            if kind == f"{_FACET}mention" and isinstance(feature.get("did"), str):
                spelled = span_text(encoded, facet.get("index"))
                handle = clean_handle(spelled[1:]) if spelled and spelled.startswith("@") else None
                if found.mentions.get(feature["did"]) is None:
                    found.mentions[feature["did"]] = handle
            elif kind == f"{_FACET}link" and isinstance(feature.get("uri"), str):
                found.links.append(feature["uri"])
            elif kind == f"{_FACET}tag" and isinstance(feature.get("tag"), str):
                found.tags.append(feature["tag"].lstrip("#").lower())
    return found


@dataclass(slots=True)
class Embed:
    quote_of: str | None = None
    urls: list[str] = field(default_factory=list)
    media_count: int = 0


def read_embed(embed: Any) -> Embed:
    """Quote, link card and media of a record's embed (images, video, external, record, recordWithMedia)."""
    found = Embed()
    if not isinstance(embed, dict):
        return found
    kind = str(embed.get("$type", ""))
    if kind == "app.bsky.embed.images":
        found.media_count = len(embed["images"]) if isinstance(embed.get("images"), list) else 0
    elif kind == "app.bsky.embed.video":
        found.media_count = 1
    elif kind == "app.bsky.embed.external":
        external = embed.get("external")
        if isinstance(external, dict) and isinstance(external.get("uri"), str):
            found.urls.append(external["uri"])
    elif kind == "app.bsky.embed.record":
        found.quote_of = _quoted_post(embed.get("record"))
    elif kind == "app.bsky.embed.recordWithMedia":
        inner = embed.get("record")
        found.quote_of = _quoted_post(inner.get("record") if isinstance(inner, dict) else None)
        media = read_embed(embed.get("media"))
        found.urls, found.media_count = media.urls, media.media_count
    return found


def _quoted_post(ref: Any) -> str | None:
    """The URI a strongRef points at, when it is a post (not a feed, list or starter pack)."""
    uri = ref.get("uri") if isinstance(ref, dict) else None
    if isinstance(uri, str) and (match := _AT_URI.match(uri)) and match.group(2) == POST_COLLECTION:
        return uri
    return None


def _reply_refs(record: Mapping[str, Any]) -> tuple[str | None, str | None]:
    reply = record.get("reply")
    if not isinstance(reply, dict):
        return None, None
    parent = reply.get("parent")
    root = reply.get("root")
    parent_uri = parent.get("uri") if isinstance(parent, dict) else None
    root_uri = root.get("uri") if isinstance(root, dict) else None
    if not isinstance(parent_uri, str):
        raise MappingError("the post's 'reply' has no parent uri")
    parse_at_uri(parent_uri, "reply.parent.uri")
    return parent_uri, root_uri if isinstance(root_uri, str) else parent_uri


@dataclass(frozen=True, slots=True)
class Counts:
    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None


def map_post_record(
    uri: str, did: str, record: Any, created_at: datetime, counts: Counts = Counts()
) -> tuple[Post, list[Account]]:
    """An `app.bsky.feed.post` record as a Post, with an Account (handle only) for each mentioned DID."""
    if not isinstance(record, dict):
        raise MappingError("the post's 'record' is missing or not an object")
    authority, collection, rkey = parse_at_uri(uri)
    if collection != POST_COLLECTION:
        raise MappingError(f"the record {uri[:80]!r} is a {collection}, not an {POST_COLLECTION}")
    text = record["text"] if isinstance(record.get("text"), str) else ""
    facets = read_facets(text, record.get("facets"))
    embed = read_embed(record.get("embed"))
    reply_to, root = _reply_refs(record)
    reply_to_account = did_of(reply_to)
    langs = record.get("langs")
    extra_tags: list[Any] = record["tags"] if isinstance(record.get("tags"), list) else []
    post = Post(
        platform=PLATFORM,
        post_id=uri,
        account_id=did,
        created_at=created_at,
        text=text,
        uri=web_url(authority, rkey),
        lang=langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None,
        reply_to=reply_to,
        reply_to_account=reply_to_account,
        root=root,
        quote_of=embed.quote_of,
        quote_of_account=did_of(embed.quote_of),
        hashtags=unique([*facets.tags, *(str(t).lstrip("#").lower() for t in extra_tags if isinstance(t, str))]),
        mentions=unique(m for m in facets.mentions if m not in (did, reply_to_account)),
        urls=unique([*facets.links, *embed.urls]),
        media_count=embed.media_count,
        like_count=counts.likes,
        repost_count=counts.reposts,
        reply_count=counts.replies,
    )
    mentioned = [
        Account(PLATFORM, m, handle=handle, url=profile_url(m)) for m, handle in facets.mentions.items() if m != did
    ]
    return post, mentioned


def map_repost_record(uri: str, did: str, record: Any, created_at: datetime) -> Post:
    """An `app.bsky.feed.repost` record: a repost of the post its subject names."""
    subject = record.get("subject") if isinstance(record, dict) else None
    original = subject.get("uri") if isinstance(subject, dict) else None
    parse_at_uri(original, "subject.uri")
    return Post(
        platform=PLATFORM,
        post_id=uri,
        account_id=did,
        created_at=created_at,
        repost_of=original,
        repost_of_account=did_of(original),
    )


def add(mapped: Mapped, post: Post, accounts: list[Account]) -> None:
    """Add a post and its accounts unless the post is already there (a thread's root can appear twice)."""
    if any(p.post_id == post.post_id for p in mapped.posts):
        return
    mapped.posts.append(post)
    mapped.accounts.extend(accounts)
