"""Reading fields of Twitter's JSON objects, shared by the v1.1, v2, archive and PHEME readers.

Twitter's shapes change between API versions but agree on a few habits: ids come as
strings (and sometimes numbers), text is HTML-escaped (`&amp;`), `lang` is "und" when
Twitter could not tell, and optional fields are missing or null. The getters here turn
a wrong type into a `MappingError` that names the field, so no raw KeyError escapes.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from sociable.errors import MappingError
from sociable.model import Account, Post
from sociable.sources.base import Mapped, first_json_value, loads, optional_int, parse_time

PLATFORM = "twitter"
TWEET_LINK = "https://twitter.com/{handle}/status/{id}"
TWEET_LINK_NO_HANDLE = "https://twitter.com/i/web/status/{id}"

_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", int: "a number", float: "a number"}


_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}


def twitter_time(value: Any, what: str = "created_at") -> datetime:
    """A v1.1 time ('Wed Oct 10 20:19:24 +0000 2018') read quickly; any other shape via parse_time."""
    if isinstance(value, str):
        found = _by_position(value) or _by_parts(value)
        if found is not None:
            return found
    return parse_time(value, what)


def _by_position(value: str) -> datetime | None:
    """The usual 30-character form, read by position (the quickest way; most tweets have it)."""
    month = _MONTHS.get(value[4:7])
    if month is None or len(value) != 30 or value[20:25] != "+0000" or value[13] != ":" or value[16] != ":":
        return None
    if not value[3] == value[7] == value[10] == value[19] == value[25] == " ":
        return None
    try:
        return datetime(int(value[26:]), month, int(value[8:10]), int(value[11:13]), int(value[14:16]),
                        int(value[17:19]), tzinfo=UTC)
    except ValueError:
        return None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# ' Oct 10 20 +0000 2018' (the form without weekday, minutes and seconds) -> the start of that hour,
# in seconds since the epoch; None when the form is not the usual one
_HOUR_STARTS: dict[str, int | None] = {}


def twitter_micros(value: Any, what: str = "created_at") -> int:
    """`twitter_time` as microseconds since the epoch, for the quick route's Arrow columns.

    The usual form is read without building a datetime: the start of its hour comes from a
    cache (made, and so checked, by datetime), minutes and seconds are added to it.
    """
    if isinstance(value, str) and len(value) == 30:
        key = value[3:13] + value[19:]
        start = _HOUR_STARTS.get(key, -1)
        if start == -1:
            found = _by_position(value[:14] + "00:00" + value[19:])
            start = None if found is None else (found - _EPOCH) // _SECOND
            if len(_HOUR_STARTS) < 500_000:
                _HOUR_STARTS[key] = start
        if start is not None and value[13] == ":" == value[16] and value[19] == " ":
            try:
                minute, second = int(value[14:16]), int(value[17:19])
            except ValueError:
                minute = second = -1
            if 0 <= minute < 60 and 0 <= second < 60:
                return (start + minute * 60 + second) * 1_000_000
    return (twitter_time(value, what) - _EPOCH) // _MICROSECOND


_SECOND = timedelta(seconds=1)
_MICROSECOND = timedelta(microseconds=1)


def _by_parts(value: str) -> datetime | None:
    """The same form with other spacing."""
    parts = value.split()
    if len(parts) == 6 and parts[4] == "+0000" and parts[1] in _MONTHS:
        try:
            hour, minute, second = (int(x) for x in parts[3].split(":"))
            return datetime(int(parts[5]), _MONTHS[parts[1]], int(parts[2]), hour, minute, second, tzinfo=UTC)
        except ValueError:
            return None
    return None


def json_type(value: Any) -> str:
    """The JSON name of a value's type, for messages ('an object', 'an array', ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return next((name for kind, name in _JSON_TYPES.items() if isinstance(value, kind)), type(value).__name__)


def obj(record: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """record[key] as an object; {} when missing or null; MappingError when it is something else."""
    value = record.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise MappingError(f"the field '{key}' should be an object, got {json_type(value)}")
    return value


def objects(record: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    """record[key] as a list of objects; [] when missing or null; MappingError otherwise."""
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise MappingError(f"the field '{key}' should be an array, got {json_type(value)}")
    for item in value:
        if not isinstance(item, Mapping):
            raise MappingError(f"the field '{key}' should hold objects, but one entry is {json_type(item)}")
    return value


def opt_id(value: Any, what: str) -> str | None:
    """An optional id as a string: None for null/empty, MappingError for anything but a string or number."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise MappingError(f"the field '{what}' should be an id string, got {json_type(value)}")


def first_id(record: Mapping[str, Any], *keys: str) -> str | None:
    """The first of several id fields that is present ('id_str' before the numeric 'id')."""
    for key in keys:
        found = opt_id(record.get(key), key)
        if found is not None:
            return found
    return None


def required_id(record: Mapping[str, Any], what: str, *keys: str) -> str:
    found = first_id(record, *keys)
    if found is None:
        names = " or ".join(f"'{k}'" for k in keys)
        raise MappingError(f"the {what} has no {names}, so it cannot be stored")
    return found


def optional_int_field(record: Mapping[str, Any], key: str) -> int | None:
    """A count that may be a number or a numeric string (the archive writes "3"); None otherwise."""
    return optional_int(record.get(key))


def opt_text(value: Any) -> str | None:
    """Optional profile text: None for null or blank, the string otherwise (numbers are not text)."""
    if isinstance(value, str) and value.strip():
        return html.unescape(value)
    return None


def profile_link(user: Mapping[str, Any]) -> str | None:
    """A profile's web link: the expanded form from entities.url when given, else the t.co link."""
    for link in objects(obj(obj(user, "entities"), "url"), "urls"):
        expanded = opt_text(link.get("expanded_url"))
        if expanded:
            return expanded
    return opt_text(user.get("url"))


def tweet_text(value: Any, what: str) -> str:
    """A tweet's text with Twitter's HTML escaping (&amp; &lt; &gt;) undone."""
    if not isinstance(value, str):
        raise MappingError(f"the field '{what}' should be a string, got {json_type(value)}")
    return html.unescape(value)


def lang_of(value: Any) -> str | None:
    """The tweet's language tag; Twitter's 'und' (undetermined) is no language."""
    if isinstance(value, str) and value and value != "und":
        return value
    return None


def tweet_uri(handle: str | None, tweet_id: str) -> str:
    """The tweet's web address; without a handle, Twitter's handle-free form still resolves."""
    if handle:
        return f"https://twitter.com/{handle}/status/{tweet_id}"  # TWEET_LINK, built quicker than by format()
    return TWEET_LINK_NO_HANDLE.format(id=tweet_id)


def without(values: tuple[str, ...], *dropped: str | None) -> tuple[str, ...]:
    """Values minus the dropped ones (the author, the account replied to)."""
    gone = {d for d in dropped if d}
    return tuple(v for v in values if v not in gone)


def dedupe(mapped: Mapped) -> Mapped:
    """One row per post id and per account id, first seen wins (an author can appear twice)."""
    posts: dict[str, Post] = {}
    accounts: dict[str, Account] = {}
    for post in mapped.posts:
        posts.setdefault(post.post_id, post)
    for account in mapped.accounts:
        accounts.setdefault(account.account_id, account)
    return Mapped(posts=list(posts.values()), accounts=list(accounts.values()))


def dumps(value: Any) -> str:
    """A value as JSON text, for the raw text of a rejected record."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return repr(value)


def head_values(head: bytes, limit: int = 5) -> list[Any]:
    """The first few JSON values of a file head, for sniffing: objects of an array, lines of JSON Lines.

    A head cut off in the middle of a long line gives the values before the cut. A
    search response page (`{"statuses": [...]}`) gives its first statuses.
    """
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        return []
    try:
        whole = loads(text)
    except orjson.JSONDecodeError:
        whole = None
    if whole is None:
        values: list[Any] = []
        for line in text.split(b"\n")[:limit]:
            try:
                values.append(loads(line))
            except orjson.JSONDecodeError:
                continue
        if not values and text[:1] == b"[":
            values = [first_json_value(text)]
    else:
        values = whole[:limit] if isinstance(whole, list) else [whole]
    unpacked: list[Any] = []
    for value in values:
        if isinstance(value, Mapping) and isinstance(value.get("statuses"), list):
            unpacked.extend(value["statuses"][:limit])
        elif isinstance(value, list):  # an array on one line, e.g. followed by other text
            unpacked.extend(value[:limit])
        else:
            unpacked.append(value)
    return unpacked
