"""How the web app uses its workspace: opened for each piece of work, never held while idle.

DuckDB lets many processes read one file at once, and one writer exclude everyone. So each
request reads through a read-only workspace of its own, and a background import opens it for
writing only while it runs; between them the app holds nothing, and `sociable posts`,
`sociable import` or `sociable screen` can open the workspace from a terminal.

Opening DuckDB costs about 15 ms, so while requests keep coming one read-only workspace (the
keeper) stays open and a request's own opens beside it in under a millisecond. The keeper is
closed once no request has used it for `linger` seconds, as soon as a command from a terminal
announces that it is waiting to write, and before an import of the app's own. While it is open
no other process can write, so the app never shows stale data.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sociable.errors import WorkspaceBusy
from sociable.store import Workspace, writer_waiting

READ_WAIT = 3.0  # how long a request waits for a writer to finish before the app answers 503
WRITE_WAIT = 300.0  # how long a background import waits for other processes to let go
LINGER = 0.5  # how long the keeper stays open after the last request
RETRY_AFTER = 2  # seconds, in the Retry-After header of a 503
_TICK = 0.05


class Workspaces:
    """The app's access to one workspace file: `reading()` for requests, `writing()` for imports."""

    def __init__(self, path: Path, read_wait: float = READ_WAIT, write_wait: float = WRITE_WAIT,
                 linger: float = LINGER) -> None:
        self.path = path
        self.read_wait, self.write_wait, self.linger = read_wait, write_wait, linger
        self._state = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0
        self._keeper: Workspace | None = None
        self._last_read = 0.0
        self._closed = threading.Event()
        self._janitor = threading.Thread(target=self._drop_idle_keeper, name="sociable-keeper", daemon=True)
        self._janitor.start()

    @contextmanager
    def reading(self, wait: float | None = None) -> Iterator[Workspace]:
        """A read-only workspace for one piece of work; WorkspaceBusy if a writer holds on past `wait`."""
        deadline = time.monotonic() + (self.read_wait if wait is None else wait)
        self._enter_reading(deadline)
        try:
            workspace = self._open_read_only(deadline)
        except BaseException:
            self._leave_reading()
            raise
        try:
            yield workspace
        finally:
            workspace.close()
            self._leave_reading()

    @contextmanager
    def writing(self, wait: float | None = None) -> Iterator[Workspace]:
        """The workspace opened for writing, once this app's requests and other processes let go."""
        deadline = time.monotonic() + (self.write_wait if wait is None else wait)
        with self._state:
            self._writers_waiting += 1
            try:
                ready = self._state.wait_for(lambda: self._readers == 0 and not self._writing,
                                             max(0.0, deadline - time.monotonic()))
                if not ready:
                    raise WorkspaceBusy(f"{self.path.name} is busy: this app is still reading it; "
                                        "try again in a moment.", "this app", False)
                self._drop_keeper()
                self._writing = True
            finally:
                self._writers_waiting -= 1
        try:
            with Workspace(self.path, wait=max(0.0, deadline - time.monotonic())) as workspace:
                yield workspace
        finally:
            with self._state:
                self._writing = False
                self._state.notify_all()

    def close(self) -> None:
        """Stop keeping the workspace open (the app is shutting down)."""
        self._closed.set()
        self._janitor.join(timeout=5)
        with self._state:
            self._drop_keeper()

    # ------------------------------------------------------------------ steps

    def _enter_reading(self, deadline: float) -> None:
        """Count one more reader, once no writer of this app or of another process is due first."""
        with self._state:
            while self._writing or self._writers_waiting or writer_waiting(self.path):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise self._busy()
                self._state.wait(min(_TICK, left))
            if self._keeper is None:
                self._keeper = self._open_read_only(deadline)
            self._readers += 1

    def _open_read_only(self, deadline: float) -> Workspace:
        try:
            return Workspace(self.path, read_only=True, wait=max(0.0, deadline - time.monotonic()))
        except WorkspaceBusy:
            # The store names the process and its command line; a web page says less.
            raise WorkspaceBusy(f"{self.path.name} is busy: another sociable command is writing to it; "
                                "try again in a moment.", None, True) from None

    def _leave_reading(self) -> None:
        with self._state:
            self._readers -= 1
            self._last_read = time.monotonic()
            self._state.notify_all()

    def _busy(self) -> WorkspaceBusy:
        if self._writing or self._writers_waiting:
            return WorkspaceBusy(f"{self.path.name} is busy: this app is importing files into it; "
                                 "try again in a moment.", "this app", True)
        return WorkspaceBusy(f"{self.path.name} is busy: another sociable command is waiting to write to it; "
                             "try again in a moment.", None, True)

    def _drop_idle_keeper(self) -> None:
        """Close the keeper when idle for `linger` seconds, or at once (between requests) when a writer waits."""
        while not self._closed.wait(_TICK):
            with self._state:
                if self._keeper is None or self._readers:
                    continue
                if time.monotonic() - self._last_read >= self.linger or writer_waiting(self.path):
                    self._drop_keeper()
                    self._state.notify_all()

    def _drop_keeper(self) -> None:
        if self._keeper is not None:
            self._keeper.close()
            self._keeper = None
