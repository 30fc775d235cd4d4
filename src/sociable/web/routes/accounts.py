"""Account pages: the list (by role and sector) and one account's profile, timeline and partners."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from sociable.web import queries
from sociable.web.routes import workspace_of
from sociable.web.routes.pages import kept
from sociable.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/accounts")
def accounts_page(
    request: Request, sort: str = "posts", collection: str | None = None, role: str | None = None,
    sector: str | None = None, limit: int = Query(100, ge=1, le=1000),
) -> Response:
    def compute() -> dict[str, Any]:
        ws = workspace_of(request)
        return {"rows": queries.accounts(ws, sort, limit, collection or None, role or None, sector or None),
                "choices": queries.label_choices(ws),
                "collections": [row["name"] for row in ws.collections().to_pylist()]}

    computed = kept(request, ("accounts page", sort, limit, collection or "", role or "", sector or ""), compute)
    return render(request, "accounts.html", sort=sort, sorts=queries.ACCOUNT_SORTS, collection=collection or "",
                  role=role or "", sector=sector or "", **computed)


@router.get("/accounts/{platform}/{account_id:path}")
def account_page(request: Request, platform: str, account_id: str) -> Response:
    data = kept(request, ("account", platform, account_id),
                lambda: queries.account(workspace_of(request), platform, account_id))
    from sociable.web.routes.manage import role_choices

    return render(request, "account.html", data=data, choices=role_choices(),
                  labelled=request.query_params.get("labelled") == "1")
