"""CSRF, sessions and sign-in under attack, in-process: forged origins, tossed cookies, guessing, replay.

The browser half (an attacker page on another port of 127.0.0.1 in Chromium) is in
test_web_browser.py.
"""

from __future__ import annotations

import logging
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

import sociable
from sociable.errors import SociableError
from sociable.web import create_app
from sociable.web.routes import accounts, api, auth, checker, exports, imports, manage, pages
from sociable.web.security import SESSION_COOKIE, LoginThrottle, Sessions, web_key

FIXTURES = Path(__file__).parent.parent / "fixtures"
TWEETS = FIXTURES / "twitter" / "v1_stream.jsonl"
BASE = "http://127.0.0.1:8000"
TOKEN = "correct-horse-battery-staple-42"
ATTACKER = "http://127.0.0.1:9999"
EVIL_POST = b'{"created_at": "Tue Mar 05 09:14:07 +0000 2024", "id_str": "666", "full_text": "planted", ' \
            b'"user": {"id_str": "66", "screen_name": "attacker"}}\n'


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "ws.duckdb"
    with sociable.open(path) as ws:
        ws.import_files([TWEETS], collection="stream")
    return path


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def open_app(workspace: Path) -> Iterator[TestClient]:
    with TestClient(create_app(workspace), base_url=BASE) as client:
        yield client


@pytest.fixture
def token_app(workspace: Path, clock: Clock) -> Iterator[TestClient]:
    app = create_app(workspace, token=TOKEN, throttle=LoginThrottle(clock=clock))
    with TestClient(app, base_url=BASE) as client:
        yield client


def page_token(client: TestClient, path: str = "/check") -> str:
    page = client.get(path)
    return str(lxml.html.fromstring(page.text).xpath("//meta[@name='csrf-token']/@content")[0])


def sign_in(client: TestClient) -> None:
    answer = client.post("/login", data={"token": TOKEN, "csrf_token": page_token(client, "/login")},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text


def upload(client: TestClient, token: str, **headers: str) -> int:
    files = [("files", ("evil.jsonl", EVIL_POST, "application/json"))]
    return client.post("/api/imports", files=files, headers={"X-CSRF-Token": token, **headers}).status_code


def jobs(client: TestClient) -> int:
    return len(client.app.state.jobs.all())  # type: ignore[attr-defined]


# ---------------------------------------------------------------------- origins


@pytest.mark.parametrize("headers", [
    {"Origin": ATTACKER},
    {"Origin": "null"},
    {"Origin": "http://evil.example"},
    {"Sec-Fetch-Site": "same-site"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Origin": BASE, "Sec-Fetch-Site": "same-site"},
])
def test_a_state_changing_request_from_another_origin_is_refused(open_app: TestClient, headers: dict[str, str]) -> None:
    token = page_token(open_app)
    assert upload(open_app, token, **headers) == 403
    answer = open_app.post("/api/check", json={"text": "hello"}, headers={"X-CSRF-Token": token, **headers})
    assert answer.status_code == 403 and "use the app's own pages" in answer.json()["error"]
    assert jobs(open_app) == 0


def test_the_apps_own_origin_passes(open_app: TestClient) -> None:
    token = page_token(open_app)
    assert upload(open_app, token, Origin=BASE, **{"Sec-Fetch-Site": "same-origin"}) == 202
    assert jobs(open_app) == 1


def test_every_state_changing_route_checks_the_origin(open_app: TestClient) -> None:
    unsafe = sorted({route.path for module in (accounts, api, auth, checker, exports, imports, manage, pages)
                     for route in module.router.routes
                     if isinstance(route, APIRoute) and route.methods & {"POST", "PUT", "PATCH", "DELETE"}})
    assert {"/api/check", "/api/imports", "/check", "/import", "/login", "/logout", "/settings/listening",
            "/settings/organisations", "/screen"} <= set(unsafe)
    token = page_token(open_app)
    for path in unsafe:
        answer = open_app.post(path, data={"csrf_token": token}, headers={"X-CSRF-Token": token, "Origin": ATTACKER})
        assert answer.status_code == 403, path


# ---------------------------------------------------------------------- tossed and forged cookies


def test_a_tossed_csrf_cookie_with_the_same_value_is_refused(open_app: TestClient) -> None:
    page_token(open_app)
    open_app.cookies.set("sociable_csrf", "attacker-chosen-value")
    assert upload(open_app, "attacker-chosen-value") == 403
    assert jobs(open_app) == 0


def test_a_session_tossed_from_the_attackers_own_visit_does_not_sign_in(token_app: TestClient, workspace: Path) -> None:
    with TestClient(token_app.app, base_url=BASE) as attacker:
        attacker_token = page_token(attacker, "/login")
        attacker_session = attacker.cookies[SESSION_COOKIE]
    sign_in(token_app)
    for cookie in [c for c in token_app.cookies.jar if c.name == SESSION_COOKIE]:  # set() alone would add a second
        token_app.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
    token_app.cookies.set(SESSION_COOKIE, attacker_session)  # the attacker's cookie replaces the victim's
    assert upload(token_app, attacker_token) == 401
    assert jobs(token_app) == 0


def test_a_forged_or_altered_session_is_not_accepted(token_app: TestClient) -> None:
    page_token(token_app, "/login")
    anonymous = token_app.cookies[SESSION_COOKIE]
    session_id, expires, _, mac = anonymous.split(".")
    for forged in (f"{session_id}.{expires}.1.{mac}", f"{session_id}.{int(expires) + 10**6}.0.{mac}",
                   f"x.{expires}.1.{'0' * 64}", "1", ""):
        token_app.cookies.set(SESSION_COOKIE, forged)
        assert token_app.get("/api/overview").status_code == 401, forged


def test_the_csrf_token_is_bound_to_its_session(open_app: TestClient) -> None:
    with TestClient(open_app.app, base_url=BASE) as other:
        others_token = page_token(other)
    page_token(open_app)
    assert upload(open_app, others_token) == 403
    assert upload(open_app, page_token(open_app)) == 202


# ---------------------------------------------------------------------- sessions


def test_a_session_expires(workspace: Path) -> None:
    app = create_app(workspace, token=TOKEN, session_hours=1.5 / 3600)
    with TestClient(app, base_url=BASE) as client:
        sign_in(client)
        assert client.get("/api/overview").status_code == 200
        cookie = client.cookies[SESSION_COOKIE]
        time.sleep(1.6)
        client.cookies.set(SESSION_COOKIE, cookie)
        assert client.get("/api/overview").status_code == 401


def test_sessions_read_their_expiry_from_the_signed_cookie(clock: Clock) -> None:
    sessions = Sessions(b"k" * 64, TOKEN, hours=1, clock=clock)
    session = sessions.new(signed_in=True)
    value = sessions.cookie(session).split(";")[0].split("=", 1)[1]
    assert sessions.read(value) == session
    clock.now += 3599
    assert sessions.read(value) == session
    clock.now += 2
    assert sessions.read(value) is None


def test_signing_out_ends_the_session_for_good(token_app: TestClient) -> None:
    sign_in(token_app)
    cookie = token_app.cookies[SESSION_COOKIE]
    token_app.post("/logout", data={"csrf_token": page_token(token_app)})
    token_app.cookies.set(SESSION_COOKIE, cookie)  # replayed after sign-out
    assert token_app.get("/api/overview").status_code == 401


def test_signing_in_makes_a_new_session(token_app: TestClient) -> None:
    page_token(token_app, "/login")
    before = token_app.cookies[SESSION_COOKIE].split(".")[0]
    sign_in(token_app)
    after = token_app.cookies[SESSION_COOKIE]
    assert after.split(".")[0] != before and TOKEN not in after


def test_a_session_made_under_one_token_ends_with_another(workspace: Path) -> None:
    with TestClient(create_app(workspace, token=TOKEN), base_url=BASE) as first:
        sign_in(first)
        cookie = first.cookies[SESSION_COOKIE]
    with TestClient(create_app(workspace, token="another-long-secret-token-77"), base_url=BASE) as second:
        second.cookies.set(SESSION_COOKIE, cookie)
        assert second.get("/api/overview").status_code == 401


def test_the_web_key_is_the_owners_alone(workspace: Path) -> None:
    key_file = workspace.with_name(workspace.name + ".web-key")
    key = web_key(workspace)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and len(key) >= 32
    assert web_key(workspace) == key, "the key outlives the app"
    key_file.chmod(0o644)
    with pytest.raises(SociableError, match="chmod 600"):
        create_app(workspace)


# ---------------------------------------------------------------------- guessing the token


def test_300_wrong_tokens_are_slowed_then_the_right_one_waits_too(
    token_app: TestClient, clock: Clock, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="sociable.web.audit")
    token = page_token(token_app, "/login")
    statuses = [token_app.post("/login", data={"token": f"guess-{n:04d}-xxxxxxxxxxxx", "csrf_token": token}).status_code
                for n in range(300)]
    assert statuses.count(401) == 5 and statuses.count(429) == 295, "only the free tries were looked at"
    refused = token_app.post("/login", data={"token": TOKEN, "csrf_token": token}, follow_redirects=False)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert "too many wrong tokens" in refused.text
    clock.now += 1.0
    assert token_app.post("/login", data={"token": "wrong-again-xxxxxxxxxx", "csrf_token": token}).status_code == 401
    clock.now += 1.5
    assert token_app.post("/login", data={"token": "wrong-again-xxxxxxxxxx", "csrf_token": token}).status_code == 429
    clock.now += 300
    sign_in(token_app)
    lines = [r.getMessage() for r in caplog.records if r.name == "sociable.web.audit"]
    assert "wrong token at /login from testclient (1 in a row); next try allowed in 0 s" in lines
    assert "wrong token at /login from testclient (6 in a row); next try allowed in 2 s" in lines
    assert lines[-1] == "signed in at /login from testclient after 6 wrong tokens"


def test_wrong_bearer_tokens_are_slowed_too(token_app: TestClient, clock: Clock) -> None:
    statuses = [token_app.get("/api/overview", headers={"Authorization": f"Bearer wrong-{n}-xxxxxxxxxxxx"}).status_code
                for n in range(50)]
    assert statuses.count(401) == 5 and statuses.count(429) == 45
    right = token_app.get("/api/overview", headers={"Authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 429 and right.json()["status"] == 429 and "retry-after" in right.headers
    clock.now += 60
    assert token_app.get("/api/overview", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_the_backoff_grows_and_is_capped() -> None:
    clock = Clock()
    throttle = LoginThrottle(free=2, base=1.0, longest=8.0, clock=clock)
    waits = []
    for _ in range(8):
        throttle.failed("a", "at /login")
        waits.append(throttle._failures["a"][2] - clock.now)
    assert waits == [0, 1, 2, 4, 8, 8, 8, 8]
    throttle.check("b")  # another address is not slowed
