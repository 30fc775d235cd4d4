"""The Mastodon account export's `outbox.json` (ActivityPub), with the profile from `actor.json` beside it.

Each `Create` of a Note becomes a post and each `Announce` a repost of the URI it names. The
reader copies the actor's profile into every raw record (`{"activity": ..., "actor": ...}`)
so a record maps on its own. Identifiers follow the scheme described in `sociable.sources.mastodon`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson

from sociable.errors import MappingError, UnreadableFile
from sociable.model import Account, Post
from sociable.sources.activitypub import (
    KEEP_PRIVATE_OPTION,
    PLATFORM,
    actor_of_status,
    as_list,
    full_handle,
    host_of,
    html_text,
    is_public,
    plain_text,
    text_with_warning,
)
from sociable.sources.base import (
    Format,
    Mapped,
    Options,
    RawRecord,
    Rejected,
    first_json_char,
    looks_binary,
    optional_int,
    parse_time,
    read_data,
    require,
    unique,
)

OUTBOX_FORMAT = "activitypub-outbox"
_POST_TYPES = frozenset({"Note", "Question", "Article", "Page"})
_ACTOR_TYPES = frozenset({"Person", "Service", "Group", "Organization", "Application"})
_PROFILE_KEYS = ("id", "type", "preferredUsername", "name", "summary", "url", "published")
_QUOTE_KEYS = ("quote", "quoteUri", "quoteUrl", "_misskey_quote")
_MEDIA_TYPES = frozenset({"Document", "Image", "Video", "Audio"})


def sniff_outbox(path: Path, head: bytes) -> bool:
    """An ActivityStreams OrderedCollection with items: an outbox, recognised from its first bytes."""
    return (
        first_json_char(head) == "{"
        and b"https://www.w3.org/ns/activitystreams" in head
        and b'"orderedItems"' in head
        and (b'"OrderedCollection"' in head or b'"OrderedCollectionPage"' in head)
    )


def _load_json(path: Path) -> Any:
    data = read_data(path)
    if looks_binary(data[:8192]):
        raise UnreadableFile(f"{path} is a binary file; expected an ActivityPub outbox.json.")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise UnreadableFile(f"{path} is not valid JSON ({exc}); expected an ActivityPub outbox.json.") from exc


def _actor_profile(outbox: Path) -> dict[str, Any] | None:
    """The profile fields of `actor.json` next to the outbox, or None when it is absent or unusable."""
    actor_path = outbox.with_name("actor.json")
    if not actor_path.is_file():
        return None
    try:
        actor = orjson.loads(actor_path.read_bytes())
    except orjson.JSONDecodeError:
        return None
    if not isinstance(actor, dict) or actor.get("type") not in _ACTOR_TYPES or not isinstance(actor.get("id"), str):
        return None
    return {key: actor[key] for key in _PROFILE_KEYS if key in actor}


def read_outbox(path: Path, options: Options) -> Iterator[RawRecord | Rejected]:
    """Each activity of the outbox, with the account's profile from actor.json beside it."""
    collection = _load_json(path)
    items = collection.get("orderedItems") if isinstance(collection, dict) else None
    if not isinstance(items, list):
        raise UnreadableFile(
            f"{path} has no 'orderedItems' list; expected the outbox.json of a Mastodon account export."
        )
    actor = _actor_profile(path)
    keep_private = options.get(KEEP_PRIVATE_OPTION) == "keep"
    for number, activity in enumerate(items, 1):
        if isinstance(activity, dict) and not keep_private and not _activity_is_public(activity):
            reason = (
                f"item {number} of {path.name} is a followers-only or direct post, and sociable imports public "
                f"posts only; its text was not kept; read the file with the option {KEEP_PRIVATE_OPTION}=keep "
                "to import it"
            )
            yield Rejected(OUTBOX_FORMAT, str(path), number, str(activity.get("id") or ""), reason)
            continue
        raw = {"activity": activity, "actor": actor} if actor else {"activity": activity}
        yield RawRecord(OUTBOX_FORMAT, str(path), number, raw)


def _activity_is_public(activity: Mapping[str, Any]) -> bool:
    note = activity.get("object")
    if isinstance(note, dict):
        return is_public(activity.get("to"), activity.get("cc"), note.get("to"), note.get("cc"))
    return is_public(activity.get("to"), activity.get("cc"))


# ---------------------------------------------------------------------------- mapping


def map_outbox(raw: Any) -> Mapped:
    """A Create (post) or Announce (repost) activity as posts and accounts."""
    if not isinstance(raw, dict) or not isinstance(raw.get("activity"), dict):
        raise MappingError("expected an outbox record with an 'activity' object")
    activity = raw["activity"]
    kind = activity.get("type")
    if kind == "Announce":
        post = _announce(activity)
    elif kind == "Create":
        post, mentioned = _create(activity)
    else:
        raise MappingError(f"the activity is a {kind!r}, not a post; only Create and Announce activities are posts")
    account = _account(post.account_id, raw.get("actor"))
    mapped = Mapped(posts=[post], accounts=[account])
    if kind == "Create":
        mapped.accounts.extend(mentioned)
    elif post.repost_of_account and post.repost_of_account != post.account_id:
        boosted = _account(post.repost_of_account, None)  # the boosted author, named by its URI
        if boosted.handle:
            mapped.accounts.append(boosted)
    return mapped


def _ref(value: Any, what: str) -> str | None:
    """An ActivityStreams reference: a URI string, or an object or Link with an id/href."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("id") or value.get("href")
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise MappingError(f"the field '{what}' should be a URI")
    return value


def _announce(activity: Mapping[str, Any]) -> Post:
    post_id = require(activity, "id")
    actor = _ref(activity.get("actor"), "actor")
    original = _ref(activity.get("object"), "object")
    if not actor or not original:
        raise MappingError("the Announce activity has no 'actor' or no 'object'")
    return Post(
        platform=PLATFORM,
        post_id=post_id,
        account_id=actor,
        created_at=parse_time(activity.get("published"), "the activity's published time"),
        uri=post_id,
        repost_of=original,
        repost_of_account=actor_of_status(original) or _announced_author(activity, actor),
    )


def _announced_author(activity: Mapping[str, Any], actor: str) -> str | None:
    """Mastodon addresses an Announce to the original author as well as the booster's followers."""
    for target in as_list(activity.get("cc")):
        if isinstance(target, str) and target != actor and not is_public(target) and not target.endswith("/followers"):
            return target
    return None


def _create(activity: Mapping[str, Any]) -> tuple[Post, list[Account]]:
    note = activity.get("object")
    if not isinstance(note, dict):
        raise MappingError("the Create activity does not include its post (its 'object' is not an object)")
    if note.get("type") not in _POST_TYPES:
        raise MappingError(f"the Create activity makes a {note.get('type')!r}, not a post")
    post_id = require(note, "id")
    author = _ref(note.get("attributedTo"), "attributedTo") or _ref(activity.get("actor"), "actor")
    if not author:
        raise MappingError("the post has no 'attributedTo' and its activity no 'actor'")
    html, lang = _content(note)
    text, links = html_text(html)
    tags = [t for t in as_list(note.get("tag")) if isinstance(t, dict)]
    mentioned = _mentioned(tags)
    reply_to = _ref(note.get("inReplyTo"), "inReplyTo")
    reply_to_account = _reply_author(reply_to, mentioned)
    quote_of = next((_ref(note[k], k) for k in _QUOTE_KEYS if note.get(k)), None)
    post = Post(
        platform=PLATFORM,
        post_id=post_id,
        account_id=author,
        created_at=parse_time(note.get("published") or activity.get("published"), "the post's published time"),
        text=text_with_warning(note.get("summary"), text),
        uri=_ref(note.get("url"), "url") or post_id,
        lang=lang,
        reply_to=reply_to,
        reply_to_account=reply_to_account,
        quote_of=quote_of,
        quote_of_account=actor_of_status(quote_of),
        hashtags=unique(
            str(t["name"]).lstrip("#").lower() for t in tags if t.get("type") == "Hashtag" and t.get("name")
        ),
        mentions=unique(a.account_id for a in mentioned if a.account_id not in (author, reply_to_account)),
        urls=tuple(link for link in links if link != quote_of),
        media_count=sum(
            1 for a in as_list(note.get("attachment")) if isinstance(a, dict) and a.get("type") in _MEDIA_TYPES
        ),
        like_count=_total(note.get("likes")),
        repost_count=_total(note.get("shares")),
        reply_count=_total(note.get("replies")),
    )
    return post, mentioned


def _content(note: Mapping[str, Any]) -> tuple[Any, str | None]:
    """The post's HTML and language: `content`, with `contentMap` naming the language."""
    content_map = note.get("contentMap")
    languages = [k for k, v in content_map.items() if isinstance(v, str)] if isinstance(content_map, dict) else []
    html = note.get("content")
    if not isinstance(html, str) and languages:
        html = content_map[languages[0]] if isinstance(content_map, dict) else None
    return html, (languages[0] if languages else None)


def _mentioned(tags: list[dict[str, Any]]) -> list[Account]:
    accounts: list[Account] = []
    for tag in tags:
        href = tag.get("href")
        if tag.get("type") == "Mention" and isinstance(href, str) and href:
            accounts.append(Account(PLATFORM, href, handle=full_handle(tag.get("name"), href)))
    return accounts


def _reply_author(reply_to: str | None, mentioned: list[Account]) -> str | None:
    """Who is answered: the mentioned actor whose URI the parent's URI extends, else Mastodon's URI pattern."""
    if not reply_to:
        return None
    for account in mentioned:
        if reply_to.startswith(account.account_id.rstrip("/") + "/"):
            return account.account_id
    return actor_of_status(reply_to)


def _total(collection: Any) -> int | None:
    return optional_int(collection.get("totalItems")) if isinstance(collection, dict) else None


def _account(account_id: str, profile: Any) -> Account:
    """The posting account: the actor.json profile when it is this account, else what its URI says."""
    if isinstance(profile, dict) and profile.get("id") == account_id:
        published = profile.get("published")
        url = _ref(profile.get("url"), "url")
        return Account(
            platform=PLATFORM,
            account_id=account_id,
            handle=full_handle(profile.get("preferredUsername"), account_id),
            display_name=plain_text(profile.get("name")),
            bio=plain_text(profile.get("summary")),
            url=url,
            created_at=parse_time(published, "the actor's published time") if published else None,
        )
    name = account_id.rstrip("/").rsplit("/", 1)[-1]
    handle = f"{name}@{host_of(account_id)}" if "/users/" in account_id and host_of(account_id) else None
    return Account(PLATFORM, account_id, handle=handle)


ACTIVITYPUB_OUTBOX = Format(
    name=OUTBOX_FORMAT,
    platform=PLATFORM,
    description="Mastodon account export: outbox.json (ActivityPub), with actor.json beside it for the profile",
    sniff=sniff_outbox,
    read=read_outbox,
    map=map_outbox,
    options=((KEEP_PRIVATE_OPTION, "keep: also import followers-only and direct posts"),),
    companions=("actor.json",),
)
