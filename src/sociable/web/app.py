"""The web app factory: the workspace opened only while the app works, one writer queue, pages and a JSON API."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from sociable import __version__
from sociable.errors import SociableError
from sociable.store import Workspace
from sociable.web.cache import ViewCache
from sociable.web.captures import CaptureRunner
from sociable.web.jobs import JobQueue
from sociable.web.responses import install_error_handlers, refused
from sociable.web.security import (
    LOOPBACK_NAMES,
    SESSION_HOURS,
    BodyLimitMiddleware,
    LoginThrottle,
    SecurityMiddleware,
    Sessions,
    web_key,
)
from sociable.web.views import view_specs
from sociable.web.workspaces import READ_WAIT, WRITE_WAIT, Workspaces

STATIC = Path(__file__).with_name("static")
MEGABYTE = 1024 * 1024
UPLOAD_SUFFIXES: tuple[str, ...] = (
    ".json", ".jsonl", ".ndjson", ".js", ".csv", ".tsv", ".txt", ".xml", ".rss", ".atom",
)


@dataclass(frozen=True, slots=True)
class WebLimits:
    """What an upload may be: total size per request, number of files, and file name endings."""

    max_upload_bytes: int = 200 * MEGABYTE
    max_files: int = 20
    suffixes: tuple[str, ...] = UPLOAD_SUFFIXES


def create_app(
    workspace_path: str | os.PathLike[str],
    token: str | None = None,
    *,
    limits: WebLimits | None = None,
    allowed_hosts: frozenset[str] | None = None,
    read_wait: float = READ_WAIT,
    write_wait: float = WRITE_WAIT,
    session_hours: float = SESSION_HOURS,
    throttle: LoginThrottle | None = None,
) -> FastAPI:
    """The web app over one workspace; with a token, every request must carry it (bearer or login cookie).

    Without a token the app answers only requests addressed to this machine (Host localhost,
    127.0.0.1 or [::1]) unless `allowed_hosts` says otherwise. Sessions last `session_hours` and are
    signed with the workspace's web key (web/security.py); wrong tokens are slowed by `throttle`.
    The app holds the workspace only while it works: a request waits up to `read_wait` seconds
    for a writer (then 503), an import up to `write_wait` for other processes to let go.
    """
    path = Path(workspace_path)
    if token is not None and len(token) < 16:
        raise SociableError("a web token must be at least 16 characters long; use a longer secret.")
    _prepare(path, write_wait)
    sessions = Sessions(web_key(path), token, session_hours)
    workspaces = Workspaces(path, read_wait=read_wait, write_wait=write_wait)
    # A fresh folder of the app's own beside the workspace (uploads are imported from the same disk).
    upload_root = Path(tempfile.mkdtemp(prefix=f".{path.stem}-uploads-", dir=path.parent))
    jobs = JobQueue(workspaces, upload_root)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            shutdown(app)

    app = FastAPI(
        title="sociable",
        version=__version__,
        description="Health and social care conversations on social media: views, the safe-practice checker, "
                    "imports and exports. Every error is `{ok: false, error, status}`.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.workspaces = workspaces
    app.state.jobs = jobs
    app.state.captures = CaptureRunner(path)
    app.state.token = token
    app.state.limits = limits or WebLimits()
    app.state.upload_root = upload_root
    app.state.sessions = sessions
    app.state.views = ViewCache(path)
    app.state.view_specs = tuple(view_specs())  # the views registered when the app starts
    app.state.throttle = throttle or LoginThrottle()
    hosts = allowed_hosts if allowed_hosts is not None else (None if token else frozenset(LOOPBACK_NAMES))
    app.add_middleware(BodyLimitMiddleware, max_bytes=app.state.limits.max_upload_bytes)
    app.add_middleware(SecurityMiddleware, token=token, allowed_hosts=hosts, sessions=sessions,
                       throttle=app.state.throttle, on_refused=refused)
    app.add_middleware(RequestWorkspaceMiddleware)
    install_error_handlers(app)
    _include_routes(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def shutdown(app: FastAPI) -> None:
    """Stop the captures the app started, finish queued imports, let go of the workspace, remove the upload folder."""
    app.state.captures.close()
    app.state.jobs.close()
    app.state.workspaces.close()
    shutil.rmtree(app.state.upload_root, ignore_errors=True)


class RequestWorkspaceMiddleware:
    """Closes the workspace a request opened (`routes.workspace_of`) once the request has ended."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        state = scope.setdefault("state", {})
        try:
            await self.app(scope, receive, send)
        finally:
            opened = state.pop("workspace_exit", None)
            state.pop("workspace", None)
            if opened is not None:
                await anyio.to_thread.run_sync(opened.close)


def _prepare(path: Path, wait: float) -> None:
    """Create the workspace, or check that it is one (and bring an older one up to date), then let go."""
    if not path.parent.is_dir():
        raise SociableError(f"there is no folder {path.parent} for the workspace; create it first.")
    Workspace(path, read_only=path.exists(), wait=wait).close()


def _include_routes(app: FastAPI) -> None:
    from sociable.web.routes import (
        accounts,
        api,
        auth,
        captures,
        cascades,
        checker,
        exports,
        imports,
        manage,
        pages,
        queue,
    )

    for module in (auth, pages, accounts, queue, cascades, checker, imports, captures, exports, manage, api):
        app.include_router(module.router)
