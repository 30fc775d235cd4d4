"""Curated lists: the accounts of a Bluesky list, a Mastodon list or an X list, read from their exports.

* Bluesky `app.bsky.graph.getList` JSON: `{"list": {"uri", "name", ...}, "items": [{"subject": {"did",
  "handle"}}]}` (pages may be concatenated as a JSON array of such objects);
* Mastodon `/api/v1/lists/:id/accounts` JSON: an array of Account objects (`acct`, `url`, `uri`);
* the Mastodon account export's `lists.csv`: one `list title,account@server` a line, no header;
* X list members CSV: a header naming an id column (`id`, `user_id`, `author_id`) and/or a handle
  column (`username`, `screen_name`, `handle`);
* a Bluesky repository export (`com.atproto.sync.getRepo`, a CAR file): its `app.bsky.graph.list`
  records, each with the `app.bsky.graph.listitem` records that point to it;
* the X archive's `lists-created.js`, `lists-member.js` and `lists-subscribed.js`: these hold only
  each list's address, so nothing is kept from them and a note says what to import instead.

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
from sociable.sources.bluesky_repo import Repo, UnreadableRepo, is_car, read_repo
from sociable.sources.twitter_archive import archive_values, other_archive_part


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


@dataclass(frozen=True, slots=True)
class ListFile:
    """What one file gave: its lists, and sentences the user should read (what was left out, and why)."""

    lists: tuple[CuratedList, ...]
    notes: tuple[str, ...] = ()


def read_lists(path: Path) -> ListFile:
    """Every list in a file (a Mastodon lists.csv or a Bluesky repository export may hold several)."""
    try:
        with path.open("rb") as file:
            repo = is_car(file.read(64)) or path.suffix.lower() == ".car"
        data = path.read_bytes() if repo else read_data(path)
    except OSError as exc:
        raise UnreadableList(f"{path} could not be read ({exc.strerror or exc}).") from None
    if repo and data:
        try:
            return _from_repo(path, read_repo(data, str(path), (_LIST, _LISTITEM)))
        except UnreadableRepo as exc:
            raise UnreadableList(str(exc)) from None
    text = decode_text(data).strip()
    if not text:
        raise UnreadableList(f"{path} is empty; there is no list in it.")
    part = other_archive_part(text[:512].encode("utf-8"))
    if part is not None:
        return _from_archive(path, part, archive_values(text, path))
    if text[0] in "[{":
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise UnreadableList(f"{path} is not JSON ({exc}); expected a getList answer or list accounts.") from None
        if _is_archive_lists(value):
            return _from_archive(path, "lists", value)
        return ListFile((_from_json(path, value),))
    return ListFile(tuple(_from_csv(path, text)))


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


# ---------------------------------------------------------------------------- Bluesky repository exports

_LIST = "app.bsky.graph.list"
_LISTITEM = "app.bsky.graph.listitem"


def _from_repo(path: Path, repo: Repo) -> ListFile:
    """The lists a repository holds, each with the subjects of the list items that point to it, in key order."""
    lists: dict[str, tuple[str | None, str | None]] = {}  # list URI -> (title, purpose)
    members: dict[str, list[tuple[str | None, str | None]]] = {}
    for key in repo.records:
        collection = key.partition("/")[0]
        if collection not in (_LIST, _LISTITEM):
            continue
        record = repo.record(key)
        if not isinstance(record, Mapping) or record.get("$type") != collection:
            continue
        if collection == _LIST:
            lists[f"at://{repo.did}/{key}"] = (_text(record.get("name")), _text(record.get("purpose")))
        elif isinstance(record.get("subject"), str) and isinstance(record.get("list"), str):
            members.setdefault(record["list"], []).append((record["subject"], None))
    if not lists:
        raise UnreadableList(f"{path.name} is the Bluesky repository of {repo.did}, which holds no lists "
                             f"({_LIST} records).")
    found, names = [], set()
    for uri, (title, _) in lists.items():
        name = base = _name(title, path)
        number = 1
        while name in names:  # two lists of one title keep both: housing, housing-2
            number += 1
            name = f"{base}-{number}"
        names.add(name)
        found.append(CuratedList(name, "bluesky", title, tuple(members.get(uri, ())), str(path)))
    return ListFile(tuple(found), _repo_notes(path, lists, members))


def _repo_notes(path: Path, lists: Mapping[str, tuple[str | None, str | None]],
                members: Mapping[str, list[Any]]) -> tuple[str, ...]:
    notes = [f"'{title or uri}' is a moderation list (accounts to mute or block); it is kept as a segment like "
             "the others." for uri, (title, purpose) in lists.items() if purpose == "app.bsky.graph.defs#modlist"]
    orphans = sum(len(items) for uri, items in members.items() if uri not in lists)
    if orphans:
        some = f"{orphans:,} list items in {path.name} point" if orphans > 1 else f"1 list item in {path.name} points"
        notes.append(f"{some} to lists the repository no longer holds (deleted lists), so they were left out.")
    return tuple(notes)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# ---------------------------------------------------------------------------- X archive list files

_ARCHIVE_LISTS = {
    "lists_created": "the {n} lists you created",
    "lists_member": "the {n} lists other accounts added you to",
    "lists_subscribed": "the {n} lists you follow",
    "lists": "{n} lists",
}


def _is_archive_lists(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(
        isinstance(entry, Mapping) and isinstance(entry.get("userListInfo"), Mapping) for entry in value)


def _from_archive(path: Path, part: str, values: list[Any]) -> ListFile:
    """An X archive's list file names lists by address only: nothing to keep, and a note on what to import."""
    if part not in _ARCHIVE_LISTS or (values and not _is_archive_lists(values)):
        raise UnreadableList(f"{path.name} is the '{part}' file of an X archive, not a list file; the archive's "
                             "list files are lists-created.js, lists-member.js and lists-subscribed.js.")
    urls = [str(entry["userListInfo"].get("url") or "") for entry in values]
    shown = ", ".join(url for url in urls[:5] if url) + (", ..." if len(urls) > 5 else "")
    what = _ARCHIVE_LISTS[part].format(n=f"{len(urls):,}")
    return ListFile((), (f"{path.name} names {what}{f' ({shown})' if shown else ''} but not who is in them: an "
                         "X archive keeps only each list's address, so nothing was kept from it. Fetch each "
                         "list's members (the X API's GET /2/lists/:id/members) into a CSV with an id and/or "
                         "username column and import that CSV.",))


def _name(title: str | None, path: Path) -> str:
    base = title or path.stem
    return "-".join("".join(ch if ch.isalnum() else " " for ch in base.lower()).split()) or path.stem
