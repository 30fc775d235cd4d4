"""Who may use the web app and what pages may do: sessions, token auth, CSRF, throttling, hosts, headers.

* Bound to loopback with no token, anyone on this machine may use the app; a non-loopback host
  is refused unless a token is given (`check_bind`).
* Every browser gets a session: a cookie signed with the workspace's web key (kept beside the
  workspace, readable by its owner only), carrying a random id, whether it signed in, and when it
  expires. Nobody without the key can make or change one; it ends after `session_hours`, or at
  once on sign-out. Signing in makes a new session, so an id planted before cannot be promoted.
* With a token, every request but the login page and static files needs `Authorization: Bearer
  <token>` or a signed-in session. Wrong tokens, at /login or as a bearer, are throttled per
  address with a growing wait (429 with Retry-After), and each is written to the audit log.
* Every state-changing request must come from this app's own pages: a browser's `Origin` must
  name this app and its `Sec-Fetch-Site` must be same-origin (another port of 127.0.0.1 is
  another origin), and the request must carry the CSRF token of its session (form field or
  `X-CSRF-Token` header): an HMAC of the session id under the web key. A cookie written by another
  page (cookie tossing) cannot make a valid pair. A request with the right bearer token needs no
  CSRF token (a browser never adds that header by itself).
* Without a token, the Host header must name this machine, so a web page cannot reach the app
  through a rebound DNS name.
* Every response carries a strict Content-Security-Policy: scripts and styles only from the app.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import os
import secrets
import stat
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers

from sociable.errors import SociableError

SESSION_COOKIE = "sociable_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
OPEN_PREFIXES = ("/static/", "/assets/", "/login")
SESSION_HOURS = 12.0
KEY_BYTES = 32
AUDIT = logging.getLogger("sociable.web.audit")

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
    """A state-changing request did not come from this app's own page."""


class NotAuthenticated(SociableError):
    """A request arrived without the token the app was started with."""


class TooManyAttempts(SociableError):
    """Too many wrong tokens from one address: it must wait before trying again."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


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


def web_key(workspace: Path) -> bytes:
    """The workspace's web key (`<workspace>.web-key`, owner-only), made on first use.

    It signs sessions and CSRF tokens, so they outlive a restart of the app and cannot be made by
    anyone who cannot read the file.
    """
    path = workspace.with_name(workspace.name + ".web-key")
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    except OSError as exc:
        raise SociableError(f"the web key {path} could not be created ({exc.strerror}); check the folder.") from None
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(KEY_BYTES) + "\n")
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    try:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            raise SociableError(f"the web key {path} can be read by other users; run `chmod 600 {path}` "
                                "(or delete it to have a new one made).")
        key = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise SociableError(f"the web key {path} could not be read ({exc}); delete it to have a new one made.") \
            from None
    if len(key) < KEY_BYTES:
        raise SociableError(f"the web key in {path} is too short; delete the file to have a new one made.")
    return key.encode("ascii")


def same(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two secrets (False when either is missing)."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def bearer_of(headers: Headers) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, credential = value.partition(" ")
    return credential.strip() if scheme.lower() == "bearer" and credential.strip() else None


# ---------------------------------------------------------------------- sessions and CSRF tokens


@dataclass(frozen=True, slots=True)
class Session:
    """One browser's session: a random id, whether it signed in with the token, and when it ends (epoch s)."""

    id: str
    signed_in: bool
    expires: int
    # the second a new session was made in (not in its cookie): its first cookie carries the whole lifetime even
    # when the clock ticks into the next second before the cookie is written
    started: int | None = field(default=None, compare=False)


class Sessions:
    """Signed, expiring sessions and the CSRF tokens bound to them, under the workspace's web key.

    A cookie is `id.expires.flag.mac`; the mac covers the token's fingerprint too, so sessions
    signed in under one token end when the app is started with another.
    """

    def __init__(self, key: bytes, token: str | None, hours: float = SESSION_HOURS,
                 clock: Callable[[], float] = time.time) -> None:
        if hours <= 0:
            raise SociableError("sessions must last a positive number of hours.")
        self._key = key
        self._token_print = hashlib.sha256(token.encode()).hexdigest() if token else "-"
        self.lifetime = int(hours * 3600)
        self.clock = clock
        self._ended: dict[str, int] = {}
        self._guard = threading.Lock()

    def new(self, signed_in: bool = False) -> Session:
        now = int(self.clock())
        return Session(secrets.token_urlsafe(18), signed_in, now + self.lifetime, started=now)

    def cookie(self, session: Session) -> str:
        """The Set-Cookie header value for a session."""
        flag = "1" if session.signed_in else "0"
        value = f"{session.id}.{session.expires}.{flag}.{self._mac('session', session.id, session.expires, flag)}"
        now = session.started if session.started is not None else int(self.clock())
        max_age = max(0, session.expires - now)
        return f"{SESSION_COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict"

    def read(self, value: str | None) -> Session | None:
        """The session a cookie holds, or None when it is missing, forged, expired or ended."""
        parts = (value or "").split(".")
        if len(parts) != 4 or parts[2] not in ("0", "1") or not parts[1].isdigit():
            return None
        session_id, expires, flag, mac = parts
        if not hmac.compare_digest(mac, self._mac("session", session_id, int(expires), flag)):
            return None
        if int(expires) <= self.clock():
            return None
        with self._guard:
            if session_id in self._ended:
                return None
        return Session(session_id, flag == "1", int(expires))

    def end(self, session: Session) -> None:
        """Sign a session out now (it could otherwise be replayed until it expires)."""
        now = int(self.clock())
        with self._guard:
            self._ended = {sid: until for sid, until in self._ended.items() if until > now}
            self._ended[session.id] = session.expires

    def csrf_token(self, session: Session) -> str:
        """The CSRF token of a session: only this app (holding the key) can make it."""
        return self._mac("csrf", session.id)

    def _mac(self, *parts: object) -> str:
        message = "|".join(str(part) for part in (*parts, self._token_print)).encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


def session_of(request: Request) -> Session:
    """The session of this request (made by SecurityMiddleware when the browser had none)."""
    session: Session = request.scope["sociable.session"]
    return session


def csrf_token(request: Request) -> str:
    """The CSRF token the pages of this request carry."""
    sessions: Sessions = request.app.state.sessions
    return sessions.csrf_token(session_of(request))


async def require_csrf(request: Request) -> None:
    """Dependency for every state-changing route: the form field or header must be its session's token."""
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
    if not same(sent, csrf_token(request)):
        raise CsrfRejected("this form has expired or came from another site; reload the page and try again.")


def cross_site(headers: Headers) -> str | None:
    """Why a state-changing request did not come from this app's own origin, or None when it did.

    A browser says where a request comes from in `Sec-Fetch-Site`, which no page can set; a page
    on another port of the same host is "same-site", not "same-origin", so only same-origin (or
    "none": typed by the user) passes. Browsers without it are judged by `Origin` (this app's
    forms send "null" there under the no-referrer policy, but those browsers send Sec-Fetch-Site).
    Clients that send neither (scripts, curl) still need the CSRF token or the bearer token.
    """
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return None if fetch_site in ("same-origin", "none") else f"it came from another site ({fetch_site})"
    origin = headers.get("origin")
    if origin is None:
        return None
    parts = urlsplit(origin)
    host = (headers.get("host") or "").lower()
    if origin == "null" or parts.scheme not in ("http", "https") or parts.netloc.lower() != host:
        return f"it came from {origin}, not from this app"
    return None


# ---------------------------------------------------------------------- throttling wrong tokens


class LoginThrottle:
    """Wrong tokens from one address: the first few are free, then each waits twice as long as the last.

    An address that keeps guessing waits `base` × 2^(n − free) seconds after its n-th wrong token
    (at most `longest`); a right token clears its count, and so do `forget` quiet seconds.
    """

    def __init__(self, free: int = 5, base: float = 1.0, longest: float = 300.0, forget: float = 900.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.free, self.base, self.longest, self.forget, self.clock = free, base, longest, forget, clock
        self._failures: dict[str, tuple[int, float, float]] = {}  # address -> (count, last failure, next allowed)
        self._guard = threading.Lock()

    def check(self, address: str) -> None:
        """TooManyAttempts while the address must still wait; the attempt is then not even looked at."""
        with self._guard:
            _, _, allowed = self._current(address)
        wait = allowed - self.clock()
        if wait > 0:
            seconds = max(1, int(wait + 0.999))
            raise TooManyAttempts(f"too many wrong tokens from {address}; wait {seconds} s before trying again.",
                                  seconds)

    def failed(self, address: str, where: str) -> None:
        now = self.clock()
        with self._guard:
            count, _, _ = self._current(address)
            count += 1
            wait = 0.0 if count < self.free else min(self.longest, self.base * 2 ** (count - self.free))
            self._failures[address] = (count, now, now + wait)
        AUDIT.warning("wrong token %s from %s (%d in a row); next try allowed in %.0f s", where, address, count, wait)

    def succeeded(self, address: str, where: str) -> None:
        with self._guard:
            earlier = self._failures.pop(address, (0, 0.0, 0.0))[0]
        AUDIT.info("signed in %s from %s after %d wrong tokens", where, address, earlier)

    def _current(self, address: str) -> tuple[int, float, float]:
        count, last, allowed = self._failures.get(address, (0, 0.0, 0.0))
        if count and self.clock() - last > self.forget:
            self._failures.pop(address, None)
            return 0, 0.0, 0.0
        return count, last, allowed


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


# ---------------------------------------------------------------------- the middleware


class SecurityMiddleware:
    """Pure ASGI middleware: host check, session, token check, origin check and security headers."""

    def __init__(self, app: ASGIApp, token: str | None, allowed_hosts: frozenset[str] | None,
                 sessions: Sessions, throttle: LoginThrottle,
                 on_refused: Callable[[Scope, SociableError, int], Awaitable[Any]]) -> None:
        self.app = app
        self.token = token
        self.allowed_hosts = allowed_hosts
        self.sessions = sessions
        self.throttle = throttle
        self.on_refused = on_refused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        session = self.sessions.read(request.cookies.get(SESSION_COOKIE))
        fresh = session is None
        scope["sociable.session"] = session = session or self.sessions.new()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *SECURITY_HEADERS]
                sets_session = any(name == b"set-cookie" and value.startswith(SESSION_COOKIE.encode() + b"=")
                                   for name, value in headers)
                if fresh and not sets_session:
                    headers.append((b"set-cookie", self.sessions.cookie(session).encode()))
                message["headers"] = headers
            await send(message)

        refusal = self._refusal(request, session)
        if refusal is not None:
            response = await self.on_refused(scope, *refusal)
            await response(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    def _refusal(self, request: Request, session: Session) -> tuple[SociableError, int] | None:
        if self.allowed_hosts is not None:
            host = (request.headers.get("host") or "").lower()
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name not in self.allowed_hosts:
                return BadHost(f"this app answers only for {', '.join(sorted(self.allowed_hosts))}."), 400
        if request.method in UNSAFE_METHODS:
            why = cross_site(request.headers)
            if why is not None:
                AUDIT.warning("refused %s %s from %s: %s", request.method, request.url.path,
                              client_address(request.scope), why)
                return CsrfRejected(f"this request was refused because {why}; use the app's own pages."), 403
        return self._auth_refusal(request, session)

    def _auth_refusal(self, request: Request, session: Session) -> tuple[SociableError, int] | None:
        if self.token is None:
            return None
        bearer = bearer_of(request.headers)
        if bearer is not None:
            address = client_address(request.scope)
            try:
                self.throttle.check(address)
            except TooManyAttempts as exc:
                return exc, 429
            if same(bearer, self.token):
                return None
            self.throttle.failed(address, "as a bearer token")
            wrong = "the bearer token is not right; check the token file the app was started with."
            return NotAuthenticated(wrong), 401
        if session.signed_in or request.url.path.startswith(OPEN_PREFIXES):
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
