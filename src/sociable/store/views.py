"""Arrow tables shown to DuckDB under a name for the length of a `with` block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pyarrow as pa


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[None]:
    """Let SQL on `con` read `table` as `name`, and take the name away afterwards."""
    con.register(name, table)
    try:
        yield
    finally:
        con.unregister(name)
