"""What the web app changes: what to listen for, screening, role corrections, pseudonymised exports.

Every write of the workspace goes through the app's one writer (web/jobs.py); the listening
settings are files beside the workspace (web/settings.py), read by the views on every request.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from sociable.analyses.organisations import resolve_organisation
from sociable.analyses.roles_lexicon import ROLES, SUBTYPES
from sociable.analyses.silos import SECTOR_NAMES
from sociable.errors import SociableError
from sociable.reports import readable
from sociable.reports.exports.posts import export_accounts, export_posts
from sociable.store.schema import LABEL_COLUMNS
from sociable.web import queries, settings
from sociable.web.routes import workspace_of
from sociable.web.security import require_csrf
from sociable.web.templating import render

router = APIRouter(include_in_schema=False)

PSEUDONYMISED: dict[str, Callable[..., Any]] = {"posts": export_posts, "accounts": export_accounts}
PSEUDO_FORMATS = ("csv", "parquet")


def workspace_path(request: Request) -> Path:
    return Path(request.app.state.workspaces.path)


def role_choices() -> dict[str, object]:
    """The roles, kinds and sectors a manual label may take, each with its words."""
    return {
        "roles": [(role, readable.words(role)) for role in ROLES],
        "subtypes": [(subtype, f"{readable.words(subtype)} ({role})") for role in ROLES
                     for subtype in SUBTYPES.get(role, ())],
        "sectors": [(sector, name) for sector, name in SECTOR_NAMES.items()],
    }


# ---------------------------------------------------------------------- settings


@router.get("/settings")
def settings_page(request: Request, saved: str = "") -> Response:
    chosen = settings.load(workspace_path(request))
    collections = [row["name"] for row in workspace_of(request).collections().to_pylist()]
    return render(request, "settings.html", settings=chosen, saved=saved, error=None, form={},
                  collections=collections, folder=settings.folder_of(workspace_path(request)).name)


@router.post("/settings/listening", dependencies=[Depends(require_csrf)])
def save_listening(request: Request, keywords: Annotated[str, Form(max_length=20_000)] = "",
                   hashtags: Annotated[str, Form(max_length=20_000)] = "") -> Response:
    try:
        settings.save_words(workspace_path(request), keywords, hashtags)
    except settings.BadSetting as exc:
        return _settings_error(request, str(exc), {"keywords": keywords, "hashtags": hashtags})
    request.app.state.views.clear()
    return RedirectResponse("/settings?saved=listening", status_code=303)


@router.post("/settings/organisations", dependencies=[Depends(require_csrf)])
def save_organisation(request: Request, name: Annotated[str, Form(max_length=200)] = "",
                      accounts: Annotated[str, Form(max_length=50_000)] = "") -> Response:
    form = {"name": name, "accounts": accounts}
    entries = [entry for line in accounts.replace(",", "\n").splitlines() for entry in line.split() if entry]
    try:
        if not " ".join(name.split()):
            raise settings.BadSetting("give the organisation a name, such as Leeds Teaching Hospitals.")
        if not entries:
            raise settings.BadSetting(f"list at least one account of {name.strip()}, one handle a line.")
        resolve_organisation(workspace_of(request), name, entries)  # every account must be in the workspace
        settings.save_organisation(workspace_path(request), name, accounts)
    except SociableError as exc:
        return _settings_error(request, str(exc), form)
    request.app.state.views.clear()
    return RedirectResponse("/settings?saved=organisation", status_code=303)


@router.post("/settings/organisations/remove", dependencies=[Depends(require_csrf)])
def remove_organisation(request: Request, file: Annotated[str, Form(max_length=200)]) -> Response:
    try:
        settings.remove_organisation(workspace_path(request), file)
    except settings.BadSetting as exc:
        return _settings_error(request, str(exc), {})
    request.app.state.views.clear()
    return RedirectResponse("/settings?saved=removed", status_code=303)


def _settings_error(request: Request, message: str, form: dict[str, str]) -> Response:
    chosen = settings.load(workspace_path(request))
    collections = [row["name"] for row in workspace_of(request).collections().to_pylist()]
    page = render(request, "settings.html", settings=chosen, saved="", error=message, form=form,
                  collections=collections, folder=settings.folder_of(workspace_path(request)).name)
    page.status_code = 422
    return page


# ---------------------------------------------------------------------- screening


@router.post("/screen", dependencies=[Depends(require_csrf)])
def screen_form(request: Request, collection: Annotated[str, Form(max_length=200)] = "") -> Response:
    chosen = collection.strip() or None
    if chosen is not None:
        workspace_of(request).scope(collection=chosen)  # an unknown collection is refused here, in words
    job = request.app.state.jobs.submit_screen(chosen)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


# ---------------------------------------------------------------------- role corrections


@router.post("/accounts/{platform}/{account_id:path}/label", dependencies=[Depends(require_csrf)])
def label_account(
    request: Request, platform: str, account_id: str,
    role: Annotated[str, Form()], subtype: Annotated[str, Form()] = "", sector: Annotated[str, Form()] = "",
) -> Response:
    """Save a manual label for one account: it wins over the derived one everywhere."""
    if role not in ROLES:
        raise settings.BadSetting(f"the role should be one of {', '.join(ROLES)}, not “{role}”.")
    if subtype and subtype not in SUBTYPES.get(role, ()):
        raise settings.BadSetting(f"“{readable.words(subtype)}” is not a kind of {role}; choose one listed with it.")
    if sector and sector not in SECTOR_NAMES:
        raise settings.BadSetting(f"“{sector}” is not a sector sociable knows.")
    row = {"platform": platform, "account_id": account_id, "role": role, "subtype": subtype or None,
           "sector": sector or "unknown", "role_source": "manual", "sector_source": "manual" if sector else "rule",
           "confidence": 1.0}
    table = pa.Table.from_pylist([{name: row.get(name) for name in LABEL_COLUMNS}])
    with request.app.state.workspaces.writing() as ws:  # this request reads nothing first, so it can write
        queries.account(ws, platform, account_id)  # an unknown account is a 404, in words
        ws.save_manual_labels(table)
    request.app.state.views.clear()
    return RedirectResponse(f"/accounts/{platform}/{account_id}?labelled=1", status_code=303)


# ---------------------------------------------------------------------- pseudonymised exports


@router.get("/export/pseudonymised/{table}.{suffix}")
def export_pseudonymised(request: Request, table: str, suffix: str, collection: str | None = None) -> Response:
    """Posts or accounts with keyed pseudonyms and redacted text, zipped with their manifest.

    The key is the workspace's own (`<workspace>.pseudonym-key`, as `sociable export` uses), so
    the same account gets the same pseudonym in every export; it never leaves the machine.
    """
    if table not in PSEUDONYMISED or suffix not in PSEUDO_FORMATS:
        raise HTTPException(404, f"there is no pseudonymised export '{table}.{suffix}'; the tables are "
                                 f"{', '.join(PSEUDONYMISED)} and the formats {', '.join(PSEUDO_FORMATS)}.")
    ws = workspace_of(request)
    scope = ws.scope(collection=collection or None)
    path = workspace_path(request)
    key = path.with_name(path.name + ".pseudonym-key")
    name = f"{table}-pseudonymised.{suffix}"
    with tempfile.TemporaryDirectory(prefix="sociable-export-") as folder:
        summary = PSEUDONYMISED[table](ws, Path(folder) / name, scope, suffix, True, key)
        body = BytesIO()
        with zipfile.ZipFile(body, "w", zipfile.ZIP_DEFLATED) as bundle:
            bundle.write(summary.path, name)
            bundle.write(summary.manifest, Path(summary.manifest).name)
    return Response(body.getvalue(), media_type="application/zip",
                    headers={"content-disposition": f'attachment; filename="{table}-pseudonymised.zip"'})
