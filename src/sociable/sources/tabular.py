"""CSV exports: TAGS, DMI-TCAT and 4CAT recognised from their header, any other CSV through a mapping.

A column mapping says which column holds which field (`created_at=created_at`,
`tweet id=post_id`). The built-in mappings are chosen from the header row; any CSV can be
read by naming the columns in `options["map"]` ("column=field,column=field", from the
CLI's repeated `--map column=field`) and optionally the platform in `options["platform"]`
(else a `platform` column, else "csv"). Each raw record carries the row (a dict keyed by
the header) and the mapping, so it can be mapped again without the file; a built-in
mapping is applied by name, so a fix to it reaches stored rows on re-mapping.

Dates are ISO 8601, Twitter's format, RFC 822, epoch seconds, or spreadsheet dates written
day first as in the UK (04/03/2024 09:15 is 4 March); times without a zone are UTC.
Identifiers follow the model: where an export gives handles rather than ids (DMI-TCAT's
`to_user_name`, 4CAT's `mentions`), they are kept as lower-case handles. Hashtags,
mentions and urls come from their columns when the export has them, else from the text.
On Twitter, a text starting "RT @name:" is a repost of that account.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from sociable.errors import MappingError, UnknownFormat, UnreadableFile
from sociable.model import Account, Post
from sociable.sources.base import (
    SNIFF_BYTES,
    Format,
    Mapped,
    Options,
    RawRecord,
    Rejected,
    decode_text,
    hashtags_in,
    head_bytes,
    looks_binary,
    mentions_in,
    parse_time,
    text_encoding,
    unique,
    urls_in,
)

FORMAT_NAME = "csv"
DEFAULT_PLATFORM = "csv"
FIELD_SIZE_LIMIT = 64 * 1024 * 1024  # one post or bio never needs more; a stray quote stops here
_DELIMITERS = (",", "\t", ";", "|")

_ID_FIELDS = ("post_id", "account_id", "reply_to", "reply_to_account", "root", "quote_of", "quote_of_account",
              "repost_of", "repost_of_account")
_TEXT_FIELDS = ("platform", "handle", "text", "uri", "lang", "display_name", "bio", "account_url", "location",
                "reply_to_handle", "quote_of_handle")
_TIME_FIELDS = ("created_at", "account_created_at")
_INT_FIELDS = ("media_count", "like_count", "repost_count", "reply_count", "followers", "following")
_LIST_FIELDS = ("hashtags", "mentions", "urls", "media")
FIELDS: tuple[str, ...] = _ID_FIELDS + _TEXT_FIELDS + _TIME_FIELDS + _INT_FIELDS + _LIST_FIELDS


@dataclass(frozen=True)
class BuiltinMapping:
    """A known export's columns, how to recognise its header, and any fix-up its rows need."""

    name: str
    title: str
    platform: str | None
    signature: frozenset[str]
    columns: tuple[tuple[str, str], ...]  # (column, field) in order of preference
    adjust: Callable[[dict[str, Any], Mapping[str, str]], None] | None = None

    def fits(self, header: set[str]) -> bool:
        return self.signature <= header


def _adjust_tags(values: dict[str, Any], row: Mapping[str, str]) -> None:
    """TAGS keeps the tweet's entities as JSON: ids for mentions, expanded urls, media."""
    try:
        entities = orjson.loads(row.get("entities_str") or "null")
    except orjson.JSONDecodeError:
        entities = None
    if not isinstance(entities, dict):
        return
    mentioned = [m for m in entities.get("user_mentions") or [] if isinstance(m, dict)]
    values["hashtags"] = [h.get("text") for h in entities.get("hashtags") or [] if isinstance(h, dict)]
    values["mentions"] = [str(m.get("id_str") or m.get("screen_name") or "") for m in mentioned]
    values["urls"] = [u.get("expanded_url") or u.get("url") for u in entities.get("urls") or [] if isinstance(u, dict)]
    values["media_count"] = str(len(entities.get("media") or []))
    values["_handle_ids"] = {str(m.get("screen_name", "")).lower(): str(m.get("id_str")) for m in mentioned}


def _adjust_4cat(values: dict[str, Any], row: Mapping[str, str]) -> None:
    """4CAT gives a thread id for every item, and several languages as one column."""
    if values.get("root") == values.get("post_id"):
        values.pop("root", None)
    if isinstance(values.get("lang"), str):
        values["lang"] = values["lang"].split(",")[0].strip() or None
    if str(values.get("post_id", "")).startswith("at://") and not values.get("platform"):
        values["platform"] = "bluesky"


TAGS = BuiltinMapping(
    "tags", "TAGS (Google Sheets Twitter archive)", "twitter",
    frozenset({"id_str", "from_user", "text", "created_at", "from_user_id_str"}),
    (("id_str", "post_id"), ("from_user_id_str", "account_id"), ("from_user", "handle"), ("text", "text"),
     ("created_at", "created_at"), ("in_reply_to_status_id_str", "reply_to"),
     ("in_reply_to_user_id_str", "reply_to_account"), ("in_reply_to_screen_name", "reply_to_handle"),
     ("status_url", "uri"), ("user_followers_count", "followers"), ("user_friends_count", "following"),
     ("user_location", "location")),
    _adjust_tags,
)
TCAT = BuiltinMapping(
    "tcat", "DMI-TCAT tweet export", "twitter",
    frozenset({"id", "time", "created_at", "from_user_name", "text", "from_user_id"}),
    (("id", "post_id"), ("from_user_id", "account_id"), ("from_user_name", "handle"), ("text", "text"),
     ("created_at", "created_at"), ("time", "created_at"), ("lang", "lang"),
     ("in_reply_to_status_id", "reply_to"), ("to_user_id", "reply_to_account"), ("to_user_name", "reply_to_handle"),
     ("quoted_status_id", "quote_of"), ("retweet_id", "repost_of"), ("retweet_count", "repost_count"),
     ("favorite_count", "like_count"), ("from_user_realname", "display_name"), ("from_user_description", "bio"),
     ("from_user_url", "account_url"), ("location", "location"), ("from_user_followercount", "followers"),
     ("from_user_friendcount", "following"), ("from_user_created_at", "account_created_at"),
     ("hashtags", "hashtags"), ("mentions", "mentions"), ("urls_expanded", "urls"), ("urls", "urls"),
     ("media_id", "media")),
)
FOURCAT = BuiltinMapping(
    "4cat", "4CAT dataset export", None,
    frozenset({"id", "thread_id", "body", "author"}),
    (("id", "post_id"), ("author_id", "account_id"), ("author", "handle"), ("body", "text"),
     ("unix_timestamp", "created_at"), ("created_at", "created_at"), ("timestamp", "created_at"),
     ("thread_id", "root"), ("replied_to_post", "reply_to"), ("reply_to", "reply_to_handle"),
     ("replied_to_user", "reply_to_handle"), ("quoted_post", "quote_of"), ("quoted_user", "quote_of_handle"),
     ("author_fullname", "display_name"), ("author_display_name", "display_name"),
     ("author_created_at", "account_created_at"), ("language_guess", "lang"), ("languages", "lang"),
     ("link", "uri"), ("url", "uri"), ("hashtags", "hashtags"), ("tags", "hashtags"), ("mentions", "mentions"),
     ("urls", "urls"), ("links", "urls"), ("images", "media"), ("like_count", "like_count"),
     ("retweet_count", "repost_count"), ("repost_count", "repost_count"), ("reply_count", "reply_count")),
    _adjust_4cat,
)
BUILTIN_MAPPINGS: tuple[BuiltinMapping, ...] = (TAGS, TCAT, FOURCAT)
_BY_NAME = {m.name: m for m in BUILTIN_MAPPINGS}
_TIME_COLUMNS = ("unix_timestamp", "timestamp", "created_at")


# ---------------------------------------------------------------------------- sniffing


def sniff(path: Path, head: bytes) -> bool:
    """True for a text file whose first record reads as a CSV header of three or more names."""
    if not head or looks_binary(head):
        return False
    text = decode_text(head[:SNIFF_BYTES]).lstrip()
    if not text or text[0] in "{[<":
        return False
    return _header_dialect(text) is not None


def _header_dialect(text: str) -> tuple[str, list[str]] | None:
    """The delimiter and column names of the first record, when it looks like a header."""
    best: tuple[str, list[str]] | None = None
    for delimiter in _DELIMITERS:
        try:
            row = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
        except csv.Error:
            continue
        names = [name.strip() for name in row]
        if len(names) < 3 or not all(_looks_like_name(name) for name in names):
            continue
        if best is None or len(names) > len(best[1]):
            best = (delimiter, names)
    return best


def _looks_like_name(name: str) -> bool:
    return 0 < len(name) <= 64 and "\n" not in name and len(name.split()) <= 5


# ---------------------------------------------------------------------------- reading


def read(path: Path, options: Options) -> Iterator[RawRecord | Rejected]:
    """Yield each data row with the mapping that applies; ragged or unparseable rows are Rejected."""
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_SIZE_LIMIT))
    try:
        head = head_bytes(path)  # as UTF-8, from the first line that is not blank
        with path.open("rb") as binary:
            if looks_binary(head):
                raise UnreadableFile(f"{path} is a binary file, not CSV; export the sheet as CSV and import that.")
            found = _header_dialect(decode_text(head).lstrip())
            if found is None:
                raise UnknownFormat(
                    f"{path} does not start with a CSV header of three or more column names; "
                    "check the file is CSV (comma, tab or semicolon separated) with a header row."
                )
            encoding = text_encoding(binary.read(4)) or _encoding(head)
            binary.seek(0)
            text = io.TextIOWrapper(binary, encoding=encoding, errors="surrogateescape", newline="")
            yield from _read_rows(path, text, found[0], options)
    except OSError as exc:
        raise UnreadableFile(f"{path} could not be read ({exc.strerror or exc}).") from exc


def _encoding(head: bytes) -> str:
    """utf-8-sig when the head reads mostly as UTF-8 (stray bytes are repaired per field), else latin-1."""
    text = head.decode("utf-8", "surrogateescape")
    bad = sum(1 for ch in text if "\udc80" <= ch <= "\udcff")
    good = sum(1 for ch in text if ch > "\x7f") - bad
    return "utf-8-sig" if bad == 0 or good > bad else "latin-1"


def _read_rows(path: Path, text: io.TextIOWrapper, delimiter: str, options: Options) -> Iterator[RawRecord | Rejected]:
    reader = csv.reader(text, delimiter=delimiter)
    first = next(reader)
    while not any(name.strip() for name in first):  # blank lines before the header
        first = next(reader)
    header = _unique_names([_repair(name).strip() for name in first])
    mapping = choose_mapping(path, header, options)
    latin = text.encoding == "latin-1"
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Rejected(FORMAT_NAME, str(path), start, "", f"line {start} of {path.name} is not valid CSV ({exc})")
            if reader.line_num < start:
                return
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        row = [_repair(value, latin) for value in row]
        if len(row) > len(header) and not any(value.strip() for value in row[len(header) :]):
            row = row[: len(header)]
        if len(row) != len(header):
            yield Rejected(FORMAT_NAME, str(path), start, delimiter.join(row), _ragged(path, start, row, header))
            continue
        yield RawRecord(FORMAT_NAME, str(path), start, {"row": dict(zip(header, row, strict=True)), "mapping": mapping})


def _ragged(path: Path, line: int, row: list[str], header: list[str]) -> str:
    return (
        f"line {line} of {path.name} has {len(row)} fields but the header has {len(header)}; "
        "look for an unquoted delimiter or a missing quote"
    )


_CP1252 = {i: bytes([i]).decode("cp1252") for i in range(0x80, 0xA0) if i not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


def _repair(value: str, latin: bool = False) -> str:
    """Undo undecodable bytes in a mostly-UTF-8 file, and read Windows quotes in a latin-1 one."""
    if latin:
        return value.translate(_CP1252)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates stand for bytes that were not UTF-8
        return value.encode("utf-8", "surrogateescape").decode("cp1252", "replace")
    return value


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def choose_mapping(path: Path, header: list[str], options: Options) -> dict[str, Any]:
    """The mapping for a file: an explicit `map` option, else the built-in that fits the header."""
    platform = (options.get("platform") or "").strip().lower() or None
    if (options.get("map") or "").strip():
        columns = parse_map_option(options["map"], header, path)
        return {"name": "custom", "platform": platform, "columns": [list(pair) for pair in columns]}
    names = set(header)
    for builtin in BUILTIN_MAPPINGS:
        if builtin.fits(names) and (builtin is not FOURCAT or names & set(_TIME_COLUMNS)):
            return {"name": builtin.name, "platform": platform or _builtin_platform(builtin, names), "columns": None}
    shown = ", ".join(header[:15]) + (f" and {len(header) - 15} more" if len(header) > 15 else "")
    raise UnknownFormat(
        f"{path.name} has the columns {shown}, which match no built-in CSV mapping (TAGS, DMI-TCAT, 4CAT); "
        "say which column holds what with --map column=field, at least post_id, created_at and account_id "
        "or handle (for example --map 'tweet id=post_id')."
    )


def _builtin_platform(builtin: BuiltinMapping, names: set[str]) -> str | None:
    if builtin is FOURCAT and {"is_retweet", "is_quote_tweet"} & names:
        return "twitter"
    return builtin.platform


def parse_map_option(spec: str, header: list[str], path: Path) -> list[tuple[str, str]]:
    """Parse "column=field,column=field" and check it against the fields and the file's columns."""
    pairs: list[tuple[str, str]] = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        column, sep, field = item.rpartition("=")
        column, field = column.strip(), field.strip().lower()
        if not sep or not column or not field:
            raise MappingError(f"the mapping '{item}' should look like column=field, for example created=created_at")
        if field not in FIELDS:
            raise MappingError(f"'{field}' in --map {item} is not a field sociable knows; the fields are: "
                               + ", ".join(FIELDS))
        if column not in header:
            raise UnknownFormat(f"{path.name} has no column '{column}' (named in --map {item}); its columns are: "
                                + ", ".join(header[:30]))
        pairs.append((column, field))
    mapped = {field for _, field in pairs}
    missing = [f for f in ("post_id", "created_at") if f not in mapped]
    if not mapped & {"account_id", "handle"}:
        missing.append("account_id or handle")
    if missing:
        raise MappingError(f"the CSV mapping needs a column for {', '.join(missing)}; add --map column=field for it")
    return pairs


# ---------------------------------------------------------------------------- mapping


def map_row(raw: Any) -> Mapped:
    """Turn one CSV row, with the mapping it was read with, into a Post and its author's Account."""
    row, mapping = _checked(raw)
    builtin = _BY_NAME.get(str(mapping.get("name")))
    columns = builtin.columns if builtin else _custom_columns(mapping)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for column, field in columns:
        value = row.get(column)
        if isinstance(value, str) and value.strip() and field not in values:
            values[field], sources[field] = value.strip(), column
    if builtin and builtin.adjust:
        builtin.adjust(values, row)
    platform = str(values.get("platform") or mapping.get("platform") or DEFAULT_PLATFORM).lower()
    return _build(platform, _Fields(values, sources, list(columns)))


def _checked(raw: Any) -> tuple[Mapping[str, str], Mapping[str, Any]]:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("row"), Mapping) or not isinstance(
        raw.get("mapping"), Mapping
    ):
        raise MappingError("a CSV record should hold a 'row' object and the 'mapping' it was read with")
    return raw["row"], raw["mapping"]


def _custom_columns(mapping: Mapping[str, Any]) -> list[tuple[str, str]]:
    pairs = mapping.get("columns")
    if not isinstance(pairs, list) or not all(isinstance(p, list | tuple) and len(p) == 2 for p in pairs):
        raise MappingError("the CSV record's mapping has no column list; import the file again with --map")
    return [(str(column), str(field)) for column, field in pairs]


@dataclass
class _Fields:
    """Mapped values of one row and the column each came from, for messages that name the column."""

    values: dict[str, Any]
    sources: dict[str, str]
    columns: list[tuple[str, str]]

    def named(self, field: str) -> str:
        """How a message names the column(s) a field is read from."""
        names = [f"'{column}'" for column, mapped in self.columns if mapped == field] or [f"'{field}'"]
        return "the column " + " or ".join(names)

    def text(self, field: str) -> str | None:
        value = self.values.get(field)
        return value if isinstance(value, str) and value else None

    def ident(self, field: str) -> str | None:
        value = self.text(field)
        return None if value in (None, "0") else value

    def number(self, field: str) -> int | None:
        value = self.values.get(field)
        if value is None or value == "":
            return None
        cleaned = str(value).replace(",", "").replace("_", "").strip()
        try:
            number = float(cleaned)
        except ValueError:
            number = float("nan")
        if number != number or not number.is_integer() or number < 0:
            column = self.sources.get(field, field)
            raise MappingError(f"the column '{column}' should hold a whole number, got {str(value)[:40]!r}")
        return int(number)

    def time(self, field: str) -> datetime | None:
        value = self.values.get(field)
        if value is None:
            return None
        what = f"the column '{self.sources.get(field, field)}'"
        try:
            return parse_time(value, what)
        except MappingError:
            return _day_first_time(str(value), what)

    def items(self, field: str) -> list[str] | None:
        value = self.values.get(field)
        if value is None:
            return None
        if isinstance(value, list):
            return [str(v) for v in value if v]
        splitter = r"\s*;\s*|\s+|,(?=\s*https?://)" if field in ("urls", "media") else r"[\s,;]+"
        return [part for part in re.split(splitter, str(value)) if part]


_DAY_FIRST = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y")


def _day_first_time(value: str, what: str) -> datetime:
    """Spreadsheet dates as the UK writes them (day first: 04/03/2024 is 4 March), taken as UTC."""
    for pattern in _DAY_FIRST:
        try:
            return datetime.strptime(value.strip(), pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise MappingError(f"{what} {value[:40]!r} is not a date-time sociable understands (use ISO 8601 or DD/MM/YYYY)")


def _handle(value: str | None) -> str | None:
    """A handle as an account key: without '@', lower-case."""
    return (value.strip().lstrip("@").lower() or None) if value else None


def _account_key(value: str) -> str:
    """A mentioned account as the model keeps it: ids and URIs as given, handles lower-case."""
    value = value.strip().lstrip("@")
    return value if "://" in value or value.startswith("did:") else value.lower()


def _build(platform: str, f: _Fields) -> Mapped:
    post_id = f.text("post_id")
    if not post_id:
        raise MappingError(f"{f.named('post_id')} (post id) is empty")
    handle = f.text("handle")
    account_id = f.text("account_id") or _handle(handle)
    if not account_id:
        raise MappingError(f"{f.named('account_id')} and {f.named('handle')} are both empty; the author is unknown")
    created_at = f.time("created_at")
    if created_at is None:
        raise MappingError(f"{f.named('created_at')} (the time of posting) is empty")
    post = _post(platform, post_id, account_id, created_at, handle, f)
    account = Account(
        platform=platform,
        account_id=account_id,
        handle=handle.lstrip("@") if handle else None,
        display_name=f.text("display_name"),
        bio=f.text("bio"),
        url=f.text("account_url"),
        location=f.text("location"),
        followers=f.number("followers"),
        following=f.number("following"),
        created_at=f.time("account_created_at"),
    )
    return Mapped(posts=[post], accounts=[account])


def _post(platform: str, post_id: str, account_id: str, created_at: datetime, handle: str | None, f: _Fields) -> Post:
    text = f.text("text") or ""
    reply_account = f.ident("reply_to_account") or _handle(f.text("reply_to_handle"))
    repost_account = f.ident("repost_of_account") or _retweeted_account(platform, text, f)
    excluded = {account_id, _handle(handle), reply_account, _handle(f.text("reply_to_handle")), repost_account}
    mentions = f.items("mentions")
    media = f.items("media")
    return Post(
        platform=platform,
        post_id=post_id,
        account_id=account_id,
        created_at=created_at,
        text=text,
        uri=f.text("uri"),
        lang=f.text("lang"),
        reply_to=f.ident("reply_to"),
        reply_to_account=reply_account,
        root=f.ident("root"),
        quote_of=f.ident("quote_of"),
        quote_of_account=f.ident("quote_of_account") or _handle(f.text("quote_of_handle")),
        repost_of=f.ident("repost_of"),
        repost_of_account=repost_account,
        hashtags=unique(t.lstrip("#").lower() for t in f.items("hashtags") or hashtags_in(text)),
        mentions=unique(m for m in map(_account_key, mentions or mentions_in(text)) if m not in excluded),
        urls=unique(f.items("urls") or urls_in(text)),
        media_count=f.number("media_count") or (len(media) if media else 0),
        like_count=f.number("like_count"),
        repost_count=f.number("repost_count"),
        reply_count=f.number("reply_count"),
    )


def _retweeted_account(platform: str, text: str, f: _Fields) -> str | None:
    """On Twitter, "RT @name: ..." reposts that account (its id when the export lists mention ids)."""
    retweeted = re.match(r"RT @(\w{1,30}):", text) if platform == "twitter" else None
    if not retweeted:
        return None
    name = retweeted.group(1).lower()
    handle_ids = f.values.get("_handle_ids")
    return (handle_ids.get(name) if isinstance(handle_ids, dict) else None) or name


FORMATS: tuple[Format, ...] = (
    Format(
        name=FORMAT_NAME,
        platform=DEFAULT_PLATFORM,
        description="CSV: TAGS, DMI-TCAT and 4CAT exports recognised from the header, or any CSV with --map",
        sniff=sniff,
        read=read,
        map=map_row,
        options=(("map", "column=field pairs, comma-separated (the same as --map)"),
                 ("platform", "the platform of a CSV with a custom mapping (the same as --platform)")),
    ),
)
