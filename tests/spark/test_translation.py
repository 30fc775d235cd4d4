"""The DuckDB-to-Spark translation: each transform's text, then its meaning checked on both engines."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pytest
from spark_engines import ON_SPARK, differences

from sociable.store.schema import LABEL_SCHEMA
from sociable.store.spark import ReadOnlyDataset
from sociable.store.spark_sql import UntranslatableSQL, to_spark, to_spark_steps

pytestmark = ON_SPARK


WHEN = datetime(2024, 3, 31, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(("duckdb", "params", "spark"), [
    ("SELECT xs[1], xs[-1], ['a', 'b'][i + 1] FROM t", None,
     "SELECT ELEMENT_AT(xs, 1), ELEMENT_AT(xs, -1), ELEMENT_AT(ARRAY('a', 'b'), i + 1) FROM t"),
    ("SELECT len(hashtags), len(text) FROM posts", None, "SELECT SIZE(hashtags), LENGTH(text) FROM posts"),
    ("SELECT count(DISTINCT (a, b)) FROM t", None, "SELECT COUNT(DISTINCT a, b) FROM t"),
    ("SELECT $n, $when FROM t WHERE k IN (SELECT unnest($names))", {"n": 2, "when": WHEN, "names": ["a", "b"]},
     "SELECT 2, CAST('2024-03-31 00:30:00' AS TIMESTAMP) FROM t WHERE k IN (SELECT EXPLODE(ARRAY('a', 'b')))"),
    ("SELECT ?, ? FROM t", ["it's", 1.5], "SELECT 'it\\'s', 1.5 FROM t"),
])
def test_translation_text(duckdb: str, params: Any, spark: str) -> None:
    assert to_spark(duckdb, params) == spark


def test_a_missing_parameter_is_named() -> None:
    with pytest.raises(UntranslatableSQL, match=r"\$scope_since was not given"):
        to_spark("SELECT 1 FROM posts WHERE created_at >= $scope_since", {})


def test_a_stage_read_twice_is_a_step_computed_once() -> None:
    steps, final = to_spark_steps("WITH a AS (SELECT 1 AS x), b AS (SELECT x FROM a) "
                                  "SELECT * FROM a JOIN b USING (x)", prefix="_s")
    assert [(step.name, step.reused) for step in steps] == [("_s_a", True), ("_s_b", False)]
    assert final == "SELECT * FROM _s_a AS a JOIN _s_b AS b USING (x)"


ROWS = pa.table({
    "k": pa.array([1, 2, 3], pa.int64()),
    "created_at": pa.array([datetime(2024, 3, 31, 0, 30, 0, 250000, tzinfo=UTC),  # an hour before BST begins
                            datetime(2024, 10, 27, 1, 30, tzinfo=UTC),  # as it ends
                            datetime(2024, 3, 3, 23, 59, 59, tzinfo=UTC)], pa.timestamp("us", tz="UTC")),
    "xs": pa.array([[3.0, 1.0, 2.0], [4.0, 1.0, 3.0, 2.0], []], pa.list_(pa.float64())),
    "text": pa.array(["Long day on the ward… 🙏 Café", "see https://x.y/z and https://a.b/c today", None]),
})

ROW_SQL = r"""
SELECT k, epoch(created_at) AS seconds, epoch_ms(created_at) AS ms,
       timezone('Europe/London', created_at) AS london, date_trunc('hour', timezone('UTC', created_at)) AS hour,
       isodow(created_at) AS weekday, date_diff('hour', created_at, created_at + INTERVAL 90 MINUTE) AS hours_crossed,
       date_diff('day', created_at, created_at + INTERVAL 1 HOUR) AS days_crossed,
       list_median(xs) AS median, len(xs) AS n, xs[1] AS first_x, xs[-1] AS last_x, xs[9] AS past_the_end,
       len(regexp_extract_all(coalesce(text, ''), '[[:alpha:]]+')) AS ascii_words,
       len(regexp_extract_all(coalesce(text, ''), '\p{L}+')) AS words,
       regexp_replace(coalesce(text, ''), 'https?://\S+', 'LINK') AS first_link,
       regexp_replace(coalesce(text, ''), 'https?://\S+', 'LINK', 'g') AS every_link
  FROM rows ORDER BY k"""

GROUP_SQL = """
SELECT list(k ORDER BY created_at DESC) AS newest_first, first(k ORDER BY len(xs) DESC, k) AS longest,
       list(k ORDER BY k) FILTER (WHERE len(xs) > 0) AS with_values, list_median(flatten(list(xs))) AS median,
       count(DISTINCT (k % 2, len(xs) > 0)) AS kinds
  FROM rows"""


@pytest.mark.parametrize("sql", [ROW_SQL, GROUP_SQL, "SELECT unnest($a::VARCHAR[]) AS a, unnest($b::BIGINT[]) AS b"])
def test_the_same_values_on_both_engines(sql: str, duck: Any, on_spark: Any) -> None:
    params = {"a": ["x", "y", "z"], "b": [1, 2, 3]} if "$a" in sql else None
    expected = duck.query_with({"rows": ROWS}, sql, params).to_pylist()
    found = on_spark.query_with({"rows": ROWS}, sql, params).to_pylist()
    assert expected and differences(expected, found) == []


def test_the_dataset_is_only_read(on_spark: Any) -> None:
    with pytest.raises(ReadOnlyDataset, match="only reads"):
        on_spark.save_labels(LABEL_SCHEMA.empty_table())
    with pytest.raises(ReadOnlyDataset, match="only reads"):
        on_spark.screen()
