"""The line route: a JSON Lines file read in chunks, each decoded and mapped at once by the format's line mapper.

Only for speed (see README.md): `store.reading.read_batches` sends a JSON Lines file of a
format with a `LineMapping` here, and everything else record by record. The line mapper maps a
whole chunk and hands back the lines it does not cover, which then take the record-by-record
route one line at a time. Large files are cut into chunks mapped in worker processes. Counts,
rejection reasons, stored rows and raw records come out the same as on the record route
(tests/store/test_line_route.py compares the two on every fixture).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from sociable.errors import UnknownFormat
from sociable.sources.base import UTF8_BOM, Format, LineMapping, file_encoding, head_bytes, is_json_lines
from sociable.sources.registry import get_format
from sociable.store.batch import Batch, Prepared, accounts_table, posts_table
from sociable.store.fast.pools import forked_pool
from sociable.store.raw import pack, pack_text

CHUNK_BYTES = 64 * 1024 * 1024  # bytes per chunk on the line route (about 34,000 tweets; store/fast/README.md)
PARALLEL_BYTES = 64 * 1024 * 1024  # files at least this large are mapped in worker processes
MAX_WORKERS = 2


def takes_line_route(fmt: Format, path: Path, options: Mapping[str, str]) -> bool:
    """Whether a file can take the line route: a JSON Lines file of a format with a line mapper, no options."""
    return (fmt.lines is not None and not options and path.is_file() and file_encoding(path) is None
            and is_json_lines(head_bytes(path)))


def line_batches(fmt: Format, route: LineMapping, path: Path) -> Iterator[tuple[Prepared, int]]:
    """Chunks of the file mapped by the line route, each given its line numbers, remaining lines mapped too."""
    start = 0  # lines before the current chunk
    for chunk in _chunks(fmt, path):
        prepared = chunk.prepared
        prepared.numbers = prepared.numbers + start
        rest = Batch(fmt.name, str(path))
        read = 0
        for number, line in chunk.rest:
            for item in route.read_line(path, start + number, line):
                read += 1
                rest.add(item, fmt)
        start += chunk.lines
        yield merge(prepared, rest), prepared.read + read


def merge(fast: Prepared, rest: Batch) -> Prepared:
    """A line chunk's quickly mapped records and its remaining lines' records, as one batch in line order.

    Records are ordered by line number; the records of one remaining line (a search page
    holds many) keep their own order after it.
    """
    if not rest.numbers and not rest.rejected:
        return fast
    other = rest.prepare()
    sub = np.zeros(len(other.numbers), dtype=np.int64)
    for i in range(1, len(sub)):
        if other.numbers[i] == other.numbers[i - 1]:
            sub[i] = sub[i - 1] + 1
    keys = np.concatenate([fast.numbers * 65536, other.numbers * 65536 + sub])
    order = np.argsort(keys, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    owners = np.concatenate([rank[fast.owners], rank[len(fast.numbers) + other.owners]])
    posts = pa.concat_tables([fast.posts, other.posts])
    by_record = np.argsort(owners, kind="stable")
    raws = fast.raw_values() + other.raw_values()
    return Prepared(
        fast.format, fast.file, np.concatenate([fast.numbers, other.numbers])[order],
        posts.take(pa.array(by_record)), owners[by_record], pa.concat_tables([fast.accounts, other.accounts]),
        other.rejected, raws=[raws[i] for i in order], read=fast.read + other.read,
    )


def _chunks(fmt: Format, path: Path) -> Iterator[LineChunk]:
    """The file's chunks in order, prepared in worker processes when the file is large."""
    ranges = _ranges(path)
    workers = min(MAX_WORKERS, os.cpu_count() or 1) if path.stat().st_size >= PARALLEL_BYTES else 1
    if workers == 1:
        for offset, length in ranges:
            yield prepare_lines(fmt.name, str(path), offset, length)
        return
    # Forked, not spawned: a spawned worker re-runs the calling script, which breaks scripts that
    # import without an `if __name__ == "__main__"` guard. A worker only reads, maps and packs;
    # it never touches the database connection the parent holds.
    with forked_pool(workers) as pool:
        pending: deque[Future[LineChunk]] = deque()
        for offset, length in ranges:
            pending.append(pool.submit(prepare_lines, fmt.name, str(path), offset, length))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


@dataclass(slots=True)
class LineChunk:
    """A worker's share of a file: its quickly mapped records, the lines left over, its line count."""

    prepared: Prepared  # numbers counted from the chunk's first line
    rest: list[tuple[int, bytes]]  # (number in the chunk, line) for the general route
    lines: int  # lines in the chunk, blank ones included


def prepare_lines(format_name: str, path: str, offset: int, length: int) -> LineChunk:
    """Read, map and pack one byte range of a JSON Lines file (runs in a worker process)."""
    fmt = get_format(format_name)
    if fmt.lines is None:
        raise UnknownFormat(f"{format_name} has no line route.")
    with open(path, "rb") as fh:
        fh.seek(offset)
        data = fh.read(length)
    pieces = data.split(b"\n")
    numbers, lines = [], []
    clean = True  # every line as it is in the file: no blank lines, nothing to strip
    if offset == 0 and pieces[0].startswith(UTF8_BOM):  # a byte order mark is not part of line 1
        pieces[0] = pieces[0][len(UTF8_BOM):]
        clean = False
    for number, piece in enumerate(pieces, 1):
        line = piece.strip()
        if line:
            numbers.append(number)
            lines.append(line)
            if len(line) != len(piece):
                clean = False
        elif piece or number < len(pieces):
            clean = False
    result = fmt.lines.map_lines(lines)
    quick = np.ones(len(lines), dtype=bool)
    quick[result.rest] = False
    record_of_line = np.cumsum(quick) - 1
    if clean and not result.rest:  # the packed text is the range itself, less its last newline
        quick_lines = lines
        block = pack_text(memoryview(data)[: len(data) - data.endswith(b"\n")])
    else:
        quick_lines = [line for line, keep in zip(lines, quick, strict=True) if keep]
        block = pack(quick_lines)
    prepared = Prepared(
        format_name, path, np.asarray(numbers, dtype=np.int64)[quick], posts_table(result.rows),
        record_of_line[np.asarray(result.owners, dtype=np.int64)], accounts_table(result.accounts),
        block=block, read=len(quick_lines),
    )
    return LineChunk(prepared, [(numbers[i], lines[i]) for i in result.rest], len(pieces) - 1)


def _ranges(path: Path) -> list[tuple[int, int]]:
    """Byte ranges of about CHUNK_BYTES, each ending just after a newline (the last at the end of the file)."""
    size = path.stat().st_size
    ranges: list[tuple[int, int]] = []
    start = 0
    with path.open("rb") as fh:
        while start < size:
            end = min(size, start + CHUNK_BYTES)
            fh.seek(end)
            while end < size:
                window = fh.read(1 << 16)
                found = window.find(b"\n")
                if found >= 0:
                    end += found + 1
                    break
                end += len(window)
            ranges.append((start, end - start))
            start = end
    return ranges
