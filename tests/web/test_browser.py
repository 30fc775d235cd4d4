"""Report and web app in headless Chromium: charts draw, the checker reacts, uploads import, XSS stays text.

The browser is Debian's /usr/bin/chromium driven by Playwright; the app runs under uvicorn on a
free 127.0.0.1 port started by the test, and every request to anywhere else is aborted.
Screenshots go to docs/screenshots for the README.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

import sociable
from sociable.reports.html import write_report
from sociable.simulate import simulate
from sociable.web import create_app

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
FIXTURES = Path(__file__).parent.parent / "fixtures"
XSS_CORPUS = FIXTURES / "xss" / "corpus.jsonl"
SCREENSHOTS = Path(__file__).parent.parent.parent / "docs" / "screenshots"
RISKY = "Lovely chat with Mrs Jones, 84, on Ward 7 today after her fall. Her NHS number is 943 476 5919"
HOSTILE_COLLECTION = "<svg data-xss onload=alert('collection')>"


@dataclass
class Watch:
    """What a page did that it should not: dialogs opened, console errors, uncaught exceptions."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def clean(self) -> None:
        assert self.dialogs == [], f"a dialog opened: {self.dialogs}"
        assert self.errors == [], f"the page reported errors: {self.errors}"


@dataclass
class Server:
    url: str
    app: FastAPI
    workspace: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    assert CHROMIUM.exists(), "Chromium is missing: install it with `apt-get install -y chromium` (make test does)"
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app over 2,000 simulated posts plus the XSS corpus, served by uvicorn on a free loopback port."""
    folder = tmp_path_factory.mktemp("browser")
    simulate(folder / "sample.jsonl", posts=2000, seed=11)
    path = folder / "ws.duckdb"
    with sociable.open(path) as ws:
        ws.import_files([folder / "sample.jsonl"], collection="sample")
        ws.import_files([XSS_CORPUS], collection="ward")
    app = create_app(path)
    port = free_port()
    uvicorn_server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uvicorn_server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uvicorn_server.started:
        assert time.monotonic() < deadline, "the web app did not start"
        time.sleep(0.05)
    yield Server(f"http://127.0.0.1:{port}", app, path)
    uvicorn_server.should_exit = True
    thread.join(timeout=20)


def open_page(browser: object, allowed: str) -> tuple[object, Watch]:
    """A fresh page that may only load addresses starting with `allowed`; it records dialogs and errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    watch = Watch()

    def on_dialog(dialog: object) -> None:
        watch.dialogs.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()  # type: ignore[attr-defined]

    page.on("dialog", on_dialog)
    page.on("console", lambda message: watch.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: watch.errors.append(str(error)))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(allowed) else route.abort())
    return page, watch


def assert_no_injection(page: object) -> None:
    injected = page.evaluate(  # type: ignore[attr-defined]
        "() => ({marked: document.querySelectorAll('[data-xss]').length, flag: typeof window.__xss,"
        " frames: document.querySelectorAll('iframe').length})"
    )
    assert injected == {"marked": 0, "flag": "undefined", "frames": 0}


def charts_drawn(page: object, scope: str = "") -> int:
    """How many chart holders got an SVG or canvas from Vega."""
    selector = f"{scope} [data-vega-spec]".strip()
    page.wait_for_function(  # type: ignore[attr-defined]
        "s => [...document.querySelectorAll(s)].every(h => h.querySelector('svg, canvas') || h.textContent.trim())",
        arg=selector, timeout=15000,
    )
    return int(page.evaluate(  # type: ignore[attr-defined]
        "s => [...document.querySelectorAll(s)].filter(h => h.querySelector('svg, canvas')).length", selector))


# ---------------------------------------------------------------------- the report, from file://


def test_report_opens_offline_and_draws_everything(browser: object, server: Server, tmp_path: Path) -> None:
    with server.app.state.workspaces.writing() as ws:
        report = write_report(ws, tmp_path / "report.html")
    page, watch = open_page(browser, "file://")
    page.goto(report.as_uri())  # type: ignore[attr-defined]
    holders = page.locator("[data-vega-spec]").count()  # type: ignore[attr-defined]
    assert holders > 0
    assert charts_drawn(page) == holders
    if page.locator("#section-map").count():  # type: ignore[attr-defined]
        networks = page.locator("#section-map [class*=network], #section-map [id*=network]")  # type: ignore[attr-defined]
        if networks.count():
            page.wait_for_selector("#section-map canvas", timeout=15000)  # type: ignore[attr-defined]
    assert_no_injection(page)
    page.screenshot(path=str(SCREENSHOTS / "report.png"))  # type: ignore[attr-defined]
    watch.clean()


# ---------------------------------------------------------------------- the web app


@pytest.mark.parametrize(
    ("path", "shot"),
    [("/", "overview"), ("/views/map", "map"), ("/accounts", "accounts"), ("/views/method", None),
     ("/collections", None), ("/export", None)],
)
def test_main_pages_load_under_the_policy(browser: object, server: Server, path: str, shot: str | None) -> None:
    page, watch = open_page(browser, server.url)
    response = page.goto(server.url + path)  # type: ignore[attr-defined]
    assert response.status == 200
    assert page.locator("main h1, main h2").count() > 0  # type: ignore[attr-defined]
    if page.locator("[data-vega-spec]").count():  # type: ignore[attr-defined]
        assert charts_drawn(page) == page.locator("[data-vega-spec]").count()  # type: ignore[attr-defined]
    if shot:
        page.screenshot(path=str(SCREENSHOTS / f"{shot}.png"))  # type: ignore[attr-defined]
    watch.clean()  # a Content-Security-Policy violation is reported as a console error


def test_checker_flags_a_risky_draft_as_it_is_typed(browser: object, server: Server) -> None:
    page, watch = open_page(browser, server.url)
    page.goto(server.url + "/check")  # type: ignore[attr-defined]
    page.locator("#draft").press_sequentially(RISKY, delay=2)  # type: ignore[attr-defined]
    verdict = page.locator("#check-result [data-verdict='do not post']")  # type: ignore[attr-defined]
    verdict.wait_for(timeout=30000)
    # the name alone already earns the verdict while the number is still being typed: wait for the whole draft
    page.locator("#check-result mark", has_text="943 476 5919").wait_for(timeout=30000)  # type: ignore[attr-defined]
    marks = page.locator("#check-result mark").all_text_contents()  # type: ignore[attr-defined]
    assert "Mrs Jones" in marks and "943 476 5919" in marks
    page.screenshot(path=str(SCREENSHOTS / "check.png"))  # type: ignore[attr-defined]
    page.locator("#draft").fill("Flu clinic on Thursday, all welcome <img src=x data-xss onerror=alert(1)>")  # type: ignore[attr-defined]
    page.locator("#check-result [data-verdict='ok']").wait_for(timeout=30000)  # type: ignore[attr-defined]
    assert_no_injection(page)
    watch.clean()


def test_an_upload_imports_a_file(browser: object, server: Server) -> None:
    page, watch = open_page(browser, server.url)
    page.goto(server.url + "/import")  # type: ignore[attr-defined]
    page.set_input_files("#files", str(XSS_CORPUS))  # type: ignore[attr-defined]
    page.fill("#collection", HOSTILE_COLLECTION)  # type: ignore[attr-defined]
    page.screenshot(path=str(SCREENSHOTS / "import.png"))  # type: ignore[attr-defined]
    page.click("form#upload button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url("**/jobs/*")  # type: ignore[attr-defined]
    page.locator("#import-summary").wait_for(timeout=30000)  # type: ignore[attr-defined]
    cells = page.locator("#import-summary tbody td").all_text_contents()  # type: ignore[attr-defined]
    assert cells[:2] == ["twitter-v1", "8"], "8 records read"
    assert cells[3] == "8", "all 8 already stored: a re-import changes nothing"
    assert_no_injection(page)
    page.goto(server.url + "/collections")  # type: ignore[attr-defined]
    assert HOSTILE_COLLECTION in page.locator("table").inner_text()  # type: ignore[attr-defined]
    assert_no_injection(page)
    watch.clean()


@pytest.mark.parametrize(
    "path",
    ["/", "/accounts?collection=ward", "/accounts/twitter/990000000001", "/accounts/twitter/990000000002",
     "/accounts/twitter/990000000003", "/views/overview?collection=ward", "/views/map?collection=ward",
     "/views/roles", "/rejected"],
)
def test_the_xss_corpus_never_executes(browser: object, server: Server, path: str) -> None:
    page, watch = open_page(browser, server.url)
    page.goto(server.url + path)  # type: ignore[attr-defined]
    page.wait_for_load_state("load")  # type: ignore[attr-defined]
    if page.locator("[data-vega-spec]").count():  # type: ignore[attr-defined]
        charts_drawn(page)
    for handle in page.locator("main :is(a, td, th, blockquote):visible").all()[:20]:  # type: ignore[attr-defined]
        handle.hover(timeout=2000)  # hostile handlers such as onmouseover would fire here if they existed
    assert_no_injection(page)
    if path == "/accounts/twitter/990000000002":
        assert "<script data-xss>" in page.locator("h1").inner_text()  # type: ignore[attr-defined]
        page.screenshot(path=str(SCREENSHOTS / "account.png"))  # type: ignore[attr-defined]
    watch.clean()
