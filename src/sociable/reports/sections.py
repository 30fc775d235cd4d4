"""Report sections: what a section holds, the registry, and the context sections are built from.

A section is a function `(ctx: ReportContext, result) -> Section | None` registered with
`@section(name, title, order, analysis=...)`: it receives the typed result of its analysis
(run once, in the report's Scope) and returns None when it has nothing to show. Built-in and later
sections (map, dialogue, listening, chats, safety) register the same way, so the report never
lists them by hand. An analysis registered with `sociable.analyses.base.analysis` that has no
section of the same name is shown generically: its notes, facts, measures and tables.

A section that needs its own markup (an interactive network, a transcript) puts a template in
sociable/reports/templates and returns a `Fragment(template, context)`; the template embeds data
with `{{ value | script_json }}` inside `<script type="application/json">`, and the section names
the vendored libraries it needs in `Section.assets` (e.g. "graphology.umd.min.js", "sigma.min.js").
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from sociable.analyses.base import AnalysisSpec, Measure, Result, get_analysis, registered_analyses, sharing_work
from sociable.errors import SociableError
from sociable.reports import readable
from sociable.store.scope import Scope

if TYPE_CHECKING:
    from sociable.store import Workspace


# ---------------------------------------------------------------------- blocks


@dataclass(frozen=True, slots=True)
class Chart:
    """A Vega-Lite chart with its title, a one-sentence reading and the definitions it uses."""

    title: str
    spec: dict[str, Any]
    reading: str
    measures: tuple[Measure, ...] = ()
    data: pa.Table | None = None  # shown as a table under the chart, for screen readers and print
    data_labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Table:
    """A sortable table from an Arrow table; `labels` maps column names to headers."""

    caption: str
    table: pa.Table
    labels: dict[str, str] = field(default_factory=dict)
    reading: str = ""
    measures: tuple[Measure, ...] = ()
    max_rows: int = 200
    searchable: bool = False  # a search box above the table filters its rows as the reader types


@dataclass(frozen=True, slots=True)
class Paragraph:
    """Plain text; always escaped."""

    text: str


@dataclass(frozen=True, slots=True)
class Figures:
    """Headline numbers shown as a row of figures, each with the definition behind it."""

    items: tuple[tuple[Measure, str], ...]  # (measure, value already formatted)


@dataclass(frozen=True, slots=True)
class Definitions:
    """A definition list of measures (the glossary in the method notes uses it)."""

    measures: tuple[Measure, ...]


@dataclass(frozen=True, slots=True)
class Fragment:
    """HTML from one of our own templates (in sociable/reports/templates), rendered with escaping on.

    This is the only way to put markup into a section, so data never becomes markup: the
    template decides the structure and every value passed in `context` is escaped.
    """

    template: str
    context: dict[str, Any] = field(default_factory=dict)


Block = Chart | Table | Paragraph | Figures | Definitions | Fragment


@dataclass(slots=True)
class Section:
    """One part of the report: a title, its "what this shows" line (`intro`) and its blocks.

    `assets` names vendored files from sociable/reports/static that the section's fragments
    need (for example "graphology.umd.min.js", "sigma.min.js"); each is inlined once.
    `key_points` are one or two sentences, each with the few numbers that matter, that the
    report's Summary shows at the top with a link down to the section.
    """

    title: str
    intro: str
    blocks: list[Block] = field(default_factory=list)
    assets: tuple[str, ...] = ()
    name: str = ""
    order: int = 100
    key_points: tuple[str, ...] = ()

    def measures(self) -> list[Measure]:
        """Every measure the section's blocks define, in order of appearance."""
        found: list[Measure] = []
        for block in self.blocks:
            if isinstance(block, Chart | Table | Definitions):
                found.extend(block.measures)
            elif isinstance(block, Figures):
                found.extend(measure for measure, _ in block.items)
        return [measure for measure in found if measure.definition]


# ---------------------------------------------------------------------- context


@dataclass(slots=True)
class ReportContext:
    """What sections are built from: the workspace, one Scope, report-wide options, and results run once.

    `options` holds values given to the whole report (for example `organisations` from
    `--org FILE`); each analysis receives those of them it declares, by name, never by guessing.
    """

    workspace: Workspace
    scope: Scope = field(default_factory=Scope)
    options: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)  # per-analysis options (web filters)
    results: dict[str, Result | SociableError] = field(default_factory=dict)
    shown_measures: list[Measure] = field(default_factory=list)
    section_link: str = "#section-{name}"  # where a link to a section goes (the web app: its view's page)

    def query(self, sql: str, params: Any = None) -> pa.Table:
        return self.workspace.query(sql, params or None)

    def __post_init__(self) -> None:
        # The report draws the network, so an analysis that can lay it out is asked to.
        self.options.setdefault("with_layout", True)

    def has_table(self, name: str) -> bool:
        """Whether the workspace holds a table or view (older or partial workspaces may lack some)."""
        rows = self.query("SELECT count(*) FROM information_schema.tables WHERE table_name = $name", {"name": name})
        return bool(rows.column(0)[0].as_py())

    def post_condition(self, alias: str = "p") -> tuple[str, dict[str, Any]]:
        """The scope as a SQL condition over posts, with its named parameters."""
        return self.scope.condition(alias), self.scope.params()

    def options_for(self, spec: AnalysisSpec) -> dict[str, Any]:
        """The report-wide options this analysis declares, then the ones chosen for it alone."""
        declared = {option.name for option in spec.options}
        chosen = {name: value for name, value in self.options.items() if name in declared}
        chosen.update(self.overrides.get(spec.name, {}))
        return chosen

    def result(self, name: str) -> Result | SociableError:
        """Run a registered analysis once (cached); a SociableError is kept to be shown, not raised."""
        if name not in self.results:
            spec = get_analysis(name)
            try:
                self.results[name] = spec.run(self.workspace, self.scope, **self.options_for(spec))
            except SociableError as exc:
                self.results[name] = exc
        return self.results[name]


# ---------------------------------------------------------------------- registry

SectionFunction = Callable[[ReportContext, Any], "Section | None"]


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """A report section; with `analysis`, it receives that analysis's result (run once, in scope)."""

    name: str
    title: str
    order: int
    function: SectionFunction
    analysis: str | None = None
    gathers: bool = False


_SECTIONS: dict[str, SectionSpec] = {}


def section(
    name: str, title: str, order: int = 100, analysis: str | None = None, gathers: bool = False,
) -> Callable[[SectionFunction], SectionFunction]:
    """Register a report section `(ctx, result) -> Section | None`.

    With `analysis`, the section receives that analysis's typed result (or is replaced by a
    sentence when it could not run); without, it receives None. A section named like an
    analysis replaces that analysis's generic view. With `gathers`, the section is built after
    every other one and receives the list of them (the Summary gathers their key points).
    """

    def register(function: SectionFunction) -> SectionFunction:
        _SECTIONS[name] = SectionSpec(name, title, order, function, analysis, gathers)
        return function

    return register


def unregister_section(name: str) -> None:
    """Remove a section from the registry (for plug-ins that are switched off, and tests)."""
    _SECTIONS.pop(name, None)


def registered_sections() -> list[SectionSpec]:
    _load_builtin_sections()
    return sorted(_SECTIONS.values(), key=lambda spec: (spec.order, spec.name))


SectionProgress = Callable[[int, int, str], None]
"""Told (sections built, sections in all, the name of the last one) as a report is built."""


def build_sections(ctx: ReportContext, progress: SectionProgress | None = None) -> list[Section]:
    """Build every registered section and every analysis without one, in order, skipping empty ones."""
    ctx.scope = ctx.workspace.check_scope(ctx.scope)
    sections: list[Section] = []
    builders = section_builders()
    gathering = [spec for spec in registered_sections() if spec.gathers]
    total = len(builders) + len(gathering)
    with sharing_work():  # work two analyses need (dialogue's counts, for maturity too) is done once
        for done, (name, order, build) in enumerate(builders, start=1):
            _add_built(ctx, sections, name, order, build(ctx))
            # A section keeps what it shows; the result behind it (a large map's every tie) is let go
            # before the next analysis runs, so a report holds one analysis's working data at a time.
            ctx.results.clear()
            if progress is not None:
                progress(done, total, name)
    for done, spec in enumerate(gathering, start=len(builders) + 1):
        _add_built(ctx, sections, spec.name, spec.order, spec.function(ctx, list(sections)))
        if progress is not None:
            progress(done, total, spec.name)
    return sorted(sections, key=lambda built: built.order)


def _add_built(ctx: ReportContext, sections: list[Section], name: str, order: int, built: Section | None) -> None:
    if built is None:
        return
    built.name, built.order = name, order
    ctx.shown_measures.extend(built.measures())
    sections.append(built)


SectionBuilder = Callable[[ReportContext], "Section | None"]


def section_builders() -> list[tuple[str, int, SectionBuilder]]:
    """(name, order, build) for every section and every analysis shown generically, in report order."""
    _load_builtin_sections()
    builders: list[tuple[int, str, SectionBuilder]] = []
    for spec in registered_sections():
        if not spec.gathers:
            builders.append((spec.order, spec.name, _bound(spec)))
    for analysis_spec in registered_analyses():
        if analysis_spec.name not in _SECTIONS:
            builders.append((analysis_spec.order, analysis_spec.name, _generic(analysis_spec)))
    return [(name, order, build) for order, name, build in sorted(builders, key=lambda item: (item[0], item[1]))]


def _bound(spec: SectionSpec) -> SectionBuilder:
    def build(ctx: ReportContext) -> Section | None:
        if spec.analysis is None:
            return spec.function(ctx, None)
        result = ctx.result(spec.analysis)
        if isinstance(result, SociableError):
            return Section(spec.title, "", [Paragraph(f"This analysis could not run: {result}")])
        return spec.function(ctx, result)

    return build


def _generic(spec: AnalysisSpec) -> SectionBuilder:
    return lambda ctx: analysis_section(spec, ctx.result(spec.name))


def analysis_section(spec: AnalysisSpec, result: Result | SociableError) -> Section | None:
    """The generic view of an analysis: its notes, facts, then each table, with its measures defined."""
    if isinstance(result, SociableError):
        return Section(spec.title, spec.description, [Paragraph(f"This analysis could not run: {result}")])
    blocks: list[Block] = [Paragraph(note) for note in result.notes]
    figures = _fact_figures(result)
    if figures is not None:
        blocks.append(figures)
    for index, (table_name, info) in enumerate(result.table_fields()):
        data = getattr(result, table_name)
        measures = _measures_for(data, result.measures) if index else tuple(result.measures)
        blocks.append(Table(info.title, data, labels=dict(info.columns), reading=info.reading, measures=measures))
    if not result.table_fields() and result.measures:
        blocks.append(Definitions(tuple(result.measures)))
    if not blocks:
        return None
    return Section(result.title or spec.title, result.description or spec.description, blocks)


def _fact_figures(result: Result) -> Figures | None:
    """Scalar facts as headline figures, each with the definition of its measure."""
    items: list[tuple[Measure, str]] = []
    for name, info in result.fact_fields():
        value = getattr(result, name)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            continue
        styled = readable.cell_text(name, value)
        shown = styled if styled is not None else (
            f"{value:,}" if isinstance(value, int) else f"{value:,.3g}" if isinstance(value, float) else value)
        measure = result.measure(info.measure or name)
        items.append((Measure(info.title, measure.definition if measure else ""), shown))
    return Figures(tuple(items)) if items else None


def _measures_for(table: pa.Table, measures: tuple[Measure, ...]) -> tuple[Measure, ...]:
    """Measures named like one of a table's columns (the first table carries all of them)."""
    columns = {name.lower() for name in table.column_names}
    return tuple(m for m in measures if m.name.lower().replace(" ", "_") in columns)


def _load_builtin_sections() -> None:
    """Import every module of sociable.analyses and sociable.reports, so each registers itself.

    A new analysis or section appears in the report by existing, without a list to edit.
    """
    import sociable.analyses
    import sociable.reports

    for package in (sociable.analyses, sociable.reports):
        for module in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
