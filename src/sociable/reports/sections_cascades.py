"""Report section: Cascades — size against structural virality, the cascades, corrections, and the largest drawn."""

from __future__ import annotations

from sociable.analyses.cascades.analysis import CascadesResult
from sociable.analyses.cascades.corrections import describe
from sociable.analyses.cascades.one import Cascade, layout_posts
from sociable.reports.cascades import cascade_blocks, virality_chart
from sociable.reports.sections import Block, Figures, Paragraph, ReportContext, Section, Table, section

CASCADE_LABELS = {"root": "Root", "handle": "By", "size": "Size", "depth": "Depth", "max_breadth": "Max breadth",
                  "structural_virality": "Structural virality", "time_to_10": "To 10 (min)",
                  "half_life": "Half-life (min)", "support": "Support", "deny": "Deny", "query": "Query",
                  "comment": "Comment", "corrected": "Corrected"}
CORRECTION_LABELS = {"cascade": "Cascade", "handle": "By", "authority": "Authority", "stance": "Stance",
                     "minutes_after_root": "Minutes after root", "rate_before": "Reactions/h before",
                     "rate_after": "Reactions/h after", "deny_query_before": "Deny+query before",
                     "deny_query_after": "Deny+query after"}


@section("cascades", "Cascades", order=70, analysis="cascades")
def cascades_section(ctx: ReportContext, result: CascadesResult) -> Section | None:
    """How far posts spread, how, who questioned them, and the largest cascade drawn."""
    if not result.cascade_count:
        return None
    blocks: list[Block] = [Paragraph(line) for line in result.headline()]
    blocks += [Paragraph(note) for note in result.notes]
    blocks.append(Figures(tuple((m, value) for m, value in (
        (result.measure("size"), f"{result.largest:,}"),
        (result.measure("orphans"), f"{result.orphans:,}"),
    ) if m is not None)))
    blocks.append(virality_chart(result))
    blocks.append(Table("The largest cascades", result.cascade_table.select(list(CASCADE_LABELS)), CASCADE_LABELS,
                        measures=tuple(m for m in result.measures if m.name in (
                            "size", "depth", "max_breadth", "structural_virality", "time_to", "half_life",
                            "stance"))))
    if result.corrections.num_rows:
        blocks.append(Table("Corrections and what followed", result.corrections.select(list(CORRECTION_LABELS)),
                            CORRECTION_LABELS, measures=tuple(m for m in result.measures
                                                              if m.name in ("correction", "rate"))))
    largest = largest_cascade(result)
    if largest is not None:
        blocks.append(Paragraph(f"The largest cascade, from @{largest.summary['handle'] or '?'}:"))
        blocks += cascade_blocks(largest)[1:]
    return Section("Cascades", "How posts spread through replies, quotes and reposts, who supported, denied or "
                   "queried them, and what followed a correction.", blocks)


def largest_cascade(result: CascadesResult) -> Cascade | None:
    """The largest cascade of a result, rebuilt from the reactions it carries."""
    if not result.cascade_table.num_rows or not result.reactions.num_rows:
        return None
    summary = result.cascade_table.to_pylist()[0]
    posts = result.reactions.to_pylist()
    layout_posts(posts)
    corrections = [c for c in result.corrections.to_pylist() if c["cascade"] == summary["root"]]
    return Cascade(summary, posts, corrections, [describe(c) for c in corrections])
