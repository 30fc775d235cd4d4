"""The report and every web page, read in Chromium at a desktop and a phone width.

Each page must fit its width (no sideways scrolling of the page), no table may clip its content
or break a word in the middle (a wide table scrolls inside its own frame, with its first column
kept in view), every chart's value axis must cover the data drawn against it, and no axis label
may be cut short. Screenshots of the report at both widths go to docs/screenshots.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
import uvicorn

import sociable
from sociable.reports.html import write_report
from sociable.simulate import simulate
from sociable.simulate.truth import organisation_file, truth_path
from sociable.web import create_app

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).parent.parent.parent / "docs" / "screenshots"
WIDTHS = {"desktop": 1280, "phone": 390}
LONGEST_WORD = 30  # longer tokens (links, ids) may break anywhere; shorter words never do


@dataclass
class Served:
    url: str
    workspace: Path
    report: Path


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert CHROMIUM.exists(), "Chromium is missing: install it with `apt-get install -y chromium` (make test does)"
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """3,000 simulated posts over eight weeks, screened, with the sample's organisation file; the report and the app."""
    folder = tmp_path_factory.mktemp("readable")
    sample = folder / "sample.jsonl"
    simulate(sample, posts=3000, seed=7)
    org = folder / "northbridge.txt"
    org.write_text(organisation_file(orjson.loads(truth_path(sample).read_bytes())), encoding="utf-8")
    path = folder / "ws.duckdb"
    with sociable.open(path) as ws:
        ws.import_files([sample], collection="nhssm")
        roles = ws.run("roles")
        ws.save_labels(roles.labels)
        ws.screen()
        report = write_report(ws, folder / "report.html", options={"organisations": [org]})
    app = create_app(path)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the web app did not start"
        time.sleep(0.05)
    yield Served(f"http://127.0.0.1:{port}", path, report)
    server.should_exit = True
    thread.join(timeout=20)


def open_at(browser: Any, width: int, allowed: str) -> tuple[Any, list[str]]:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(allowed) else route.abort())
    return page, errors


def wait_for_charts(page: Any) -> None:
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-vega-spec]')]"
        ".every(h => h.querySelector('svg, canvas') || h.textContent.trim())", timeout=20000)


# What the page measures in itself: sideways overflow, clipped or mid-word-broken cells, and chart axes.
MEASURE = """
(longest) => {
  const out = {overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
               wide: [], clipped: [], broken: [], axes: [], cut: []};
  const name = el => ((el.closest('[id]') || {}).id || '') + ' ' + (el.textContent || '').trim().slice(0, 40);
  document.querySelectorAll('.table-wrap').forEach(wrap => {
    if (wrap.scrollWidth <= wrap.clientWidth + 1) return;
    const style = getComputedStyle(wrap);
    const first = wrap.querySelector('tbody th, tbody td');
    const sticky = first && getComputedStyle(first).position === 'sticky';
    if (!['auto', 'scroll'].includes(style.overflowX) || !sticky) out.wide.push(name(wrap));
  });
  const probe = document.createElement('span');
  probe.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap';
  document.body.appendChild(probe);
  document.querySelectorAll('table.data th, table.data td').forEach(cell => {
    if (cell.closest('details:not([open])') || !cell.offsetParent) return;
    if (cell.scrollWidth > cell.clientWidth + 1) out.clipped.push(name(cell));
    // a line may break after a hyphen or a slash: those parts are the words that must stay whole
    const words = (cell.textContent || '').split(/\\s+|(?<=[-/])/).filter(w => w && w.length <= longest);
    if (!words.length) return;
    const word = words.reduce((a, b) => (a.length >= b.length ? a : b));
    const style = getComputedStyle(cell);
    const inner = cell.querySelector('button, a') || cell;
    const text = getComputedStyle(inner);
    probe.style.fontFamily = text.fontFamily;
    probe.style.fontSize = text.fontSize;
    probe.style.fontWeight = text.fontWeight;
    probe.style.fontStyle = text.fontStyle;
    probe.style.letterSpacing = text.letterSpacing;
    probe.textContent = word;
    const room = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (probe.getBoundingClientRect().width > room + 1) out.broken.push(name(cell) + ' [' + word + ']');
  });
  probe.remove();
  document.querySelectorAll('[data-vega-spec]').forEach(holder => {
    const spec = JSON.parse(document.getElementById(holder.getAttribute('data-vega-spec')).textContent);
    holder.querySelectorAll('g.role-axis').forEach(axis => {
      const label = axis.getAttribute('aria-label') || '';
      const range = label.match(
        /^([XY])-axis.*for a linear scale with values from ([-+\u2212]?[\\d.,]+) to ([-+\u2212]?[\\d.,]+)/);
      const number = text => parseFloat(text.replace(/,/g, '').replace('\u2212', '-'));
      const labels = [...axis.querySelectorAll('g.role-axis-label text')];
      const ticks = labels.map(t => t.textContent);
      const line = axis.querySelector('g.role-axis-domain path, g.role-axis-domain line');
      // where each tick label sits along the axis, as a fraction of the axis from its low end
      const places = [];
      if (range && line) {
        const box = line.getBoundingClientRect();
        const across = range[1] === 'X';
        // a label sits by its tick mark (an end label may be shifted to stay inside the chart)
        const marks = [...axis.querySelectorAll('g.role-axis-tick line')];
        labels.forEach((label, index) => {
          const r = (marks.length === labels.length ? marks[index] : label).getBoundingClientRect();
          const centre = across ? (r.left + r.right) / 2 : (r.top + r.bottom) / 2;
          const fraction = across ? (centre - box.left) / box.width : (box.bottom - centre) / box.height;
          places.push([label.textContent, fraction]);
        });
      }
      if (range) out.axes.push({id: holder.getAttribute('data-vega-spec'), channel: range[1].toLowerCase(),
                                low: number(range[2]), high: number(range[3]), spec: spec, ticks: ticks,
                                places: places});
      axis.querySelectorAll('text').forEach(text => {
        const shown = text.textContent || '';
        if (/\\u2026$/.test(shown)) out.cut.push(holder.getAttribute('data-vega-spec') + ' ' + shown);
      });
    });
  });
  out.linear = out.axes.length;
  return out;
}
"""


def data_extent(spec: dict[str, Any], channel: str) -> tuple[float, float] | None:
    """The smallest and largest value a chart draws on a channel (stacked bars: the largest stack)."""
    encoding = spec.get("encoding", {})
    field = encoding.get(channel, {})
    if field.get("type") != "quantitative":
        return None
    values = [row.get(field["field"]) for row in spec["data"]["values"]]
    numbers = [float(v) for v in values if isinstance(v, int | float)]
    if not numbers:
        return None
    if field.get("stack") == "zero" or ("color" in encoding and spec.get("mark", {}).get("type") == "bar"):
        other = "y" if channel == "x" else "x"
        totals: dict[Any, float] = {}
        for row in spec["data"]["values"]:
            value = row.get(field["field"])
            if isinstance(value, int | float):
                key = row.get(encoding[other]["field"])
                totals[key] = totals.get(key, 0.0) + float(value)
        return min(0.0, *numbers), max(totals.values())
    return min(numbers), max(numbers)


def reversed_scale(spec: Any, channel: str) -> bool:
    """Whether the chart draws this channel's scale reversed (a tree's depth grows downwards)."""
    if isinstance(spec, dict):
        encoding = spec.get("encoding")
        if isinstance(encoding, dict):
            field = encoding.get(channel.lower())
            if isinstance(field, dict) and isinstance(field.get("scale"), dict) and field["scale"].get("reverse"):
                return True
        return any(reversed_scale(value, channel) for value in spec.values())
    if isinstance(spec, list):
        return any(reversed_scale(value, channel) for value in spec)
    return False


def tick_value(text: str) -> float | None:
    """The number a tick label shows ('1,200', '−0.5', '+0.4', '40%')."""
    cleaned = text.replace(",", "").replace("\u2212", "-").strip()
    share = cleaned.endswith("%")
    try:
        value = float(cleaned.rstrip("%"))
    except ValueError:
        return None
    return value / 100 if share else value


def check_page(page: Any, where: str, charts: bool = False) -> None:
    found = page.evaluate(MEASURE, LONGEST_WORD)
    if charts:
        assert found["linear"] > 0, f"{where}: no chart axis was found to check"
    assert found["overflow"] <= 0, f"{where}: the page scrolls sideways by {found['overflow']} px"
    assert found["wide"] == [], f"{where}: wide tables that neither scroll in their frame nor keep their first " \
                                f"column: {found['wide']}"
    assert found["clipped"] == [], f"{where}: cells that clip their text: {found['clipped'][:5]}"
    assert found["broken"] == [], f"{where}: words broken mid-word: {found['broken'][:5]}"
    assert found["cut"] == [], f"{where}: axis labels cut short: {found['cut'][:5]}"
    for axis in found["axes"]:
        ticks = axis["ticks"]
        assert len(set(ticks)) == len(ticks), f"{where}: chart {axis['id']} repeats tick labels {ticks}"
        span = axis["high"] - axis["low"]
        for text, fraction in axis["places"]:  # a tick's label must say the value at its place on the axis
            value = tick_value(text)
            if value is None or not span:
                continue
            if reversed_scale(axis["spec"], axis["channel"]):
                fraction = 1 - fraction
            assert abs((value - axis["low"]) / span - fraction) < 0.03, (
                f"{where}: chart {axis['id']} labels a tick “{text}” at {fraction:.0%} of an axis from "
                f"{axis['low']} to {axis['high']}")
        extent = data_extent(axis["spec"], axis["channel"])
        if extent is None:
            continue
        low, high = extent
        assert axis["low"] <= low + 1e-9 and axis["high"] >= high - 1e-9, (
            f"{where}: chart {axis['id']} draws {low}..{high} on an axis from {axis['low']} to {axis['high']}")


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_the_report_reads_at_every_width(browser: Any, served: Served, width: str) -> None:
    page, errors = open_at(browser, WIDTHS[width], "file://")
    page.goto(served.report.as_uri())
    wait_for_charts(page)
    title = page.locator("h1").text_content()
    assert title.startswith("Northbridge Teaching Hospitals NHS FT: social media report on all posts, ")
    summary = page.locator("#section-summary")
    assert summary.locator(".key-points li").count() >= 6
    assert summary.locator("a.more").count() == summary.locator(".key-points li").count()
    check_page(page, f"report at {width}", charts=True)
    visible = page.evaluate("() => [...document.querySelectorAll('main h2, main h3, main dt, main th')]"
                            ".map(e => e.textContent.trim())")
    snake = [text for text in visible if re.fullmatch(r"[a-z]+(_[a-z]+)+", text)]
    assert snake == [], f"code names shown to readers: {snake}"
    text = page.locator("main").inner_text()
    assert not re.search(r"\b[\w/]+\.(yaml|py)\b|sociable/analyses|docs/\w+\.md", text), "a project file path is shown"
    assert page.locator("main section.report-section").count() == page.locator("main section p.intro").count()
    page.screenshot(path=str(SCREENSHOTS / ("report.png" if width == "desktop" else "report-phone.png")))
    assert errors == []


def test_a_card_links_to_its_definition_in_the_section_glossary(browser: Any, served: Served) -> None:
    page, errors = open_at(browser, WIDTHS["desktop"], "file://")
    page.goto(served.report.as_uri())
    link = page.locator("#section-dialogue .figure a").first
    target = link.get_attribute("href")
    assert target and target.startswith("#section-dialogue-term-")
    assert page.locator("#section-dialogue details.glossary").count() == 1
    link.click()
    page.wait_for_function("id => document.getElementById(id).closest('details').open", arg=target[1:])
    assert page.locator(target).is_visible()
    assert errors == []


def test_the_labels_table_is_searchable(browser: Any, served: Served) -> None:
    page, errors = open_at(browser, WIDTHS["desktop"], "file://")
    page.goto(served.report.as_uri())
    search = page.locator("#section-roles input[type=search]")
    table = page.locator("#" + str(search.get_attribute("data-filters")))
    total = table.locator("tbody tr").count()
    search.fill("paramedic")
    shown = table.locator("tbody tr:not([hidden])")
    assert 0 < shown.count() < total
    assert all("paramedic" in row.lower() for row in shown.all_inner_texts())
    assert errors == []


def web_pages(served: Served) -> list[str]:
    with sociable.open(served.workspace, read_only=True) as ws:
        account = ws.query("SELECT platform, account_id FROM accounts ORDER BY account_id LIMIT 1").to_pylist()[0]
    import sociable.web.views as views

    pages = ["/", "/collections", "/check", "/import", "/export", "/accounts", "/rejected", "/settings",
             f"/accounts/{account['platform']}/{account['account_id']}"]
    pages.extend(f"/views/{spec.name}" for spec in views.view_specs())
    return pages


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_every_web_page_reads_at_every_width(browser: Any, served: Served, width: str) -> None:
    page, errors = open_at(browser, WIDTHS[width], served.url)
    for path in web_pages(served):
        response = page.goto(served.url + path)
        assert response.status == 200, path
        wait_for_charts(page)
        check_page(page, f"{path} at {width}")
    assert errors == [], errors


def test_the_home_page_opens_with_the_summary(browser: Any, served: Served) -> None:
    page, errors = open_at(browser, WIDTHS["desktop"], served.url)
    page.goto(served.url + "/")
    summary = page.locator("#section-summary")
    assert summary.locator(".key-points li").count() >= 5
    link = summary.locator("a.more").first.get_attribute("href")
    assert link and link.startswith("/views/")
    assert page.goto(served.url + link.split("#")[0]).status == 200
    assert errors == []
    _ = json


def test_the_web_apps_network_filters_like_the_report(browser: Any, served: Served, network_counts: Any) -> None:
    page, errors = open_at(browser, WIDTHS["desktop"], served.url)
    page.goto(served.url + "/views/map")
    page.wait_for_selector("#network-map [data-network-canvas] canvas", timeout=15000)
    data = json.loads(page.locator("#network-map-data").text_content())
    count = page.locator("#network-map [data-network-count]")
    everyone = network_counts(data)
    assert count.inner_text() == f"Showing {everyone[0]:,} of {everyone[0]:,} accounts and {everyone[1]:,} of " \
                                 f"{everyone[1]:,} ties."
    page.locator("#network-map [data-network-filter=community] input[value='0']").uncheck()
    page.locator("#network-map-weight").fill("2")
    kept = {int(choice["value"]) for choice in data["filters"]["community"][1:]}
    accounts, ties = network_counts(data, communities=kept, least=2)
    assert ties < everyone[1]
    assert count.inner_text() == f"Showing {accounts:,} of {everyone[0]:,} accounts and {ties:,} of " \
                                 f"{everyone[1]:,} ties."
    check_page(page, "/views/map filtered")
    assert errors == []
