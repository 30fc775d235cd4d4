"""The queue page: items to work through, forms with the app's CSRF check, the audit; and Chromium's keys."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html
import pytest
import uvicorn
from fastapi.testclient import TestClient

import sociable
from sociable.library import refresh_queue
from sociable.web import create_app

OPTIONS = {"map": "id=post_id,created_at=created_at,from_user=handle,from_user_id_str=account_id,text=text,"
                  "in_reply_to_status_id_str=reply_to,in_reply_to_user_id_str=reply_to_account",
           "platform": "twitter"}
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def queued(tmp_path: Path, posts_file: Any) -> Path:
    """A workspace whose queue holds posts 3 and 5 (asks to @northtrust left unanswered)."""
    org = tmp_path / "northtrust.txt"
    org.write_text("northtrust\n", encoding="utf-8")
    path = tmp_path / "ws.duckdb"
    with sociable.open(path) as ws:
        ws.import_files([posts_file(tmp_path, '6,2024-03-10T10:00:00Z,eve_public,15,'
                                              '"@northtrust <script>window.__xss=1</script> help?",,\n')],
                        options=OPTIONS, collection="trust")
        refresh_queue(ws, [org])
    return path


def _csrf(page: str) -> str:
    return str(lxml.html.fromstring(page).xpath("//meta[@name='csrf-token']/@content")[0])


def test_the_page_lists_items_with_a_form_each(queued: Path) -> None:
    with TestClient(create_app(queued), base_url="http://127.0.0.1") as client:
        page = client.get("/queue")
    assert page.status_code == 200
    tree = lxml.html.fromstring(page.text)
    items = tree.xpath("//li[@data-queue-item]")
    assert [item.get("id") for item in items] == ["item-3", "item-5", "item-6"]
    form = items[0].xpath(".//form")[0]
    assert form.get("method") == "post" and form.get("action") == "/queue/mark"
    assert form.xpath(".//input[@name='csrf_token']/@value") == [_csrf(page.text)]
    assert form.xpath(".//button[@name='state']/@value") == ["new", "in progress", "handled", "no reply needed"]
    assert "<script>window.__xss" not in page.text and "&lt;script&gt;window.__xss" in page.text
    assert tree.xpath("//a[@href='/queue']")  # in the navigation


def test_marking_needs_the_token_and_is_audited(queued: Path) -> None:
    with TestClient(create_app(queued), base_url="http://127.0.0.1") as client:
        token = _csrf(client.get("/queue").text)
        form = {"post_id": "3", "org": "northtrust", "state": "handled", "by": "comms team", "note": "replied by DM"}
        refused = client.post("/queue/mark", data=form, follow_redirects=False)
        assert refused.status_code == 403
        done = client.post("/queue/mark", data={**form, "csrf_token": token}, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"].startswith("/queue?by=comms+team#marked-3")
        page = client.get(done.headers["location"])
        bad = client.post("/queue/mark", data={**form, "state": "ignored", "csrf_token": token})
    tree = lxml.html.fromstring(page.text)
    item = tree.xpath("//li[@id='item-3']")[0]
    assert item.xpath(".//strong[@data-state]/text()") == ["handled"]
    assert "taken by comms team" in item.text_content() and "replied by DM" in item.text_content()
    assert item.xpath(".//input[@name='by']/@value") == ["comms team"]  # the name is kept for the next item
    audit = [[" ".join(cell.text_content().split()) for cell in row.xpath("td")]
             for row in tree.xpath("//table[@class='audit']/tbody/tr")]
    assert audit[0][1:] == ["comms team", "marked: handled", "3", "northtrust", "replied by DM"], audit
    assert "is not a queue state" in lxml.html.fromstring(bad.text).xpath("string(//p[@role='alert'])")
    with sociable.open(queued, read_only=True) as ws:
        assert {r["post_id"]: r["state"] for r in ws.queue("northtrust").to_pylist()}["3"] == "handled"


@pytest.fixture
def served(queued: Path) -> Iterator[str]:
    app = create_app(queued)
    with __import__("socket").socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the web app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=20)


@pytest.mark.browser
def test_a_team_works_through_the_queue_with_the_keyboard(served: str, queued: Path) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    errors: list[str] = []
    with playwright_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"],
                                         headless=True)
        page = browser.new_page(viewport={"width": 1024, "height": 800})
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(served) else route.abort())
        page.goto(served + "/queue")
        page.fill("#by-1", "Sam (comms)")
        assert page.input_value("#by-2") == "Sam (comms)"  # the name is carried to every item
        page.locator("body").click(position={"x": 5, "y": 5})
        page.keyboard.press("j")
        assert page.evaluate("document.activeElement.id") == "item-3"
        page.keyboard.press("j")
        page.keyboard.press("k")
        assert page.evaluate("document.activeElement.id") == "item-3"
        with page.expect_navigation():
            page.keyboard.press("i")  # in progress
        assert page.locator("#item-3 [data-state]").inner_text() == "in progress"
        assert page.evaluate("document.activeElement.id") == "item-5"  # on to the next item
        with page.expect_navigation():
            page.keyboard.press("x")  # no reply needed
        assert page.locator("#item-5 [data-state]").inner_text() == "no reply needed"
        audit = page.locator("table.audit tbody tr").all_inner_texts()
        injected = page.evaluate("typeof window.__xss")
        browser.close()
    assert errors == []
    assert injected == "undefined"
    assert any("Sam (comms)" in row and "in progress" in row for row in audit), audit
    assert any("Sam (comms)" in row and "no reply needed" in row for row in audit), audit
    with sociable.open(queued, read_only=True) as ws:
        rows = {r["post_id"]: (r["state"], r["assignee"]) for r in ws.queue("northtrust").to_pylist()}
    assert rows["3"] == ("in progress", "Sam (comms)") and rows["5"] == ("no reply needed", "Sam (comms)")
