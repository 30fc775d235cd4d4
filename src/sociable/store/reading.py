"""Reading a file into batches of mapped records, by the quickest route that gives the same results.

Most formats go record by record: the format's reader yields raw records, its mapper maps
each one. A JSON Lines file of a format with a `LineMapping` streams in chunks instead: the
line mapper decodes and maps a whole chunk at once and hands back the lines it does not
cover, which then take the record-by-record route one line at a time. Counts, rejection
reasons, stored rows and raw records come out the same either way
(tests/store/test_line_route.py compares the two on every fixture).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from sociable.sources.base import Format, LineMapping, head_bytes, is_json_lines
from sociable.store.ingest import BATCH_RECORDS, Batch


def read_batches(
    fmt: Format, path: Path, options: Mapping[str, str], line_route: bool = True
) -> Iterator[tuple[Batch, int]]:
    """Batches of up to BATCH_RECORDS records from `path`, each with how many records were read into it."""
    if line_route and fmt.lines is not None and not options and path.is_file() and is_json_lines(head_bytes(path)):
        yield from _line_batches(fmt, fmt.lines, path)
        return
    batch, read = Batch(fmt.name, str(path)), 0
    for item in fmt.read(path, options):
        read += 1
        batch.add(item, fmt)
        if len(batch) >= BATCH_RECORDS:
            yield batch, read
            batch, read = Batch(fmt.name, str(path)), 0
    yield batch, read


def _line_batches(fmt: Format, route: LineMapping, path: Path) -> Iterator[tuple[Batch, int]]:
    for numbers, lines in _chunks(path):
        result = route.map_lines(lines)
        batch = Batch(fmt.name, str(path))
        if not result.rest:
            batch.numbers, batch.raws = numbers, list(lines)
            batch.add_lines(result, range(len(lines)))
            yield batch, len(lines)
            continue
        rest = set(result.rest)
        line_records: list[int] = []
        read = 0
        for index, (number, line) in enumerate(zip(numbers, lines, strict=True)):
            if index in rest:
                line_records.append(-1)
                for item in route.read_line(path, number, line):
                    read += 1
                    batch.add(item, fmt)
            else:
                read += 1
                line_records.append(batch.add_record(number, line))
        batch.add_lines(result, line_records)
        yield batch, read


def _chunks(path: Path) -> Iterator[tuple[list[int], list[bytes]]]:
    """Line numbers and stripped, non-blank lines, BATCH_RECORDS at a time (numbering counts blank lines)."""
    numbers: list[int] = []
    lines: list[bytes] = []
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, 1):
            line = raw.strip()
            if line:
                numbers.append(number)
                lines.append(line)
                if len(lines) >= BATCH_RECORDS:
                    yield numbers, lines
                    numbers, lines = [], []
    if lines:
        yield numbers, lines
