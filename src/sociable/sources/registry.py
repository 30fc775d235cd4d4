"""Every input format sociable reads, in the order `--format auto` tries them."""

from __future__ import annotations

import stat
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

from sociable.errors import SociableError, UnknownFormat, UnreadableFile
from sociable.sources import bluesky, care_opinion, feeds, mastodon, pheme, tabular, twitter
from sociable.sources.base import Format, head_bytes, looks_binary
from sociable.sources.twitter_archive import other_archive_part

# Most specific first: a format whose sniff is loose (CSV) comes last.
_MODULES = (pheme, twitter, mastodon, bluesky, feeds, care_opinion, tabular)


@cache
def all_formats() -> tuple[Format, ...]:
    return tuple(fmt for module in _MODULES for fmt in module.FORMATS)


def get_format(name: str) -> Format:
    for fmt in all_formats():
        if fmt.name == name:
            return fmt
    names = ", ".join(f.name for f in all_formats())
    raise UnknownFormat(f"there is no format called '{name}'; the formats are: {names}.")


_SPECIAL = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
            (stat.S_ISBLK, "a block device"))


def check_regular_file(path: Path) -> None:
    """Refuse a named pipe, socket or device before anything opens it (reading one can wait forever)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return  # said where it is opened
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return
    kind = next((name for test, name in _SPECIAL if test(mode)), "a special file")
    raise UnreadableFile(f"{path} is {kind}, not a file; sociable imports files and folders only, so it was not read.")


def detect_format(path: Path) -> Format:
    """The format of a file or folder, recognised from its content; raises if none fits."""
    if path.is_dir():
        for fmt in all_formats():
            if fmt.directory and fmt.sniff(path, b""):
                return fmt
        raise UnknownFormat(f"{path} is a folder but not a PHEME thread folder; import the files in it instead.")
    if not path.exists():
        raise UnreadableFile(f"{path} does not exist.")
    check_regular_file(path)
    head = head_bytes(path)
    if not head.strip():
        raise UnreadableFile(f"{path} is empty; there is nothing to import.")
    if looks_binary(head):
        raise UnreadableFile(
            f"{path} is a binary file; expected a text export (JSON, JSON Lines, tweets.js, RSS/Atom or CSV)."
        )
    found = _sniff(path, head)
    if found is None:
        found = _sniff_past_junk(path, head)
    if found is not None:
        return found
    raise UnknownFormat(
        f"{path} is not a format sociable recognises; expected Twitter/X, Mastodon, Bluesky, RSS/Atom or CSV "
        "exports (see `sociable formats`), or name one with --format."
    )


# How many leading lines of a JSON Lines head detection looks past, to find records it knows.
PAST_LINES = 64


def _sniff(path: Path, head: bytes) -> Format | None:
    return next((fmt for fmt in all_formats() if not fmt.directory and fmt.sniff(path, head)), None)


def _sniff_past_junk(path: Path, head: bytes) -> Format | None:
    """The format of a JSON Lines file whose first lines are not records of any format (a log line,
    a header object, notices): recognised from the first line on that is. Those first lines are
    then read and rejected, each with its reason, like any record that is not a post."""
    lines = head.split(b"\n")
    for skip in range(1, min(len(lines) - 1, PAST_LINES)):
        rest = b"\n".join(lines[skip:]).lstrip()
        if rest[:1] == b"{":
            found = _sniff(path, rest)
            if found is not None:
                return found
    return None


def reader_options() -> dict[str, list[tuple[str, str]]]:
    """Every reader option a user may set: key -> [(format, what it does), ...]."""
    found: dict[str, list[tuple[str, str]]] = {}
    for fmt in all_formats():
        for key, help_text in fmt.options:
            found.setdefault(key, []).append((fmt.name, help_text))
    return found


def parse_reader_options(pairs: Iterable[str] | None, what: str = "--option") -> dict[str, str]:
    """`key=value` pairs as reader options (`check_reader_options` says whether a reader takes them)."""
    options: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise SociableError(f"{what} expects key=value (for example account_id=12345), got '{pair.strip()}'.")
        if key in options and options[key] != value:
            raise SociableError(f"{what} gives {key} twice, as '{options[key]}' and '{value}'; give it once.")
        options[key] = value
    return options


def check_reader_options(options: Mapping[str, str], format_name: str = "auto") -> None:
    """Refuse a reader option no reader (or not the format named) takes, with the ones that exist."""
    known = reader_options()
    allowed = set(known) if format_name == "auto" else {key for key, _ in get_format(format_name).options}
    for key, value in options.items():
        if key in allowed:
            if key == "private" and value != "keep":
                raise SociableError(f"the reader option private takes only the value keep (private=keep), "
                                    f"not '{value}'.")
            continue
        where = "" if format_name == "auto" else f" of the format {format_name}"
        names = sorted(allowed)
        listed = ", ".join(names) if names else "none"
        hint = ""
        if key in known and format_name != "auto":
            hint = f" ({key} is an option of {', '.join(f for f, _ in known[key])})"
        raise SociableError(f"'{key}' is not a reader option{where}{hint}; the options are: {listed} "
                            "(set one with --option key=value).")


def companion_of(path: Path) -> Format | None:
    """The format whose reader reads this file beside its own (account.js beside tweets.js), if any."""
    return next((fmt for fmt in all_formats() if path.name in fmt.companions), None)


def archive_part(path: Path) -> str | None:
    """The part of a Twitter/X archive a file is when it holds no tweets (like, follower, direct-messages...)."""
    try:
        return other_archive_part(head_bytes(path))
    except OSError:
        return None
