"""Twitter API v2 as twarc2 writes it: response pages one per line, or flattened tweets.

A response page (`{"data": [...], "includes": {...}, "meta": {...}}`) is split into one
raw record per tweet, shaped like the API's single-tweet response: `{"data": tweet,
"includes": {"users": [...], "tweets": [...]}}`, carrying only the included users and
tweets that tweet refers to (its author, the account it replies to, the users it
mentions, the tweets it references and their authors). A flattened line (`twarc2
flatten`) already carries them inline (`author`, `in_reply_to_user`, expanded
`referenced_tweets` and `entities.mentions`) and is kept as it is.

Mapping follows the v1.1 choices (see twitter_v1): full text (`note_tweet.text` for long
posts), `conversation_id` as the thread root, retweet rows without mentions or counts,
referenced tweets mapped too when their content is included. An account a tweet mentions
(`entities.mentions[]`: `id`, `username`) gets a row with its username, so an account with no
profile in the file is shown by its handle, not its numeric id.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sociable.errors import MappingError
from sociable.model import Account, Post
from sociable.sources.base import Format, Mapped, Options, RawRecord, Rejected, iter_json_values, parse_time, unique
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
    opt_id,
    opt_text,
    optional_int_field,
    profile_link,
    required_id,
    tweet_text,
    tweet_uri,
    without,
)
from sociable.sources.twitter_v1 import as_repost

NAME = "twitter-v2"
_PAGE_START = re.compile(r'^\s*\{\s*"data"\s*:\s*\[?\s*')
_RETWEET_PREFIX = re.compile(r"^RT @(\w{1,15}):")


@dataclass(slots=True)
class Context:
    """The users and tweets a tweet refers to, by id (and users by lower-case username)."""

    users: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    usernames: dict[str, str] = field(default_factory=dict)
    tweets: dict[str, Mapping[str, Any]] = field(default_factory=dict)

    def add_user(self, user: Mapping[str, Any]) -> None:
        user_id = first_id(user, "id")
        if user_id is None or not isinstance(user.get("username"), str):
            return
        self.users.setdefault(user_id, user)
        self.usernames.setdefault(user["username"].lower(), user_id)

    def add_tweet(self, tweet: Mapping[str, Any]) -> None:
        tweet_id = first_id(tweet, "id")
        if tweet_id is not None and ("text" in tweet or "note_tweet" in tweet):
            self.tweets.setdefault(tweet_id, tweet)

    def author_of(self, tweet_id: str | None) -> str | None:
        tweet = self.tweets.get(tweet_id or "")
        return first_id(tweet, "author_id") if tweet else None

    def handle_of(self, user_id: str) -> str | None:
        return opt_text(self.users.get(user_id, {}).get("username"))


# ---------------------------------------------------------------------------- mapping


def v2_account(user: Mapping[str, Any]) -> Account:
    """An Account from a v2 user object."""
    metrics = obj(user, "public_metrics")
    created = user.get("created_at")
    return Account(
        platform=PLATFORM,
        account_id=required_id(user, "user object", "id"),
        handle=opt_text(user.get("username")),
        display_name=opt_text(user.get("name")),
        bio=opt_text(user.get("description")),
        url=profile_link(user),
        location=opt_text(user.get("location")),
        followers=optional_int_field(metrics, "followers_count"),
        following=optional_int_field(metrics, "following_count"),
        created_at=parse_time(created, "the user's created_at") if created else None,
    )


def _text_and_entities(tweet: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    """The long form (note_tweet) of text and entities when present, else the tweet's own."""
    note = obj(tweet, "note_tweet")
    if note.get("text") is not None:
        return tweet_text(note["text"], "note_tweet.text"), obj(note, "entities") or obj(tweet, "entities")
    return tweet_text(tweet.get("text"), "text"), obj(tweet, "entities")


def _hashtags(entities: Mapping[str, Any]) -> tuple[str, ...]:
    return unique(str(tag.get("tag") or "").lower() for tag in objects(entities, "hashtags"))


def _urls(entities: Mapping[str, Any]) -> tuple[str, ...]:
    """Links in the text; the pic.twitter.com links of attached media are not links."""
    links = (link for link in objects(entities, "urls") if "media_key" not in link)
    return unique(opt_text(link.get("expanded_url")) or opt_text(link.get("url")) for link in links)


def _mentions(entities: Mapping[str, Any], context: Context) -> tuple[str, ...]:
    found = []
    for mention in objects(entities, "mentions"):
        username = str(mention.get("username") or "").lower()
        found.append(first_id(mention, "id") or context.usernames.get(username) or username)
    return unique(found)


def _mentioned_accounts(tweets: list[Mapping[str, Any]]) -> list[Account]:
    """An account for each mention with an id and a username, for accounts the record holds no profile of
    (placed after the profiles, so that `dedupe` keeps a profile over a mention of the same account)."""
    found = []
    for tweet in tweets:
        for mention in objects(_text_and_entities(tweet)[1], "mentions"):
            account_id, handle = first_id(mention, "id"), opt_text(mention.get("username"))
            if account_id and handle:
                found.append(Account(PLATFORM, account_id, handle=handle))
    return found


def _references(tweet: Mapping[str, Any]) -> dict[str, str]:
    """referenced_tweets as {type: id} (replied_to, quoted, retweeted)."""
    found: dict[str, str] = {}
    for ref in objects(tweet, "referenced_tweets"):
        kind, ref_id = ref.get("type"), opt_id(ref.get("id"), "referenced_tweets.id")
        if isinstance(kind, str) and ref_id:
            found.setdefault(kind, ref_id)
    return found


def _media_count(tweet: Mapping[str, Any]) -> int:
    keys = obj(tweet, "attachments").get("media_keys")
    return len(keys) if isinstance(keys, list) else 0


def v2_post(tweet: Mapping[str, Any], context: Context) -> Post:
    """A Post from a v2 tweet, using the context for authors of referenced tweets and handles."""
    post_id = required_id(tweet, "tweet", "id")
    author_id = first_id(tweet, "author_id") or first_id(obj(tweet, "author"), "id")
    if author_id is None:
        raise MappingError("it has no author_id; ask for the author_id field (twarc2 asks for it by default)")
    text, entities = _text_and_entities(tweet)
    refs = _references(tweet)
    reply_to = refs.get("replied_to")
    reply_to_account = first_id(tweet, "in_reply_to_user_id") or context.author_of(reply_to)
    metrics = obj(tweet, "public_metrics")
    post = Post(
        platform=PLATFORM,
        post_id=post_id,
        account_id=author_id,
        created_at=parse_time(tweet.get("created_at")),
        text=text,
        uri=tweet_uri(context.handle_of(author_id), post_id),
        lang=lang_of(tweet.get("lang")),
        reply_to=reply_to,
        reply_to_account=reply_to_account,
        root=first_id(tweet, "conversation_id"),
        quote_of=refs.get("quoted"),
        quote_of_account=context.author_of(refs.get("quoted")),
        hashtags=_hashtags(entities),
        mentions=without(_mentions(entities, context), author_id, reply_to_account),
        urls=_urls(entities),
        media_count=_media_count(tweet),
        like_count=optional_int_field(metrics, "like_count"),
        repost_count=optional_int_field(metrics, "retweet_count"),
        reply_count=optional_int_field(metrics, "reply_count"),
    )
    if "retweeted" not in refs:
        return post
    return _repost(post, refs["retweeted"], entities, context)


def _repost(post: Post, original_id: str, entities: Mapping[str, Any], context: Context) -> Post:
    """A retweet row; without the original included, its author comes from the 'RT @name:' prefix."""
    original = context.tweets.get(original_id)
    if original is not None:
        _, original_entities = _text_and_entities(original)
        return as_repost(
            post, original_id, context.author_of(original_id), _hashtags(original_entities), _urls(original_entities)
        )
    prefix = _RETWEET_PREFIX.match(post.text)
    author = context.usernames.get(prefix.group(1).lower()) if prefix else None
    if prefix and author is None:
        named = (m for m in objects(entities, "mentions") if str(m.get("username")).lower() == prefix.group(1).lower())
        author = next((first_id(m, "id") for m in named), None)
    return as_repost(post, original_id, author, post.hashtags, post.urls)


def _flattened_context(tweet: Mapping[str, Any]) -> Context:
    """The users and tweets twarc2 flatten put inline in a tweet."""
    context = Context()
    for user in (obj(tweet, "author"), obj(tweet, "in_reply_to_user")):
        context.add_user(user)
    _, entities = _text_and_entities(tweet)
    for mention in objects(entities, "mentions"):
        if "name" in mention:  # flatten merged the full user object into the mention
            context.add_user(mention)
    for ref in objects(tweet, "referenced_tweets"):
        context.add_tweet(ref)
        context.add_user(obj(ref, "author"))
    return context


def _page_context(raw: Mapping[str, Any]) -> Context:
    context = Context()
    includes = obj(raw, "includes")
    for user in objects(includes, "users"):
        context.add_user(user)
    for tweet in objects(includes, "tweets"):
        context.add_tweet(tweet)
    return context


def map_v2(raw: Any) -> Mapped:
    """Map one v2 tweet (page record or flattened line): the tweet, referenced tweets and their authors."""
    if not isinstance(raw, Mapping):
        raise MappingError(f"expected a tweet object, got {json_type(raw)}")
    paged = "data" in raw
    tweet = obj(raw, "data") if paged else raw
    if not tweet:
        raise MappingError("the record's 'data' holds no tweet")
    post_id = required_id(tweet, "tweet", "id")
    try:
        context = _page_context(raw) if paged else _flattened_context(raw)
        mapped = Mapped(posts=[v2_post(tweet, context)])
        for ref_id in _references(tweet).values():
            if ref_id in context.tweets:
                mapped.posts.append(v2_post(context.tweets[ref_id], context))
        author_first = sorted(context.users.items(), key=lambda item: item[0] != mapped.posts[0].account_id)
        mapped.accounts = [v2_account(user) for _, user in author_first]
        mapped.accounts.extend(_mentioned_accounts([tweet, *(context.tweets[p.post_id] for p in mapped.posts[1:])]))
    except MappingError as exc:
        raise MappingError(f"tweet {post_id}: {exc}") from None
    return dedupe(mapped)


# ---------------------------------------------------------------------------- reading


def is_v2_tweet(value: Any) -> bool:
    """A v2 tweet: a string id and text, an author, and none of v1.1's id_str/user."""
    return (
        isinstance(value, Mapping)
        and isinstance(value.get("id"), str)
        and ("text" in value or "note_tweet" in value)
        and ("author_id" in value or "author" in value)
        and "id_str" not in value
        and "user" not in value
    )


def is_v2_page(value: Any) -> bool:
    if not isinstance(value, Mapping):
        return False
    data = value.get("data")
    first = data[0] if isinstance(data, list) and data else data
    return is_v2_tweet(first)


def _first_page_tweet(head: bytes) -> Any:
    """The first tweet of a page line too long for the sniffing head."""
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
    start = _PAGE_START.match(text)
    if not start:
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(text, start.end())
    except ValueError:
        return None
    return value


def sniff_v2(path: Path, head: bytes) -> bool:
    values = head_values(head)
    if any(is_v2_page(value) or is_v2_tweet(value) for value in values):
        return True
    return is_v2_tweet(_first_page_tweet(head))


def read_v2(path: Path, options: Options) -> Iterator[RawRecord | Rejected]:
    """One raw record per tweet: a page's tweets with the includes each needs, or a flattened line."""
    for item in iter_json_values(path, NAME):
        if isinstance(item, Rejected):
            yield item
            continue
        number, value = item
        if isinstance(value, Mapping) and ("data" in value or "meta" in value or "errors" in value):
            yield from _page_records(path, number, value)
        elif isinstance(value, Mapping):
            yield RawRecord(NAME, str(path), number, value)
        else:
            reason = f"entry {number} of {path.name} is {json_type(value)}, not a tweet or response page"
            yield Rejected(NAME, str(path), number, dumps(value), reason)


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _page_records(path: Path, number: int, page: Mapping[str, Any]) -> Iterator[RawRecord | Rejected]:
    data = page.get("data")
    tweets = [data] if isinstance(data, Mapping) else data if isinstance(data, list) else None
    if tweets is None:
        if data is None and "errors" not in page:
            return  # a page with no results
        detail = "; ".join(str(e.get("detail") or e.get("title")) for e in _dicts(page.get("errors")))
        reason = f"entry {number} of {path.name} is a response page without tweets ({detail or 'no data'})"
        yield Rejected(NAME, str(path), number, dumps(page), reason)
        return
    includes = page.get("includes")
    if not isinstance(includes, Mapping):
        includes = {}
    users, included = _dicts(includes.get("users")), _dicts(includes.get("tweets"))
    for tweet in tweets:
        if not isinstance(tweet, Mapping):
            reason = f"entry {number} of {path.name} has {json_type(tweet)} in 'data' where a tweet should be"
            yield Rejected(NAME, str(path), number, dumps(tweet), reason)
            continue
        yield RawRecord(NAME, str(path), number, {"data": tweet, "includes": _needed(tweet, users, included)})


def _needed(
    tweet: Mapping[str, Any], users: list[Mapping[str, Any]], tweets: list[Mapping[str, Any]]
) -> dict[str, list[Mapping[str, Any]]]:
    """The included users and tweets a tweet refers to, and those its referenced tweets refer to.

    Two levels, so a referenced tweet is mapped as fully as from its own record; page order is kept.
    """
    tweet_ids: set[str] = set()
    user_ids: set[str] = set()
    usernames: set[str] = set()
    level = [tweet]
    for _ in range(2):
        for item in level:
            tweet_ids.update(str(ref.get("id")) for ref in _dicts(item.get("referenced_tweets")))
            _referred_users(item, user_ids, usernames)
        level = [t for t in tweets if str(t.get("id")) in tweet_ids]
    for item in level:
        _referred_users(item, user_ids, usernames)
    needed_users = [u for u in users if str(u.get("id")) in user_ids or str(u.get("username")).lower() in usernames]
    return {"users": needed_users, "tweets": level}


def _referred_users(tweet: Mapping[str, Any], user_ids: set[str], usernames: set[str]) -> None:
    """Add the ids of a tweet's author and the account it replies to, and its mentions, to the sets."""
    user_ids.update(str(tweet.get(key)) for key in ("author_id", "in_reply_to_user_id") if tweet.get(key))
    for holder in (tweet, tweet.get("note_tweet")):
        entities = holder.get("entities") if isinstance(holder, Mapping) else None
        for mention in _dicts(entities.get("mentions")) if isinstance(entities, Mapping) else []:
            user_ids.add(str(mention.get("id")))
            usernames.add(str(mention.get("username")).lower())


FORMAT = Format(
    name=NAME,
    platform=PLATFORM,
    description="Twitter/X API v2 JSON Lines as twarc2 writes it: response pages with includes, or flattened tweets",
    sniff=sniff_v2,
    read=read_v2,
    map=map_v2,
)
