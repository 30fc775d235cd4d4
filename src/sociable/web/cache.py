"""What the pages compute from the workspace, kept while the workspace file is unchanged.

The overview and the views run several queries (the home page about 50 ms of DuckDB on the
20,000-post demo); under many clients that work queued behind itself. Their results depend only
on the workspace, so they are kept under the file's stamp (inode, size and modification time
of the database and its write-ahead log): any write, by this app's imports or by a command in
a terminal, changes the stamp and the next request computes afresh. Pages still render per
request (each carries its own CSRF token); only the computed parts are shared.

Many requests asking at once for something not yet kept wait for the first to compute it
rather than all computing it.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
Stamp = tuple[tuple[int, int, int] | None, ...]


def stamp_of(path: Path) -> Stamp:
    """The workspace file's identity and last change, and its write-ahead log's (None when missing)."""
    parts: list[tuple[int, int, int] | None] = []
    for file in (path, Path(f"{path}.wal")):
        try:
            info = os.stat(file)
        except FileNotFoundError:
            parts.append(None)
            continue
        parts.append((info.st_ino, info.st_size, info.st_mtime_ns))
    return tuple(parts)


class ViewCache:
    """Computed parts of pages, by key, valid while the workspace's stamp is the same."""

    def __init__(self, path: Path, size: int = 48) -> None:
        self.path = path
        self.size = size
        self._kept: OrderedDict[tuple[Stamp, Hashable], Any] = OrderedDict()
        self._computing: dict[tuple[Stamp, Hashable], threading.Lock] = {}
        self._guard = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The kept value for `key`, or `compute()` kept for the next request."""
        full = (stamp_of(self.path), key)
        with self._guard:
            if full in self._kept:
                self._kept.move_to_end(full)
                self.hits += 1
                return self._kept[full]
            flight = self._computing.setdefault(full, threading.Lock())
        with flight:
            with self._guard:
                if full in self._kept:
                    self.hits += 1
                    return self._kept[full]
            try:
                value = compute()
            finally:
                with self._guard:
                    self._computing.pop(full, None)
            with self._guard:
                self.misses += 1
                self._kept[full] = value
                stale = [k for k in self._kept if k[0] != full[0]]
                for old in stale:
                    del self._kept[old]
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
            return value

    def clear(self) -> None:
        with self._guard:
            self._kept.clear()
