"""Vega-Lite specs for the report's charts, built as plain dicts from Arrow tables.

Every spec carries its data inline (the report is one file) and uses the Okabe–Ito palette,
which stays distinguishable for the common forms of colour blindness. Titles and readings live
beside the spec in the report block, not inside the chart, so screen readers get them as text.
Specs carry no `$schema` URL (the report names the Vega-Lite mode itself), so nothing in them
points outside the file.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

# Okabe & Ito (2008), "Color Universal Design": black is kept last, for an eighth category.
OKABE_ITO: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#0072B2",  # blue
    "#D55E00",  # vermilion
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#000000",  # black
)

# Counts are whole numbers: no 0.5 ticks, thousands separated.
COUNT_AXIS: dict[str, Any] = {"tickMinStep": 1, "format": ",d"}

# How each kind of value is put on an axis: its domain, ticks and format.
VALUE_AXES: dict[str, dict[str, Any]] = {
    "count": {"axis": dict(COUNT_AXIS)},
    "score": {"scale": {"domain": [-1, 1], "nice": False}, "axis": {"format": "+.1f", "tickCount": 9}},
    "share": {"scale": {"domain": [0, 1]}, "axis": {"format": ".0%"}},
}
VALUE_FORMATS = {"count": ",", "score": "+.2f", "share": ".1%"}

SHADE = "shade"  # the colour field of a heatmap: log2 of its ratio, clamped

_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def base_config() -> dict[str, Any]:
    """Shared look: system fonts (nothing to download), readable axes, the Okabe–Ito range."""
    return {
        "font": _FONT,
        "axis": {"labelFontSize": 12, "titleFontSize": 12, "gridColor": "#e5e5e5"},
        "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom"},
        "range": {"category": list(OKABE_ITO)},
        "view": {"stroke": None},
        "bar": {"color": OKABE_ITO[3]},
        "line": {"color": OKABE_ITO[3]},
        "point": {"color": OKABE_ITO[3]},
    }


def records(table: pa.Table, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """Rows of an Arrow table as JSON-ready dicts (times as ISO strings, decimals as floats)."""
    chosen = table.select(columns) if columns else table
    return [{key: _json_value(value) for key, value in row.items()} for row in chosen.to_pylist()]


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    return value


def _spec(description: str, values: list[dict[str, Any]], **body: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "description": description,
        "data": {"values": values},
        "width": "container",
        "config": base_config(),
    }
    spec.update(body)
    return spec


def time_series(
    table: pa.Table,
    *,
    time: str,
    value: str,
    series: str | None = None,
    time_label: str = "Date",
    value_label: str = "Count",
    series_label: str = "Series",
    description: str = "",
    height: int = 260,
    scale: str = "count",
) -> dict[str, Any]:
    """A line per series over time; `time` holds ISO dates or times, read as UTC.

    `scale` says what the values are, so the axis fits them: "count" (whole numbers from zero),
    "score" (from −1 to 1, such as sentiment, with its zero line) or "share" (0–1, shown as %).
    """
    columns = [time, value] + ([series] if series else [])
    encoding: dict[str, Any] = {
        "x": {"field": time, "type": "temporal", "title": time_label, "scale": {"type": "utc"},
              "axis": {"format": "%d %b %Y", "labelOverlap": True}},
        "y": {"field": value, "type": "quantitative", "title": value_label, **VALUE_AXES[scale]},
        "tooltip": [
            {"field": time, "type": "temporal", "title": time_label, "scale": {"type": "utc"}, "format": "%d %b %Y"},
            {"field": value, "type": "quantitative", "title": value_label, "format": VALUE_FORMATS[scale]},
        ],
    }
    if series:
        encoding["color"] = {"field": series, "type": "nominal", "title": series_label}
        encoding["tooltip"].insert(0, {"field": series, "type": "nominal", "title": series_label})
    return _spec(
        description,
        records(table, columns),
        height=height,
        mark={"type": "line", "point": True, "interpolate": "monotone"},
        encoding=encoding,
    )


def bar_chart(
    table: pa.Table,
    *,
    category: str,
    value: str,
    category_label: str = "Category",
    value_label: str = "Count",
    description: str = "",
    color: str = OKABE_ITO[3],
) -> dict[str, Any]:
    """Horizontal bars, largest first: easy to read long labels such as hashtags or handles."""
    values = records(table, [category, value])
    return _spec(
        description,
        values,
        height={"step": 22},
        mark={"type": "bar", "color": color},
        encoding={
            "y": {"field": category, "type": "nominal", "title": category_label, "sort": "-x",
                  "axis": {"labelLimit": 360}},
            "x": {"field": value, "type": "quantitative", "title": value_label, "axis": dict(COUNT_AXIS)},
            "tooltip": [
                {"field": category, "type": "nominal", "title": category_label},
                {"field": value, "type": "quantitative", "title": value_label, "format": ","},
            ],
        },
    )


def stacked_bar_chart(
    table: pa.Table,
    *,
    category: str,
    value: str,
    series: str,
    category_label: str = "Category",
    value_label: str = "Count",
    series_label: str = "Series",
    description: str = "",
) -> dict[str, Any]:
    """Horizontal bars split by a nominal series (for example posts per platform and kind)."""
    return _spec(
        description,
        records(table, [category, value, series]),
        height={"step": 22},
        mark={"type": "bar"},
        encoding={
            "y": {"field": category, "type": "nominal", "title": category_label, "sort": "-x",
                  "axis": {"labelLimit": 360}},
            "x": {"field": value, "type": "quantitative", "title": value_label, "stack": "zero",
                  "axis": dict(COUNT_AXIS)},
            "color": {"field": series, "type": "nominal", "title": series_label},
            "tooltip": [
                {"field": category, "type": "nominal", "title": category_label},
                {"field": series, "type": "nominal", "title": series_label},
                {"field": value, "type": "quantitative", "title": value_label, "format": ","},
            ],
        },
    )


def mixing_heatmap(
    table: pa.Table,
    *,
    source: str,
    target: str,
    value: str,
    source_label: str = "From",
    target_label: str = "To",
    value_label: str = "Observed / expected",
    extra: tuple[tuple[str, str], ...] = (),
    description: str = "",
) -> dict[str, Any]:
    """A heatmap of a ratio around 1, each cell labelled with its value: orange above 1, blue below.

    The colour follows log2 of the ratio, clamped to 1/8..8, so 2× and ½ look equally strong and
    one extreme cell does not wash out the rest. `extra` names further (field, title) pairs for
    the tooltip, such as observed and expected counts. Rows and columns keep the order in which
    groups first appear in `table`.
    """
    values = records(table, [source, target, value, *(name for name, _ in extra)])
    for row in values:
        ratio = row[value]
        row[SHADE] = None if ratio is None else max(-3.0, min(3.0, math.log2(ratio) if ratio > 0 else -3.0))
    order = list(dict.fromkeys([row[source] for row in values] + [row[target] for row in values]))
    tooltip: list[dict[str, Any]] = [
        {"field": source, "type": "nominal", "title": source_label},
        {"field": target, "type": "nominal", "title": target_label},
        {"field": value, "type": "quantitative", "title": value_label, "format": ".2f"},
        *({"field": name, "type": "quantitative", "title": title, "format": ",.1f"} for name, title in extra),
    ]
    return _spec(
        description,
        values,
        height={"step": 34},
        encoding={
            "y": {"field": source, "type": "nominal", "title": source_label, "sort": order,
                  "axis": {"labelLimit": 180}},
            "x": {"field": target, "type": "nominal", "title": target_label, "sort": order,
                  "axis": {"labelLimit": 180, "labelAngle": -40}},
            "tooltip": tooltip,
        },
        layer=[
            {"mark": {"type": "rect", "stroke": "#ffffff", "strokeWidth": 1},
             "encoding": {"color": {"field": SHADE, "type": "quantitative", "legend": None,
                                    "scale": {"scheme": "blueorange", "domain": [-3, 3], "domainMid": 0}}}},
            {"mark": {"type": "text", "fontSize": 11},
             "encoding": {"text": {"field": value, "type": "quantitative", "format": ".1f"},
                          "color": {"condition": {"test": f"abs(datum.{SHADE}) > 2", "value": "#ffffff"},
                                    "value": "#1b1b1b"}}},
        ],
    )
