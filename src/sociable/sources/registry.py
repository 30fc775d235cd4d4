"""Every input format sociable reads, in the order `--format auto` tries them."""

from __future__ import annotations

import stat
from functools import cache
from pathlib import Path

from sociable.errors import UnknownFormat, UnreadableFile
from sociable.sources import bluesky, care_opinion, feeds, mastodon, pheme, tabular, twitter
from sociable.sources.base import Format, head_bytes, looks_binary

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
