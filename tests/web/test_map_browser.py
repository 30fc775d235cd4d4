"""The report's network view in headless Chromium, opened from file:// with every other address blocked.

sigma.js must draw on its canvas, a handle search must find and centre the account, the colour
toggle must swap legends, printing must fall back to the SVG, and nothing may log an error.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import sociable
from sociable.analyses.base import get_analysis
from sociable.reports.html import write_report
from sociable.simulate import simulate

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
XSS_CORPUS = Path(__file__).parent.parent / "fixtures" / "xss" / "corpus.jsonl"


@dataclass
class Watch:
    """What a page did that it should not: dialogs opened, console errors, uncaught exceptions."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def clean(self) -> None:
        assert self.dialogs == [], f"a dialog opened: {self.dialogs}"
        assert self.errors == [], f"the page reported errors: {self.errors}"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    assert CHROMIUM.exists(), "Chromium is missing: install it with `apt-get install -y chromium` (make test does)"
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report over 2,000 simulated posts with sectors assigned, plus the hostile XSS corpus."""
    folder = tmp_path_factory.mktemp("map-browser")
    simulate(folder / "sample.jsonl", posts=2000, seed=7)
    with sociable.open(folder / "ws.duckdb") as ws:
        ws.import_files([folder / "sample.jsonl"])
        ws.import_files([XSS_CORPUS])
        ws.save_labels(get_analysis("roles").run(ws).labels)
        return write_report(ws, folder / "report.html")


def open_report(browser: object, report: Path) -> tuple[object, Watch]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    watch = Watch()

    def on_dialog(dialog: object) -> None:
        watch.dialogs.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()  # type: ignore[attr-defined]

    page.on("dialog", on_dialog)
    page.on("console", lambda message: watch.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: watch.errors.append(str(error)))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://") else route.abort())
    page.goto(report.as_uri())
    page.wait_for_selector("#network-map [data-network-canvas] canvas", timeout=15000)
    return page, watch


def distinct_pixel_bytes(png: bytes) -> int:
    """How many different byte values a PNG's pixel data holds: a blank canvas gives only a handful."""
    data, offset = b"", 8
    while offset < len(png):
        length, kind = struct.unpack(">I4s", png[offset:offset + 8])
        if kind == b"IDAT":
            data += png[offset + 8:offset + 8 + length]
        offset += 12 + length
    return len(set(zlib.decompress(data)))


def embedded(page: object) -> dict[str, Any]:
    text = page.locator("#network-map-data").text_content()  # type: ignore[attr-defined]
    return dict(json.loads(text))


def test_sigma_draws_the_network_in_place_of_the_picture(browser: object, report: Path) -> None:
    page, watch = open_report(browser, report)
    assert page.locator("#network-map [data-network-canvas] canvas").count() >= 2  # type: ignore[attr-defined]
    assert page.locator("#network-map [data-network-canvas]").is_visible()  # type: ignore[attr-defined]
    assert page.locator("#network-map [data-network-static]").is_hidden()  # type: ignore[attr-defined]
    assert page.locator("#network-map [data-network-controls]").is_visible()  # type: ignore[attr-defined]
    box = page.locator("#network-map [data-network-canvas]").bounding_box()  # type: ignore[attr-defined]
    assert box["width"] > 600 and box["height"] > 400
    drawn = page.evaluate(  # type: ignore[attr-defined]
        "() => [...document.querySelectorAll('#network-map canvas')].filter(c => c.width > 0 && c.height > 0).length")
    assert drawn >= 2
    shot = page.locator("#network-map [data-network-canvas]").screenshot()  # type: ignore[attr-defined]
    assert distinct_pixel_bytes(shot) > 40, "the canvas is blank: sigma drew nothing"
    hostile = [h for h in embedded(page)["nodes"]["handle"] if "<" in h]
    assert hostile, "the XSS corpus accounts are in the network"
    assert page.evaluate("() => typeof window.__xss") == "undefined"  # type: ignore[attr-defined]
    watch.clean()


def test_searching_a_handle_selects_and_centres_it(browser: object, report: Path) -> None:
    page, watch = open_report(browser, report)
    nodes = embedded(page)["nodes"]
    handle = nodes["handle"][4]
    search = page.locator("#network-map-search")  # type: ignore[attr-defined]
    search.fill("@" + handle.upper())
    search.press("Enter")
    page.wait_for_selector(f"#network-map[data-selected={json.dumps(handle)}]", timeout=5000)  # type: ignore[attr-defined]
    status = page.locator("#network-map [data-network-status]").inner_text()  # type: ignore[attr-defined]
    assert status.startswith(f"@{handle}") and "PageRank rank 5 of" in status
    search.fill("no-such-account-anywhere")
    page.locator("#network-map form button[type=submit]").click()  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => !document.getElementById('network-map').hasAttribute('data-selected')", timeout=5000)
    assert "No account in the map matches" in page.locator(  # type: ignore[attr-defined]
        "#network-map [data-network-status]").inner_text()
    watch.clean()


def test_colour_toggle_and_print_fallback(browser: object, report: Path) -> None:
    page, watch = open_report(browser, report)
    sector, community = (page.locator(f"#network-map [data-network-legend={mode}]")  # type: ignore[attr-defined]
                         for mode in ("sector", "community"))
    assert sector.is_visible() and community.is_hidden()
    page.locator("#network-map input[value=community]").check()  # type: ignore[attr-defined]
    assert community.is_visible() and sector.is_hidden()
    assert community.inner_text().lstrip().startswith("1 · ")  # communities are named from their members
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")  # type: ignore[attr-defined]
    assert page.locator("#network-map [data-network-static] svg circle").count() > 100  # type: ignore[attr-defined]
    assert page.locator("#network-map [data-network-static]").is_visible()  # type: ignore[attr-defined]
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")  # type: ignore[attr-defined]
    assert page.locator("#network-map [data-network-canvas]").is_visible()  # type: ignore[attr-defined]
    watch.clean()


def shown(page: object) -> tuple[int, int, str]:
    """The accounts and ties the view says it shows, checked against the count it keeps on the figure."""
    text = page.locator("#network-map [data-network-count]").inner_text()  # type: ignore[attr-defined]
    found = re.fullmatch(r"Showing ([\d,]+) of ([\d,]+) accounts and ([\d,]+) of ([\d,]+) ties\.", text)
    assert found, text
    accounts, ties = int(found[1].replace(",", "")), int(found[3].replace(",", ""))
    marked = page.locator("#network-map").get_attribute("data-shown")  # type: ignore[attr-defined]
    assert marked == f"{accounts} {ties}"
    return accounts, ties, text


def test_each_filter_hides_what_it_leaves_out_and_says_how_many_are_shown(
        browser: object, report: Path, network_counts: Any) -> None:
    page, watch = open_report(browser, report)
    data = embedded(page)
    everyone = (len(data["nodes"]["handle"]), len(data["edges"]["source"]))
    assert shown(page)[:2] == everyone
    figure = page.locator("#network-map")  # type: ignore[attr-defined]

    def box(kind: str, index: int) -> Any:
        return figure.locator(f"[data-network-filter={kind}] input[value='{index}']")

    box("sector", 0).uncheck()  # the commonest sector
    sectors = set(range(1, len(data["filters"]["sector"])))
    assert shown(page)[:2] == network_counts(data, sectors=sectors) and shown(page)[0] < everyone[0]
    box("role", 1).uncheck()
    roles = {0, *range(2, len(data["filters"]["role"]))}
    assert shown(page)[:2] == network_counts(data, sectors=sectors, roles=roles)
    figure.locator("[data-network-reset]").click()
    assert shown(page)[:2] == everyone

    box("community", 0).uncheck()  # the largest community
    kept = {int(choice["value"]) for choice in data["filters"]["community"][1:]}
    assert shown(page)[:2] == network_counts(data, communities=kept) and shown(page)[1] < everyone[1]
    figure.locator("[data-network-reset]").click()

    weight = page.locator("#network-map-weight")  # type: ignore[attr-defined]
    weight.focus()
    weight.press("ArrowRight")  # keyboard: the slider steps to 2
    assert figure.locator("[data-network-output=weight]").inner_text() == "2"
    assert shown(page)[:2] == network_counts(data, least=2) and shown(page)[1] < everyone[1]
    figure.locator("[data-network-reset]").click()

    used = sorted(set(data["edges"]["period"]))  # the periods with interactions (the XSS corpus is years later)
    assert len(used) >= 6, "the sample spans weeks, so the time filter has periods to choose from"
    window = (used[1], used[3])
    page.locator("#network-map-from").fill(str(window[0]))  # type: ignore[attr-defined]
    page.locator("#network-map-to").fill(str(window[1]))  # type: ignore[attr-defined]
    assert shown(page)[:2] == network_counts(data, window=window)
    assert 0 < shown(page)[1] < everyone[1]
    assert figure.locator("[data-network-output=from]").inner_text() == data["periods"]["labels"][window[0]]
    weight.fill("2")
    assert shown(page)[:2] == network_counts(data, least=2, window=window)
    figure.locator("[data-network-reset]").click()
    assert shown(page)[:2] == everyone
    overflow = page.evaluate(  # type: ignore[attr-defined]
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    watch.clean()


def test_filters_are_labelled_and_fit_a_phone(browser: object, report: Path) -> None:
    page, watch = open_report(browser, report)
    page.set_viewport_size({"width": 390, "height": 800})  # type: ignore[attr-defined]
    page.wait_for_timeout(200)  # type: ignore[attr-defined]
    unlabelled = page.evaluate(  # type: ignore[attr-defined]
        "() => [...document.querySelectorAll('#network-map input')].filter(i => !i.labels || !i.labels.length)"
        ".map(i => i.outerHTML)")
    assert unlabelled == []
    overflow = page.evaluate(  # type: ignore[attr-defined]
        "() => ({page: document.documentElement.scrollWidth - document.documentElement.clientWidth,"
        " figure: [...document.querySelectorAll('#network-map *')].filter(e => e.getBoundingClientRect().right >"
        " document.documentElement.clientWidth + 1).map(e => e.tagName + '.' + e.className).slice(0, 5)})")
    assert overflow["page"] <= 0 and overflow["figure"] == [], overflow
    watch.clean()


def test_labels_on_the_canvas_never_overlap(browser: object, report: Path) -> None:
    page, watch = open_report(browser, report)
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => (document.getElementById('network-map').sociableLabels || []).length > 0", timeout=5000)
    boxes = page.evaluate("() => document.getElementById('network-map').sociableLabels")  # type: ignore[attr-defined]
    assert len(boxes) >= 3
    for i, (left, top, right, bottom) in enumerate(boxes):
        for other in boxes[:i]:
            assert not (left < other[2] and other[0] < right and top < other[3] and other[1] < bottom), (
                f"label {i} overlaps an earlier one")
    watch.clean()
