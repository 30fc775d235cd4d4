"""What every source provides, and the JSON reading every JSON-based source shares.

A source is a `Format`: it recognises a file from its first bytes (`sniff`), reads the
platform's own records from it (`read`, yielding `RawRecord` or `Rejected`), and maps one
raw record to platform-neutral `Post`/`Account` rows (`map`). Raw records are kept by the
store, so `map` must work from the raw record alone: a reader that needs context (a
twarc2 page's `includes`, a feed's title, an outbox's actor) puts that context into the
raw record it yields.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import orjson

from sociable.errors import MappingError, UnreadableFile
from sociable.model import Account, Post

SNIFF_BYTES = 65536
Options = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One platform record as read, with where it came from."""

    format: str
    file: str
    number: int  # 1-based line number for line-oriented files, else record index
    raw: Any  # JSON-compatible value: the platform's record plus any context map() needs


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that could not be read or mapped, kept so nothing is lost silently."""

    format: str
    file: str
    number: int
    raw: str
    reason: str


@dataclass(slots=True)
class Mapped:
    """What one raw record maps to (a retweet carries the original post and its author too)."""

    posts: list[Post] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Format:
    """One input format: how to recognise it, read it and map its records."""

    name: str
    platform: str
    description: str
    sniff: Callable[[Path, bytes], bool]
    read: Callable[[Path, Options], Iterator[RawRecord | Rejected]]
    map: Callable[[Any], Mapped]
    directory: bool = False  # True when the format is a folder (PHEME threads)
    lines: LineMapping | None = None  # a quicker route for JSON Lines files, with the same results
    # Reader options a user may set (`--option key=value`): (key, what it does).
    options: tuple[tuple[str, str], ...] = ()
    # Files the reader reads beside its own (account.js beside tweets.js): not imported on their own.
    companions: tuple[str, ...] = ()


@dataclass(slots=True)
class MappedLines:
    """What a line mapper made of a chunk of JSON Lines: posts as rows, their authors, and the rest.

    `rows` holds one tuple of `Post` field values per post, in the order of `POST_FIELDS`; `owners`
    gives, for each post, the index of the line it came from (a retweet's line also gives the original).
    Times (`created_at`, and when a profile was seen) are microseconds since the epoch, UTC:
    Arrow reads those quicker than datetimes, and they are quicker to make.
    `accounts` lists each author profile with the first and last time it was seen in the chunk.
    `rest` lists the lines the quick route left alone: anything unusual, malformed or not a
    record at all. They go through the format's own `read_line` and `map`, so every result,
    rejection reason included, is what the record-by-record path gives.
    """

    rows: list[tuple[Any, ...]]
    owners: list[int]
    accounts: list[tuple[Account, int, int]]
    rest: list[int]


@dataclass(frozen=True, slots=True)
class LineMapping:
    """A format's quick route for JSON Lines: whole chunks of lines decoded and mapped at once."""

    map_lines: Callable[[list[bytes]], MappedLines]
    read_line: Callable[[Path, int, bytes], Iterable[RawRecord | Rejected]]  # what `read` yields for one line


POST_FIELDS = tuple(f.name for f in fields(Post))

# The largest count the workspace stores (its counts are 64-bit; media_count 32-bit).
COUNT_LIMITS = {"media_count": 2**31 - 1, "like_count": 2**63 - 1, "repost_count": 2**63 - 1,
                "reply_count": 2**63 - 1, "followers": 2**63 - 1, "following": 2**63 - 1}


def check_counts(mapped: Mapped) -> None:
    """Raise MappingError when a post's or account's count is beyond what the workspace can store."""
    for post in mapped.posts:
        for name in ("like_count", "repost_count", "reply_count", "media_count"):
            _check_count(name, getattr(post, name))
    for account in mapped.accounts:
        _check_count("followers", account.followers)
        _check_count("following", account.following)


def _check_count(name: str, value: int | None) -> None:
    if value is not None and not -COUNT_LIMITS[name] <= value <= COUNT_LIMITS[name]:
        limit = COUNT_LIMITS[name]
        raise MappingError(f"its {name} {value} is beyond the largest count sociable can store ({limit:,})")


# ---------------------------------------------------------------------------- reading


UTF8_BOM = b"\xef\xbb\xbf"
# Byte order marks of the encodings read besides UTF-8 (UTF-32 LE first: it starts like UTF-16 LE).
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
         (b"\xfe\xff", "utf-16"))
_BLANK = b" \t\r\n"


def text_encoding(first: bytes) -> str | None:
    """'utf-16' or 'utf-32' when a file's first bytes are that encoding's byte order mark, else None.

    A file with none is read as its bytes (UTF-8, or latin-1 where it is not UTF-8).
    """
    return next((name for bom, name in _BOMS if first.startswith(bom)), None)


def file_encoding(path: Path) -> str | None:
    """`text_encoding` of a file's first bytes."""
    with path.open("rb") as fh:
        return text_encoding(fh.read(4))


def head_bytes(path: Path, size: int = SNIFF_BYTES) -> bytes:
    """The first `size` bytes of a file's text, from its first character that is not blank, as UTF-8.

    Leading blank lines (however many), a byte order mark and a UTF-16 or UTF-32 encoding
    never hide what a file is: sniffing and reading see the same text.
    """
    with path.open("rb") as fh:
        encoding = text_encoding(fh.read(4))
        fh.seek(0)
        if encoding is None:
            return _head_of_bytes(fh, size)
        return _head_of_text(fh, encoding, size)


def _head_of_bytes(fh: Any, size: int) -> bytes:
    first = True
    while block := fh.read(size):
        if first and block.startswith(UTF8_BOM):
            block = block[len(UTF8_BOM):]
        first = False
        found = block.lstrip(_BLANK)
        if found:
            return found + fh.read(size - len(found))
    return b""


def _head_of_text(fh: Any, encoding: str, size: int) -> bytes:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    head = b""
    while len(head) < size:
        block = fh.read(size)
        head = (head + decoder.decode(block, final=not block).encode("utf-8")).lstrip(_BLANK)
        if not block:
            break
    return head[:size]


def read_data(path: Path) -> bytes:
    """A whole file's text as UTF-8 bytes without a byte order mark (UTF-16 and UTF-32 files transcoded)."""
    data = path.read_bytes()
    encoding = text_encoding(data[:4])
    if encoding is not None:
        return data.decode(encoding, "replace").encode("utf-8")
    return data[len(UTF8_BOM):] if data.startswith(UTF8_BOM) else data


def looks_binary(head: bytes) -> bool:
    """True for files that are not text: mostly control bytes, or NUL bytes in what is not UTF-8 text.

    A text export with a stray NUL byte is text (the record holding it is rejected, the
    others read); an image, an archive or a database is not.
    """
    sample = head[:8192]
    if not sample:
        return False
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    if control / len(sample) > 0.10:
        return True
    if b"\x00" not in sample:
        return False
    undecodable = sample.decode("utf-8", "replace").count("\ufffd")
    return sample.count(b"\x00") / len(sample) > 0.01 or undecodable / len(sample) > 0.05


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), falling back to latin-1 rather than failing."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def first_json_char(head: bytes) -> str:
    """The first non-space character of a file ('' when empty)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return chr(text[0]) if text else ""


def loads(data: bytes) -> Any:
    """orjson.loads, but text that is not UTF-8 (a latin-1 export) is decoded as latin-1 first."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return orjson.loads(data.decode("latin-1"))
        raise


def first_json_value(head: bytes) -> Any:
    """Best-effort parse of the first JSON value in a file head, for sniffing; None if unsure.

    Handles JSON Lines (first line), a whole small file, and arrays (first element).
    """
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        return None
    try:
        return loads(text)
    except orjson.JSONDecodeError:
        pass
    line = text.split(b"\n", 1)[0]
    try:
        return loads(line)
    except orjson.JSONDecodeError:
        pass
    if text.startswith(b"["):
        return _first_array_element(text)
    return None


_DECODER_CACHE: dict[str, Any] = {}


def _first_array_element(text: bytes) -> Any:
    import json

    decoder = _DECODER_CACHE.setdefault("d", json.JSONDecoder())
    body = decode_text(text)[1:].lstrip()
    try:
        value, _ = decoder.raw_decode(body)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python's parser goes
        return None
    return value


def iter_json_values(path: Path, fmt: str) -> Iterator[tuple[int, Any] | Rejected]:
    """Yield (number, value) for each top-level record of a JSON, JSON-array or JSON Lines file.

    A JSON array or single object gives record numbers 1..n; JSON Lines gives line numbers.
    A line that is not JSON becomes a `Rejected` with its line number; the run goes on.
    Raises UnreadableFile for binary files and files that are neither JSON nor JSON Lines.
    """
    head = head_bytes(path)
    if looks_binary(head):
        raise UnreadableFile(f"{path} is a binary file, not JSON; expected JSON, a JSON array or JSON Lines.")
    if not head.strip():
        return
    data = read_data(path)
    whole = _parse_whole(data)
    if whole is _BROKEN_ARRAY:
        yield from salvage_array(path, decode_text(data).lstrip(), fmt)
        return
    if whole is not _NOT_JSON:
        if isinstance(whole, list):
            yield from enumerate(whole, 1)
        else:
            yield (1, whole)
        return
    yield from _iter_json_lines(path, data, fmt)


_NOT_JSON = object()
_BROKEN_ARRAY = object()


def _parse_whole(data: bytes) -> Any:
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] not in (b"[", b"{"):
        return _NOT_JSON
    # Only try whole-file parsing when the file is not obviously JSON Lines.
    if stripped[:1] == b"{" and b"\n{" in stripped.rstrip():
        return _NOT_JSON
    try:
        return loads(stripped)
    except orjson.JSONDecodeError:
        return _BROKEN_ARRAY if stripped[:1] == b"[" else _NOT_JSON


def salvage_array(path: Path, text: str, fmt: str) -> Iterator[tuple[int, Any] | Rejected]:
    """A JSON array (`text` starts with its "[") that does not parse whole: keep every whole record of it.

    A truncated download keeps the records before the damage. A record that is not JSON (a
    stray NUL byte, a cut-and-paste slip) or nested too deeply to read is rejected and the
    records after it are read. Text after the array's end is kept as one rejected record.
    """
    import json

    decoder = json.JSONDecoder()
    text = text[1:]
    position, number = 0, 0
    while True:
        position = _skip_separators(text, position)
        if position >= len(text):
            return
        if text[position] == "]":
            rest = text[position + 1 :].strip()
            if rest:
                reason = f"{path.name} has text after the end of its array ({len(rest):,} characters), not a record"
                yield Rejected(fmt, str(path), number + 1, rest, reason)
            return
        number += 1
        start = position
        try:
            value, position = decoder.raw_decode(text, position)
        except (ValueError, RecursionError) as exc:
            position, whole = _skip_value(text, start)
            if not whole:
                reason = f"{path.name} ends in the middle of record {number} (truncated?): {getattr(exc, 'msg', exc)}"
                yield Rejected(fmt, str(path), number, text[start:], reason)
                return
            said = "is nested too deeply to read" if isinstance(exc, RecursionError) else (
                f"is not JSON ({getattr(exc, 'msg', exc)})")
            yield Rejected(fmt, str(path), number, text[start:position], f"record {number} of {path.name} {said}")
            continue
        yield (number, value)


_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_NEXT_RECORD = re.compile(r"[,\[\]{}]")


def _skip_value(text: str, position: int) -> tuple[int, bool]:
    """Where the record starting at `position` ends, found without parsing it, and whether it ends.

    An array or object ends at its closing bracket (strings skipped whole, no recursion);
    anything else at the next comma or bracket.
    """
    if text[position] not in "[{":
        found = _NEXT_RECORD.search(text, position + 1)
        return (found.start(), True) if found else (len(text), False)
    depth = 0
    for match in _TOKEN.finditer(text, position):
        token = match.group()
        if token in "[{":
            depth += 1
        elif token in "]}":
            depth -= 1
            if depth <= 0:
                return match.end(), True
    return len(text), False


def _skip_separators(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n,":
        position += 1
    return position


def _iter_json_lines(path: Path, data: bytes, fmt: str) -> Iterator[tuple[int, Any] | Rejected]:
    for number, line in enumerate(data.split(b"\n"), 1):
        line = line.strip()
        if line:
            yield json_line(path, number, line, fmt)


def json_line(path: Path, number: int, line: bytes, fmt: str) -> tuple[int, Any] | Rejected:
    """One stripped, non-blank line of a JSON Lines file: (number, value), or why it is not JSON."""
    try:
        return (number, loads(line))
    except orjson.JSONDecodeError as exc:
        text = decode_text(line)
        return Rejected(fmt, str(path), number, text, f"line {number} of {path.name} is not JSON ({exc})")


def is_json_lines(head: bytes) -> bool:
    """Whether a file whose first bytes are `head` is read as JSON Lines (see `iter_json_values`).

    Only a head that shows it for certain counts: one that is not an array or object, or an
    object followed by another line that starts one.
    """
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped or looks_binary(head):
        return False
    return stripped[:1] not in (b"[", b"{") or (stripped[:1] == b"{" and b"\n{" in stripped.rstrip())


# ---------------------------------------------------------------------------- mapping helpers


def parse_time(value: Any, what: str = "created_at") -> datetime:
    """Parse the time shapes platforms use into an aware UTC datetime, or raise MappingError.

    Accepts ISO 8601 (with Z or offset), Twitter v1.1 ('Wed Oct 10 20:19:24 +0000 2018'),
    RFC 822 (RSS), epoch seconds or milliseconds and epoch microseconds (Jetstream time_us).
    """
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool) or value is None:
        raise MappingError(f"{what} is missing")
    if isinstance(value, int | float):
        seconds = float(value)
        if seconds > 1e14:
            seconds /= 1e6
        elif seconds > 1e11:
            seconds /= 1e3
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (ValueError, OverflowError, OSError):
            raise MappingError(f"{what} {value!r} is not a time sociable can place (out of range)") from None
    if not isinstance(value, str) or not value.strip():
        raise MappingError(f"{what} should be a date-time string, got {type(value).__name__}")
    text = value.strip()
    if text.isdigit():
        return parse_time(int(text), what)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = _parse_other_time(text, what)
    try:
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except OverflowError:
        raise MappingError(f"{what} {text[:40]!r} is not a time sociable can place (out of range)") from None


def _parse_other_time(text: str, what: str) -> datetime:
    try:
        return datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y")
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError):
        pass
    raise MappingError(f"{what} {text[:40]!r} is not a date-time sociable understands")


def require(record: Mapping[str, Any], key: str, kind: type | tuple[type, ...] = str) -> Any:
    """record[key], checked for presence and type, else MappingError naming the field."""
    if not isinstance(record, Mapping):
        raise MappingError(f"expected a JSON object, got {type(record).__name__}")
    if key not in record or record[key] is None:
        raise MappingError(f"the field '{key}' is missing")
    value = record[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise MappingError(f"the field '{key}' should be {names}, got {type(value).__name__}")
    return value


def as_id(value: Any, what: str = "id") -> str:
    """An id as a string (numbers are accepted: v1.1 gives both id and id_str)."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise MappingError(f"the {what} is missing or not a string")


def optional_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


_HASHTAG = re.compile(r"(?:^|(?<=[^\w&]))[#＃](\w*[^\W\d]\w*)", re.UNICODE)
_MENTION = re.compile(r"(?:^|(?<=[^\w@]))@([A-Za-z0-9_]{1,30}(?:@[\w.-]+\.\w+)?)")
_URL = re.compile(r"https?://[^\s<>\"']+")


def hashtags_in(text: str) -> tuple[str, ...]:
    """Hashtags in text, lower-case, without '#', first occurrence order, no repeats."""
    return tuple(dict.fromkeys(tag.lower() for tag in _HASHTAG.findall(text or "")))


def mentions_in(text: str) -> tuple[str, ...]:
    """@handles in text, lower-case, without '@', no repeats."""
    return tuple(dict.fromkeys(m.lower() for m in _MENTION.findall(text or "")))


def urls_in(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(u.rstrip(".,;:!?)") for u in _URL.findall(text or "")))


def unique(values: Any) -> tuple[str, ...]:
    """Strings in first-seen order with repeats and empties dropped."""
    return tuple(dict.fromkeys(v for v in values if v))
