"""The workspace on Apache Spark: a Parquet dataset read by Spark, the analyses' SQL unchanged.

`SparkWorkspace` offers the reading surface every analysis uses (`query`, `query_with`,
`scalar`, scopes, the names of collections, lists and platforms, raw records), so an analysis
runs on it as on a DuckDB workspace: each statement is said in Spark SQL (`spark_sql.to_spark`),
runs on the cluster, and its rows come back to the driver as an Arrow table shaped as DuckDB's
would be. The analyses' SQL aggregates first, so what comes back is small (per-account
measures, the account graph's edges), and the Python steps after it (igraph, the text models)
are the same code on either engine. The dataset is read-only here: writing (imports, screening
results, labels, the triage queue) stays with the DuckDB workspace that exported it.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Mapping, Sequence
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pyarrow as pa
import pyarrow.compute as pc

from sociable.errors import SociableError, WorkspaceError
from sociable.store import Workspace
from sociable.store.dataset import ADDED_COLUMNS, MANIFEST, TABLES, Manifest, manifest_from, read_manifest
from sociable.store.raw import unpack
from sociable.store.schema import labels_sql

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

SPARK_CONFIG: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",  # instants are read and shown in UTC, as the store keeps them
    "spark.sql.ansi.enabled": "false",  # an index past a list's end is NULL, as in DuckDB
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}
"""Settings every session the Spark engine uses needs, whoever started it."""

_names = count()


class SparkUnavailable(SociableError):
    """The Spark engine was asked for where PySpark or a Java runtime is not installed."""


class ReadOnlyDataset(WorkspaceError):
    """Something was to be written to a dataset read by Spark, which only reads."""


def spark_session(master: str | None = None, config: Mapping[str, str] | None = None) -> SparkSession:
    """The active Spark session with the engine's settings, or a new one (local mode unless `master` says)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailable("the Spark engine needs PySpark and a Java runtime; install them with "
                               "`make spark` (or `pip install 'sociable[spark]'` and a JRE).") from None
    # Local workers run this Python (with sociable and its models); a cluster names its own in its settings.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("sociable")
    if master:
        builder = builder.master(master)
    # Spark's console progress bar would interleave with sociable's own output on stderr; a config may turn it on.
    for key, value in {"spark.ui.showConsoleProgress": "false", **SPARK_CONFIG, **(config or {})}.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # the JVM failed to start: no Java, or no memory for it
        raise SparkUnavailable(f"Spark could not start ({type(exc).__name__}: {str(exc)[:200]}); check that a "
                               "Java runtime is installed (`make spark`).") from None
    return session


class SparkWorkspace(Workspace):
    """A sociable dataset (`sociable export dataset`) read by Spark, with the workspace's reading surface."""

    def __init__(self, location: str, spark: SparkSession | None = None) -> None:
        self.location = location.rstrip("/")
        self.path = Path(self.location)
        self.read_only = True
        self._lock = threading.RLock()
        self.spark = spark or spark_session()
        for key, value in SPARK_CONFIG.items():  # the SQL's meaning relies on these, whoever made the session
            self.spark.conf.set(key, value)
        self.manifest = self._read_manifest()
        self._list_columns: set[str] = set()  # columns holding lists, where DuckDB's len() is a list's size
        # The dataset's tables as views of this workspace's own names: two datasets share a session.
        prefix = f"_d{next(_names)}"
        self._views = {name: f"{prefix}_{name}" for name in (*TABLES, "labels")}
        self._register_tables()

    # ------------------------------------------------------------------ opening

    def _read_manifest(self) -> Manifest:
        if "://" not in self.location or self.location.startswith("file://"):
            return read_manifest(self.location.removeprefix("file://"))
        try:  # object storage (s3a://...): read through Spark's own filesystem
            rows = self.spark.read.text(f"{self.location}/{MANIFEST}", wholetext=True).collect()
        except Exception as exc:
            raise WorkspaceError(f"{self.location}/{MANIFEST} could not be read by Spark ({str(exc)[:200]}).") from None
        return manifest_from(json.loads(rows[0][0]) if rows else None, self.location)

    def _register_tables(self) -> None:
        for name in TABLES:
            frame = self.spark.read.option("basePath", f"{self.location}/{name}").parquet(f"{self.location}/{name}")
            dropped = [column for column in ADDED_COLUMNS if column in frame.columns]
            frame = frame.drop(*dropped)
            frame.createOrReplaceTempView(self._views[name])
            self._list_columns |= {f.name for f in frame.schema.fields if f.dataType.typeName() == "array"}
        from sociable.store.spark_sql import to_spark

        labels = to_spark(labels_sql(), tables=self._views)
        self.spark.sql(f"CREATE OR REPLACE TEMP VIEW {self._views['labels']} AS {labels}")

    # ------------------------------------------------------------------ reading

    @property
    def con(self) -> NoReturn:  # type: ignore[override]
        raise ReadOnlyDataset(f"{self.location} is a dataset read by Spark; this needs a DuckDB workspace "
                              "(run it with --engine duckdb on the workspace the dataset came from).")

    def close(self) -> None:
        """Let the dataset's views go; the Spark session stays for whoever else uses it."""
        for view in self._views.values():
            self.spark.catalog.dropTempView(view)

    def __repr__(self) -> str:
        return f"SparkWorkspace({self.location!r})"

    def frame(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> DataFrame:
        """A statement of the analyses' DuckDB SQL as a Spark DataFrame (nothing runs until it is read)."""
        from sociable.store.spark_sql import to_spark

        return self.spark.sql(to_spark(sql, params, self._list_columns, self._views))

    def query(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> pa.Table:
        """Run DuckDB SQL on Spark and return its rows as an Arrow table, as DuckDB would give them.

        The statement reads this dataset's tables, and the tables `query_with` shows, by their names.

        Each WITH query becomes a view first; one read more than once is computed once (a local
        checkpoint), so Spark neither plans nor runs it again for every place that reads it.
        """
        from sociable.store.spark_sql import to_spark_steps

        with self._lock:
            steps, final = to_spark_steps(sql, params, prefix=f"_q{next(_names)}", lists=self._list_columns,
                                          tables=self._views)
            try:
                for step in steps:
                    frame = self.spark.sql(step.sql)
                    if step.reused:
                        frame = frame.localCheckpoint()
                    frame.createOrReplaceTempView(step.name)
                return as_duckdb_arrow(self.spark.sql(final).toArrow())
            finally:
                for step in steps:
                    self.spark.catalog.dropTempView(step.name)

    def query_with(self, tables: Mapping[str, pa.Table], sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        """Run SQL that also reads the given Arrow tables by name, each shown to Spark for this query only."""
        with self._lock:
            views, lists = dict(self._views), set(self._list_columns)
            prefix = f"_t{next(_names)}"
            try:
                for name, table in tables.items():
                    self._views[name] = f"{prefix}_{name}"
                    self.spark.createDataFrame(for_spark(table)).createOrReplaceTempView(self._views[name])
                    self._list_columns |= {f.name for f in table.schema if pa.types.is_list(f.type)
                                           or pa.types.is_large_list(f.type)}
                return self.query(sql, params)
            finally:
                for name in tables:
                    if name in self._views:
                        self.spark.catalog.dropTempView(self._views[name])
                self._views, self._list_columns = views, lists

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        table = self.query(sql, params)
        return table.column(0)[0].as_py() if table.num_rows else None

    def platform_names(self) -> list[str]:
        return [str(v) for v in self.query("SELECT DISTINCT platform FROM posts ORDER BY 1").column(0).to_pylist()]

    def collection_names(self) -> list[str]:
        return [str(v) for v in self.query("SELECT DISTINCT name FROM collections ORDER BY 1").column(0).to_pylist()]

    def list_names(self) -> list[str]:
        return [str(v) for v in self.query("SELECT name FROM lists ORDER BY name").column(0).to_pylist()]

    def has_screening(self) -> bool:
        return self.manifest.counts().get("safety_screened", 0) > 0

    def counts(self) -> dict[str, int]:
        """Row counts of the dataset's tables, as its manifest gives them."""
        return self.manifest.counts()

    def raw_records(self, format: str) -> list[tuple[int, Any]]:
        """Every raw record of one format, in the order they were stored."""
        import orjson

        blocks = self.query("SELECT record_ids, size, data FROM raw_blocks WHERE format = ? ORDER BY block_id",
                            [format]).to_pylist()
        return [(record_id, orjson.loads(line)) for block in blocks
                for record_id, line in zip(block["record_ids"], unpack(block["data"], block["size"]), strict=True)]

    # ------------------------------------------------------------------ writing: never here

    def _require_writable(self) -> None:
        raise ReadOnlyDataset(f"{self.location} is a dataset read by Spark, which only reads; make changes in "
                              "the DuckDB workspace and export the dataset again.")


def for_spark(table: pa.Table) -> pa.Table:
    """An Arrow table Spark can take: columns of nulls only are typed as text."""
    for index, field in enumerate(table.schema):
        if pa.types.is_null(field.type) or pa.types.is_large_string(field.type):
            table = table.set_column(index, field.name, pc.cast(table.column(index), pa.string()))
    return table


def as_duckdb_arrow(table: pa.Table) -> pa.Table:
    """Spark's Arrow rows with DuckDB's types where they differ: decimals as doubles, instants in UTC."""
    for index, field in enumerate(table.schema):
        if pa.types.is_decimal(field.type):
            table = table.set_column(index, field.name, pc.cast(table.column(index), pa.float64()))
    return table


def open_dataset(location: str | Path, spark: SparkSession | None = None) -> SparkWorkspace:
    """Open a sociable dataset (a folder, or an object-store URI such as s3a://bucket/care) on Spark."""
    return SparkWorkspace(str(location), spark)
