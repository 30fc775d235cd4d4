"""The app's views are the report's sections: one page per registered section or analysis, with filters.

A view is built exactly as the report builds it (same section functions, same generic view of an
analysis), from a context that also hands the page's filters (dates, kinds, role, sector) to the
analysis of the same name when that analysis accepts them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa

from sociable.analyses.base import AnalysisResult, AnalysisSpec, registered_analyses
from sociable.errors import SociableError
from sociable.reports.html import _Ids, _section_view
from sociable.reports.sections import (
    Chart,
    Definitions,
    Figures,
    Fragment,
    Paragraph,
    ReportContext,
    Section,
    Table,
    _load_builtin_sections,
    analysis_section,
    registered_sections,
)

KINDS: tuple[str, ...] = ("reply", "mention", "quote", "repost")
FILTERS: tuple[str, ...] = ("since", "until", "kinds", "role", "sector")


class NoSuchView(SociableError):
    """A view name was asked for that no section or analysis registers."""


class BadFilter(SociableError):
    """A filter value could not be understood."""


@dataclass(frozen=True, slots=True)
class ViewSpec:
    """One page of the app: a registered report section, or an analysis shown generically."""

    name: str
    title: str
    order: int
    build: Callable[[ReportContext], Section | None]
    analysis: AnalysisSpec | None

    @property
    def filters(self) -> tuple[str, ...]:
        """The filters beyond collection that this view honours (those its analysis accepts)."""
        if self.analysis is None:
            return ()
        return tuple(name for name in FILTERS if _accepts(self.analysis.function, name))


@dataclass(frozen=True, slots=True)
class Filters:
    """What a page asked for; empty values mean 'everything'."""

    collection: str | None = None
    since: date | None = None
    until: date | None = None
    kinds: tuple[str, ...] = ()
    role: str | None = None
    sector: str | None = None

    def options(self) -> dict[str, Any]:
        """Analysis keyword arguments: dates become UTC datetimes, `until` includes its whole day."""
        chosen: dict[str, Any] = {}
        if self.since is not None:
            chosen["since"] = datetime.combine(self.since, time(), tzinfo=UTC)
        if self.until is not None:
            chosen["until"] = datetime.combine(self.until + timedelta(days=1), time(), tzinfo=UTC)
        if self.kinds:
            chosen["kinds"] = list(self.kinds)
        if self.role:
            chosen["role"] = self.role
        if self.sector:
            chosen["sector"] = self.sector
        return chosen

    def query(self) -> dict[str, Any]:
        """The filters as query-string values (for links that keep them)."""
        values: dict[str, Any] = {"collection": self.collection, "since": self.since, "until": self.until,
                                  "role": self.role, "sector": self.sector}
        shown = {key: str(value) for key, value in values.items() if value}
        return {**shown, **({"kinds": list(self.kinds)} if self.kinds else {})}


def make_filters(
    collection: str | None = None, since: str | None = None, until: str | None = None,
    kinds: list[str] | None = None, role: str | None = None, sector: str | None = None,
) -> Filters:
    """Filters from query-string values, with a plain message for each bad one."""
    chosen = tuple(k for k in (kinds or []) if k)
    unknown = [k for k in chosen if k not in KINDS]
    if unknown:
        raise BadFilter(f"kinds should be among {', '.join(KINDS)}, not {', '.join(unknown)}.")
    start, end = _day(since, "since"), _day(until, "until")
    if start and end and start > end:
        raise BadFilter(f"the start date ({start}) is after the end date ({end}); swap them.")
    return Filters(collection or None, start, end, chosen, role or None, sector or None)


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadFilter(f"{name} should be a date written as YYYY-MM-DD, not '{value}'.") from None


@dataclass(slots=True)
class FilteredContext(ReportContext):
    """A report context that also passes the page's filters to analyses that accept them."""

    options: dict[str, Any] = field(default_factory=dict)

    def analysis(self, spec: AnalysisSpec) -> AnalysisResult | SociableError:
        if spec.name not in self.results:
            wanted = dict(self.options)
            if self.collection is not None:
                wanted["collection"] = self.collection
            chosen = {key: value for key, value in wanted.items() if _accepts(spec.function, key)}
            try:
                self.results[spec.name] = spec.function(self.workspace, **chosen)
            except SociableError as exc:
                self.results[spec.name] = exc
        return self.results[spec.name]


def _accepts(function: Callable[..., Any], name: str) -> bool:
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters


def view_specs() -> list[ViewSpec]:
    """Every view, in report order: registered sections, then analyses that have no section."""
    _load_builtin_sections()
    analyses = {spec.name: spec for spec in registered_analyses()}
    specs = [ViewSpec(s.name, s.title, s.order, s.function, analyses.get(s.name)) for s in registered_sections()]
    named = {spec.name for spec in specs}
    for spec in analyses.values():
        if spec.name not in named:
            specs.append(ViewSpec(spec.name, spec.title, spec.order, _generic(spec), spec))
    return sorted(specs, key=lambda spec: (spec.order, spec.name))


def _generic(spec: AnalysisSpec) -> Callable[[ReportContext], Section | None]:
    return lambda ctx: analysis_section(spec, ctx.analysis(spec))


def find_view(name: str) -> ViewSpec:
    specs = view_specs()
    for spec in specs:
        if spec.name == name:
            return spec
    raise NoSuchView(f"there is no view called '{name}'; the views are: {', '.join(s.name for s in specs)}.")


@dataclass(slots=True)
class BuiltView:
    spec: ViewSpec
    section: Section | None
    context: FilteredContext


def build_view(workspace: Any, name: str, filters: Filters) -> BuiltView:
    """Build one view's section for a workspace and filters (None when it has nothing to show)."""
    spec = find_view(name)
    ctx = FilteredContext(workspace, filters.collection, options=filters.options())
    ctx.require_collection()
    section = spec.build(ctx)
    if section is not None:
        section.name, section.order = spec.name, spec.order
    return BuiltView(spec, section, ctx)


def section_html_view(section: Section) -> dict[str, Any]:
    """The template view of a section, exactly as the report renders it."""
    return _section_view(section, _Ids())


# ---------------------------------------------------------------------- JSON


def section_json(section: Section | None) -> dict[str, Any] | None:
    """A section as plain JSON: every block with its data (fragments by template name)."""
    if section is None:
        return None
    return {"name": section.name, "title": section.title, "intro": section.intro,
            "blocks": [_block_json(block) for block in section.blocks]}


def _block_json(block: Any) -> dict[str, Any]:
    if isinstance(block, Chart):
        return {"kind": "chart", "title": block.title, "reading": block.reading, "spec": jsonable(block.spec),
                "rows": rows_of(block.data) if block.data is not None else None}
    if isinstance(block, Table):
        return {"kind": "table", "title": block.caption, "reading": block.reading,
                "columns": block.table.column_names, "rows": rows_of(block.table)}
    if isinstance(block, Paragraph):
        return {"kind": "paragraph", "text": block.text}
    if isinstance(block, Figures):
        return {"kind": "figures", "items": [{"label": m.name, "value": v, "definition": m.definition}
                                             for m, v in block.items]}
    if isinstance(block, Definitions):
        return {"kind": "definitions", "measures": [{"name": m.name, "definition": m.definition}
                                                    for m in block.measures]}
    if isinstance(block, Fragment):
        return {"kind": "fragment", "template": block.template}
    raise BadFilter(f"a section holds a block of unknown kind {type(block).__name__}.")


def analysis_json(result: AnalysisResult | SociableError | None) -> dict[str, Any] | None:
    """An analysis result as JSON: facts, measures, notes and every table as rows; an error as text."""
    if result is None:
        return None
    if isinstance(result, SociableError):
        return {"error": str(result)}
    return {
        "name": result.name, "title": result.title, "description": result.description,
        "facts": jsonable(result.facts), "notes": list(result.notes),
        "measures": [{"name": m.name, "definition": m.definition} for m in result.measures],
        "tables": {name: rows_of(table) for name, table in result.tables.items()},
    }


def rows_of(table: pa.Table) -> list[dict[str, Any]]:
    return [jsonable(row) for row in table.to_pylist()]


def jsonable(value: Any) -> Any:
    """A value made of JSON types only (times as ISO text, decimals as floats, bytes as hex)."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, pa.Scalar):
        return jsonable(value.as_py())
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    return value
