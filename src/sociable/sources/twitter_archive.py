"""The Twitter/X account archive: `data/tweets.js` (`window.YTD.tweets.part0 = [...]`).

An archive's tweets carry no user object: the author is the archive's owner, named in
`account.js` (and described in `profile.js`) in the same `data/` folder. The reader looks
for them beside tweets.js, then in a `data/` folder next to it or one level up, and puts
the owner's id, username, display name, creation time, bio, website and location into
every raw record (never the e-mail address or phone number account.js also holds). The
accounts a tweet mentions or replies to get a row with the handle and name the tweet gives.
When account.js cannot be found, guessing an author would attach every tweet to an
account that does not exist, so the reader stops with a message saying where it looked,
unless the author is given with the `account_id` (and optionally `handle`) options.

Archive retweets are plain tweets whose text starts "RT @name:". They are stored as reposts:
`repost_of_account` is the id of that name's mention, and `repost_of` is the original's id
where the archive gives it (a retweeted photo's `source_status_id_str`), otherwise a stable
key made from the name and the retweeted text (`rt:<name>:<digest>`), so reports count them
as reposts and one original retweeted twice is one original. Counts in the archive are
strings ("3") and are read as numbers.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson

from sociable.errors import MappingError, UnreadableFile
from sociable.model import Account
from sociable.sources.base import (
    Format,
    Mapped,
    Options,
    RawRecord,
    Rejected,
    decode_text,
    first_json_value,
    parse_time,
    read_data,
    salvage_array,
)
from sociable.sources.twitter_fields import (
    PLATFORM,
    dedupe,
    dumps,
    first_id,
    json_type,
    obj,
    objects,
    opt_text,
    required_id,
)
from sociable.sources.twitter_v1 import (
    NO_THREAD,
    as_repost,
    entity_hashtags,
    entity_urls,
    mentioned_accounts,
    v1_entities,
    v1_post,
)

NAME = "twitter-archive"
_PREFIX = re.compile(r"^\s*window\.YTD\.(\w+)\.part\d+\s*=\s*")
_TWEET_PARTS = frozenset({"tweets", "tweet", "deleted_tweets"})
_RETWEET_PREFIX = re.compile(r"^RT @(\w{1,15}):")
_ACCOUNT_FIELDS = ("accountId", "username", "accountDisplayName", "createdAt")


# ---------------------------------------------------------------------------- reading


def archive_values(text: str, file: Path) -> list[Any]:
    """The array a `window.YTD.<part>.partN = [...]` file assigns (or a plain JSON array)."""
    prefix = _PREFIX.match(text)
    body = text[prefix.end() :] if prefix else text.lstrip("\ufeff")
    try:
        values = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise UnreadableFile(f"{file} is not a complete archive file ({exc}); unpack the archive again.") from None
    if not isinstance(values, list):
        raise UnreadableFile(f"{file} should assign an array of entries, but holds {json_type(values)}.")
    return values


def _first_entry(path: Path, key: str) -> Mapping[str, Any] | None:
    """The `key` object of the first entry of an archive file such as account.js, if the file exists."""
    if not path.is_file():
        return None
    values = archive_values(decode_text(read_data(path)), path)
    entry = values[0] if values and isinstance(values[0], Mapping) else {}
    found = entry.get(key)
    if not isinstance(found, Mapping):
        raise UnreadableFile(f"{path} has no '{key}' entry; unpack the archive again.")
    return found


def _owner(tweets_file: Path, options: Options) -> dict[str, Any]:
    """The archive owner's account and profile fields, from account.js/profile.js or the options."""
    folder = tweets_file.parent
    for candidate in dict.fromkeys((folder, folder / "data", folder.parent / "data")):
        account = _first_entry(candidate / "account.js", "account")
        if account is not None:
            profile = _first_entry(candidate / "profile.js", "profile") or {}
            description = profile.get("description")
            if not isinstance(description, Mapping):
                description = {}
            return {
                "account": {key: account[key] for key in _ACCOUNT_FIELDS if key in account},
                "profile": {key: description[key] for key in ("bio", "website", "location") if key in description},
            }
    if options.get("account_id"):
        account = {"accountId": options["account_id"]}
        if options.get("handle"):
            account["username"] = options["handle"].lstrip("@")
        return {"account": account, "profile": {}}
    raise UnreadableFile(
        f"{tweets_file.name} does not say who wrote its tweets and no account.js was found in {folder} or a data "
        "folder beside it; import tweets.js from the unpacked archive's data folder, or name the author with "
        "the options account_id=<numeric id> and handle=<username>."
    )


def other_archive_part(head: bytes) -> str | None:
    """The part an archive file assigns when it is not tweets (`like`, `follower`, `direct-messages`...), else None."""
    prefix = _PREFIX.match(decode_text(head[:512]))
    return prefix.group(1) if prefix and prefix.group(1) not in _TWEET_PARTS else None


def sniff_archive(path: Path, head: bytes) -> bool:
    """A `window.YTD.tweets.part0 = [` file, or the same array saved as plain JSON."""
    text = decode_text(head)
    prefix = _PREFIX.match(text)
    if prefix:
        return prefix.group(1) in _TWEET_PARTS and text[prefix.end() :].startswith("[")
    if not text.lstrip("\ufeff \t\r\n").startswith("["):
        return False
    first = first_json_value(head)
    tweet = first.get("tweet") if isinstance(first, Mapping) else None
    return isinstance(tweet, Mapping) and "id_str" in tweet and "user" not in tweet


def _archive_entries(path: Path) -> Iterator[tuple[int, Any] | Rejected]:
    """The entries of a tweets.js file; a truncated one (a download cut off) gives its whole entries."""
    text = decode_text(read_data(path))
    prefix = _PREFIX.match(text)
    body = text[prefix.end() :] if prefix else text
    try:
        values = archive_values(text, path)
    except UnreadableFile:
        if not body.lstrip().startswith("["):
            raise
        yield from salvage_array(path, body.lstrip(), NAME)
        return
    yield from enumerate(values, 1)


def read_archive(path: Path, options: Options) -> Iterator[RawRecord | Rejected]:
    """One raw record per archive tweet: `{"tweet": ..., "account": ..., "profile": ...}`."""
    entries = _archive_entries(path)
    first = next(entries, None)  # read (and so checked) before the owner is looked for
    owner = _owner(path, options)
    for item in itertools.chain([first] if first is not None else [], entries):
        if isinstance(item, Rejected):
            yield item
            continue
        number, entry = item
        tweet = entry.get("tweet", entry) if isinstance(entry, Mapping) else entry
        if not isinstance(tweet, Mapping):
            reason = f"entry {number} of {path.name} is {json_type(tweet)}, not a tweet object"
            yield Rejected(NAME, str(path), number, dumps(entry), reason)
            continue
        yield RawRecord(NAME, str(path), number, {"tweet": tweet, **owner})


# ---------------------------------------------------------------------------- mapping


def owner_account(account: Mapping[str, Any], profile: Mapping[str, Any]) -> Account:
    created = account.get("createdAt")
    return Account(
        platform=PLATFORM,
        account_id=required_id(account, "archive's account entry", "accountId"),
        handle=opt_text(account.get("username")),
        display_name=opt_text(account.get("accountDisplayName")),
        bio=opt_text(profile.get("bio")),
        url=opt_text(profile.get("website")),
        location=opt_text(profile.get("location")),
        created_at=parse_time(created, "the account's createdAt") if created else None,
    )


def map_archive(raw: Any) -> Mapped:
    """Map one archive tweet; its author is the archive owner carried in the record."""
    if not isinstance(raw, Mapping):
        raise MappingError(f"expected an archive record object, got {json_type(raw)}")
    tweet = obj(raw, "tweet")
    if not tweet:
        raise MappingError("the archive record holds no tweet")
    post_id = required_id(tweet, "tweet", "id_str", "id")
    try:
        author = owner_account(obj(raw, "account"), obj(raw, "profile"))
        post = v1_post(tweet, post_id, author.account_id, author.handle, NO_THREAD)
        prefix = _RETWEET_PREFIX.match(post.text)
        if prefix:
            entities, _ = v1_entities(tweet)
            named = prefix.group(1).lower()
            mentions = objects(entities, "user_mentions")
            original_author = next(
                (first_id(m, "id_str", "id") for m in mentions if str(m.get("screen_name")).lower() == named), None
            )
            original = retweeted_id(tweet, named, post.text[prefix.end():])
            post = as_repost(post, original, original_author, entity_hashtags(entities), entity_urls(entities))
        people = mentioned_accounts(tweet)
    except MappingError as exc:
        raise MappingError(f"tweet {post_id}: {exc}") from None
    return dedupe(Mapped(posts=[post], accounts=[author, *people]))


def retweeted_id(tweet: Mapping[str, Any], name: str, text: str) -> str:
    """The id of the tweet an archive retweet reshares: a retweeted photo's `source_status_id_str` when
    there is one, otherwise a stable key from the retweeted name and text (the archive keeps no id)."""
    for key in ("extended_entities", "entities"):
        holder = tweet.get(key)
        media = holder.get("media") if isinstance(holder, Mapping) else None
        for item in media if isinstance(media, list) else ():
            found = first_id(item, "source_status_id_str", "source_status_id") if isinstance(item, Mapping) else None
            if found:
                return found
    words = " ".join(text.replace("\u2026", " ").split())
    digest = hashlib.blake2b(f"{name}|{words}".encode(), digest_size=8).hexdigest()
    return f"rt:{name}:{digest}"


FORMAT = Format(
    name=NAME,
    platform=PLATFORM,
    description="Twitter/X account archive: data/tweets.js, with account.js and profile.js beside it",
    sniff=sniff_archive,
    read=read_archive,
    map=map_archive,
    options=(("account_id", "the numeric id of the archive's owner, when no account.js is beside tweets.js"),
             ("handle", "the owner's username, with account_id")),
    companions=("account.js", "profile.js"),
)
