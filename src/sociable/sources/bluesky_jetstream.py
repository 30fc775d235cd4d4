"""Bluesky Jetstream events (JSON Lines): created posts and reposts.

Every event is read as a record so the run's counts show all of them. Creates (and updates,
which carry the whole new record) of `app.bsky.feed.post` map to posts and of
`app.bsky.feed.repost` to reposts. Everything else (likes, follows and other collections,
deletes, and `identity`/`account` events)
maps to no post and is counted as skipped; an `identity` event does give the account's
current handle. Jetstream does not carry the author's handle, so post authors are accounts
with a DID only (handles of mentioned accounts come from the mention's text).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sociable.errors import MappingError
from sociable.model import Account
from sociable.sources.base import Format, Mapped, Options, RawRecord, Rejected, first_json_value, iter_json_values
from sociable.sources.bluesky_records import (
    PLATFORM,
    POST_COLLECTION,
    REPOST_COLLECTION,
    add,
    clean_handle,
    map_post_record,
    map_repost_record,
    profile_url,
    record_time,
)

JETSTREAM_FORMAT = "bluesky-jetstream"
_KINDS = frozenset({"commit", "identity", "account"})


def sniff_jetstream(path: Path, head: bytes) -> bool:
    """A Jetstream event on the first line: a DID, a microsecond time and an event kind."""
    value = first_json_value(head)
    if isinstance(value, list):
        value = value[0] if value else None
    return (
        isinstance(value, dict)
        and isinstance(value.get("did"), str)
        and value["did"].startswith("did:")
        and isinstance(value.get("time_us"), int)
        and value.get("kind") in _KINDS
    )


def read_jetstream(path: Path, options: Options) -> Iterator[RawRecord | Rejected]:
    """Every event, one per line; a line that is not JSON is rejected with its line number."""
    for entry in iter_json_values(path, JETSTREAM_FORMAT):
        if isinstance(entry, Rejected):
            yield entry
        else:
            yield RawRecord(JETSTREAM_FORMAT, str(path), entry[0], entry[1])


def map_jetstream(raw: Any) -> Mapped:
    """A created post or repost as a post by the event's DID; other events as nothing."""
    if not isinstance(raw, dict):
        raise MappingError(f"expected a Jetstream event JSON object, got {type(raw).__name__}")
    did = raw.get("did")
    if not isinstance(did, str) or not did.startswith("did:"):
        raise MappingError("the event's 'did' is missing or not a DID")
    kind = raw.get("kind")
    if kind == "identity":
        return _identity(did, raw.get("identity"))
    if kind != "commit":
        return Mapped()
    commit = raw.get("commit")
    if not isinstance(commit, dict):
        raise MappingError("the commit event has no 'commit' object")
    if commit.get("operation") not in ("create", "update") or commit.get("collection") not in (
        POST_COLLECTION, REPOST_COLLECTION,
    ):
        return Mapped()
    return _created(did, raw.get("time_us"), commit)


def _identity(did: str, identity: Any) -> Mapped:
    handle = clean_handle(identity.get("handle")) if isinstance(identity, dict) else None
    accounts = [Account(PLATFORM, did, handle=handle, url=profile_url(did))] if handle else []
    return Mapped(accounts=accounts)


def _created(did: str, time_us: Any, commit: Mapping[str, Any]) -> Mapped:
    record = commit.get("record")
    rkey = commit.get("rkey")
    if not isinstance(record, dict):
        raise MappingError("the create event has no 'record' object")
    if not isinstance(rkey, str) or not rkey:
        raise MappingError("the create event has no 'rkey'")
    collection = str(commit["collection"])
    uri = f"at://{did}/{collection}/{rkey}"
    created_at = record_time(record, time_us)
    author = Account(PLATFORM, did, url=profile_url(did))
    mapped = Mapped()
    if collection == REPOST_COLLECTION:
        add(mapped, map_repost_record(uri, did, record, created_at), [author])
    else:
        post, mentioned = map_post_record(uri, did, record, created_at)
        add(mapped, post, [author, *mentioned])
    return mapped


BLUESKY_JETSTREAM = Format(
    name=JETSTREAM_FORMAT,
    platform=PLATFORM,
    description="Bluesky Jetstream events (JSON Lines): created posts and reposts",
    sniff=sniff_jetstream,
    read=read_jetstream,
    map=map_jetstream,
)
