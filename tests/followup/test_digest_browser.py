"""The digest in headless Chromium at an email client's width: 600 px, nothing wider, nothing fetched."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sociable.library import make_digest
from sociable.reports.digest import render_digest
from sociable.store import Workspace

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")


def test_digest_fits_600_pixels(trust: tuple[Workspace, Path], tmp_path: Path) -> None:
    ws, org = trust
    digest = make_digest(ws, [org], 10 * 24, datetime(2024, 3, 10, 10, 0, tzinfo=UTC))
    digest.oldest[0]["text"] = "averyveryverylongwordwithoutanyspaces" * 8  # must wrap, not widen the page
    page_file = tmp_path / "digest.html"
    page_file.write_text(render_digest(digest), encoding="utf-8")
    requests: list[str] = []
    with playwright_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"],
                                         headless=True)
        page = browser.new_page(viewport={"width": 600, "height": 900})
        page.on("request", lambda request: requests.append(request.url))
        page.goto(page_file.as_uri())
        widths = page.evaluate("() => [document.documentElement.scrollWidth, document.body.scrollWidth, "
                               "Math.max(...[...document.querySelectorAll('*')].map(e => e.getBoundingClientRect()"
                               ".right))]")
        headings = page.locator("h2").all_inner_texts()
        browser.close()
    assert max(widths) <= 600, widths
    assert headings == ["Volume and answers", "What changed", "Oldest unanswered", "Flagged risks"]
    assert requests == [page_file.as_uri()]
