"""Arrow tables shown to DuckDB under a name for the length of a `with` block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pyarrow as pa


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[None]:
    """Let SQL on `con` read `table` as `name`, and take the name away afterwards.

    DuckDB still holds `table` until the transaction ends: for batches written inside a long
    transaction, use `query_table`.
    """
    con.register(name, table)
    try:
        yield
    finally:
        con.unregister(name)


def query_table(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table, sql: str) -> pa.Table:
    """Run one statement that reads `table` as `name`; a query's rows (a statement's count, an empty table if none).

    What writes batches uses this rather than `registered`: DuckDB keeps a registered table
    alive until the transaction ends, even once it is unregistered, so a long transaction held
    every batch it had written (remap rewrites every post in one: 4.3 GB of Arrow buffers at
    10,000,000 posts). Here nothing holds the table once the statement is done.
    """
    relation = con.from_arrow(table).query(name, sql)
    return relation.to_arrow_table() if relation is not None else pa.table({})
