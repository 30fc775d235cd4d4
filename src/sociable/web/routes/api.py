"""The JSON API: one route per view of the app; success has `ok: true`, every error `{ok, error, status}`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from pydantic import BaseModel, Field

from sociable.safety import catalogue, check
from sociable.web import queries
from sociable.web.jobs import JobQueue
from sociable.web.responses import ERROR_RESPONSES
from sociable.web.routes import workspace_of
from sociable.web.routes.checker import MAX_DRAFT, principle_words
from sociable.web.routes.imports import start_import
from sociable.web.routes.pages import filters_key, kept, listening_options, query_values
from sociable.web.security import require_csrf
from sociable.web.views import (
    analysis_json,
    build_view,
    filters_from_query,
    find_view,
    jsonable,
    make_filters,
    section_json,
)

router = APIRouter(prefix="/api", tags=["api"], responses=ERROR_RESPONSES)
Rows = list[dict[str, Any]]


class Overview(BaseModel):
    ok: bool = True
    counts: dict[str, int]
    collections: Rows
    runs: Rows


class Collections(BaseModel):
    ok: bool = True
    collections: Rows


class ViewInfo(BaseModel):
    name: str
    title: str
    filters: list[str] = Field(description="Every query parameter the view honours: the scope's fields "
                                           "(collection, since, until, kinds, platforms), then its options.")
    options: list[dict[str, Any]] = Field(description="The analysis options the view offers, as declared: "
                                                      "name, kind, default, help, choices.")
    url: str


class Views(BaseModel):
    ok: bool = True
    views: list[ViewInfo]


class View(BaseModel):
    ok: bool = True
    name: str
    title: str
    filters: dict[str, Any]
    section: dict[str, Any] | None = Field(description="The view's blocks as the report shows them; null if empty.")
    analysis: dict[str, Any] | None = Field(description="The analysis result behind the view, when it has one.")


class Accounts(BaseModel):
    ok: bool = True
    accounts: Rows


class AccountDetail(BaseModel):
    ok: bool = True
    account: dict[str, Any]
    label: dict[str, Any] | None
    posts: int
    timeline: Rows
    talks_to: Rows
    hears_from: Rows


class Posts(BaseModel):
    ok: bool = True
    posts: Rows


class RejectedRecords(BaseModel):
    ok: bool = True
    total: int
    rows: Rows


class Runs(BaseModel):
    ok: bool = True
    runs: Rows


class Draft(BaseModel):
    text: str = Field(max_length=MAX_DRAFT, description="The draft post to check.")
    profession: str | None = Field(None, description="e.g. nurse, midwife, doctor, social worker.")


class FindingOut(BaseModel):
    category: str
    title: str = Field(description="The category's name in the guidance catalogue.")
    severity: str
    start: int
    end: int
    text: str
    why: str
    principles: list[str]
    principle_words: list[str] = Field(default_factory=list,
                                       description="Each principle in words: 'NMC-2 (Nursing and Midwifery "
                                                   "Council): Keep confidences...'.")
    suggestion: str


class CheckOut(BaseModel):
    ok: bool = True
    id: str | None
    verdict: str
    flagged: bool
    findings: list[FindingOut]


class JobOut(BaseModel):
    ok: bool = True
    job: dict[str, Any]


class Jobs(BaseModel):
    ok: bool = True
    jobs: Rows


@router.get("/overview", response_model=Overview, summary="Counts, collections and recent import runs")
def api_overview(request: Request) -> dict[str, Any]:
    return kept(request, ("overview json",), lambda: jsonable(queries.overview(workspace_of(request))))


@router.get("/collections", response_model=Collections, summary="Collections with post counts and dates")
def api_collections(request: Request) -> dict[str, Any]:
    return kept(request, ("collections json",),
                lambda: {"collections": jsonable(workspace_of(request).collections().to_pylist())})


@router.get("/views", response_model=Views, summary="Every view (report section or analysis)")
def api_views(request: Request) -> dict[str, Any]:
    return {"views": [{"name": s.name, "title": s.title, "filters": list(s.filters),
                       "options": [jsonable(o.to_dict()) for o in s.options], "url": f"/api/views/{s.name}"}
                      for s in request.app.state.view_specs]}


@router.get("/views/{name}", response_model=View, summary="One view with its filters applied")
def api_view(request: Request, name: str) -> dict[str, Any]:
    """Query parameters: the view's filters as `/api/views` lists them; any other name is refused."""
    specs = request.app.state.view_specs
    spec = find_view(name, specs)
    filters = filters_from_query(spec, query_values(request))

    def compute() -> dict[str, Any]:
        built = build_view(workspace_of(request), name, filters, specs, listening_options(request))
        return {"name": built.spec.name, "title": built.spec.title, "filters": jsonable(filters.query()),
                "section": section_json(built.section), "analysis": analysis_json(built.result)}

    return kept(request, ("view json", name, filters_key(filters)), compute)


@router.get("/accounts", response_model=Accounts, summary="Accounts with counts, role and sector")
def api_accounts(
    request: Request, sort: str = "posts", collection: str | None = None, role: str | None = None,
    sector: str | None = None, limit: int = Query(100, ge=1, le=10_000),
) -> dict[str, Any]:
    key = ("accounts json", sort, limit, collection, role, sector)
    return kept(request, key, lambda: {"accounts": jsonable(
        queries.accounts(workspace_of(request), sort, limit, collection, role, sector))})


@router.get("/accounts/{platform}/{account_id:path}", response_model=AccountDetail,
            summary="One account: profile, role, timeline and who it talks with")
def api_account(request: Request, platform: str, account_id: str) -> dict[str, Any]:
    return kept(request, ("account json", platform, account_id),
                lambda: jsonable(queries.account(workspace_of(request), platform, account_id)))


@router.get("/posts", response_model=Posts, summary="Posts, newest first, with filters")
def api_posts(
    request: Request, collection: str | None = None, since: date | None = None, until: date | None = None,
    search: str | None = None, sort: str = "time", limit: int = Query(50, ge=1, le=10_000),
) -> dict[str, Any]:
    filters = make_filters(collection, _iso(since), _iso(until))
    ws = workspace_of(request)
    table = ws.posts(limit=limit, sort=sort, search=search or None, scope=ws.check_scope(filters.scope()))
    return {"posts": jsonable(table.to_pylist())}


@router.get("/rejected", response_model=RejectedRecords, summary="Records that could not be read or mapped")
def api_rejected(request: Request, run: int | None = None, limit: int = Query(100, ge=1, le=10_000)) -> dict[str, Any]:
    return jsonable(queries.rejected(workspace_of(request), limit, run))


@router.get("/runs", response_model=Runs, summary="Import runs, one row per file")
def api_runs(request: Request) -> dict[str, Any]:
    return {"runs": jsonable(workspace_of(request).runs().to_pylist())}


@router.post("/check", response_model=CheckOut, dependencies=[Depends(require_csrf)],
             summary="Check a draft post for safe professional practice")
def api_check(draft: Draft) -> dict[str, Any]:
    result = check(draft.text, draft.profession or None)
    titles = catalogue().titles
    answer = result.to_dict()
    for finding in answer["findings"]:
        finding["title"] = titles.get(finding["category"], finding["category"])
        finding["principle_words"] = principle_words(finding["principles"])
    return {**answer, "flagged": result.flagged}


@router.post("/imports", response_model=JobOut, status_code=202, dependencies=[Depends(require_csrf)],
             summary="Upload files and import them in the background")
async def api_import(
    request: Request, files: Annotated[list[UploadFile], File(description="Files to import.")],
    format: Annotated[str, Form()] = "auto", collection: Annotated[str, Form()] = "",
    options: Annotated[str, Form(description="Reader options, key=value, one a line.")] = "",
) -> dict[str, Any]:
    job = await start_import(request, files, format, collection, options)
    return {"job": jsonable(job.to_dict())}


class CapturesOut(BaseModel):
    ok: bool = True
    captures: Rows


@router.get("/captures", response_model=CapturesOut,
            summary="Live captures: running?, cursor and counters; started_here when this app can stop it")
def api_captures(request: Request) -> dict[str, Any]:
    from sociable.web.routes.captures import capture_rows

    return {"captures": jsonable(capture_rows(request))}


@router.get("/jobs", response_model=Jobs, summary="Background jobs of this app, newest first")
def api_jobs(request: Request) -> dict[str, Any]:
    jobs: JobQueue = request.app.state.jobs
    return {"jobs": [jsonable(job.to_dict()) for job in jobs.all()]}


@router.get("/jobs/{job_id}", response_model=JobOut, summary="One background job with its progress and summary")
def api_job(request: Request, job_id: str) -> dict[str, Any]:
    return {"job": jsonable(request.app.state.jobs.get(job_id).to_dict())}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None
