"""What the Spark tests share: their marks, the sample's collection, and what "the same result" means
across engines (counts exactly, floating-point measures to 1e-9)."""

from __future__ import annotations

import math
from typing import Any

import pytest

ON_SPARK = [pytest.mark.spark, pytest.mark.xdist_group("spark")]
"""Every test module here is marked with these (`pytestmark = ON_SPARK`): one worker, one JVM."""
COLLECTION = "care"
TOLERANCE = 1e-9


def differences(duck: Any, spark: Any, where: str = "") -> list[str]:
    """Where two JSON values differ (an empty list when they are the same); rows of a table in any order."""
    if isinstance(duck, float) or isinstance(spark, float):
        if isinstance(duck, int | float) and isinstance(spark, int | float) and not isinstance(duck, bool):
            if math.isnan(duck) and math.isnan(spark):
                return []
            if math.isclose(duck, spark, rel_tol=TOLERANCE, abs_tol=TOLERANCE):
                return []
        return [f"{where}: {duck!r} != {spark!r}"]
    if isinstance(duck, dict) and isinstance(spark, dict):
        if duck.keys() != spark.keys():
            return [f"{where}: keys {sorted(duck)} != {sorted(spark)}"]
        return [d for key in duck for d in differences(duck[key], spark[key], f"{where}.{key}")]
    if isinstance(duck, list) and isinstance(spark, list):
        if len(duck) != len(spark):
            return [f"{where}: {len(duck)} items != {len(spark)}"]
        if duck and all(isinstance(row, dict) for row in duck):
            duck, spark = sorted(duck, key=_row_key), sorted(spark, key=_row_key)
        found: list[str] = []
        for index, (a, b) in enumerate(zip(duck, spark, strict=True)):
            found.extend(differences(a, b, f"{where}[{index}]"))
        return found
    return [] if duck == spark and type(duck) is type(spark) else [f"{where}: {duck!r} != {spark!r}"]


def _row_key(row: dict[str, Any]) -> str:
    """A row's sort key that float noise in the last digits does not move."""
    return repr([(k, round(v, 6) if isinstance(v, float) else v) for k, v in row.items()])
