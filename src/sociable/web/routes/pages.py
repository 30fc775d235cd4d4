"""Pages: the workspace overview, collections, one page per view, rejected records, report assets."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from sociable.reports.html import STATIC as REPORT_STATIC
from sociable.reports.sections import ReportContext, build_sections
from sociable.web import queries, settings
from sociable.web.cache import ViewCache
from sociable.web.routes import workspace_of
from sociable.web.templating import render, render_section
from sociable.web.views import (
    KINDS,
    BuiltView,
    Filters,
    build_view,
    filters_from_query,
    find_view,
    make_filters,
    section_html_view,
)

router = APIRouter(include_in_schema=False)
T = TypeVar("T")

# The report's vendored files the pages may load; nothing else in that folder is served.
REPORT_ASSETS = frozenset({
    "report.css", "report.js", "vega.min.js", "vega-lite.min.js", "vega-embed.min.js",
    "graphology.umd.min.js", "sigma.min.js", "network.js",
})
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@router.get("/")
def overview_page(request: Request) -> Response:
    """The home page: the report's Summary (every view's key points, linked), then the workspace's counts."""

    def compute() -> dict[str, Any]:
        ws = workspace_of(request)
        data = queries.overview(ws)
        summary = None
        if data["counts"].get("posts"):
            ctx = ReportContext(ws, options=listening_options(request), section_link="/views/{name}")
            summary = next((s for s in build_sections(ctx) if s.name == "summary"), None)
        built = build_view(ws, "overview", make_filters(), request.app.state.view_specs, listening_options(request))
        return {"data": data, "summary_html": render_section(section_html_view(summary)) if summary else None,
                **_section_parts(built)}

    return render(request, "overview.html", **kept(request, ("overview page",), compute))


def listening_options(request: Request) -> dict[str, Any]:
    """The organisations, keywords and hashtags saved on the Settings page, for the analyses that take them."""
    return settings.load(Path(request.app.state.workspaces.path)).options()


@router.get("/collections")
def collections_page(request: Request) -> Response:
    collections = kept(request, ("collections",), lambda: workspace_of(request).collections().to_pylist())
    return render(request, "collections.html", collections=collections)


@router.get("/views/{name}")
def view_page(request: Request, name: str) -> Response:
    """One view; its filters are the scope's fields and its analysis's declared options."""
    specs = request.app.state.view_specs
    spec = find_view(name, specs)
    filters = filters_from_query(spec, query_values(request))

    def compute() -> dict[str, Any]:
        built = build_view(workspace_of(request), name, filters, specs, listening_options(request))
        return {"spec": built.spec, **_section_parts(built)}

    def choices() -> dict[str, Any]:
        ws = workspace_of(request)
        return {"collections": [row["name"] for row in ws.collections().to_pylist()],
                "platforms": queries.platforms(ws), "lists": ws.list_names()}

    return render(
        request, "view.html", filters=filters, kinds=KINDS, api=f"/api/views/{name}",
        **kept(request, ("view page", name, filters_key(filters)), compute),
        **kept(request, ("view choices",), choices),
    )


def kept(request: Request, key: Hashable, compute: Callable[[], T]) -> T:
    """What a page computed from the workspace, shared while the workspace is unchanged (web/cache.py)."""
    cache: ViewCache = request.app.state.views
    return cache.get(key, compute)


def filters_key(filters: Filters) -> str:
    return repr(sorted(filters.query().items()))


def query_values(request: Request) -> dict[str, list[str]]:
    """The query string as name -> every value given."""
    values: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        values.setdefault(key, []).append(value)
    return values


@router.get("/rejected")
def rejected_page(request: Request, run: int | None = None, limit: int = Query(100, ge=1, le=1000)) -> Response:
    data = kept(request, ("rejected", limit, run), lambda: queries.rejected(workspace_of(request), limit, run))
    return render(request, "rejected.html", data=data, run=run)


@router.get("/assets/{name}")
def report_asset(name: str) -> Response:
    """A vendored script or style of the report, from a fixed list (no path ever reaches the disk)."""
    if name not in REPORT_ASSETS:
        raise HTTPException(404, f"there is no asset called '{name}'.")
    path = REPORT_STATIC / name
    return Response(path.read_bytes(), media_type=MEDIA_TYPES[path.suffix],
                    headers={"cache-control": "public, max-age=3600"})


def _section_parts(built: BuiltView) -> dict[str, Any]:
    """A built view's section as the page shows it: its HTML, and the scripts it needs."""
    if built.section is None:
        return {"section_html": None, "charts": False, "assets": ()}
    section = section_html_view(built.section)
    return {"section_html": render_section(section), "assets": built.section.assets,
            "charts": any(block["kind"] == "chart" for block in section["blocks"])}
