"""Every analysis gives the same result on Spark as on DuckDB: counts exactly, measures to 1e-9."""

from __future__ import annotations

from typing import Any

import pytest
from spark_engines import COLLECTION, ON_SPARK, differences

from sociable.analyses.base import get_analysis, registered_analyses

pytestmark = ON_SPARK

ANALYSES = [spec.name for spec in registered_analyses()]


def compared(result: Any) -> dict[str, Any]:
    document = result.to_json()
    return {key: document[key] for key in ("facts", "tables", "notes")}


@pytest.mark.parametrize("name", ANALYSES)
def test_the_same_result_on_both_engines(name: str, duck: Any, on_spark: Any) -> None:
    spec = get_analysis(name)
    expected = compared(spec.run(duck, duck.scope(collection=COLLECTION)))
    found = compared(spec.run(on_spark, on_spark.scope(collection=COLLECTION)))
    assert any(table for table in expected["tables"].values()), f"{name} found nothing to compare"
    assert differences(expected, found) == []


def test_a_window_and_a_kind_filter_the_same_way(duck: Any, on_spark: Any) -> None:
    """A scope with a time window (UTC instants bound as literals) and kinds: dialogue agrees."""
    scope = {"collection": COLLECTION, "since": "2022-03-14", "until": "2022-04-04T12:00", "kinds": "reply,post"}
    expected = compared(duck.dialogue(**scope, by="sector"))
    found = compared(on_spark.dialogue(**scope, by="sector"))
    assert expected["tables"]["accounts"]
    assert differences(expected, found) == []


def test_listening_samples_the_same_posts_on_both_engines(duck: Any, on_spark: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A window over the themes' and sentiment's limits is sampled with one seed: both engines read the same posts."""
    from sociable.analyses import listening

    monkeypatch.setattr(listening, "THEMES_LIMIT", 40)
    monkeypatch.setattr(listening, "SENTIMENT_LIMIT", 60)
    spec = get_analysis("listening")
    expected = compared(spec.run(duck, duck.scope(collection=COLLECTION)))
    found = compared(spec.run(on_spark, on_spark.scope(collection=COLLECTION)))
    assert any("random sample" in note for note in expected["notes"])
    assert differences(expected, found) == []
