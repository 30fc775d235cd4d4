"""Cascades in pictures: a timeline of reactions stacked by stance, the tree drawn, size against virality.

Every picture is a Vega-Lite spec with its data inline (the report's charts, so offline and
escaped: data reaches the page only as JSON made safe for a script element). `cascade_section`
builds one cascade's section, shown by `sociable cascade -o cascade.html` (a page of its own),
the report's Cascades section and the web app's one-cascade page.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa

from sociable.analyses.base import Measure
from sociable.analyses.cascades.analysis import CascadesResult
from sociable.analyses.cascades.one import Cascade
from sociable.reports.charts import COUNT_AXIS, OKABE_ITO, base_config
from sociable.reports.html import render_sections
from sociable.reports.sections import Block, Chart, Figures, Paragraph, Section, Table

STANCE_COLOURS: dict[str, str] = {"claim": OKABE_ITO[7], "support": OKABE_ITO[4], "deny": OKABE_ITO[2],
                                  "query": OKABE_ITO[0], "comment": OKABE_ITO[1]}
MAX_DRAWN = 2000
STEPS = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 86400, 7 * 86400)  # bar widths in seconds
POST_LABELS = {"post_id": "Post", "handle": "By", "kind": "Kind", "depth": "Depth", "created_at": "Posted",
               "stance": "Stance", "confidence": "Confidence", "authority": "Authority", "text": "Text"}
CORRECTION_LABELS = {"handle": "By", "authority": "Authority", "stance": "Stance",
                     "minutes_after_root": "Minutes after root", "rate_before": "Reactions/h before",
                     "rate_after": "Reactions/h after", "deny_query_before": "Deny+query before",
                     "deny_query_after": "Deny+query after", "text": "Text"}


def _colour_scale() -> dict[str, Any]:
    return {"domain": list(STANCE_COLOURS), "range": list(STANCE_COLOURS.values())}


def _short(text: str | None, limit: int = 140) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def timeline_chart(posts: list[dict[str, Any]], corrections: list[dict[str, Any]]) -> Chart:
    """Reactions per interval, stacked by stance, with each correction marked by a rule."""
    reactions = [p for p in posts if p["kind"] != "root" and p["created_at"] is not None]
    root = next((p for p in posts if p["kind"] == "root"), None)
    start = root["created_at"] if root and root["created_at"] else min(p["created_at"] for p in reactions)
    end = max([p["created_at"] for p in reactions] + [start])
    span = (end - start).total_seconds()
    step = next((s for s in STEPS if span / s <= 48), STEPS[-1])
    counts: dict[tuple[datetime, str], int] = {}
    for p in reactions:
        bucket = start + timedelta(seconds=step * int(max((p["created_at"] - start).total_seconds(), 0) // step))
        counts[(bucket, p["stance"])] = counts.get((bucket, p["stance"]), 0) + 1
    rows = [{"time": t.isoformat(), "stance": s, "reactions": n} for (t, s), n in sorted(counts.items())]
    bars = int(span // step) + 1
    marks = [{"time": c["corrected_at"].isoformat(), "who": f"@{c['handle'] or '?'} ({c['authority']})"}
             for c in corrections]
    width = f"{step // 3600} h" if step >= 3600 else f"{step // 60} min"
    spec = {
        "description": f"Reactions every {width}, stacked by stance; vertical lines mark corrections.",
        "width": "container", "height": 240, "config": base_config(),
        "layer": [
            {"data": {"values": rows}, "mark": {"type": "bar", "width": max(2, 560 // bars - 1), "align": "left"},
             "encoding": {
                 "x": {"field": "time", "type": "temporal", "title": f"Time (UTC, {width} bars)",
                       "scale": {"type": "utc"}, "axis": {"format": "%d %b %H:%M", "labelOverlap": True}},
                 "y": {"field": "reactions", "type": "quantitative", "title": "Reactions", "stack": "zero",
                       "axis": dict(COUNT_AXIS)},
                 "color": {"field": "stance", "type": "nominal", "title": "Stance", "scale": _colour_scale()},
                 "tooltip": [{"field": "time", "type": "temporal", "title": "From", "format": "%d %b %H:%M",
                              "scale": {"type": "utc"}},
                             {"field": "stance", "type": "nominal", "title": "Stance"},
                             {"field": "reactions", "type": "quantitative", "title": "Reactions"}]}},
            {"data": {"values": marks}, "mark": {"type": "rule", "strokeWidth": 2, "strokeDash": [4, 3],
                                                 "color": "#1b1b1b"},
             "encoding": {"x": {"field": "time", "type": "temporal", "scale": {"type": "utc"}},
                          "tooltip": [{"field": "who", "type": "nominal", "title": "Correction by"}]}},
        ],
    }
    return Chart("Reactions over time, by stance", spec,
                 "Each bar counts the reactions that arrived in that interval, coloured by their stance toward the "
                 "claim; dashed lines mark corrections.", (), pa.Table.from_pylist(rows) if rows else None,
                 {"time": "From (UTC)", "stance": "Stance", "reactions": "Reactions"})


def tree_chart(posts: list[dict[str, Any]]) -> Chart:
    """The tree in layers (depth down the page), posts coloured by stance, authorities as diamonds."""
    drawn = sorted(posts, key=lambda p: (p["depth"], p["created_at"] or datetime.min))[:MAX_DRAWN]
    place = {p["i"]: p for p in drawn}
    nodes = [{"x": p["x"], "depth": p["depth"], "stance": p["stance"] or "claim", "kind": p["kind"],
              "who": f"@{p['handle']}" if p["handle"] else p["account_id"],
              "role": p["authority"] or "other", "text": _short(p["text"])} for p in drawn]
    edges = [{"x": place[p["parent_i"]]["x"], "depth": place[p["parent_i"]]["depth"], "x2": p["x"],
              "depth2": p["depth"]} for p in drawn if p["parent_i"] in place]
    y = {"field": "depth", "type": "quantitative", "title": "Depth (steps from the claim)",
         "scale": {"reverse": True}, "axis": {"tickMinStep": 1, "format": "d"}}
    spec = {
        "description": "The cascade's tree: the claim at the top, each reaction under the post it reacts to.",
        "width": "container", "height": max(160, 70 * (max((p["depth"] for p in drawn), default=0) + 1)),
        "config": base_config(),
        "layer": [
            {"data": {"values": edges}, "mark": {"type": "rule", "color": "#9a9a9a", "strokeWidth": 0.8},
             "encoding": {"x": {"field": "x", "type": "quantitative", "axis": None, "scale": {"domain": [0, 1]}},
                          "y": y, "x2": {"field": "x2"}, "y2": {"field": "depth2"}}},
            {"data": {"values": nodes}, "mark": {"type": "point", "filled": True, "opacity": 0.9},
             "encoding": {
                 "x": {"field": "x", "type": "quantitative", "axis": None, "scale": {"domain": [0, 1]}}, "y": y,
                 "color": {"field": "stance", "type": "nominal", "title": "Stance", "scale": _colour_scale()},
                 "shape": {"field": "role", "type": "nominal", "title": "Account",
                           "scale": {"domain": ["other", "police", "NHS organisation", "council", "regulator",
                                                "fact-checker", "named"],
                                     "range": ["circle", "diamond", "diamond", "diamond", "diamond", "diamond",
                                               "diamond"]}},
                 "size": {"condition": {"test": "datum.role !== 'other' || datum.kind === 'root'", "value": 160},
                          "value": 40},
                 "tooltip": [{"field": "who", "title": "By"}, {"field": "kind", "title": "Kind"},
                             {"field": "stance", "title": "Stance"}, {"field": "role", "title": "Account"},
                             {"field": "text", "title": "Text"}]}},
        ],
    }
    reading = ("Each dot is a post, placed under the post it replies to, quotes or reposts; colour is its stance "
               "toward the claim, diamonds are authoritative accounts.")
    if len(posts) > MAX_DRAWN:
        reading += f" The {MAX_DRAWN:,} posts nearest the claim are drawn, of {len(posts):,}."
    return Chart("The spread tree", spec, reading)


def virality_chart(result: CascadesResult) -> Chart:
    """Size against structural virality for every cascade in scope."""
    data = result.spread.filter(pa.compute.is_valid(result.spread.column("structural_virality")))
    data = data.sort_by([("size", "descending")]).slice(0, 5000)
    values = [{"root": r["root"], "size": r["size"], "structural_virality": r["structural_virality"],
               "depth": r["depth"]} for r in data.to_pylist()]
    spec = {
        "description": "Each point is a cascade: its size against its structural virality.",
        "width": "container", "height": 280, "config": base_config(), "data": {"values": values},
        "mark": {"type": "point", "filled": True, "opacity": 0.6},
        "encoding": {
            "x": {"field": "size", "type": "quantitative", "title": "Size (posts)", "scale": {"type": "log"}},
            "y": {"field": "structural_virality", "type": "quantitative", "title": "Structural virality"},
            "tooltip": [{"field": "root", "title": "Root"}, {"field": "size", "title": "Size"},
                        {"field": "depth", "title": "Depth"},
                        {"field": "structural_virality", "title": "Structural virality", "format": ".2f"}]},
    }
    return Chart("Size against structural virality", spec,
                 "Broadcasts sit low (one account reached many directly); person-to-person spread sits high.",
                 _pick(result.measures, "size", "structural_virality"))


def _pick(measures: tuple[Measure, ...], *names: str) -> tuple[Measure, ...]:
    return tuple(m for m in measures if m.name in names)


def cascade_blocks(cascade: Cascade) -> list[Block]:
    """One cascade's figures, timeline, tree, corrections and posts."""
    s = cascade.summary
    measures = cascade.measures
    figures = [(m, value) for m, value in (
        (_one(measures, "size"), f"{s['size']:,}"), (_one(measures, "depth"), str(s["depth"])),
        (_one(measures, "max_breadth"), f"{s['max_breadth']:,}"),
        (_one(measures, "structural_virality"), "–" if s["structural_virality"] is None
         else f"{s['structural_virality']:.2f}"),
        (_one(measures, "half_life"), "–" if s["half_life"] is None else f"{s['half_life']:g} min"),
    ) if m is not None]
    blocks: list[Block] = [Paragraph(f"Claim by @{s['handle'] or '?'}: {_short(s['text'], 280)}"),
                           Figures(tuple(figures))]
    blocks += [Paragraph(note) for note in cascade.notes]
    blocks += [timeline_chart(cascade.posts, cascade.corrections), tree_chart(cascade.posts)]
    if cascade.corrections:
        blocks.append(Table("Corrections", pa.Table.from_pylist(cascade.corrections).select(list(CORRECTION_LABELS)),
                            CORRECTION_LABELS, measures=_pick(measures, "correction", "rate")))
    rows = [{k: p[k] for k in POST_LABELS} for p in cascade.posts]
    blocks.append(Table("Posts", pa.Table.from_pylist(rows), POST_LABELS, measures=_pick(measures, "stance"),
                        max_rows=500))
    return blocks


def _one(measures: tuple[Measure, ...], name: str) -> Measure | None:
    return next((m for m in measures if m.name == name), None)


def cascade_section(cascade: Cascade) -> Section:
    s = cascade.summary
    return Section(f"Cascade from @{s['handle'] or '?'}",
                   f"{s['size']:,} posts: {s['replies']:,} replies, {s['quotes']:,} quotes and {s['reposts']:,} "
                   f"reposts, from {s['accounts']:,} accounts.", cascade_blocks(cascade))


def cascade_html(cascade: Cascade) -> str:
    """One cascade as a self-contained HTML page (everything inlined, all text escaped)."""
    return render_sections([cascade_section(cascade)], title=f"Cascade {cascade.summary['root']}")
