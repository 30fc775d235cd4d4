"""Batches of mapped records on their way to the store: rows as read and mapped, then Arrow tables.

A `Batch` collects records in the reading process: their numbers, raw values, post rows and
authors. `prepare` turns it into a `Prepared` batch: posts and authors as Arrow tables in
record order, and the raw records, either as values or already packed into a compressed
block. Preparing is CPU work that needs no database, so the line route does it in worker
processes; the writer only stores.
"""

from __future__ import annotations

import json
import operator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import orjson
import pyarrow as pa

from sociable.errors import MappingError
from sociable.model import Account
from sociable.sources.base import POST_FIELDS, Format, Mapped, RawRecord, Rejected, check_counts
from sociable.store.raw import record_text, unpack
from sociable.store.schema import ACCOUNT_COLUMNS

_LIST = pa.list_(pa.string())
TIMESTAMP = pa.timestamp("us", tz="UTC")
POST_SCHEMA = pa.schema(
    [
        ("platform", pa.string()),
        ("post_id", pa.string()),
        ("uri", pa.string()),
        ("account_id", pa.string()),
        ("created_at", TIMESTAMP),
        ("text", pa.string()),
        ("lang", pa.string()),
        ("reply_to", pa.string()),
        ("reply_to_account", pa.string()),
        ("root", pa.string()),
        ("quote_of", pa.string()),
        ("quote_of_account", pa.string()),
        ("repost_of", pa.string()),
        ("repost_of_account", pa.string()),
        ("hashtags", _LIST),
        ("mentions", _LIST),
        ("urls", _LIST),
        ("media_count", pa.int32()),
        ("like_count", pa.int64()),
        ("repost_count", pa.int64()),
        ("reply_count", pa.int64()),
    ]
)
ACCOUNT_SCHEMA = pa.schema(
    [
        ("platform", pa.string()),
        ("account_id", pa.string()),
        ("handle", pa.string()),
        ("display_name", pa.string()),
        ("bio", pa.string()),
        ("url", pa.string()),
        ("location", pa.string()),
        ("followers", pa.int64()),
        ("following", pa.int64()),
        ("created_at", TIMESTAMP),
        ("first_seen", TIMESTAMP),  # the time of the first and last post the profile came with
        ("last_seen", TIMESTAMP),
    ]
)
_post_values = operator.attrgetter(*POST_FIELDS)
_account_values = operator.attrgetter(*ACCOUNT_COLUMNS)


@dataclass(slots=True)
class Batch:
    """Records of one file waiting to be written: posts as rows, their authors, raw records, rejections.

    Record i has `numbers[i]` (its line or record number) and `raws[i]` (the line as read, or
    the raw value); each post's `owners` entry is the index of the record it came from.
    """

    format: str
    file: str
    numbers: list[int] = field(default_factory=list)
    raws: list[Any] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)  # POST_FIELDS values
    owners: list[int] = field(default_factory=list)
    accounts: list[tuple[Account, datetime]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.numbers) + len(self.rejected)

    def add_record(self, number: int, raw: Any) -> int:
        self.numbers.append(number)
        self.raws.append(raw)
        return len(self.numbers) - 1

    def add_mapped(self, record: RawRecord, mapped: Mapped) -> None:
        """A record mapped by its format's `map`."""
        owner = self.add_record(record.number, record.raw)
        if not mapped.posts:
            return
        for post in mapped.posts:
            self.rows.append(_post_values(post))
            self.owners.append(owner)
        seen = mapped.posts[0].created_at
        self.accounts.extend((account, seen) for account in mapped.accounts)

    def prepare(self) -> Prepared:
        """The batch as Arrow tables, posts in record order (a line chunk's posts come after the others')."""
        owners = np.asarray(self.owners, dtype=np.int64)
        posts = posts_table(self.rows)
        if len(owners) > 1 and np.any(owners[1:] < owners[:-1]):
            order = np.argsort(owners, kind="stable")
            owners, posts = owners[order], posts.take(pa.array(order))
        return Prepared(self.format, self.file, np.asarray(self.numbers, dtype=np.int64), posts, owners,
                        accounts_table([(a, seen, seen) for a, seen in self.accounts]), self.rejected,
                        raws=self.raws)

    def add(self, item: RawRecord | Rejected, fmt: Format) -> None:
        """One item from a format's reader: mapped, or kept as rejected.

        The raw record is turned into the text the store keeps first: a record that cannot be
        kept (nested deeper than 254 levels, a number beyond 64 bits) is rejected like one that
        cannot be mapped.
        """
        if isinstance(item, Rejected):
            self.rejected.append(item)
            return
        try:
            text = record_text(item.raw)
        except (TypeError, ValueError, RecursionError) as exc:
            reason = (f"record {item.number} of {item.file} cannot be kept as it is ({exc}: nested too deeply, "
                      "or a number beyond 64 bits)")
            self.rejected.append(Rejected(fmt.name, item.file, item.number, _dump(item.raw), reason))
            return
        mapped = map_record(fmt, item)
        if isinstance(mapped, Rejected):
            self.rejected.append(mapped)
        else:
            self.add_mapped(RawRecord(item.format, item.file, item.number, text), mapped)


def map_record(fmt: Format, record: RawRecord) -> Mapped | Rejected:
    """Map one raw record, turning any failure into a Rejected with a readable reason.

    Whatever goes wrong with one record (a mapping rule, a shape the mapper did not expect,
    nesting too deep for it, a count too large to store) stays with that record.
    """
    where = f"record {record.number} of {record.file}"
    try:
        mapped = fmt.map(record.raw)
        check_counts(mapped)
        return mapped
    except MappingError as exc:
        reason = f"{where}: {exc}"
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        reason = f"{where} does not have the shape of a {fmt.name} record ({type(exc).__name__}: {exc})"
    except RecursionError:
        reason = f"{where} is nested too deeply to map"
    except Exception as exc:  # one record's failure, whatever it is, must not stop the import
        reason = f"{where} could not be mapped ({type(exc).__name__}: {exc})"
    return Rejected(fmt.name, record.file, record.number, _dump(record.raw), reason)


def _dump(raw: Any) -> str:
    """A raw record's text for the rejected table (Python's serialiser when orjson's limits refuse it)."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bytes):
        return raw.decode("utf-8", "replace")
    try:
        return orjson.dumps(raw, default=str).decode()
    except (TypeError, ValueError):
        pass
    try:
        return json.dumps(raw, default=str)
    except (TypeError, ValueError, RecursionError):
        return f"({type(raw).__name__} nested too deeply to show)"


def posts_table(rows: list[tuple[Any, ...]]) -> pa.Table:
    """Post rows (POST_FIELDS values; `created_at` a datetime or microseconds since the epoch) as an Arrow table."""
    columns: Any = zip(*rows, strict=True) if rows else [[] for _ in POST_FIELDS]
    arrays = [pa.array(values, type=POST_SCHEMA.field(name).type) for name, values in zip(POST_FIELDS, columns,
                                                                                          strict=True)]
    return pa.Table.from_arrays(arrays, names=list(POST_FIELDS))


def accounts_table(
    accounts: list[tuple[Account, datetime, datetime]] | list[tuple[Account, int, int]],
) -> pa.Table:
    """Authors, each with the first and last time it was seen (datetimes, or microseconds since the epoch)."""
    rows = [(*_account_values(a), first, last) for a, first, last in accounts]
    columns: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in ACCOUNT_SCHEMA]
    arrays = [pa.array(list(col), type=f.type) for col, f in zip(columns, ACCOUNT_SCHEMA, strict=True)]
    return pa.Table.from_arrays(arrays, schema=ACCOUNT_SCHEMA)




@dataclass(slots=True)
class Prepared:
    """A batch ready to store: posts and authors as Arrow tables, raw records as values or one packed block."""

    format: str
    file: str
    numbers: np.ndarray  # per record: its line or record number
    posts: pa.Table  # POST_FIELDS columns, in record order
    owners: np.ndarray  # per post: the index of its record
    accounts: pa.Table  # ACCOUNT_SCHEMA
    rejected: list[Rejected] = field(default_factory=list)
    raws: list[Any] | None = None  # per record, unless `block` holds them all
    block: tuple[bytes, int] | None = None  # every record's text, packed (see raw.pack)
    read: int = 0  # records read into this batch, rejected ones included

    def raw_values(self) -> list[Any]:
        if self.raws is None:
            self.raws = unpack(*self.block) if self.block else []
        return self.raws

