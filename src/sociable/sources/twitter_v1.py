"""Twitter API v1.1 tweets: one object, an array, a search page or JSON Lines (twarc, streaming).

The mapping here is shared: PHEME threads and the account archive hold the same tweet shape.

Choices worth knowing:
* text is the full text (`extended_tweet.full_text`, then `full_text`, then `text`), unescaped;
* a retweet row points at the original (`repost_of`, `repost_of_account`), takes its hashtags
  and links from the original, and has no mentions, media or counts of its own: v1.1 gives a
  retweet the original's retweet count and no likes, which would count engagement twice;
* the retweeted and quoted tweets a tweet embeds are mapped too, with their authors;
* `mentions` are user ids, never the author and never the account replied to;
* an account a tweet mentions or replies to gets a row with the handle (and name) the tweet
  gives (`user_mentions[].screen_name`, `in_reply_to_screen_name`), so an account never seen
  posting is shown by its handle, not its numeric id; a profile in the same record (the author,
  an embedded tweet's author) comes first and wins, and a later profile wins in the store.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sociable.errors import MappingError
from sociable.model import Account, Post
from sociable.sources.base import Format, LineMapping, Mapped, Options, RawRecord, Rejected, iter_json_values, unique
from sociable.sources.fast import twitter_v1_lines
from sociable.sources.twitter_fields import (
    PLATFORM,
    dedupe,
    dumps,
    first_id,
    head_values,
    json_type,
    lang_of,
    obj,
    objects,
    opt_text,
    optional_int_field,
    profile_link,
    required_id,
    tweet_text,
    tweet_uri,
    twitter_time,
    without,
)

NAME = "twitter-v1"
_STREAM_NOTICES = frozenset(
    {"delete", "limit", "scrub_geo", "status_withheld", "user_withheld", "disconnect", "warning", "event", "friends"}
)


@dataclass(frozen=True, slots=True)
class Thread:
    """What a tweet's surroundings say about it (a PHEME structure.json): its root and parent."""

    root: str | None = None
    parent: str | None = None
    parent_account: str | None = None


NO_THREAD = Thread()


# ---------------------------------------------------------------------------- accounts


def v1_account(user: Mapping[str, Any]) -> Account:
    """An Account from a v1.1 user object (the profile link is the expanded one when given)."""
    account_id = required_id(user, "user object", "id_str", "id")
    created = user.get("created_at")
    return Account(
        platform=PLATFORM,
        account_id=account_id,
        handle=opt_text(user.get("screen_name")),
        display_name=opt_text(user.get("name")),
        bio=opt_text(user.get("description")),
        url=profile_link(user),
        location=opt_text(user.get("location")),
        followers=optional_int_field(user, "followers_count"),
        following=optional_int_field(user, "friends_count"),
        created_at=twitter_time(created, "the user's created_at") if created else None,
    )


# ---------------------------------------------------------------------------- posts


def v1_text(tweet: Mapping[str, Any]) -> str:
    """The full text: extended_tweet.full_text, then full_text, then text."""
    extended = obj(tweet, "extended_tweet")
    for holder, key in ((extended, "full_text"), (tweet, "full_text"), (tweet, "text")):
        if holder.get(key) is not None:
            return tweet_text(holder[key], key)
    raise MappingError("it has no text, full_text or extended_tweet.full_text")


def v1_entities(tweet: Mapping[str, Any]) -> tuple[Mapping[str, Any], list[Mapping[str, Any]]]:
    """The entities of the full text and the media list (extended_entities before entities)."""
    extended = obj(tweet, "extended_tweet")
    entities = obj(extended, "entities") or obj(tweet, "entities")
    media = (
        objects(obj(extended, "extended_entities"), "media")
        or objects(obj(tweet, "extended_entities"), "media")
        or objects(entities, "media")
    )
    return entities, media


def entity_hashtags(entities: Mapping[str, Any]) -> tuple[str, ...]:
    return unique(str(tag.get("text") or "").lower() for tag in objects(entities, "hashtags"))


def entity_urls(entities: Mapping[str, Any]) -> tuple[str, ...]:
    return unique(opt_text(link.get("expanded_url")) or opt_text(link.get("url")) for link in objects(entities, "urls"))


def entity_mentions(entities: Mapping[str, Any]) -> tuple[str, ...]:
    """Mentioned user ids (lower-case screen names where an entry has no id)."""
    found = []
    for mention in objects(entities, "user_mentions"):
        user_id = first_id(mention, "id_str", "id")
        found.append(user_id or str(mention.get("screen_name") or "").lower())
    return unique(found)


def v1_post(tweet: Mapping[str, Any], post_id: str, author_id: str, handle: str | None, thread: Thread) -> Post:
    """A Post from a v1.1-shaped tweet whose author is already known."""
    entities, media = v1_entities(tweet)
    reply_to, reply_to_account = _reply_target(tweet, thread)
    quoted = obj(tweet, "quoted_status")
    quote_of = first_id(tweet, "quoted_status_id_str", "quoted_status_id") or first_id(quoted, "id_str", "id")
    post = Post(
        platform=PLATFORM,
        post_id=post_id,
        account_id=author_id,
        created_at=twitter_time(tweet.get("created_at")),
        text=v1_text(tweet),
        uri=tweet_uri(handle, post_id),
        lang=lang_of(tweet.get("lang")),
        reply_to=reply_to,
        reply_to_account=reply_to_account,
        root=thread.root,
        quote_of=quote_of,
        quote_of_account=first_id(obj(quoted, "user"), "id_str", "id"),
        hashtags=entity_hashtags(entities),
        mentions=without(entity_mentions(entities), author_id, reply_to_account),
        urls=entity_urls(entities),
        media_count=len(media),
        like_count=optional_int_field(tweet, "favorite_count"),
        repost_count=optional_int_field(tweet, "retweet_count"),
        reply_count=optional_int_field(tweet, "reply_count"),
    )
    retweeted = obj(tweet, "retweeted_status")
    if not retweeted:
        return post
    original_entities, _ = v1_entities(retweeted)
    return as_repost(
        post,
        repost_of=required_id(retweeted, "retweeted_status", "id_str", "id"),
        repost_of_account=first_id(obj(retweeted, "user"), "id_str", "id"),
        hashtags=entity_hashtags(original_entities),
        urls=entity_urls(original_entities),
    )


def as_repost(
    post: Post, repost_of: str | None, repost_of_account: str | None, hashtags: tuple[str, ...], urls: tuple[str, ...]
) -> Post:
    """The repost form of a post: it points at the original and has no mentions, media or counts."""
    return dataclasses.replace(
        post,
        repost_of=repost_of,
        repost_of_account=repost_of_account,
        reply_to=None,
        reply_to_account=None,
        quote_of=None,
        quote_of_account=None,
        hashtags=hashtags,
        urls=urls,
        mentions=(),
        media_count=0,
        like_count=None,
        repost_count=None,
        reply_count=None,
    )


def _reply_target(tweet: Mapping[str, Any], thread: Thread) -> tuple[str | None, str | None]:
    """The tweet's own in_reply_to fields; a thread's parent fills in where they are missing."""
    status = first_id(tweet, "in_reply_to_status_id_str", "in_reply_to_status_id")
    user = first_id(tweet, "in_reply_to_user_id_str", "in_reply_to_user_id")
    if status is None and thread.parent:
        return thread.parent, user or thread.parent_account
    if user is None and status is not None and status == thread.parent:
        user = thread.parent_account
    return status, user


def mentioned_accounts(tweet: Mapping[str, Any]) -> list[Account]:
    """The accounts a tweet names (its mentions, the account it replies to), with the handle and name it gives."""
    entities, _ = v1_entities(tweet)
    found: list[Account] = []
    for mention in objects(entities, "user_mentions"):
        account_id, handle = first_id(mention, "id_str", "id"), opt_text(mention.get("screen_name"))
        if account_id and handle:
            found.append(Account(PLATFORM, account_id, handle=handle, display_name=opt_text(mention.get("name"))))
    replied = first_id(tweet, "in_reply_to_user_id_str", "in_reply_to_user_id")
    screen_name = opt_text(tweet.get("in_reply_to_screen_name"))
    if replied and screen_name:
        found.append(Account(PLATFORM, replied, handle=screen_name))
    return found


def add_v1_tweet(tweet: Any, mapped: Mapped, thread: Thread = NO_THREAD, depth: int = 0,
                 named: list[Account] | None = None) -> None:
    """Append a tweet, its author and the retweeted/quoted tweets it embeds to `mapped`, then the accounts
    they name (after every profile, so that `dedupe` keeps a profile over a mention of the same account)."""
    if not isinstance(tweet, Mapping):
        raise MappingError(f"expected a tweet object, got {json_type(tweet)}")
    post_id = required_id(tweet, "tweet", "id_str", "id")
    names = [] if named is None else named
    try:
        user = obj(tweet, "user")
        if not user:
            raise MappingError("it has no user object, so its author is unknown")
        author = v1_account(user)
        mapped.posts.append(v1_post(tweet, post_id, author.account_id, author.handle, thread))
        mapped.accounts.append(author)
        names.extend(mentioned_accounts(tweet))
        for key in ("retweeted_status", "quoted_status"):
            embedded = obj(tweet, key)
            if embedded and depth < 2:
                add_v1_tweet(embedded, mapped, NO_THREAD, depth + 1, names)
    except MappingError as exc:
        raise MappingError(f"tweet {post_id}: {exc}") from None
    if named is None:
        mapped.accounts.extend(names)


def map_v1(raw: Any) -> Mapped:
    """Map one v1.1 tweet to its post and author, plus any retweeted or quoted tweet inside it."""
    mapped = Mapped()
    add_v1_tweet(raw, mapped)
    return dedupe(mapped)


# ---------------------------------------------------------------------------- reading


def is_v1_tweet(value: Any) -> bool:
    """A v1.1 tweet: an id, a user object and a text field."""
    return (
        isinstance(value, Mapping)
        and ("id_str" in value or isinstance(value.get("id"), int))
        and isinstance(value.get("user"), Mapping)
        and any(key in value for key in ("text", "full_text", "extended_tweet"))
        and "created_at" in value
    )


def sniff_v1(path: Path, head: bytes) -> bool:
    """Any of the first records is a v1.1 tweet (streaming notices may come first)."""
    return any(is_v1_tweet(value) for value in head_values(head))


def stream_notice(value: Any) -> str | None:
    """The kind of a streaming API notice ('delete', 'limit', ...) that is not a tweet."""
    if isinstance(value, Mapping) and "id_str" not in value and len(value) == 1:
        key = next(iter(value))
        return key if key in _STREAM_NOTICES else None
    return None


def read_v1(path: Path, options: Options) -> Iterator[RawRecord | Rejected]:
    """One raw record per tweet; search pages are unpacked; notices and non-objects are rejected."""
    for item in iter_json_values(path, NAME):
        if isinstance(item, Rejected):
            yield item
        else:
            yield from records_of(path, *item)


def records_of(path: Path, number: int, value: Any) -> Iterator[RawRecord | Rejected]:
    """The records of one JSON value: a tweet, or the tweets of an array or a search page."""
    if isinstance(value, Mapping) and isinstance(value.get("statuses"), list):
        values = value["statuses"]
    elif isinstance(value, list):
        values = value
    else:
        values = [value]
    for tweet in values:
        yield _v1_record(path, number, tweet)


def _v1_record(path: Path, number: int, value: Any) -> RawRecord | Rejected:
    notice = stream_notice(value)
    if notice:
        reason = f"entry {number} of {path.name} is a streaming '{notice}' notice, not a tweet"
        return Rejected(NAME, str(path), number, dumps(value), reason)
    if not isinstance(value, Mapping):
        reason = f"entry {number} of {path.name} is {json_type(value)}, not a tweet object"
        return Rejected(NAME, str(path), number, dumps(value), reason)
    return RawRecord(NAME, str(path), number, value)


FORMAT = Format(
    name=NAME,
    platform=PLATFORM,
    description="Twitter/X API v1.1 tweets: one object, an array, a search page or JSON Lines (twarc, streaming)",
    sniff=sniff_v1,
    read=read_v1,
    map=map_v1,
    lines=LineMapping(twitter_v1_lines.map_lines, twitter_v1_lines.read_line),
)
