"""Signing in with the app's token (only needed when the app was started with one).

A right token starts a new signed-in session (never the one the browser came with); wrong ones
are throttled per address and written to the audit log (web/security.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from sociable.web.security import (
    LoginThrottle,
    Sessions,
    TooManyAttempts,
    client_address,
    require_csrf,
    safe_next,
    same,
    session_of,
)
from sociable.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    if request.app.state.token is None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", next=safe_next(next), failed=None)


@router.post("/login", dependencies=[Depends(require_csrf)])
def login(request: Request, token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/") -> Response:
    expected: str | None = request.app.state.token
    if expected is None:
        return RedirectResponse(safe_next(next), status_code=303)
    throttle: LoginThrottle = request.app.state.throttle
    address = client_address(request.scope)
    try:
        throttle.check(address)
    except TooManyAttempts as exc:
        page = render(request, "login.html", status_code=429, next=safe_next(next), failed=str(exc))
        page.headers["retry-after"] = str(exc.retry_after)
        return page
    if not same(token.strip(), expected):
        throttle.failed(address, "at /login")
        return render(request, "login.html", status_code=401, next=safe_next(next),
                      failed="That token is not right; check the token file the app was started with.")
    throttle.succeeded(address, "at /login")
    sessions: Sessions = request.app.state.sessions
    sessions.end(session_of(request))
    response = RedirectResponse(safe_next(next), status_code=303)
    response.headers.append("set-cookie", sessions.cookie(sessions.new(signed_in=True)))
    return response


@router.post("/logout", dependencies=[Depends(require_csrf)])
def logout(request: Request) -> Response:
    sessions: Sessions = request.app.state.sessions
    sessions.end(session_of(request))
    response = RedirectResponse("/login", status_code=303)
    response.headers.append("set-cookie", sessions.cookie(sessions.new()))
    return response
