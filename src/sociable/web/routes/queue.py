"""The triage queue as a page a team works through: items oldest first, a state per item, the audit.

Marking goes through the store's own method (`Workspace.mark_queue`) on the workspace opened for
writing for the moment it takes, with the CSRF check every form of the app has; the page then
shows the item again with its new state, and the change in the audit.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from sociable.errors import SociableError
from sociable.store.followup import QUEUE_STATES
from sociable.web.routes import workspace_of
from sociable.web.security import require_csrf
from sociable.web.templating import render

router = APIRouter(include_in_schema=False)
KEYS = {"new": "n", "in progress": "i", "handled": "h", "no reply needed": "x"}
AUDIT_ROWS = 50


@router.get("/queue")
def queue_page(request: Request, org: str = "", closed: bool = False, by: str = "", error: str = "") -> Response:
    ws = workspace_of(request)
    items = ws.queue(org or None, include_closed=closed).to_pylist()
    orgs = sorted({row["org"] for row in ws.queue(None, include_closed=True).to_pylist()})
    audit = ws.queue_audit(org or None, limit=AUDIT_ROWS).to_pylist()
    return render(request, "queue.html", items=items, orgs=orgs, org=org, closed=closed, by=by, audit=audit,
                  states=QUEUE_STATES, keys=KEYS, error=error)


@router.post("/queue/mark", dependencies=[Depends(require_csrf)])
def mark_form(
    request: Request, post_id: Annotated[str, Form(max_length=400)], org: Annotated[str, Form(max_length=400)],
    state: Annotated[str, Form(max_length=40)], by: Annotated[str, Form(max_length=200)] = "",
    note: Annotated[str, Form(max_length=2000)] = "", shown_org: Annotated[str, Form(max_length=400)] = "",
    closed: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    query: dict[str, Any] = {key: value for key, value in (("org", shown_org), ("by", by.strip()),
                                                          ("closed", closed)) if value}
    try:
        with request.app.state.workspaces.writing() as ws:
            ws.mark_queue(post_id, state, by, note.strip() or None, org=org)
    except SociableError as error:
        query["error"] = str(error)
    return RedirectResponse(f"/queue?{urlencode(query)}#marked-{post_id}", status_code=303)
