"""The self-contained HTML report: one file, every script, style and datum inlined.

Untrusted text (posts, bios, handles, hashtags, feed content) reaches the page only through
Jinja2 with autoescaping on, or as JSON made safe for a <script> element by `script_json`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import orjson
import pyarrow as pa
from markupsafe import Markup

from sociable import __version__
from sociable.errors import SociableError, UnreadableFile
from sociable.reports import readable
from sociable.reports.exports.files import check_output, protected_paths, replacing
from sociable.reports.sections import (
    Block,
    Chart,
    Definitions,
    Figures,
    Fragment,
    Paragraph,
    ReportContext,
    Section,
    SectionProgress,
    Table,
    build_sections,
)
from sociable.store.scope import Scope

if TYPE_CHECKING:
    from sociable.store import Workspace

STATIC = Path(__file__).with_name("static")
TEMPLATES = Path(__file__).with_name("templates")
CHART_ASSETS = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")

_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029]")


def write_report(
    ws: Workspace, path: Path, scope: Scope | None = None, title: str | None = None,
    options: Mapping[str, Any] | None = None, results: Mapping[str, Any] | None = None,
    *, force: bool = False, protect: Iterable[Path] = (), progress: SectionProgress | None = None,
) -> Path:
    """Write the report for a workspace (or the posts in a scope) to one HTML file and return its path.

    `options` are report-wide analysis options, given to every analysis that declares one of the
    same name: `{"organisations": [paths]}` are the organisation files that Maturity and
    Listening place and listen for; without them each organisation account stands alone.
    An existing file is replaced only with `force` (keeping its permissions); the workspace, the
    organisation files and `protect` never are (see reports/exports/files.py).
    """
    target = Path(path)
    inputs = [Path(p) for p in (options or {}).get("organisations") or ()]
    guarded = (*protected_paths(getattr(ws, "path", None), *inputs), *protect)
    if target.is_dir():
        raise SociableError(f"cannot write the report to {target}: it is a folder; give a file name inside it.")
    check_output(target, force=force, protect=guarded)
    context = ReportContext(ws, ws.check_scope(scope), dict(options or {}), results=dict(results or {}))
    html = render_report(context, title=title, source=_source_name(ws), progress=progress)
    with replacing(target, force=force, protect=guarded) as folder:
        try:
            (folder / target.name).write_text(html, encoding="utf-8")
        except OSError as exc:
            raise SociableError(f"cannot write the report to {target} ({exc.strerror}); choose another path.") from None
    return target


def render_report(
    ctx: ReportContext, title: str | None = None, source: str | None = None, now: datetime | None = None,
    progress: SectionProgress | None = None,
) -> str:
    """Build every registered section for the context and render the page as a string.

    `progress(done, total, name)` is told after each section is built (the CLI draws a bar from it).
    """
    sections = build_sections(ctx, progress)
    return render_sections(sections, title=title or report_title(ctx), collection=scope_words(ctx.scope),
                           source=source, now=now)


def report_title(ctx: ReportContext) -> str:
    """'Northbridge NHS FT: the collection “nhssm”, 7 Mar – 1 May 2022': organisation, collection, period."""
    from sociable.analyses.organisations import read_organisation_file
    from sociable.reports.summary import period_of

    names = []
    for path in ctx.options.get("organisations") or ():
        try:
            name, _ = read_organisation_file(path)
        except SociableError:
            name = None
        names.append(name or Path(path).stem)
    what = scope_words(ctx.scope) or "all posts"
    if ctx.scope.collection is not None and ctx.scope == Scope(collections=ctx.scope.collections):
        what = f"“{ctx.scope.collection}”"
    when = period_of(ctx).words()
    heading = f"Social media report on {what}" + (f", {when}" if when else "")
    return f"{' and '.join(names)}: {heading[0].lower()}{heading[1:]}" if names else heading


def scope_words(scope: Scope) -> str | None:
    """What the report covers, for its title: 'the collection “nhssm”', or the scope in words."""
    if scope.is_everything:
        return None
    if scope.collection is not None and scope == Scope(collections=scope.collections):
        return f"the collection “{scope.collection}”"
    return scope.describe()


def render_sections(
    sections: list[Section],
    title: str | None = None,
    collection: str | None = None,
    source: str | None = None,
    now: datetime | None = None,
) -> str:
    """Render already-built sections into the page (the web app and tests use this directly)."""
    ids = Ids()
    views = [section_view(section, ids) for section in sections]
    assets = _assets_for(sections)
    heading = title or (f"Report on {collection}" if collection else "Social media report")
    return _environment().get_template("report.html").render(
        title=heading,
        collection=collection,
        source=source,
        generated=(now or datetime.now(UTC)).strftime("%d %B %Y, %H:%M UTC"),
        version=__version__,
        sections=views,
        scripts=[inline_asset(name) for name in assets],
        report_js=inline_asset("report.js"),
        report_css=inline_asset("report.css"),
    )


# ---------------------------------------------------------------------- safe inlining


def script_json(value: Any) -> Markup:
    """JSON that is safe inside a <script> element: <, >, & and U+2028/2029 are \\u-escaped."""
    text = orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")
    return Markup(_JSON_UNSAFE.sub(lambda match: _JSON_ESCAPES[match.group(0)], text))


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, pa.Scalar):
        return value.as_py()
    raise TypeError(f"cannot put a {type(value).__name__} into the report's data")


def inline_asset(name: str) -> Markup:
    """The text of a vendored file in sociable/reports/static, made safe to place inside <script>/<style>."""
    return Markup(_asset_text(name))


@cache
def _asset_text(name: str) -> str:
    path = STATIC / name
    if "/" in name or "\\" in name or not path.is_file():
        known = ", ".join(sorted(p.name for p in STATIC.iterdir() if p.suffix in {".js", ".css"}))
        raise UnreadableFile(f"the report asset '{name}' is not in sociable's static folder (it has: {known}).")
    text = path.read_text(encoding="utf-8")
    if name.endswith(".css"):
        return re.sub(r"</(style)", r"<\\/\1", text, flags=re.IGNORECASE)
    text = re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)
    return text.replace("<!--", "<\\!--")


def _assets_for(sections: list[Section]) -> list[str]:
    names: list[str] = []
    if any(isinstance(block, Chart) for section in sections for block in section.blocks):
        names.extend(CHART_ASSETS)
    for section in sections:
        names.extend(name for name in section.assets if name not in names)
    return names


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["script_json"] = script_json
    env.globals["inline_asset"] = inline_asset
    env.filters["script_json"] = script_json
    env.filters["utc"] = format_utc
    env.filters["web_link"] = web_link
    return env


def format_utc(value: datetime | date | None) -> str:
    """A time as people read it in the report: '1 Mar 2024, 14:05 UTC'."""
    if value is None:
        return "unknown time"
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value
        return f"{moment.day} {moment:%b %Y, %H:%M} UTC"
    return f"{value.day} {value:%b %Y}"


def web_link(value: object) -> str | None:
    """The address if it is a plain http(s) link, else None: post URIs are untrusted (no javascript: links)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    return text if re.match(r"https?://[^\s<>\"']+$", text, flags=re.IGNORECASE) else None


def render_fragment(fragment: Fragment) -> Markup:
    """Render one of our own templates with autoescaping; the result is trusted markup."""
    try:
        template = _environment().get_template(fragment.template)
    except jinja2.TemplateNotFound:
        raise UnreadableFile(f"the report template '{fragment.template}' is not in sociable's templates.") from None
    return Markup(template.render(**fragment.context))


# ---------------------------------------------------------------------- view models


class Ids:
    """Unique, predictable element ids (never derived from data)."""

    def __init__(self) -> None:
        self.count = 0

    def next(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}-{self.count}"


def section_view(section: Section, ids: Ids) -> dict[str, Any]:
    """A section as the template sees it (the report and the web app render it the same way).

    The section's measures are defined once, in its glossary at the end; each card, chart and
    table links to the definitions it uses there.
    """
    anchor = f"section-{_slug(section.name) or ids.next('part')}"
    glossary: dict[str, dict[str, Any]] = {}
    for measure in section.measures():
        name = readable.title(measure.name)
        glossary.setdefault(name, {"name": name, "definition": measure.definition,
                                   "id": f"{anchor}-term-{len(glossary) + 1}"})
    blocks = [_block_view(block, ids, glossary) for block in section.blocks]
    return {
        "id": anchor,
        "title": section.title,
        "intro": section.intro,
        "blocks": blocks,
        "glossary": list(glossary.values()),
        "glossary_id": f"{anchor}-glossary",
        "entries": [{"id": b["id"], "title": b["title"]} for b in blocks if b.get("title")],
    }


def _terms(measures: Iterable[Any], glossary: Mapping[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The glossary entries a block uses, in order, each once."""
    found: dict[str, dict[str, Any]] = {}
    for measure in measures:
        entry = glossary.get(readable.title(measure.name))
        if entry is not None:
            found.setdefault(entry["id"], entry)
    return list(found.values())


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _block_view(block: Block, ids: Ids, glossary: Mapping[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    glossary = glossary or {}
    if isinstance(block, Chart):
        data = table_view(block.data, block.data_labels, caption=f"Data behind “{block.title}”") if block.data else None
        return {"kind": "chart", "id": ids.next("chart"), "title": block.title, "reading": block.reading,
                "spec": script_json(block.spec), "terms": _terms(block.measures, glossary), "data": data}
    if isinstance(block, Table):
        view = table_view(block.table, block.labels, caption=block.caption, max_rows=block.max_rows)
        view["searchable"] = block.searchable
        return {"kind": "table", "id": ids.next("table"), "title": block.caption, "reading": block.reading,
                "table": view, "terms": _terms(block.measures, glossary)}
    if isinstance(block, Paragraph):
        return {"kind": "paragraph", "text": block.text}
    if isinstance(block, Figures):
        items = []
        for measure, value in block.items:
            entry = glossary.get(readable.title(measure.name))
            items.append({"label": readable.title(measure.name), "value": value,
                          "term": entry["id"] if entry else None})
        return {"kind": "figures", "items": items}
    if isinstance(block, Definitions):
        return {"kind": "definitions", "terms": _terms(block.measures, glossary)}
    return {"kind": "fragment", "html": render_fragment(block)}


def table_view(table: pa.Table, labels: dict[str, str], caption: str, max_rows: int = 200) -> dict[str, Any]:
    """Headers, formatted cells with sort keys, and how many rows were left out."""
    numeric = [_is_numeric(table.schema.field(i).type) for i in range(table.num_columns)]
    columns = [
        {"label": labels.get(name) or readable.title(name), "numeric": numeric[i]}
        for i, name in enumerate(table.column_names)
    ]
    shown = table.slice(0, max_rows)
    names = table.column_names
    rows = [[_cell(value, names[i]) for i, value in enumerate(row.values())] for row in shown.to_pylist()]
    return {"caption": caption, "columns": columns, "rows": rows, "total": table.num_rows, "shown": shown.num_rows,
            "searchable": False}


def _is_numeric(kind: pa.DataType) -> bool:
    return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind))


def _cell(value: Any, column: str = "") -> dict[str, str]:
    """Display text and sort key of one value (sort keys make dates and numbers sort correctly).

    Shares show as percentages, hours as days and hours, vocabulary codes as words, by the
    column's name (reports/readable.py); the sort key keeps the raw value.
    """
    styled = readable.cell_text(column, value)
    if styled is not None:
        sort = repr(float(value)) if isinstance(value, int | float | Decimal) else str(value).lower()
        return {"text": styled, "sort": sort}
    if value is None:
        return {"text": "–", "sort": ""}
    if isinstance(value, bool):
        return {"text": "yes" if value else "no", "sort": str(int(value))}
    if isinstance(value, int):
        return {"text": f"{value:,}", "sort": str(value)}
    if isinstance(value, float | Decimal):
        return {"text": f"{value:,.2f}".rstrip("0").rstrip("."), "sort": repr(float(value))}
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value
        return {"text": moment.strftime("%Y-%m-%d %H:%M UTC"), "sort": moment.isoformat()}
    if isinstance(value, date):
        return {"text": value.isoformat(), "sort": value.isoformat()}
    if isinstance(value, list | tuple):
        text = ", ".join("–" if item is None else str(item) for item in value)
        return {"text": text, "sort": text.lower()}
    return {"text": str(value), "sort": str(value).lower()}


def _source_name(ws: Workspace) -> str | None:
    path = getattr(ws, "path", None)
    return Path(path).name if path is not None else None
