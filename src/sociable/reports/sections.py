"""Report sections: what a section holds, the registry, and the context sections are built from.

A section is a function `(ctx: ReportContext) -> Section | None` registered with
`@section(name, title, order)`; it returns None when it has nothing to show. Built-in and later
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
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import pyarrow as pa

from sociable.analyses.base import AnalysisResult, AnalysisSpec, Measure, registered_analyses
from sociable.errors import NoSuchCollection, SociableError


class Queryable(Protocol):
    """What a report reads from: a workspace, or anything answering SQL with Arrow tables."""

    def query(self, sql: str, params: Any = None) -> pa.Table: ...


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
    """One part of the report: a title, an intro sentence and its blocks.

    `assets` names vendored files from sociable/reports/static that the section's fragments
    need (for example "graphology.umd.min.js", "sigma.min.js"); each is inlined once.
    """

    title: str
    intro: str
    blocks: list[Block] = field(default_factory=list)
    assets: tuple[str, ...] = ()
    name: str = ""
    order: int = 100

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
    """What sections are built from: the workspace, the collection filter, cached analyses."""

    workspace: Queryable
    collection: str | None = None
    organisations: tuple[Any, ...] = ()  # dialogue.Organisation values from `sociable report --org FILE`
    results: dict[str, AnalysisResult | SociableError] = field(default_factory=dict)
    shown_measures: list[Measure] = field(default_factory=list)
    _tables: set[str] | None = None

    def query(self, sql: str, params: list[Any] | None = None) -> pa.Table:
        return self.workspace.query(sql, params or None)

    def has_table(self, name: str) -> bool:
        """Whether the workspace holds a table (older or partial workspaces may lack some)."""
        if self._tables is None:
            rows = self.query("SELECT table_name FROM information_schema.tables")
            self._tables = {str(value) for value in rows.column(0).to_pylist()}
        return name in self._tables

    def post_filter(self, alias: str = "p") -> tuple[str, list[Any]]:
        """A SQL condition (with parameters) keeping the posts of the chosen collection."""
        if self.collection is None:
            return "TRUE", []
        condition = (
            f"EXISTS (SELECT 1 FROM collections c WHERE c.name = ? AND c.platform = {alias}.platform "
            f"AND c.post_id = {alias}.post_id)"
        )
        return condition, [self.collection]

    def require_collection(self) -> None:
        """Raise NoSuchCollection when a collection was asked for that the workspace does not hold."""
        if self.collection is None:
            return
        known: list[str] = []
        if self.has_table("collections"):
            rows = self.query("SELECT DISTINCT name FROM collections ORDER BY name")
            known = [str(name) for name in rows.column(0).to_pylist()]
        if self.collection not in known:
            hint = f"the collections are: {', '.join(known)}" if known else "there are no collections yet"
            raise NoSuchCollection(f"there is no collection called '{self.collection}'; {hint}.")

    def options_for(self, function: Callable[..., Any]) -> dict[str, Any]:
        return _options_for(self, function)

    def analysis(self, spec: AnalysisSpec) -> AnalysisResult | SociableError:
        """Run a registered analysis once (cached); a SociableError is kept to be shown, not raised."""
        if spec.name not in self.results:
            try:
                self.results[spec.name] = spec.function(self.workspace, **self.options_for(spec.function))
            except SociableError as exc:
                self.results[spec.name] = exc
        return self.results[spec.name]


def _options_for(ctx: ReportContext, function: Callable[..., Any]) -> dict[str, Any]:
    """The report's filters, as the keyword arguments a given analysis function accepts."""
    options: dict[str, Any] = {}
    if ctx.collection is not None and _accepts(function, "collection"):
        options["collection"] = ctx.collection
    if ctx.organisations and _accepts(function, "organisations"):
        options["organisations"] = ctx.organisations
    if ctx.organisations and _accepts(function, "target"):
        from sociable.analyses.listening import Target

        options["target"] = Target(tuple(ctx.organisations))
    return options


def _accepts(function: Callable[..., Any], name: str) -> bool:
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == name or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


# ---------------------------------------------------------------------- registry

SectionFunction = Callable[[ReportContext], Section | None]


@dataclass(frozen=True, slots=True)
class SectionSpec:
    name: str
    title: str
    order: int
    function: SectionFunction


_SECTIONS: dict[str, SectionSpec] = {}


def section(name: str, title: str, order: int = 100) -> Callable[[SectionFunction], SectionFunction]:
    """Register a report section; a section named like an analysis replaces its generic view."""

    def register(function: SectionFunction) -> SectionFunction:
        _SECTIONS[name] = SectionSpec(name, title, order, function)
        return function

    return register


def unregister_section(name: str) -> None:
    """Remove a section from the registry (for plug-ins that are switched off, and tests)."""
    _SECTIONS.pop(name, None)


def registered_sections() -> list[SectionSpec]:
    return sorted(_SECTIONS.values(), key=lambda spec: (spec.order, spec.name))


def build_sections(ctx: ReportContext) -> list[Section]:
    """Build every registered section and every analysis without one, in order, skipping empty ones."""
    _load_builtin_sections()
    ctx.require_collection()
    builders: list[tuple[int, str, Callable[[], Section | None]]] = []
    for spec in registered_sections():
        builders.append((spec.order, spec.name, _bind(spec.function, ctx)))
    for analysis_spec in registered_analyses():
        if analysis_spec.name not in _SECTIONS:
            builders.append((analysis_spec.order, analysis_spec.name, _bind_generic(analysis_spec, ctx)))
    sections: list[Section] = []
    for order, name, build in sorted(builders, key=lambda item: (item[0], item[1])):
        built = build()
        if built is None:
            continue
        built.name, built.order = name, order
        ctx.shown_measures.extend(built.measures())
        sections.append(built)
    return sections


def _bind(function: SectionFunction, ctx: ReportContext) -> Callable[[], Section | None]:
    return lambda: function(ctx)


def _bind_generic(spec: AnalysisSpec, ctx: ReportContext) -> Callable[[], Section | None]:
    return lambda: analysis_section(spec, ctx.analysis(spec))


def analysis_section(spec: AnalysisSpec, result: AnalysisResult | SociableError) -> Section | None:
    """The generic view of an analysis: its notes, then each table, with its measures defined."""
    if isinstance(result, SociableError):
        return Section(spec.title, spec.description, [Paragraph(f"This analysis could not run: {result}")])
    blocks: list[Block] = [Paragraph(note) for note in result.notes]
    figures = _fact_figures(result)
    if figures is not None:
        blocks.append(figures)
    for index, (table_name, table) in enumerate(result.tables.items()):
        measures = _measures_for(table, result.measures) if index else tuple(result.measures)
        caption = table_name.replace("_", " ").capitalize()
        blocks.append(Table(caption, table, measures=measures))
    if not result.tables and result.measures:
        blocks.append(Definitions(tuple(result.measures)))
    if not blocks:
        return None
    return Section(result.title or spec.title, result.description or spec.description, blocks)


def _fact_figures(result: AnalysisResult) -> Figures | None:
    """Scalar facts as headline figures, each with the definition of the measure of the same name."""
    definitions = {m.name.lower(): m.definition for m in result.measures}
    items: list[tuple[Measure, str]] = []
    for name, value in result.facts.items():
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            continue
        shown = f"{value:,}" if isinstance(value, int) else f"{value:,.3g}" if isinstance(value, float) else value
        label = name.replace("_", " ").capitalize()
        items.append((Measure(label, definitions.get(name.lower(), "")), shown))
    return Figures(tuple(items)) if items else None


def _measures_for(table: pa.Table, measures: tuple[Measure, ...]) -> tuple[Measure, ...]:
    """Measures named like one of a table's columns (the first table carries all of them)."""
    columns = {name.lower() for name in table.column_names}
    return tuple(m for m in measures if m.name.lower().replace(" ", "_") in columns)


def _load_builtin_sections() -> None:
    """Import every module of sociable.analyses, sociable.reports and sociable.safety, so each registers itself.

    A new analysis or section appears in the report by existing, without a list to edit.
    """
    import sociable.analyses
    import sociable.reports
    import sociable.safety

    for package in (sociable.analyses, sociable.reports, sociable.safety):
        for module in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
