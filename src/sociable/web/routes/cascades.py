"""The one-cascade page: any post's spread tree, its timeline by stance, corrections and posts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sociable.analyses.cascades.one import read_cascade
from sociable.reports.cascades import cascade_section
from sociable.web.routes import workspace_of
from sociable.web.routes.pages import kept
from sociable.web.templating import render, render_section
from sociable.web.views import make_filters, section_html_view

router = APIRouter(include_in_schema=False)


@router.get("/cascades/{platform}/{post_id:path}")
def cascade_page(request: Request, platform: str, post_id: str, collection: str | None = None) -> Response:
    """The cascade holding a post (in a collection, when one is given)."""
    filters = make_filters(collection=collection or None, platforms=[platform])

    def compute() -> dict[str, Any]:
        ws = workspace_of(request)
        cascade = read_cascade(ws, ws.check_scope(filters.scope()), post_id)
        section = cascade_section(cascade)
        return {"title": section.title, "section_html": render_section(section_html_view(section)),
                "assets": section.assets}

    data = kept(request, ("cascade", platform, post_id, collection or ""), compute)
    return render(request, "cascade.html", charts=True, **data)
