"""Importing a large, clean JSON Lines file inside DuckDB, with a format's SQL mapping.

Used only when a format offers a `BulkMapping`, the file is JSON Lines with one record on
every line, and every record maps: anything else (a malformed line, a record the mapper
would reject, a blank line that would shift line numbers) falls back to the record-by-record
path, which gives each bad record its own reason. Counts and results are the same either way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from sociable.sources.base import Format
from sociable.store.ingest import _ACCOUNTS_SQL, _INTERACTIONS_SQL, BatchWriter, FileSummary

MIN_BULK_BYTES = 1_000_000  # below this the record-by-record path is as quick
MAX_OBJECT_BYTES = 64 * 1024 * 1024
# The whole file is staged in memory (about six times its size); larger files stream through the
# record path instead, whose memory does not grow with the file. (Capping DuckDB's memory made it
# spill to disk and run slower than the record path: 271 s against about 100 s for 1.9 GB.)
MAX_BULK_BYTES = 400_000_000


def try_bulk_import(con: duckdb.DuckDBPyConnection, fmt: Format, path: Path, writer: BatchWriter,
                    summary: FileSummary) -> bool:
    """Import `path` in the database if it qualifies; False (nothing written) when it does not."""
    bulk = fmt.bulk
    size = path.stat().st_size
    if bulk is None or not MIN_BULK_BYTES <= size <= MAX_BULK_BYTES or not _one_record_per_line(path):
        return False
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _bulk_lines AS "
            "SELECT json AS raw FROM read_json_objects(?, format = 'newline_delimited', maximum_object_size = ?)",
            [str(path), MAX_OBJECT_BYTES],
        )
    except duckdb.Error:
        return False
    try:
        lines = con.execute("SELECT count(*) FROM _bulk_lines").fetchall()[0][0]
        if lines != _count_lines(path):
            return False
        con.execute("CREATE OR REPLACE TEMP VIEW _bulk_raw AS SELECT rowid + 1 AS number, raw FROM _bulk_lines")
        con.execute(bulk.stage_sql)
        if con.execute(bulk.bad_rows_sql).fetchall()[0][0]:
            return False
        _write(con, fmt, path, writer, summary, lines, bulk.posts_sql, bulk.accounts_sql)
        return True
    finally:
        for name in ("_new_posts", "_bulk_new", "_bulk_posts", "_bulk_tweets", "_bulk_lines"):
            con.execute(f"DROP TABLE IF EXISTS {name}")
        for name in ("_bulk_raw", "_accounts"):
            con.execute(f"DROP VIEW IF EXISTS {name}")


def _write(con: duckdb.DuckDBPyConnection, fmt: Format, path: Path, writer: BatchWriter, summary: FileSummary,
           lines: int, posts_sql: str, accounts_sql: str) -> None:
    base = writer.next_record_id - 1
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _bulk_posts AS {posts_sql}")
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _bulk_new AS
               SELECT * FROM (
                   SELECT b.*, row_number() OVER (PARTITION BY b.platform, b.post_id ORDER BY b.number, b.ord) AS n
                     FROM _bulk_posts b ANTI JOIN posts p USING (platform, post_id))
                WHERE n = 1"""
        )
        now = datetime.now(UTC)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _new_posts AS SELECT * EXCLUDE (number, ord, n), ? AS format, "
            "? AS source_file, number + ? AS record_id, ?::TIMESTAMPTZ AS imported_at FROM _bulk_new",
            [fmt.name, str(path), base, now],
        )
        con.execute("INSERT INTO posts BY NAME SELECT * FROM _new_posts")
        con.execute(_INTERACTIONS_SQL)
        con.execute(
            "INSERT OR IGNORE INTO raw_records SELECT number + ?, ?, ?, number, raw::VARCHAR FROM _bulk_raw "
            "WHERE number IN (SELECT DISTINCT number FROM _bulk_new)",
            [base, fmt.name, str(path)],
        )
        con.execute(f"CREATE OR REPLACE TEMP VIEW _accounts AS {accounts_sql}")
        con.execute(_ACCOUNTS_SQL)
        if writer.collection:
            con.execute(
                "INSERT OR IGNORE INTO collections SELECT DISTINCT ?, platform, post_id FROM _bulk_posts",
                [writer.collection],
            )
        stored, primary_new = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE ord = 0) FROM _bulk_new"
        ).fetchall()[0]
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    writer.next_record_id += lines
    summary.read += lines
    summary.stored += stored
    summary.duplicates += lines - primary_new


def _one_record_per_line(path: Path) -> bool:
    """JSON Lines as far as the head shows: an object on the first line and another after it."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    first, _, rest = head.partition(b"\n")
    return first.lstrip().startswith(b"{") and first.rstrip().endswith(b"}") and rest.lstrip()[:1] in (b"{", b"")


def _count_lines(path: Path) -> int:
    """Non-empty lines, read in blocks; a blank line anywhere makes the count differ from the records."""
    count, last = 0, b"\n"
    with path.open("rb") as fh:
        while block := fh.read(1 << 24):
            count += block.count(b"\n")
            last = block[-1:]
    if last != b"\n":
        count += 1
    return count
