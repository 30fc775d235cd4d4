"""The app's views are the report's sections: one page per registered section or analysis, with filters.

A view is built exactly as the report builds it (the same section functions, the same generic
view of an analysis) from a ReportContext whose Scope comes from the page's filters. What a view
can be filtered by is declared, never guessed: the Scope's fields (collection, dates, post kinds,
platforms) for every view, and the options its analysis declares with `web=True`. A query
parameter that is neither is refused with a sentence, never silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa

from sociable.analyses.base import AnalysisSpec, Option, OptionError, Result, registered_analyses
from sociable.errors import SociableError
from sociable.reports.html import Ids, section_view
from sociable.reports.sections import (
    Chart,
    Definitions,
    Figures,
    Fragment,
    Paragraph,
    ReportContext,
    Section,
    SectionBuilder,
    Table,
    registered_sections,
    section_builders,
)
from sociable.store.scope import POST_KINDS, BadScope, Scope

KINDS: tuple[str, ...] = POST_KINDS
SCOPE_FILTERS: tuple[str, ...] = ("collection", "since", "until", "kinds", "platforms", "list")


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
    build: SectionBuilder
    analysis: AnalysisSpec | None

    @property
    def options(self) -> tuple[Option, ...]:
        """The analysis options this view offers (those declared for the web)."""
        return tuple(o for o in self.analysis.options if o.web) if self.analysis is not None else ()

    @property
    def filters(self) -> tuple[str, ...]:
        """Every filter the view honours: the scope's fields, then its analysis's web options."""
        return (*SCOPE_FILTERS, *(option.name for option in self.options))


@dataclass(frozen=True, slots=True)
class Filters:
    """What a page asked for: the scope's fields as given (dates as days) and its options' values."""

    collection: str | None = None
    since: date | None = None
    until: date | None = None  # inclusive: the whole day
    kinds: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    given: dict[str, Any] = field(default_factory=dict)  # option values as the page gave them (for the form)
    list_name: str | None = None  # a curated list (the `list` filter): the posts written by its members

    def scope(self) -> Scope:
        """The Scope these filters describe: dates become UTC times, `until` includes its whole day."""
        end = self.until + timedelta(days=1) if self.until is not None and self.until < date.max else None
        return Scope.of(self.collection, self.since, end, self.kinds, self.platforms, lists=self.list_name)

    def query(self) -> dict[str, Any]:
        """The filters as query-string values (for links that keep them)."""
        values: dict[str, Any] = {"collection": self.collection, "since": self.since, "until": self.until,
                                  "list": self.list_name}
        shown: dict[str, Any] = {key: str(value) for key, value in values.items() if value}
        if self.kinds:
            shown["kinds"] = list(self.kinds)
        if self.platforms:
            shown["platforms"] = list(self.platforms)
        shown.update(self.given)
        return shown


def make_filters(
    collection: str | None = None, since: str | None = None, until: str | None = None,
    kinds: Sequence[str] | None = None, platforms: Sequence[str] | None = None,
    options: Mapping[str, Any] | None = None, spec: ViewSpec | None = None, list_name: str | None = None,
) -> Filters:
    """Filters from query-string values, with a plain message for each bad one."""
    chosen = tuple(part.strip() for k in (kinds or []) for part in str(k).split(",") if part.strip())
    unknown = [k for k in chosen if k not in KINDS]
    if unknown:
        raise BadFilter(f"kinds should be among {', '.join(KINDS)}, not {', '.join(unknown)}.")
    start, end = _day(since, "since"), _day(until, "until")
    if start and end and start > end:
        raise BadFilter(f"the start date ({start}) is after the end date ({end}); swap them.")
    places = tuple(part.strip().lower() for p in (platforms or []) for part in str(p).split(",") if part.strip())
    values, given = _options(spec, options or {})
    return Filters(collection or None, start, end, chosen, places, values, given, (list_name or "").strip() or None)


def filters_from_query(spec: ViewSpec, query: Mapping[str, Sequence[str]]) -> Filters:
    """Filters from a whole query string (name -> every value given); unknown names are refused."""
    allowed = set(spec.filters)
    unknown = sorted(name for name in query if name not in allowed)
    if unknown:
        raise BadFilter(f"the {spec.name} view has no filter {', '.join(map(repr, unknown))}; its filters are: "
                        f"{', '.join(spec.filters)}.")

    def one(name: str) -> str | None:
        values = [v for v in query.get(name, []) if v != ""]
        return values[-1] if values else None

    options = {o.name: (list(query[o.name]) if o.kind == "list" else one(o.name))
               for o in spec.options if o.name in query}
    return make_filters(one("collection"), one("since"), one("until"), list(query.get("kinds", [])),
                        list(query.get("platforms", [])), options, spec, one("list"))


def _options(spec: ViewSpec | None, given: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    if not given:
        return {}, {}
    offered = {option.name: option for option in (spec.options if spec else ())}
    values: dict[str, Any] = {}
    shown: dict[str, Any] = {}
    for name, raw in given.items():
        if name not in offered:
            raise BadFilter(f"there is no filter called '{name}' here.")
        if raw is None or raw == [] or raw == "":
            continue
        option = offered[name]
        text = [v for v in raw if v] if isinstance(raw, list) else raw
        if isinstance(text, list) and not text:
            continue
        try:
            values[name] = option.convert(text)
        except OptionError as exc:
            raise BadFilter(str(exc).replace(option.flag, name, 1)) from None
        shown[name] = text
    return values, shown


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadFilter(f"{name} should be a date written as YYYY-MM-DD, not '{value}'.") from None


def view_specs() -> list[ViewSpec]:
    """Every view, in report order: registered sections, then analyses that have no section."""
    analyses = {spec.name: spec for spec in registered_analyses()}
    sections = {spec.name: spec for spec in registered_sections()}
    specs: list[ViewSpec] = []
    for name, order, build in section_builders():
        section_spec = sections.get(name)
        analysis_name = section_spec.analysis if section_spec is not None else name
        analysis = analyses.get(analysis_name) if analysis_name else None
        title = section_spec.title if section_spec is not None else analyses[name].title
        specs.append(ViewSpec(name, title, order, build, analysis))
    return specs


def find_view(name: str, specs: Sequence[ViewSpec] | None = None) -> ViewSpec:
    """The view of this name, among `specs` (the app's, fixed when it started) or every registered one."""
    specs = list(specs) if specs is not None else view_specs()
    for spec in specs:
        if spec.name == name:
            return spec
    raise NoSuchView(f"there is no view called '{name}'; the views are: {', '.join(s.name for s in specs)}.")


@dataclass(slots=True)
class BuiltView:
    spec: ViewSpec
    section: Section | None
    context: ReportContext

    @property
    def result(self) -> Result | SociableError | None:
        """The analysis result behind the view, when it has one."""
        if self.spec.analysis is None:
            return None
        return self.context.results.get(self.spec.analysis.name)


def build_view(workspace: Any, name: str, filters: Filters, specs: Sequence[ViewSpec] | None = None,
               options: Mapping[str, Any] | None = None) -> BuiltView:
    """Build one view's section for a workspace and filters (None when it has nothing to show).

    `options` are the app-wide settings (organisations, keywords, hashtags; web/settings.py),
    given to every analysis that declares them; a filter chosen on the page wins over them.
    """
    spec = find_view(name, specs)
    try:
        scope = workspace.check_scope(filters.scope())
    except BadScope as exc:
        raise BadFilter(str(exc)) from None
    overrides = {spec.analysis.name: dict(filters.options)} if spec.analysis is not None else {}
    ctx = ReportContext(workspace, scope, dict(options or {}), overrides=overrides)
    section = spec.build(ctx)
    built = BuiltView(spec, section, ctx)
    if isinstance(built.result, OptionError):  # an option combination the analysis refused: the page's fault
        raise BadFilter(str(built.result))
    if section is not None:
        section.name, section.order = spec.name, spec.order
    return built


def section_html_view(section: Section) -> dict[str, Any]:
    """The template view of a section, exactly as the report renders it."""
    return section_view(section, Ids())


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


def analysis_json(result: Result | SociableError | None) -> dict[str, Any] | None:
    """An analysis result as the `--json` document (docs/analyses.md); an error as text."""
    if result is None:
        return None
    if isinstance(result, SociableError):
        return {"error": str(result)}
    return jsonable(result.to_json())


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
