"""Captures in the web app: a page that lists them with live counters, starts and stops them.

A capture runs in a process of its own (web/captures.py), so the app never holds the
workspace for it; the page reads the counters each batch leaves in the workspace.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from sociable.errors import SociableError
from sociable.sources.live.base import COUNT_NAMES
from sociable.sources.live.bluesky import DEFAULT_JETSTREAM
from sociable.sources.live.profiles import DEFAULT_APPVIEW
from sociable.web.captures import CaptureRefused, CaptureRunner, request_from_form
from sociable.web.routes import workspace_of
from sociable.web.security import require_csrf
from sociable.web.templating import render

router = APIRouter(include_in_schema=False)


def capture_rows(request: Request) -> list[dict[str, Any]]:
    """Every capture of the workspace with its counters, and whether this app started it (and can stop it)."""
    runner: CaptureRunner = request.app.state.captures
    started = runner.started()  # read first: a process that has just exited is reaped, not shown running
    rows = []
    for row in workspace_of(request).captures():
        mine = started.pop(row["name"], None)
        rows.append({**row, "started_here": mine is not None, "process": mine,
                     "stoppable": bool(mine and mine["alive"])})
    for name, mine in started.items():  # started, but not yet registered in the workspace (or it failed to)
        rows.append({"name": name, "kind": mine["platform"], "collection": None, "running": mine["alive"],
                     "pid": mine["pid"], "cursor": None, **{n: 0 for n in COUNT_NAMES}, "updated_at": None,
                     "last_error": mine["message"], "started_here": True, "process": mine,
                     "stoppable": mine["alive"]})
    return rows


def _page(request: Request, status: int = 200, error: str | None = None,
          form: dict[str, str] | None = None) -> Response:
    return render(request, "captures.html", status_code=status, captures=capture_rows(request), counters=COUNT_NAMES,
                  error=error, form=form or {}, jetstream=DEFAULT_JETSTREAM, appview=DEFAULT_APPVIEW,
                  collections=[row["name"] for row in workspace_of(request).collections().to_pylist()])


@router.get("/captures")
def captures_page(request: Request) -> Response:
    return _page(request)


@router.post("/captures", dependencies=[Depends(require_csrf)])
async def start_capture(request: Request) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str) and k != "csrf_token"}
    try:
        chosen = request_from_form(form)
        running = {row["name"] for row in workspace_of(request).captures() if row["running"]}
        request.app.state.captures.start(chosen, running)
    except SociableError as exc:  # the option classes' own checks, and a name already running
        return _page(request, 422, str(exc), form)
    return RedirectResponse("/captures", status_code=303)


@router.post("/captures/stop", dependencies=[Depends(require_csrf)])
async def stop_capture(request: Request) -> Response:
    name = (await request.form()).get("name")
    try:
        request.app.state.captures.stop(name if isinstance(name, str) else "")
    except CaptureRefused as exc:
        return _page(request, 409, str(exc))
    return RedirectResponse("/captures", status_code=303)
