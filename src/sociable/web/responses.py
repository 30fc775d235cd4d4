"""One error shape: `{ok: false, error, status}` for the API, a plain error page for people."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from sociable.analyses.cascades.one import NoSuchCascade
from sociable.errors import (
    NoSuchCollection,
    SociableError,
    UnknownFormat,
    UnreadableFile,
    WorkspaceBusy,
    WorkspaceError,
)
from sociable.safety import UnknownProfession
from sociable.web.jobs import BadUpload, NoSuchJob
from sociable.web.queries import NoSuchAccount
from sociable.web.security import BadHost, CsrfRejected, NotAuthenticated, TooLarge, TooManyAttempts, login_redirect
from sociable.web.settings import BadSetting
from sociable.web.views import BadFilter, NoSuchView
from sociable.web.workspaces import RETRY_AFTER

LOG = logging.getLogger("sociable.web")


class ErrorBody(BaseModel):
    """Every API error: ok is false, error is one sentence saying what to do, status repeats the HTTP code."""

    ok: bool = False
    error: str
    status: int


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": HTTPStatus(code).phrase}
    for code in (400, 401, 403, 404, 413, 422, 429, 503)
}

STATUS_OF: tuple[tuple[type[SociableError], int], ...] = (
    (NotAuthenticated, 401),
    (TooManyAttempts, 429),
    (CsrfRejected, 403),
    (BadHost, 400),
    (TooLarge, 413),
    (NoSuchCollection, 404),
    (NoSuchAccount, 404),
    (NoSuchView, 404),
    (NoSuchCascade, 404),
    (NoSuchJob, 404),
    (BadFilter, 422),
    (BadUpload, 422),
    (BadSetting, 422),
    (UnknownProfession, 422),
    (UnknownFormat, 422),
    (UnreadableFile, 422),
    (WorkspaceBusy, 503),
    (WorkspaceError, 409),
)


# What an error page is titled: words for people, never the HTTP phrase ("Unprocessable Entity").
PLAIN_TITLES: dict[int, str] = {
    400: "That request could not be used",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    409: "The workspace could not do that",
    413: "Too large to accept",
    422: "That could not be used",
    429: "Too many attempts",
    500: "Something went wrong",
    503: "Busy: try again in a moment",
}


def status_for(exc: SociableError) -> int:
    for kind, status in STATUS_OF:
        if isinstance(exc, kind):
            return status
    return 400


def wants_json(path: str) -> bool:
    return path.startswith("/api/") or path == "/api" or path == "/openapi.json"


def error_response(request: Request, message: str, status: int) -> Response:
    """The API's JSON error, or for a page the error page (or the login page when not signed in).

    A 503 (the workspace is busy) says when to try again.
    """
    headers = {"retry-after": str(RETRY_AFTER)} if status == 503 else None
    if wants_json(request.url.path):
        return JSONResponse(ErrorBody(error=message, status=status).model_dump(), status_code=status, headers=headers)
    if status == 401:
        return RedirectResponse(login_redirect(request.url.path), status_code=303)
    from sociable.web.templating import render

    page = render(request, "error.html", status_code=status, message=message, status=status,
                  phrase=PLAIN_TITLES.get(status, "That did not work"))
    page.headers.update(headers or {})
    return page


async def refused(scope: Any, exc: SociableError, status: int) -> Response:
    """What the security middleware answers when it turns a request away."""
    request = Request(scope)
    headers = {"retry-after": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else None
    if wants_json(request.url.path) or status != 401:
        return JSONResponse(ErrorBody(error=str(exc), status=status).model_dump(), status_code=status,
                            headers=headers)
    return RedirectResponse(login_redirect(request.url.path), status_code=303)


def install_error_handlers(app: FastAPI) -> None:
    """Every error, expected or not, leaves the app in the one shape."""

    @app.exception_handler(SociableError)
    async def sociable_error(request: Request, exc: SociableError) -> Response:
        return error_response(request, str(exc), status_for(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if isinstance(exc.__cause__, SociableError):
            return error_response(request, str(exc.__cause__), status_for(exc.__cause__))
        message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404 and message == "Not Found":
            message = f"there is nothing at {request.url.path}; check the address."
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}."
        return error_response(request, message, exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, _validation_message(exc), 422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        LOG.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        message = "something went wrong inside sociable; the workspace is unchanged. Try again, or report the problem."
        return error_response(request, message, 500)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path"))
        parts.append(f"{where or 'the request'}: {error.get('msg', 'is not valid')}")
    return "the request is not valid (" + "; ".join(parts) + ")."
