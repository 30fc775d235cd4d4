"""Raw records, kept so that `remap` can map again without the original files.

Records are stored in blocks, one block per written batch: the records' JSON text, one
record per line, compressed with zstd (a block of tweets shrinks about ninefold), beside
each record's id and its line or record number in the file. Writing a few large blobs
instead of a row per record is most of what made import fast; see bench/README.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import orjson
import pyarrow as pa

from sociable.store.views import query_table

CODEC = "zstd"
_MIGRATE_ROWS = 20_000

RAW_BLOCKS_SQL = """
CREATE TABLE IF NOT EXISTS raw_blocks (
    block_id BIGINT PRIMARY KEY,
    format VARCHAR NOT NULL,
    file VARCHAR,
    record_ids BIGINT[] NOT NULL,
    numbers BIGINT[] NOT NULL,
    size BIGINT NOT NULL,
    data BLOB NOT NULL USING COMPRESSION uncompressed
);
"""
# `data` is zstd already; left to itself DuckDB compresses the column again, and reading one
# block then decompresses the column from its start (a block near the end of 10M posts took a
# second, and remap read every block that way). Uncompressed, a block is read in milliseconds.


def record_text(raw: Any) -> bytes:
    """A raw record as one line of JSON: a line read from a file as it was, anything else serialised.

    orjson refuses values nested deeper than 254 levels and integers beyond 64 bits, which a
    file may hold and Python's parser reads; Python's serialiser writes those (and raises
    RecursionError past its own limit, near 1,000 levels).
    """
    if isinstance(raw, bytes):
        return raw if b"\n" not in raw else record_text(orjson.loads(raw))
    try:
        return orjson.dumps(raw, default=str)
    except TypeError:
        return json.dumps(raw, default=str, ensure_ascii=False, separators=(",", ":")).encode()


def pack(raws: Sequence[Any]) -> tuple[bytes, int]:
    """Raw records as one compressed block, with the size of its text."""
    return pack_text(b"\n".join(record_text(raw) for raw in raws))


def pack_text(text: bytes | memoryview) -> tuple[bytes, int]:
    """Records already written one per line (no blank lines, no newline at the end) as a block."""
    return pa.compress(text, codec=CODEC, asbytes=True), len(text)


def unpack(data: bytes, size: int) -> list[bytes]:
    """The records' lines of a packed block."""
    if not size:
        return []
    return pa.decompress(data, decompressed_size=size, codec=CODEC, asbytes=True).split(b"\n")


def write_block(
    con: duckdb.DuckDBPyConnection, format: str, file: str | None, record_ids: Sequence[int],
    numbers: Sequence[int], block: tuple[bytes, int],
) -> None:
    """Store one block of records (ids and numbers in the order of the block's lines).

    The row goes in as a one-row Arrow table: binding tens of thousands of ids as query
    parameters converts each one separately and took three times as long.
    """
    if len(record_ids) == 0:
        return
    data, size = block
    ids = np.asarray(record_ids, dtype=np.int64)
    offsets = pa.array([0, len(ids)], pa.int32())
    row = pa.table({
        "block_id": pa.array([ids[0]], pa.int64()),
        "format": pa.array([format], pa.string()),
        "file": pa.array([file], pa.string()),
        "record_ids": pa.ListArray.from_arrays(offsets, pa.array(ids)),
        "numbers": pa.ListArray.from_arrays(offsets, pa.array(np.asarray(numbers, dtype=np.int64))),
        "size": pa.array([size], pa.int64()),
        "data": pa.array([data], pa.binary()),
    })
    query_table(con, "_raw_block", row, "INSERT INTO raw_blocks SELECT * FROM _raw_block")


@dataclass(slots=True)
class StoredBlock:
    """One row of raw_blocks, its records still packed."""

    format: str
    file: str | None
    record_ids: list[int]
    numbers: list[int]
    size: int
    data: bytes


def stored_blocks(con: duckdb.DuckDBPyConnection, format: str | None = None) -> Iterator[StoredBlock]:
    """Each stored block in block order, one at a time (memory stays flat), without unpacking it.

    The block ids come first (a small column); each block is then read by its key, which reads
    that block alone.
    """
    condition, params = ("WHERE format = ?", [format]) if format else ("", [])
    ids = [row[0] for row in con.execute(f"SELECT block_id FROM raw_blocks {condition} ORDER BY block_id",
                                         params).fetchall()]
    for block_id in ids:
        rows = con.execute("SELECT format, file, record_ids, numbers, size, data FROM raw_blocks WHERE block_id = ?",
                           [block_id]).fetchall()
        if rows:
            fmt, file, record_ids, numbers, size, data = rows[0]
            yield StoredBlock(fmt, file, list(record_ids), list(numbers), int(size), bytes(data))


def read_blocks(
    con: duckdb.DuckDBPyConnection, format: str | None = None
) -> Iterator[tuple[str, str | None, list[tuple[int, int, Any]]]]:
    """Each stored block in order: its format, file and (record id, number, raw value) for every record."""
    for block in stored_blocks(con, format):
        lines = unpack(block.data, block.size)
        yield block.format, block.file, [(rid, num, orjson.loads(line)) for rid, num, line
                                         in zip(block.record_ids, block.numbers, lines, strict=True)]


def uncompressed_blocks(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild raw_blocks with its data column stored as written (schema 9), rows and order kept."""
    con.execute(RAW_BLOCKS_SQL.replace("raw_blocks", "_raw_blocks_9"))
    con.execute("INSERT INTO _raw_blocks_9 SELECT * FROM raw_blocks ORDER BY rowid")
    con.execute("DROP TABLE raw_blocks")
    con.execute("ALTER TABLE _raw_blocks_9 RENAME TO raw_blocks")


def migrate_raw_records(con: duckdb.DuckDBPyConnection) -> None:
    """Schema 1 kept a row per raw record; move them into blocks and drop the old table."""
    con.execute(RAW_BLOCKS_SQL)
    last = -1
    while True:
        rows = con.execute(
            "SELECT record_id, format, file, number, raw FROM raw_records WHERE record_id > ? "
            f"ORDER BY record_id LIMIT {_MIGRATE_ROWS}",
            [last],
        ).fetchall()
        if not rows:
            break
        last = rows[-1][0]
        start = 0
        for end in range(1, len(rows) + 1):
            if end == len(rows) or rows[end][1:3] != rows[start][1:3]:
                group = rows[start:end]
                write_block(con, group[0][1], group[0][2], [r[0] for r in group], [r[3] for r in group],
                            pack([r[4].encode() for r in group]))
                start = end
    con.execute("DROP TABLE raw_records")
