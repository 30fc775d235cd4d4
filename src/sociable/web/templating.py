"""Server-rendered pages: the app's templates beside the report's, autoescaping always on."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from sociable import __version__
from sociable.reports import readable
from sociable.reports.html import TEMPLATES as REPORT_TEMPLATES
from sociable.reports.html import format_utc, script_json, web_link
from sociable.web.security import csrf_token, session_of

TEMPLATES = Path(__file__).with_name("templates")
NAVIGATION: tuple[tuple[str, str], ...] = (
    ("/", "Overview"),
    ("/collections", "Collections"),
    ("/accounts", "Accounts"),
    ("/queue", "Queue"),
    ("/check", "Check a post"),
    ("/import", "Import"),
    ("/captures", "Captures"),
    ("/rejected", "Rejected records"),
    ("/export", "Export"),
    ("/settings", "Settings"),
)


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([
            jinja2.FileSystemLoader(str(TEMPLATES)),
            jinja2.FileSystemLoader(str(REPORT_TEMPLATES)),
        ]),
        autoescape=True,
        auto_reload=False,  # templates ship with the package: no file check on every page
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["script_json"] = script_json
    env.filters["utc"] = format_utc
    env.filters["web_link"] = web_link
    env.filters["account_href"] = account_href
    env.filters["words"] = lambda value: "" if value is None else readable.words(str(value))
    env.filters["number"] = lambda value: "–" if value is None else f"{value:,}"
    env.globals["query_string"] = query_string
    return env


def account_href(row: dict[str, Any]) -> str:
    """The app's link to an account page; both parts are percent-encoded (ids may be URIs)."""
    return f"/accounts/{quote(str(row['platform']), safe='')}/{quote(str(row['account_id']), safe='')}"


def query_string(values: dict[str, Any]) -> str:
    pairs: list[tuple[str, str]] = []
    for key, value in values.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            if item not in (None, ""):
                pairs.append((key, str(item)))
    return urlencode(pairs)


def render_section(section: dict[str, Any]) -> Markup:
    """One report section as HTML (the part of a view page that depends only on the workspace)."""
    return Markup(environment().get_template("_section.html").render(section=section))


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page with what every page needs: navigation, views, the CSRF token, the version."""
    state = request.app.state
    page = environment().get_template(template).render(
        request_path=request.url.path,
        navigation=NAVIGATION,
        views=[(spec.name, spec.title) for spec in state.view_specs],
        csrf_token=csrf_token(request),
        signed_in=state.token is not None and session_of(request).signed_in,
        workspace_name=state.workspaces.path.name,
        version=__version__,
        **context,
    )
    return HTMLResponse(page, status_code=status_code)
