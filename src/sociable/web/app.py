"""The web app factory: one workspace opened once, one writer queue, pages and a JSON API."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from sociable import __version__
from sociable.errors import SociableError
from sociable.store import Workspace
from sociable.web.jobs import JobQueue
from sociable.web.responses import install_error_handlers, refused
from sociable.web.security import LOOPBACK_NAMES, BodyLimitMiddleware, SecurityMiddleware

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
) -> FastAPI:
    """The web app over one workspace; with a token, every request must carry it (bearer or login cookie).

    Without a token the app answers only requests addressed to this machine (Host localhost,
    127.0.0.1 or [::1]) unless `allowed_hosts` says otherwise.
    """
    path = Path(workspace_path)
    if token is not None and len(token) < 16:
        raise SociableError("a web token must be at least 16 characters long; use a longer secret.")
    workspace = Workspace(path)
    upload_root = path.with_name(f".{path.stem}-uploads")
    upload_root.mkdir(exist_ok=True)
    jobs = JobQueue(workspace, upload_root)

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
    app.state.workspace = workspace
    app.state.jobs = jobs
    app.state.token = token
    app.state.limits = limits or WebLimits()
    app.state.upload_root = upload_root
    hosts = allowed_hosts if allowed_hosts is not None else (None if token else frozenset(LOOPBACK_NAMES))
    app.add_middleware(BodyLimitMiddleware, max_bytes=app.state.limits.max_upload_bytes)
    app.add_middleware(SecurityMiddleware, token=token, allowed_hosts=hosts, on_refused=refused)
    install_error_handlers(app)
    _include_routes(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def shutdown(app: FastAPI) -> None:
    """Finish queued imports, close the workspace and remove leftover uploads."""
    app.state.jobs.close()
    app.state.workspace.close()
    shutil.rmtree(app.state.upload_root, ignore_errors=True)


def _include_routes(app: FastAPI) -> None:
    from sociable.web.routes import accounts, api, auth, checker, exports, imports, pages

    for module in (auth, pages, accounts, checker, imports, exports, api):
        app.include_router(module.router)
