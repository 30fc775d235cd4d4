"""The quick route for Twitter v1.1 JSON Lines: a chunk of lines decoded into typed structs and mapped at once.

`map_v1` reads a tweet from a dict; here msgspec decodes only the fields the mapping uses,
straight into structs, and the author profile stays raw bytes, mapped once per distinct
profile. Both the REST shape (`full_text`) and the streaming shape (`extended_tweet`) are
covered. The structs are strict: a field of an unexpected type fails the decode, and so do
shapes this route does not cover (a search page, a tweet with no id, user or text). Such
lines, and any line a mapping rule would reject, are handed back in `rest`, so the general
reader and `map_v1` decide them and every result is the same as on the record path
(`tests/store/test_line_route.py` checks that on the fixtures, on simulated files and on a
file of unusual lines).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import msgspec
import orjson

from sociable.model import Account
from sociable.sources.base import COUNT_LIMITS, MappedLines, RawRecord, Rejected, json_line, unique
from sociable.sources.twitter_fields import PLATFORM, lang_of, opt_text, tweet_text, tweet_uri, twitter_micros


class _Object(msgspec.Struct):
    """Any JSON object (a media entry, whose fields are not used)."""


class _Present(msgspec.Struct):
    """A field whose presence sends the line to the general path, whatever it holds."""

    def __bool__(self) -> bool:
        return True


class _Tag(msgspec.Struct):
    text: str | None = None


class _Link(msgspec.Struct):
    url: str | None = None
    expanded_url: str | None = None


class _Mention(msgspec.Struct):
    id_str: str | None = None
    id: int | None = None
    screen_name: str | None = None
    name: str | None = None


class _Entities(msgspec.Struct):
    hashtags: list[_Tag] | None = None
    user_mentions: list[_Mention] | None = None
    urls: list[_Link] | None = None
    media: list[_Object] | None = None


class _Media(msgspec.Struct):
    media: list[_Object] | None = None


class _Extended(msgspec.Struct):
    """`extended_tweet` of the streaming API: the full text of a long tweet and its entities."""

    full_text: str | None = None
    entities: msgspec.Raw = msgspec.Raw(b"")  # decoded when used: an empty object counts as missing
    extended_entities: _Media | None = None


class _User(msgspec.Struct):
    id_str: str | None = None
    id: int | None = None


class _Tweet(msgspec.Struct):
    created_at: str | None = None
    id_str: str | None = None
    id: int | None = None
    full_text: str | None = None
    text: str | None = None
    extended_tweet: _Extended | None = None
    entities: _Entities | None = None
    extended_entities: _Media | None = None
    in_reply_to_status_id_str: str | None = None
    in_reply_to_status_id: int | None = None
    in_reply_to_user_id_str: str | None = None
    in_reply_to_user_id: int | None = None
    in_reply_to_screen_name: str | None = None
    quoted_status_id_str: str | None = None
    quoted_status_id: int | None = None
    user: msgspec.Raw = msgspec.Raw(b"")
    statuses: _Present | None = None  # a search page, which the general reader unpacks
    favorite_count: int | None = None
    retweet_count: int | None = None
    reply_count: int | None = None
    lang: str | None = None
    retweeted_status: _Tweet | None = None
    quoted_status: _Tweet | None = None


class _Unusual(Exception):
    """A line this route leaves to the general reader and mapper."""


_DECODER = msgspec.json.Decoder(_Tweet)
_ENTITIES = msgspec.json.Decoder(_Entities)
_EMPTY_OBJECT = re.compile(rb"\{\s*\}")
_USER_ID = msgspec.json.Decoder(_User)
_NO_ENTITIES = _Entities()
_NULL = (b"", b"null")
_COUNT_LIMIT = COUNT_LIMITS["like_count"]


def _fits(count: int | None) -> bool:
    """Whether a count can be stored (64 bits); the general mapper rejects a tweet whose counts cannot."""
    return count is None or -_COUNT_LIMIT <= count <= _COUNT_LIMIT


def _id(text: str | None, number: int | None) -> str | None:
    """`first_id(record, "x_str", "x")`: the string form first, an empty string counting as missing."""
    if text:
        return text
    return None if number is None else str(number)


class _Profiles:
    """Author profiles mapped once per distinct raw profile (an author's profile repeats on every tweet)."""

    def __init__(self) -> None:
        self.known: dict[bytes, Account] = {}
        self.named: dict[tuple[str, str, str | None], Account] = {}

    def mentioned(self, tweet: _Tweet, entities: _Entities) -> list[Account]:
        """`mentioned_accounts`: an account per mention (and the account replied to) with the handle given,
        one object per distinct (id, handle, name) so that a chunk counts each once."""
        found = [self._named(_id(m.id_str, m.id), m.screen_name, opt_text(m.name))
                 for m in entities.user_mentions or ()]
        replied = tweet.in_reply_to_user_id_str or _id(None, tweet.in_reply_to_user_id)
        found.append(self._named(replied, tweet.in_reply_to_screen_name, None))
        return [account for account in found if account is not None]

    def _named(self, account_id: str | None, handle: str | None, name: str | None) -> Account | None:
        handle = opt_text(handle)
        if not account_id or not handle:
            return None
        key = (account_id, handle, name)
        found = self.named.get(key)
        if found is None:
            if len(self.named) > 200_000:
                self.named.clear()
            found = self.named[key] = Account(PLATFORM, account_id, handle=handle, display_name=name)
        return found

    def account(self, raw: msgspec.Raw) -> Account:
        key = bytes(raw)
        found = self.known.get(key)
        if found is None:
            found = self._map(key)
            if len(self.known) > 200_000:
                self.known.clear()
            self.known[key] = found
        return found

    @staticmethod
    def _map(key: bytes) -> Account:
        from sociable.sources.twitter_v1 import v1_account

        if key in _NULL:
            raise _Unusual
        user = orjson.loads(key)
        if not isinstance(user, dict) or not user:
            raise _Unusual
        account = v1_account(user)
        if not (_fits(account.followers) and _fits(account.following)):
            raise _Unusual  # a count too large to store: the general mapper rejects the tweet, saying why
        return account


def _user_id(raw: msgspec.Raw) -> str | None:
    """`first_id(obj(tweet, "user"), "id_str", "id")` for an embedded tweet that is not itself mapped."""
    if bytes(raw) in _NULL:
        return None
    user = _USER_ID.decode(raw)
    return _id(user.id_str, user.id)


def _entities(tweet: _Tweet) -> tuple[_Entities, int]:
    """The tweet's entities and its media count, as `v1_entities`: those of `extended_tweet` first
    (unless missing, null or an empty object), and extended_entities before entities."""
    extended = tweet.extended_tweet
    if extended is None:  # the usual case
        entities = tweet.entities or _NO_ENTITIES
        media = (tweet.extended_entities.media if tweet.extended_entities else None) or entities.media
        return entities, len(media) if media else 0
    entities = _extended_entities(extended.entities) or tweet.entities or _NO_ENTITIES
    media = (
        (extended.extended_entities.media if extended.extended_entities else None)
        or (tweet.extended_entities.media if tweet.extended_entities else None)
        or entities.media
    )
    return entities, len(media) if media else 0


def _extended_entities(raw: msgspec.Raw) -> _Entities | None:
    text = bytes(raw).strip()
    if text in _NULL or _EMPTY_OBJECT.fullmatch(text):
        return None
    if not text.startswith(b"{"):
        raise _Unusual  # not an object: the general mapper says why
    return _ENTITIES.decode(text)


def _text(tweet: _Tweet) -> str | None:
    """`v1_text`: extended_tweet.full_text, then full_text, then text."""
    if tweet.full_text is not None and tweet.extended_tweet is None:  # the usual case
        return tweet.full_text
    extended = tweet.extended_tweet
    if extended is not None and extended.full_text is not None:
        return extended.full_text
    return tweet.full_text if tweet.full_text is not None else tweet.text


def _hashtags(entities: _Entities) -> tuple[str, ...]:
    tags = entities.hashtags
    if not tags:
        return ()
    if len(tags) == 1:  # the usual case, without building a dict
        tag = (tags[0].text or "").lower()
        return (tag,) if tag else ()
    return unique((tag.text or "").lower() for tag in tags)


def _link(link: _Link) -> str | None:
    return opt_text(link.expanded_url) or opt_text(link.url)


def _urls(entities: _Entities) -> tuple[str, ...]:
    links = entities.urls
    if not links:
        return ()
    if len(links) == 1:
        url = _link(links[0])
        return (url,) if url else ()
    return unique(_link(link) for link in links)


def _mentions(entities: _Entities, author: str, replied: str | None) -> tuple[str, ...]:
    mentions = entities.user_mentions
    if not mentions:
        return ()
    found = unique(_id(m.id_str, m.id) or (m.screen_name or "").lower() for m in mentions)
    return tuple(m for m in found if m != author and m != replied)


class _Chunk:
    """The post rows of one chunk of lines, added tweet by tweet."""

    def __init__(self, profiles: _Profiles) -> None:
        self.profiles = profiles
        self.rows: list[tuple[Any, ...]] = []
        self.owners: list[int] = []
        self.accounts: dict[int, tuple[Account, list[int]]] = {}

    def add_line(self, line: bytes, owner: int) -> None:
        """Map one line, or raise _Unusual (nothing added) when the general path must decide it."""
        tweet = _DECODER.decode(line)
        rows: list[tuple[Any, ...]] = []
        authors: list[Account] = []
        named: list[Account] = []
        self._add_tweet(tweet, rows, authors, named, 0)
        seen = rows[0][3]  # created_at
        if len(rows) == 1 and not named:
            self.rows.append(rows[0])
            self.owners.append(owner)
        else:
            authors = self._add_embedded(rows, authors + named, owner)
        for account in authors:
            entry = self.accounts.get(id(account))
            if entry is None:
                self.accounts[id(account)] = (account, [seen, seen])
            elif seen < entry[1][0]:
                entry[1][0] = seen
            elif seen > entry[1][1]:
                entry[1][1] = seen

    def _add_embedded(self, rows: list[tuple[Any, ...]], authors: list[Account], owner: int) -> list[Account]:
        """A tweet with the tweets it embeds, or the accounts it names: first copy of each post and of each
        account wins, as in dedupe()."""
        posts: set[str] = set()
        for row in rows:
            if row[1] not in posts:
                posts.add(row[1])
                self.rows.append(row)
                self.owners.append(owner)
        ids: set[str] = set()
        unique_authors = []
        for account in authors:
            if account.account_id not in ids:
                ids.add(account.account_id)
                unique_authors.append(account)
        return unique_authors

    def _add_tweet(self, tweet: _Tweet, rows: list[tuple[Any, ...]], authors: list[Account], named: list[Account],
                   depth: int) -> None:
        """`add_v1_tweet`: the tweet, its author, the accounts it names, then the tweets it embeds."""
        post_id = tweet.id_str or (None if tweet.id is None else str(tweet.id))
        if post_id is None or tweet.statuses:
            raise _Unusual
        author = self.profiles.account(tweet.user)
        rows.append(self._row(tweet, post_id, author))
        authors.append(author)
        named.extend(self.profiles.mentioned(tweet, _entities(tweet)[0]))
        if depth < 2:
            if tweet.retweeted_status is not None:
                self._add_tweet(tweet.retweeted_status, rows, authors, named, depth + 1)
            if tweet.quoted_status is not None:
                self._add_tweet(tweet.quoted_status, rows, authors, named, depth + 1)

    def _row(self, tweet: _Tweet, post_id: str, author: Account) -> tuple[Any, ...]:
        """`v1_post` as one row of POST_FIELDS values."""
        text = _text(tweet)
        if text is None or tweet.created_at is None:
            raise _Unusual
        if not (_fits(tweet.favorite_count) and _fits(tweet.retweet_count) and _fits(tweet.reply_count)):
            raise _Unusual
        created, text = twitter_micros(tweet.created_at), tweet_text(text, "text")
        uri, lang = tweet_uri(author.handle, post_id), lang_of(tweet.lang)
        original = tweet.retweeted_status
        if original is not None:
            return _repost_row(tweet, post_id, author, original, created, text, uri, lang)
        entities, media = _entities(tweet)
        reply_to = tweet.in_reply_to_status_id_str or _id(None, tweet.in_reply_to_status_id)
        reply_to_account = tweet.in_reply_to_user_id_str or _id(None, tweet.in_reply_to_user_id)
        quoted = tweet.quoted_status
        quote_of = tweet.quoted_status_id_str or _id(None, tweet.quoted_status_id)
        if quote_of is None and quoted is not None:
            quote_of = _id(quoted.id_str, quoted.id)
        return (
            PLATFORM, post_id, author.account_id, created, text, uri, lang,
            reply_to, reply_to_account, None, quote_of, _user_id(quoted.user) if quoted else None,
            None, None, _hashtags(entities), _mentions(entities, author.account_id, reply_to_account),
            _urls(entities), media, tweet.favorite_count, tweet.retweet_count, tweet.reply_count,
        )


def _repost_row(
    tweet: _Tweet, post_id: str, author: Account, original: _Tweet, created: int, text: str, uri: str,
    lang: str | None,
) -> tuple[Any, ...]:
    """`as_repost`: a retweet points at the original and takes its hashtags and links, nothing else."""
    if tweet.quoted_status is not None:
        _user_id(tweet.quoted_status.user)  # read (and so checked) by v1_post before it becomes a repost
    repost_of = _id(original.id_str, original.id)
    if repost_of is None:
        raise _Unusual
    entities, _ = _entities(original)
    return (
        PLATFORM, post_id, author.account_id, created, text, uri, lang,
        None, None, None, None, None, repost_of, _user_id(original.user),
        _hashtags(entities), (), _urls(entities), 0, None, None, None,
    )


_PROFILES = _Profiles()


def map_lines(lines: list[bytes]) -> MappedLines:
    """Map a chunk of stripped, non-blank JSON Lines; lines this route does not cover are left in `rest`."""
    chunk = _Chunk(_PROFILES)
    rest: list[int] = []
    for index, line in enumerate(lines):
        try:
            chunk.add_line(line, index)
        except Exception:  # anything unusual (a shape, a type, nesting too deep): the general path decides it
            rest.append(index)
    accounts = [(account, first, last) for account, (first, last) in chunk.accounts.values()]
    return MappedLines(chunk.rows, chunk.owners, accounts, rest)


def read_line(path: Path, number: int, line: bytes) -> list[RawRecord | Rejected]:
    """What `read_v1` yields for one line of a JSON Lines file."""
    from sociable.sources.twitter_v1 import NAME, records_of

    item = json_line(path, number, line, NAME)
    return [item] if isinstance(item, Rejected) else list(records_of(path, *item))
