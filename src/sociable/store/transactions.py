"""One transaction on a DuckDB connection: committed when the block ends, rolled back on any error.

`Workspace.transaction()` (under the write lock) and the store's own writers (the import's
batch writer, schema migrations) all use this; the import's line route alone commits every
500,000 records within one file (store/fast/writer.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

import duckdb


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        with suppress(duckdb.Error):  # after some errors DuckDB refuses even this; the first error is raised
            con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
