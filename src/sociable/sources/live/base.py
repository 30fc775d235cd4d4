"""What every live capture shares: the batch handed to the store, the sink it goes to, consent, backoff."""

from __future__ import annotations

import hashlib
import random
import re
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field, fields
from typing import Any, Protocol

from sociable.model import Account, Post
from sociable.sources.base import RawRecord, Rejected

# Opt-out words in a bio or profile, in any case and with any punctuation: #nobot, #NoBots!, #no-index.
_OPT_OUT = re.compile(r"#[\W_]*no[\W_]*(?:bots?|index|search)(?![a-z0-9])", re.IGNORECASE)


def account_digest(platform: str, account_id: str) -> str:
    """A digest of a forgotten account (so a capture can skip it) that does not name it."""
    return hashlib.blake2b(f"{platform}|{account_id}".encode(), digest_size=16).hexdigest()


def opted_out_by_text(*texts: str | None) -> bool:
    """Whether a bio or display name asks not to be collected (#nobot, #nobots, #noindex, #nosearch)."""
    return any(text and _OPT_OUT.search(text) for text in texts)


@dataclass(slots=True)
class Counts:
    """Counters of a capture: what arrived, what matched, what was kept, skipped or failed."""

    received: int = 0  # events (frames, statuses, entries) that arrived
    matched: int = 0  # posts that passed the filters or belong to a captured conversation
    stored: int = 0  # posts new to the workspace
    duplicates: int = 0  # matched posts already stored
    skipped_consent: int = 0  # matched posts of accounts that opted out (or have no public profile)
    deleted: int = 0  # stored posts removed because they were deleted upstream
    errors: int = 0  # malformed events, dropped connections, failed requests

    def add(self, other: Counts) -> None:
        for name in COUNT_NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))


COUNT_NAMES = tuple(f.name for f in fields(Counts))


@dataclass(slots=True)
class LiveBatch:
    """One batch for the store: records with their mapped rows, deletes, updates, and the cursor reached.

    `records` pairs each raw event with the post(s) and account(s) it gives; `deletes` names
    posts deleted upstream; `handles` are (account id, new handle) for accounts already stored;
    `cursor` is where a restart resumes (every event before it has been handled).
    """

    format: str
    platform: str
    records: list[tuple[RawRecord, list[Post], list[Account]]] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    replace: list[str] = field(default_factory=list)  # posts edited upstream: removed before `records` are stored
    handles: list[tuple[str, str]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    cursor: str | None = None
    counts: Counts = field(default_factory=Counts)
    error: str | None = None

    def empty(self) -> bool:
        return not (self.records or self.deletes or self.replace or self.handles or self.rejected)


@dataclass(frozen=True, slots=True)
class Written:
    """What the store did with a batch."""

    stored: int
    duplicates: int
    deleted: int
    stored_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CaptureStart:
    """A capture's saved state when it starts: its cursor, the posts its collection already holds, and the
    digests of forgotten accounts (`forget`), whose posts it never stores again."""

    cursor: str | None
    known_posts: frozenset[str]
    forgotten: frozenset[str] = frozenset()


class CaptureSink(Protocol):
    """Where a capture's batches go (the store implements it; it never holds the workspace between batches)."""

    def start(self, kind: str, platform: str, options: dict[str, Any]) -> CaptureStart: ...

    def write(self, batch: LiveBatch) -> Written: ...

    def finish(self, error: str | None = None) -> None: ...


class Backoff:
    """Exponential backoff with full jitter: the n-th wait is uniform in [0, min(longest, first * 2**n)]."""

    def __init__(self, first: float = 0.5, longest: float = 30.0) -> None:
        self.first, self.longest, self.failures = first, longest, 0

    def next(self) -> float:
        ceiling = min(self.longest, self.first * (2 ** self.failures))
        self.failures += 1
        return random.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.failures = 0


class Recent:
    """A bounded set of recently seen keys (events replayed by an overlapping cursor are dropped)."""

    def __init__(self, size: int = 200_000) -> None:
        self.size = size
        self._keys: OrderedDict[Hashable, None] = OrderedDict()

    def seen(self, key: Hashable) -> bool:
        """True if the key was seen already; otherwise remember it."""
        if key in self._keys:
            return True
        self._keys[key] = None
        if len(self._keys) > self.size:
            self._keys.popitem(last=False)
        return False

    def __contains__(self, key: Hashable) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)
