"""Who may use the web app and what pages may do: token auth, CSRF, security headers, host checks.

* Bound to loopback with no token, anyone on this machine may use the app; a non-loopback host
  is refused unless a token is given (`check_bind`).
* With a token, every request but the login page and static files needs `Authorization: Bearer
  <token>` or the login cookie (an HMAC of the token, never the token itself).
* Every state-changing request needs the CSRF token (form field or `X-CSRF-Token` header) equal to
  the CSRF cookie, unless it carries the bearer token (a browser never adds that header by itself).
* Without a token, the Host header must name this machine, so a web page cannot reach the app
  through a rebound DNS name.
* Every response carries a strict Content-Security-Policy: scripts and styles only from the app.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers

from sociable.errors import SociableError

SESSION_COOKIE = "sociable_session"
CSRF_COOKIE = "sociable_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
OPEN_PREFIXES = ("/static/", "/assets/", "/login")

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
))
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class CsrfRejected(SociableError):
    """A form or API call arrived without the page's CSRF token."""


class NotAuthenticated(SociableError):
    """A request arrived without the token the app was started with."""


class BadHost(SociableError):
    """A request named a host this app does not answer for."""


class TooLarge(SociableError):
    """A request body was larger than the app accepts."""


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to listen beyond this machine without a token."""
    if not is_loopback(host) and not token:
        raise SociableError(
            f"refusing to listen on {host} without a token: anyone who can reach it could read the workspace; "
            "pass --token-file with a secret, or use --host 127.0.0.1."
        )


def read_token(text: str) -> str:
    """The token in a token file: its first line, stripped; it must be long enough to resist guessing."""
    token = text.strip().splitlines()[0].strip() if text.strip() else ""
    if len(token) < 16:
        raise SociableError("the token file must hold a secret of at least 16 characters on its first line.")
    return token


def session_value(token: str) -> str:
    """The login cookie's value: derived from the token so the cookie never holds the token itself."""
    return hmac.new(token.encode(), b"sociable web session", hashlib.sha256).hexdigest()


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def same(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two secrets (False when either is missing)."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def bearer_of(headers: Headers) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, credential = value.partition(" ")
    return credential.strip() if scheme.lower() == "bearer" and credential.strip() else None


def authenticated(request: Request, token: str | None) -> bool:
    """Whether a request may use the app: always without a token, else bearer header or login cookie."""
    if token is None:
        return True
    return same(bearer_of(request.headers), token) or same(request.cookies.get(SESSION_COOKIE), session_value(token))


def csrf_cookie(request: Request) -> str:
    """The CSRF token for this browser: the cookie's, or the fresh one the middleware will set."""
    return str(request.cookies.get(CSRF_COOKIE) or request.scope.setdefault("sociable.csrf", new_csrf_token()))


async def require_csrf(request: Request) -> None:
    """Dependency for every state-changing route: the form field or header must match the cookie."""
    token: str | None = request.app.state.token
    if token is not None and same(bearer_of(request.headers), token):
        return
    sent = request.headers.get(CSRF_HEADER)
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not same(sent, request.cookies.get(CSRF_COOKIE)):
        raise CsrfRejected("this form has expired or came from another site; reload the page and try again.")


class SecurityMiddleware:
    """Pure ASGI middleware: host check, token check, CSRF cookie and security headers on every response."""

    def __init__(self, app: ASGIApp, token: str | None, allowed_hosts: frozenset[str] | None,
                 on_refused: Callable[[Scope, SociableError, int], Awaitable[Any]]) -> None:
        self.app = app
        self.token = token
        self.allowed_hosts = allowed_hosts
        self.on_refused = on_refused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refusal = self._refusal(request)
        new_csrf = None if request.cookies.get(CSRF_COOKIE) else scope.setdefault("sociable.csrf", new_csrf_token())

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *SECURITY_HEADERS]
                if new_csrf:
                    cookie = f"{CSRF_COOKIE}={new_csrf}; Path=/; HttpOnly; SameSite=Strict"
                    headers.append((b"set-cookie", cookie.encode()))
                message["headers"] = headers
            await send(message)

        if refusal is not None:
            response = await self.on_refused(scope, *refusal)
            await response(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    def _refusal(self, request: Request) -> tuple[SociableError, int] | None:
        if self.allowed_hosts is not None:
            host = (request.headers.get("host") or "").lower()
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name not in self.allowed_hosts:
                return BadHost(f"this app answers only for {', '.join(sorted(self.allowed_hosts))}."), 400
        path = request.url.path
        if self.token is None or path.startswith(OPEN_PREFIXES) or authenticated(request, self.token):
            return None
        return NotAuthenticated("this app needs its token: sign in at /login or send 'Authorization: Bearer'."), 401


def login_redirect(path: str) -> str:
    """Where an unauthenticated page request is sent: the login page, coming back to the same path."""
    return f"/login?next={quote(path, safe='/')}"


def safe_next(target: str | None) -> str:
    """A post-login destination that stays inside the app (no scheme, no host, no '//')."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


class BodyLimitMiddleware:
    """Stop reading a request body once it passes the limit, whatever its Content-Length says."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = (f"the upload is larger than the {self.max_bytes / (1024 * 1024):,.4g} MB the app accepts; "
                   "split it into smaller files or import it with `sociable import`.")
        declared = Headers(scope=scope).get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            response = JSONResponse({"ok": False, "error": message, "status": 413}, status_code=413)
            await response(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            received = await receive()
            if received["type"] == "http.request":
                seen += len(received.get("body", b""))
                if seen > self.max_bytes:
                    raise TooLarge(message)
            return received

        await self.app(scope, limited, send)
