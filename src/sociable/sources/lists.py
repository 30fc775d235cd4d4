"""Curated lists: the accounts of a Bluesky list, a Mastodon list or an X list, read from their exports.

* Bluesky `app.bsky.graph.getList` JSON: `{"list": {"uri", "name", ...}, "items": [{"subject": {"did",
  "handle"}}]}` (pages may be concatenated as a JSON array of such objects);
* Mastodon `/api/v1/lists/:id/accounts` JSON: an array of Account objects (`acct`, `url`, `uri`);
* the Mastodon account export's `lists.csv`: one `list title,account@server` a line, no header;
* X list members CSV: a header naming an id column (`id`, `user_id`, `author_id`) and/or a handle
  column (`username`, `screen_name`, `handle`).

Members are (account_id, handle): Bluesky DIDs, Mastodon actor URIs, X user ids where the file gives
them, else only the handle (matched against the workspace's accounts in any case).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from sociable.errors import SociableError
from sociable.sources.activitypub import actor_uri_from_profile, host_of
from sociable.sources.base import decode_text, read_data


class UnreadableList(SociableError):
    """A list file could not be read as any of the list shapes sociable knows."""


@dataclass(frozen=True, slots=True)
class CuratedList:
    """One list: its name, platform, title and members as (account_id, handle)."""

    name: str
    platform: str
    title: str | None
    members: tuple[tuple[str | None, str | None], ...]
    source: str


def read_lists(path: Path) -> list[CuratedList]:
    """Every list in a file (a Mastodon lists.csv may hold several)."""
    try:
        text = decode_text(read_data(path)).strip()
    except OSError as exc:
        raise UnreadableList(f"{path} could not be read ({exc.strerror or exc}).") from None
    if not text:
        raise UnreadableList(f"{path} is empty; there is no list in it.")
    if text[0] in "[{":
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise UnreadableList(f"{path} is not JSON ({exc}); expected a getList answer or list accounts.") from None
        return [_from_json(path, value)]
    return _from_csv(path, text)


def _from_json(path: Path, value: Any) -> CuratedList:
    pages = value if isinstance(value, list) and value and isinstance(value[0], Mapping) and "items" in value[0] \
        else [value]
    if isinstance(pages[0], Mapping) and "items" in pages[0]:
        members, title = [], None
        for page in pages:
            title = title or (page.get("list") or {}).get("name")
            for item in page.get("items") or []:
                subject = item.get("subject") if isinstance(item, Mapping) else None
                if isinstance(subject, Mapping):
                    members.append((subject.get("did"), subject.get("handle")))
        return CuratedList(_name(title, path), "bluesky", title, tuple(members), str(path))
    if isinstance(value, list) and all(isinstance(a, Mapping) and "acct" in a for a in value):
        members = [(_mastodon_id(a), _mastodon_handle(a)) for a in value]
        return CuratedList(_name(None, path), "mastodon", None, tuple(members), str(path))
    raise UnreadableList(f"{path} is JSON but neither a Bluesky getList answer (list, items) nor Mastodon list "
                         "accounts (an array of accounts with 'acct').")


def _mastodon_id(account: Mapping[str, Any]) -> str | None:
    uri = account.get("uri")
    if isinstance(uri, str) and uri:
        return uri
    url = account.get("url")
    return actor_uri_from_profile(url) if isinstance(url, str) and url else None


def _mastodon_handle(account: Mapping[str, Any]) -> str | None:
    acct = str(account.get("acct") or "")
    if acct and "@" not in acct and isinstance(account.get("url"), str):
        acct = f"{acct}@{host_of(account['url'])}"
    return acct or None


_ID_COLUMNS = ("id", "user_id", "author_id", "userid", "twitter_id")
_HANDLE_COLUMNS = ("username", "screen_name", "handle", "user_screen_name")


def _from_csv(path: Path, text: str) -> list[CuratedList]:
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    header = [cell.strip().lower() for cell in rows[0]]
    ids = next((header.index(c) for c in _ID_COLUMNS if c in header), None)
    handles = next((header.index(c) for c in _HANDLE_COLUMNS if c in header), None)
    if ids is not None or handles is not None:
        members = tuple((row[ids].strip() if ids is not None and ids < len(row) and row[ids].strip() else None,
                         row[handles].strip().lstrip("@") if handles is not None and handles < len(row) else None)
                        for row in rows[1:])
        return [CuratedList(_name(None, path), "twitter", None, members, str(path))]
    grouped: dict[str, list[tuple[str | None, str | None]]] = {}
    for number, row in enumerate(rows, 1):
        if len(row) != 2 or "@" not in row[1]:
            raise UnreadableList(f"line {number} of {path.name} should be 'list title,account@server' (a Mastodon "
                                 "lists.csv) or the file should have an id or username column (X list members).")
        grouped.setdefault(row[0].strip(), []).append((None, row[1].strip().lstrip("@")))
    return [CuratedList(_name(title, path), "mastodon", title, tuple(members), str(path))
            for title, members in grouped.items()]


def _name(title: str | None, path: Path) -> str:
    base = title or path.stem
    return "-".join("".join(ch if ch.isalnum() else " " for ch in base.lower()).split()) or path.stem
