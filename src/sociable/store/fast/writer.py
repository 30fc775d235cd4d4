"""Writing one file's batches in a second thread, so that reading and mapping go on while DuckDB stores.

Only for speed (see README.md): the same `BatchWriter.write` calls, in the same order, as
writing each batch in turn; tests/store/test_line_route.py and tests/store/test_ingest.py hold
the results to that.
"""

from __future__ import annotations

import contextlib
import queue
import threading

import duckdb

from sociable.store.batch import Batch, Prepared
from sociable.store.ingest import BatchWriter, FileSummary

COMMIT_RECORDS = 500_000  # records written in one transaction at most (see BackgroundWriter)


class BackgroundWriter:
    """Writes one file's batches in a second thread, so that reading and mapping go on while DuckDB stores.

    DuckDB releases the interpreter while it works, so the two overlap. At most two batches
    wait in the queue, which bounds memory. Batches share a transaction until COMMIT_RECORDS
    records have been written, which lets DuckDB write large appends straight to the database
    file instead of through its log (committing every batch made a 1,000,000-post import three
    times slower), while what an open transaction holds stays bounded (when batches were
    registered by name, DuckDB kept each until its transaction ended: about 1.4 GB per million
    tweets; `query_table` no longer leaves them behind). What was read before a reading error
    is still committed. An error in the writer itself (a full disk, any I/O error, a commit that fails) rolls back the
    batches since the last commit (importing the file again fills in the rest) and is raised
    in the reading thread at its next `put` or at `close`: a storage failure as `WriteFailed`,
    anything else as it is.
    """

    def __init__(self, writer: BatchWriter) -> None:
        self.writer = writer
        self.queue: queue.Queue[tuple[Batch | Prepared, FileSummary] | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="sociable-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        con = self.writer.con
        ended = False  # whether the reading thread's last item (None) has been taken from the queue
        try:
            con.execute("BEGIN TRANSACTION")
            written = 0
            while True:
                item = self.queue.get()
                if item is None:
                    ended = True
                    break
                if self.error is None:
                    self.writer.write(*item, in_transaction=True)
                    written += len(item[0].numbers)
                    if written >= COMMIT_RECORDS:
                        self.writer.flush_accounts()
                        con.execute("COMMIT")
                        con.execute("BEGIN TRANSACTION")
                        written = 0
            self.writer.flush_accounts()
            con.execute("COMMIT")
        except BaseException as exc:
            self.error = exc
            self.writer.pending_accounts, self.writer.pending_rows = [], 0
            with contextlib.suppress(duckdb.Error):  # after some errors DuckDB refuses any statement;
                con.execute("ROLLBACK")  # the first error is the one to report
            while not ended:  # let the reading thread finish putting (the final commit took its None)
                ended = self.queue.get() is None

    def put(self, batch: Batch | Prepared, summary: FileSummary) -> None:
        self._raise()
        self.queue.put((batch, summary))

    def close(self) -> None:
        """Wait for every queued batch to be written and committed."""
        self.queue.put(None)
        self.thread.join()
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            if isinstance(error, STORAGE_ERRORS):
                raise WriteFailed(error) from error
            raise error


# What a full disk, a failing disk or a file-size limit looks like from DuckDB (a write, a commit,
# a checkpoint that fails), or from the OS.
DATABASE_STORAGE_ERRORS = (duckdb.IOException, duckdb.FatalException, duckdb.TransactionException)
STORAGE_ERRORS = (*DATABASE_STORAGE_ERRORS, OSError)


class WriteFailed(Exception):
    """The writer could not store a batch or commit: the disk, not the data. `cause` is what DuckDB said."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause
