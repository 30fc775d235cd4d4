"""The text models on Spark's executors: the safe-practice checker and the sentiment model.

Each runs where the posts are, over Arrow batches (`mapInArrow`: the batches reach the model as
Arrow, with no conversion to pandas and back). A model loads once in each Python worker of an
executor, the first time a batch reaches it, and stays loaded for the next batches (Spark
reuses its Python workers), exactly as the models load once in one process on the DuckDB engine.
Only the rows come back to the driver: a verdict and the findings per post, or a label and a
score, the same values `sociable screen` and the listening analysis compute on one machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pyarrow as pa

from sociable.store.scope import Scope

if TYPE_CHECKING:
    from sociable.store.spark import SparkWorkspace

FINDING = pa.struct([("category", pa.string()), ("severity", pa.string()), ("kind", pa.string()),
                     ("start", pa.int32()), ("end", pa.int32()), ("principles", pa.list_(pa.string()))])
SCREENED = pa.schema([("platform", pa.string()), ("post_id", pa.string()), ("account_id", pa.string()),
                      ("verdict", pa.string()), ("findings", pa.int32()), ("found", pa.list_(FINDING))])
SENTIMENT = pa.schema([("platform", pa.string()), ("post_id", pa.string()), ("label", pa.string()),
                       ("score", pa.float64())])
POSTS_SQL = "SELECT p.platform, p.post_id, p.account_id, p.text FROM posts p WHERE {where}"


def screen_on_spark(ws: SparkWorkspace, scope: Scope | None = None, profession: str | None = None,
                    include_reposts: bool = False) -> pa.Table:
    """Check every post in scope on the executors: one row per post, its verdict and its findings."""
    from sociable.safety.screen import screening_scope

    chosen = screening_scope(ws.check_scope(scope), include_reposts)
    posts = ws.frame(POSTS_SQL.format(where=chosen.condition("p")), chosen.params())

    def check(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from sociable.safety.checker import check_many

        for batch in batches:
            rows = batch.to_pydict()
            results = list(check_many(zip(rows["post_id"], (t or "" for t in rows["text"]), strict=True),
                                      profession))
            found = [[{"category": f.category, "severity": f.severity, "kind": f.kind or None, "start": f.start,
                       "end": f.end, "principles": list(f.principles)} for f in r.findings] for r in results]
            yield pa.RecordBatch.from_pydict({
                "platform": rows["platform"], "post_id": rows["post_id"], "account_id": rows["account_id"],
                "verdict": [r.verdict for r in results], "findings": [len(r.findings) for r in results],
                "found": found}, schema=SCREENED)

    return posts.mapInArrow(check, _spark_schema(SCREENED)).toArrow()


def sentiment_on_spark(ws: SparkWorkspace, scope: Scope | None = None) -> pa.Table:
    """The sentiment of every post in scope (reposts left out), read on the executors."""
    chosen = ws.check_scope(scope)
    posts = ws.frame(POSTS_SQL.format(where=chosen.condition("p")) + " AND p.repost_of IS NULL", chosen.params())

    def read(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from sociable.text.sentiment import classify_sentiment

        for batch in batches:
            rows = batch.to_pydict()
            read = classify_sentiment(rows["text"])
            yield pa.RecordBatch.from_pydict({
                "platform": rows["platform"], "post_id": rows["post_id"], "label": [s.label for s in read],
                "score": [s.score for s in read]}, schema=SENTIMENT)

    return posts.mapInArrow(read, _spark_schema(SENTIMENT)).toArrow()


def _spark_schema(schema: pa.Schema) -> str:
    """An Arrow schema in Spark's DDL words."""
    def ddl(kind: pa.DataType) -> str:
        if pa.types.is_string(kind):
            return "STRING"
        if pa.types.is_int32(kind):
            return "INT"
        if pa.types.is_float64(kind):
            return "DOUBLE"
        if pa.types.is_list(kind):
            return f"ARRAY<{ddl(kind.value_type)}>"
        if pa.types.is_struct(kind):
            return "STRUCT<" + ", ".join(f"`{f.name}`: {ddl(f.type)}" for f in kind) + ">"
        raise TypeError(f"no Spark type for {kind}")

    return ", ".join(f"`{f.name}` {ddl(f.type)}" for f in schema)
