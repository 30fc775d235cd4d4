"""Remap by the line route: stored blocks of a format with a line mapper, mapped in worker processes.

Only for speed (see README.md): `Workspace.remap` used to decode every stored record in one
process and map it record by record through the general mapper (3.7-4.7x the import of the same
file). A stored block holds its records' JSON text one per line, which is exactly what the
import's line mapper reads, so each block is unpacked and mapped whole in a worker, as the
import maps a chunk of a file. A block in which any line needs the general mapper is mapped
record by record as before, so stored rows, counts and rejections come out the same
(tests/store/test_remap_route.py compares the two).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future

import duckdb
import numpy as np
import orjson

from sociable.sources.base import Format, RawRecord
from sociable.sources.registry import get_format
from sociable.store.batch import Batch, Prepared, accounts_table, posts_table
from sociable.store.fast.lines import MAX_WORKERS, PARALLEL_BYTES
from sociable.store.fast.pools import forked_pool
from sociable.store.raw import StoredBlock, stored_blocks, unpack


def remap_batches(con: duckdb.DuckDBPyConnection, format: str | None = None,
                  lookup: Callable[[str], Format] = get_format) -> Iterator[tuple[Batch | Prepared, list[int], int]]:
    """(batch, ids of the records it holds, records read) for every stored block, in block order.

    `lookup` gives each format's mapper. The line route is taken only for the registered
    format itself, whose line mapper is held to its general mapper; any other mapper given
    (a changed one) maps record by record.
    """
    total = int(con.execute(
        f"SELECT coalesce(sum(size), 0) FROM raw_blocks {'WHERE format = ?' if format else ''}",
        [format] if format else []).fetchall()[0][0])
    blocks = stored_blocks(con, format)
    workers = min(MAX_WORKERS, os.cpu_count() or 1) if total >= PARALLEL_BYTES else 1
    if workers == 1:
        for block in blocks:
            yield _finish(block, map_block(block) if _quick(block, lookup) else None, lookup)
        return
    # Forked, as the import's line route is: a worker only unpacks and maps, never touches DuckDB.
    with forked_pool(workers) as pool:
        pending: deque[tuple[StoredBlock, Future[Prepared | None] | None]] = deque()
        for block in blocks:
            pending.append((block, pool.submit(map_block, block) if _quick(block, lookup) else None))
            if len(pending) > workers:
                done, future = pending.popleft()
                yield _finish(done, future.result() if future else None, lookup)
        while pending:
            done, future = pending.popleft()
            yield _finish(done, future.result() if future else None, lookup)


def _quick(block: StoredBlock, lookup: Callable[[str], Format]) -> bool:
    registered = get_format(block.format)
    return registered.lines is not None and lookup(block.format) == registered


def map_block(block: StoredBlock) -> Prepared | None:
    """A block mapped by its format's line mapper, or None when any line needs the general mapper."""
    fmt = get_format(block.format)
    if fmt.lines is None:
        return None
    lines = unpack(block.data, block.size)
    result = fmt.lines.map_lines(lines)
    if len(result.rest):
        return None
    return Prepared(block.format, block.file or "", np.asarray(block.numbers, dtype=np.int64), posts_table(result.rows),
                    np.asarray(result.owners, dtype=np.int64), accounts_table(result.accounts), read=len(lines))


def _finish(block: StoredBlock, prepared: Prepared | None, lookup: Callable[[str], Format]
            ) -> tuple[Batch | Prepared, list[int], int]:
    if prepared is not None:
        return prepared, block.record_ids, len(block.record_ids)
    return record_by_record(block, lookup(block.format))


def record_by_record(block: StoredBlock, fmt: Format) -> tuple[Batch, list[int], int]:
    """The block through the format's general mapper, one record at a time (the ids of the records it kept)."""
    batch, ids = Batch(block.format, block.file or ""), []
    lines = unpack(block.data, block.size)
    for record_id, number, line in zip(block.record_ids, block.numbers, lines, strict=True):
        before = len(batch.numbers)
        batch.add(RawRecord(block.format, block.file or "", number, orjson.loads(line)), fmt)
        if len(batch.numbers) > before:
            ids.append(record_id)
    return batch, ids, len(lines)
