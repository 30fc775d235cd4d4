"""Reading a file into batches of mapped records: the format's reader yields raw records, its mapper maps each.

This is the route every format takes. A JSON Lines file of a format with a line mapper takes
the line route instead (`store.fast.lines`), which only exists for speed and gives the same
results (tests/store/test_line_route.py compares the two on every fixture).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from sociable.sources.base import Format
from sociable.store.batch import Batch, Prepared
from sociable.store.fast.lines import line_batches, takes_line_route

BATCH_RECORDS = 20_000  # records per batch on the record-by-record route


def read_batches(
    fmt: Format, path: Path, options: Mapping[str, str], line_route: bool = True
) -> Iterator[tuple[Batch | Prepared, int]]:
    """Batches of up to BATCH_RECORDS records from `path`, each with how many records were read into it."""
    if line_route and fmt.lines is not None and takes_line_route(fmt, path, options):
        yield from line_batches(fmt, fmt.lines, path)
        return
    batch, read = Batch(fmt.name, str(path)), 0
    for item in fmt.read(path, options):
        read += 1
        batch.add(item, fmt)
        if len(batch) >= BATCH_RECORDS:
            yield batch, read
            batch, read = Batch(fmt.name, str(path)), 0
    yield batch, read
