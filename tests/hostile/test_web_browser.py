"""The web app and the report under attack in headless Chromium.

* Cross-site request forgery from a page on another port of 127.0.0.1: the attacker page tosses
  cookies (by script and by its own Set-Cookie), or plants a session and CSRF token it fetched
  from the app itself, then posts an upload by form and by fetch. Nothing may be imported, with
  or without a token, for a signed-in user too, while the app's own pages keep working.
* The XSS corpus (tests/fixtures/xss) on every view of the app and in the report: no script runs.

Both servers are started by the test on free 127.0.0.1 ports; every other address is aborted.
"""

from __future__ import annotations

import http.server
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import lxml.html
import pytest
import uvicorn
from fastapi import FastAPI

import sociable
from sociable.reports.html import write_report
from sociable.web import create_app
from sociable.web.views import view_specs

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
FIXTURES = Path(__file__).parent.parent / "fixtures"
XSS_CORPUS = FIXTURES / "xss" / "corpus.jsonl"
TWEETS = FIXTURES / "twitter" / "v1_stream.jsonl"
TOKEN = "correct-horse-battery-staple-42"
PLANTED = ('{"created_at": "Tue Mar 05 09:14:07 +0000 2024", "id_str": "666", "full_text": "planted by the attacker", '
           '"user": {"id_str": "66", "screen_name": "attacker"}}\\n')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class App:
    url: str
    app: FastAPI
    workspace: Path
    refusals: list[str] = field(default_factory=list)


class Collect(logging.Handler):
    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.INFO)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record.getMessage())


def serve_app(workspace: Path, token: str | None) -> Iterator[App]:
    app = create_app(workspace, token=token)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the web app did not start"
        time.sleep(0.05)
    served = App(f"http://127.0.0.1:{port}", app, workspace)
    audit = logging.getLogger("sociable.web.audit")
    handler = Collect(served.refusals)
    audit.addHandler(handler)
    audit.setLevel(logging.INFO)
    try:
        yield served
    finally:
        audit.removeHandler(handler)
        server.should_exit = True
        thread.join(timeout=20)


def attacker_page(target: str, csrf_value: str, tossed: dict[str, str]) -> str:
    """A page that tosses cookies by script, then posts the planted post to the app by fetch and by form."""
    toss = "".join(f"document.cookie = '{name}={value}; path=/';" for name, value in tossed.items())
    return f"""<!doctype html><html><body>
<form id="f" method="post" action="{target}/import" enctype="multipart/form-data">
  <input type="hidden" name="csrf_token" value="{csrf_value}">
  <input type="hidden" name="format" value="auto">
  <input type="file" name="files" id="files">
</form>
<script>
{toss}
const file = () => new File(['{PLANTED}'], 'planted.jsonl', {{type: 'application/json'}});
const body = new FormData();
body.append('files', file());
body.append('csrf_token', '{csrf_value}');
fetch('{target}/api/imports', {{method: 'POST', body, mode: 'no-cors', credentials: 'include'}})
  .catch(() => null)
  .finally(() => {{
    const chosen = new DataTransfer();
    chosen.items.add(file());
    document.getElementById('files').files = chosen.files;
    document.getElementById('f').submit();
  }});
</script></body></html>"""


class Attacker:
    """An HTTP server on another port of 127.0.0.1 serving one page, with Set-Cookie headers of its own."""

    def __init__(self) -> None:
        self.page = ""
        self.cookies: dict[str, str] = {}
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = owner.page.encode()
                self.send_response(200)
                self.send_header("content-type", "text/html; charset=utf-8")
                for name, value in owner.cookies.items():
                    self.send_header("set-cookie", f"{name}={value}; Path=/")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert CHROMIUM.exists(), "Chromium is missing: install it with `apt-get install -y chromium` (make test does)"
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def attacker() -> Iterator[Attacker]:
    server = Attacker()
    yield server
    server.close()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "ws.duckdb"
    with sociable.open(path) as ws:
        ws.import_files([TWEETS], collection="stream")
        ws.import_files([XSS_CORPUS], collection="ward")
    return path


@pytest.fixture(params=[None, TOKEN], ids=["open", "token"])
def served(request: pytest.FixtureRequest, workspace: Path) -> Iterator[App]:
    yield from serve_app(workspace, request.param)


def context_for(browser: Any, *allowed: str) -> Any:
    context = browser.new_context()
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(allowed)
                  else route.abort())
    return context


def sign_in_if_needed(page: Any, app: App) -> None:
    page.goto(app.url + "/login")
    if app.app.state.token:
        page.fill("#token", TOKEN)
        page.click("form.login button[type=submit]")
        page.wait_for_url(app.url + "/")


def planted_posts(app: App) -> int:
    app.app.state.jobs.close()  # let any queued import finish before counting
    with sociable.open(app.workspace, read_only=True) as ws:
        return int(ws.scalar("SELECT count(*) FROM posts WHERE post_id = '666'") or 0)


def run_attack(browser: Any, app: App, attacker: Attacker, csrf_value: str, tossed: dict[str, str]) -> None:
    attacker.page = attacker_page(app.url, csrf_value, tossed)
    attacker.cookies = tossed
    context = context_for(browser, app.url, attacker.url)
    page = context.new_page()
    sign_in_if_needed(page, app)
    own = page.evaluate("() => fetch('/api/check', {method: 'POST', headers: {'Content-Type': 'application/json', "
                        "'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content}, "
                        "body: JSON.stringify({text: 'Flu clinic on Thursday'})}).then(r => r.status)")
    assert own == 200, "the app's own page can still post"
    page.goto(attacker.url + "/")
    page.wait_for_url(lambda url: url.startswith(app.url), timeout=15000)  # the form went to the app
    page.wait_for_load_state("load")
    context.close()


def test_cookie_tossing_from_another_port_imports_nothing(browser: Any, served: App, attacker: Attacker) -> None:
    run_attack(browser, served, attacker, "tossed-by-the-attacker",
               {"sociable_csrf": "tossed-by-the-attacker"})
    refused = [line for line in served.refusals if line.startswith("refused POST")]
    assert any("/api/imports" in line for line in refused) and any("/import " in line for line in refused), refused
    assert all("it came from another site (same-site)" in line for line in refused), refused
    assert served.app.state.jobs.all() == [] and planted_posts(served) == 0


def test_a_planted_session_with_its_own_csrf_token_imports_nothing(
    browser: Any, served: App, attacker: Attacker,
) -> None:
    """The strongest cookie toss: a real session and its CSRF token, fetched from the app by the attacker."""
    with httpx.Client(base_url=served.url) as own_visit:
        page = own_visit.get("/login" if served.app.state.token else "/check")
        token = lxml.html.fromstring(page.text).xpath("//meta[@name='csrf-token']/@content")[0]
        session = own_visit.cookies["sociable_session"]
    run_attack(browser, served, attacker, token, {"sociable_session": session})
    assert any(line.startswith("refused POST /api/imports") for line in served.refusals), served.refusals
    assert served.app.state.jobs.all() == [] and planted_posts(served) == 0


# ---------------------------------------------------------------------- XSS


def assert_nothing_ran(page: Any) -> None:
    found = page.evaluate("() => ({marked: document.querySelectorAll('[data-xss]').length, "
                          "flag: typeof window.__xss, frames: document.querySelectorAll('iframe').length})")
    assert found == {"marked": 0, "flag": "undefined", "frames": 0}


def watch(page: Any) -> list[str]:
    seen: list[str] = []

    def on_dialog(dialog: Any) -> None:
        seen.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: seen.append(f"error: {error}"))
    return seen


@pytest.fixture(scope="module")
def xss_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    path = tmp_path_factory.mktemp("xss") / "ws.duckdb"
    with sociable.open(path) as ws:
        ws.import_files([XSS_CORPUS], collection="ward")
        ws.import_files([TWEETS], collection="stream")
    yield from serve_app(path, None)


def test_no_script_of_the_corpus_runs_on_any_view(browser: Any, xss_app: App) -> None:
    context = context_for(browser, xss_app.url)
    page = context.new_page()
    seen = watch(page)
    with sociable.open(xss_app.workspace, read_only=True) as ws:
        accounts = ws.query("SELECT platform, account_id FROM accounts WHERE account_id LIKE '9900000%'").to_pylist()
    paths = [f"/views/{spec.name}?collection=ward" for spec in view_specs()]
    paths += [f"/accounts/{row['platform']}/{row['account_id']}" for row in accounts]
    paths += ["/", "/collections", "/accounts?collection=ward", "/rejected", "/export", "/import",
              "/views/nope<svg data-xss onload=alert(1)>", "/accounts/twitter/<img data-xss src=x onerror=alert(1)>"]
    assert len(accounts) >= 3
    for path in paths:
        page.goto(xss_app.url + path)
        page.wait_for_load_state("load")
        assert_nothing_ran(page)
    page.goto(xss_app.url + "/check")
    page.fill("textarea[name=text]", "<script data-xss>window.__xss = 1</script><img src=x data-xss onerror=alert(9)>")
    page.click("form button[type=submit]")
    page.wait_for_load_state("load")
    assert_nothing_ran(page)
    context.close()
    assert seen == []


def test_no_script_of_the_corpus_runs_in_the_report(browser: Any, xss_app: App, tmp_path: Path) -> None:
    with sociable.open(xss_app.workspace, read_only=True) as ws:
        report = write_report(ws, tmp_path / "report.html", ws.scope("ward"))
    context = browser.new_context()
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page = context.new_page()
    seen = watch(page)
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    for handle in page.locator("main :is(a, td, th):visible").all()[:30]:
        handle.hover(timeout=2000)
    assert_nothing_ran(page)
    context.close()
    assert seen == []
