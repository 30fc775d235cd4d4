"""Stored screening results: the rows `safety_screened` and `safety_findings` hold, and their writes.

Screening (sociable.safety.screen) checks posts and hands the results here as Arrow tables of
the shapes below; the workspace saves them (`Workspace.save_screening`) and forgets earlier
ones for the posts in a scope (`Workspace.forget_screening`). The tables are part of the schema
(store/schema.py), so every workspace has them.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from sociable.errors import SociableError
from sociable.store.scope import Scope
from sociable.store.views import query_table

SCREENING_TABLES = ("safety_screened", "safety_findings")

_TS = pa.timestamp("us", tz="UTC")
SCREENED_SCHEMA = pa.schema([
    ("platform", pa.string()), ("post_id", pa.string()), ("account_id", pa.string()), ("verdict", pa.string()),
    ("findings", pa.int32()), ("profession", pa.string()), ("checked_at", _TS),
])
"""One row per screened post: its verdict (the worst finding) and how many findings it has."""

FINDINGS_SCHEMA = pa.schema([
    ("platform", pa.string()), ("post_id", pa.string()), ("account_id", pa.string()), ("category", pa.string()),
    ("severity", pa.string()), ("kind", pa.string()), ("start", pa.int32()), ("end", pa.int32()),
    ("principles", pa.list_(pa.string())), ("checked_at", _TS),
])
"""One row per finding, with its span in the post's text (start and end are character offsets)."""


def forget(con: duckdb.DuckDBPyConnection, scope: Scope) -> None:
    """Delete the stored results of the posts in scope, so screening them again replaces them."""
    for name in ("safety_findings", "safety_screened"):
        con.execute(
            f"DELETE FROM {name} t WHERE EXISTS (SELECT 1 FROM posts p WHERE p.platform = t.platform "
            f"AND p.post_id = t.post_id AND {scope.condition('p')})",
            scope.params() or None,
        )


def save(con: duckdb.DuckDBPyConnection, screened: pa.Table, findings: pa.Table) -> None:
    """Append screened posts and their findings (tables of SCREENED_SCHEMA and FINDINGS_SCHEMA)."""
    for name, table, schema in (("safety_screened", screened, SCREENED_SCHEMA),
                                ("safety_findings", findings, FINDINGS_SCHEMA)):
        missing = [column for column in schema.names if column not in table.column_names]
        if missing:
            raise SociableError(f"{name} rows need the columns {', '.join(missing)}.")
        query_table(con, "_screening_rows", table.select(schema.names),
                    f"INSERT INTO {name} BY NAME SELECT * FROM _screening_rows")


def has_results(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any post has been screened (a workspace opened read-only may predate the tables)."""
    present = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('safety_screened', 'safety_findings')"
    ).fetchall()[0][0]
    if int(present) < len(SCREENING_TABLES):
        return False
    return bool(con.execute("SELECT EXISTS (SELECT 1 FROM safety_screened)").fetchall()[0][0])
