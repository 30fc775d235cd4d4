"""The workspace as a Parquet dataset that DuckDB and Spark both read (`sociable export dataset`).

Posts and interactions are partitioned by platform and UTC day (`posts/platform=bluesky/day=2024-03-01/`),
accounts and labels by platform, raw record blocks by format; the other tables the analyses read are
one folder each. `manifest.json` beside them names the schema version, each table's partitioning
and its row count, so a job reading the dataset can check it has all of it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from sociable.errors import SociableError, WorkspaceError
from sociable.store.schema import SCHEMA_VERSION

MANIFEST = "manifest.json"
DATASET_FORMAT = "sociable-dataset"

DAY = "CAST(timezone('UTC', created_at) AS DATE) AS day"
# table: (the rows written, the partition columns). Every table an analysis reads is here.
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "posts": (f"SELECT *, {DAY} FROM posts", ("platform", "day")),
    "interactions": (f"SELECT *, {DAY} FROM interactions", ("platform", "day")),
    "accounts": ("SELECT * FROM accounts", ("platform",)),
    "collections": ("SELECT * FROM collections", ()),
    "derived_labels": ("SELECT * FROM derived_labels", ("platform",)),
    "manual_labels": ("SELECT * FROM manual_labels", ()),
    "safety_screened": ("SELECT * FROM safety_screened", ()),
    "safety_findings": ("SELECT * FROM safety_findings", ()),
    "lists": ("SELECT * FROM lists", ()),
    "list_members": ("SELECT * FROM list_members", ()),
    "raw_blocks": ("SELECT * FROM raw_blocks", ("format",)),
}
# Tables of large rows, with the rows per Parquet row group: a raw block is up to a few MB of
# compressed records, and DuckDB's partitioned writer held a 10M-post workspace's 2 GB of blocks
# in memory whatever the row group size, and ran out of it. These are written one partition value
# at a time, each to one file in the same hive layout (`format=twitter-v1/data_0.parquet`).
ROW_GROUP_ROWS = {"raw_blocks": 8}
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_.-]+")
ADDED_COLUMNS = ("day",)
"""Columns a dataset adds for its partitions; readers drop them so every table has the workspace's columns."""


class NotADataset(WorkspaceError):
    """A folder was given as a dataset that has no sociable manifest, or one this sociable cannot read."""


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a dataset holds: its schema version, when it was written, and each table's partitions and rows."""

    schema_version: int
    written_at: str
    tables: dict[str, dict[str, Any]]

    def counts(self) -> dict[str, int]:
        return {name: int(table["rows"]) for name, table in self.tables.items()}

    def to_dict(self) -> dict[str, Any]:
        return {"format": DATASET_FORMAT, "schema_version": self.schema_version, "written_at": self.written_at,
                "tables": self.tables}


def write_dataset(con: duckdb.DuckDBPyConnection, target: str | os.PathLike[str], force: bool = False) -> Manifest:
    """Write every table the analyses read under `target`, then its manifest (written last: its presence means done).

    The tables are written into a folder beside `target` and moved into place only when all are
    written, so an export that fails part way (a full disk, memory) leaves `target` as it was.
    """
    folder = Path(target)
    if folder.exists() and any(folder.iterdir()):
        if not force:
            raise SociableError(f"{folder} already holds files; choose an empty folder or add --force to replace it.")
        if not (folder / MANIFEST).exists():
            raise SociableError(f"{folder} holds files but is not a sociable dataset; choose an empty folder.")
    partial = folder.with_name(f".{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        manifest = _write_tables(con, partial)
        if folder.exists():
            shutil.rmtree(folder)
        partial.rename(folder)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return manifest


def _write_tables(con: duckdb.DuckDBPyConnection, folder: Path) -> Manifest:
    tables: dict[str, dict[str, Any]] = {}
    for name, (sql, partitions) in TABLES.items():
        rows = int(con.execute(f"SELECT count(*) FROM ({sql})").fetchall()[0][0])
        place = folder / name
        place.mkdir()
        quoted = str(place).replace("'", "''")
        if rows and partitions and name in ROW_GROUP_ROWS:
            _write_by_value(con, sql, partitions, place, ROW_GROUP_ROWS[name])
        elif rows and partitions:
            con.execute(f"COPY ({sql}) TO '{quoted}' (FORMAT parquet, PARTITION_BY ({', '.join(partitions)}))")
        else:  # an empty table is one file that still carries the columns
            con.execute(f"COPY ({sql}) TO '{quoted}/part-0.parquet' (FORMAT parquet)")
        tables[name] = {"rows": rows, "partitions": list(partitions) if rows else []}
    manifest = Manifest(SCHEMA_VERSION, datetime.now(UTC).isoformat(timespec="seconds"), tables)
    (folder / MANIFEST).write_text(json.dumps(manifest.to_dict(), indent=2) + "\n", encoding="utf-8")
    return manifest


def _write_by_value(con: duckdb.DuckDBPyConnection, sql: str, partitions: tuple[str, ...], place: Path,
                    group_rows: int) -> None:
    """One COPY per partition value, into the folders DuckDB's PARTITION_BY would make."""
    columns = ", ".join(partitions)
    for values in con.execute(f"SELECT DISTINCT {columns} FROM ({sql}) ORDER BY ALL").fetchall():
        if not all(isinstance(v, str) and _PLAIN_VALUE.fullmatch(v) for v in values):
            raise SociableError(f"cannot name a dataset folder after the value {values!r} of {columns}")
        folder = place.joinpath(*(f"{c}={v}" for c, v in zip(partitions, values, strict=True)))
        folder.mkdir(parents=True)
        quoted = str(folder / "data_0.parquet").replace("'", "''")
        where = " AND ".join(f"{c} = ?" for c in partitions)
        con.execute(f"COPY (SELECT * EXCLUDE ({columns}) FROM ({sql}) WHERE {where}) TO '{quoted}' "
                    f"(FORMAT parquet, ROW_GROUP_SIZE {group_rows})", list(values))


def read_manifest(location: str) -> Manifest:
    """The manifest of the dataset at a folder (or an object-store URI, read by the caller's filesystem)."""
    path = Path(location) / MANIFEST
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotADataset(f"{location} is not a sociable dataset (it has no {MANIFEST}); write one with "
                          "`sociable export dataset -o FOLDER`.") from None
    except (OSError, ValueError) as exc:
        raise NotADataset(f"the manifest of {location} could not be read ({exc}); export the dataset again.") from None
    return manifest_from(document, location)


def manifest_from(document: Any, location: str) -> Manifest:
    """A manifest from its JSON document, checked: the right format, a schema this sociable reads, every table."""
    if not isinstance(document, dict) or document.get("format") != DATASET_FORMAT:
        raise NotADataset(f"{location}/{MANIFEST} is not a sociable dataset manifest; export the dataset again.")
    version = document.get("schema_version")
    if version != SCHEMA_VERSION:
        raise NotADataset(f"{location} was written with workspace schema {version}; this sociable reads schema "
                          f"{SCHEMA_VERSION}: export the dataset again with this version.")
    tables = document.get("tables") or {}
    missing = [name for name in TABLES if name not in tables]
    if missing:
        raise NotADataset(f"{location} lacks the tables {', '.join(missing)}; export the dataset again.")
    return Manifest(int(version), str(document.get("written_at")), tables)
