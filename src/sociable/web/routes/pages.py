"""Pages: the workspace overview, collections, one page per view, rejected records, report assets."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from sociable.reports.html import STATIC as REPORT_STATIC
from sociable.web import queries
from sociable.web.routes import workspace_of
from sociable.web.templating import render
from sociable.web.views import KINDS, build_view, filters_from_query, find_view, make_filters, section_html_view

router = APIRouter(include_in_schema=False)

# The report's vendored files the pages may load; nothing else in that folder is served.
REPORT_ASSETS = frozenset({
    "report.css", "report.js", "vega.min.js", "vega-lite.min.js", "vega-embed.min.js",
    "graphology.umd.min.js", "sigma.min.js", "network.js",
})
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@router.get("/")
def overview_page(request: Request) -> Response:
    ws = workspace_of(request)
    built = build_view(ws, "overview", make_filters())
    section = section_html_view(built.section) if built.section else None
    return render(request, "overview.html", data=queries.overview(ws), section=section,
                  assets=built.section.assets if built.section else (),
                  charts=_has_charts(section))


@router.get("/collections")
def collections_page(request: Request) -> Response:
    return render(request, "collections.html", collections=workspace_of(request).collections().to_pylist())


@router.get("/views/{name}")
def view_page(request: Request, name: str) -> Response:
    """One view; its filters are the scope's fields and its analysis's declared options."""
    ws = workspace_of(request)
    spec = find_view(name)
    filters = filters_from_query(spec, query_values(request))
    built = build_view(ws, name, filters)
    section = section_html_view(built.section) if built.section else None
    return render(
        request, "view.html", spec=built.spec, section=section, filters=filters, kinds=KINDS,
        collections=[row["name"] for row in ws.collections().to_pylist()],
        platforms=queries.platforms(ws), assets=built.section.assets if built.section else (),
        charts=_has_charts(section), api=f"/api/views/{name}",
    )


def query_values(request: Request) -> dict[str, list[str]]:
    """The query string as name -> every value given."""
    values: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        values.setdefault(key, []).append(value)
    return values


@router.get("/rejected")
def rejected_page(request: Request, run: int | None = None, limit: int = Query(100, ge=1, le=1000)) -> Response:
    data = queries.rejected(workspace_of(request), limit=limit, run_id=run)
    return render(request, "rejected.html", data=data, run=run)


@router.get("/assets/{name}")
def report_asset(name: str) -> Response:
    """A vendored script or style of the report, from a fixed list (no path ever reaches the disk)."""
    if name not in REPORT_ASSETS:
        raise HTTPException(404, f"there is no asset called '{name}'.")
    path = REPORT_STATIC / name
    return Response(path.read_bytes(), media_type=MEDIA_TYPES[path.suffix],
                    headers={"cache-control": "public, max-age=3600"})


def _has_charts(section: dict[str, Any] | None) -> bool:
    return section is not None and any(block["kind"] == "chart" for block in section["blocks"])
