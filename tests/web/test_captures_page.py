"""The web app starts, watches and stops captures, each in a process of its own, against servers started here."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from fastapi.testclient import TestClient

import sociable
from sociable.web import create_app

sys.path.insert(0, str(Path(__file__).parents[1] / "capture"))
from capture_feeds import Blog
from capture_scenario import EXPECTED, PROFILES, events
from capture_servers import AppView, Jetstream

BASE_URL = "http://127.0.0.1"
Csrf = Callable[[TestClient], str]


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(tmp_path / "ws.duckdb"), base_url=BASE_URL) as client:
        yield client


@pytest.fixture
def servers() -> Iterator[tuple[str, str]]:
    jetstream = Jetstream(pause=0.05)  # about 1 s of stream, then the connection stays open
    jetstream.add(*events())
    appview = AppView(PROFILES)
    urls = jetstream.start(), appview.start()
    yield urls
    jetstream.stop()
    appview.stop()


def captures(client: TestClient) -> dict[str, dict[str, Any]]:
    """The captures as the API lists them; a 503 (a batch was being written all the while) is asked again."""
    for _attempt in range(20):
        response = client.get("/api/captures")
        if response.status_code != 503:
            break
        time.sleep(0.5)
    body = response.json()
    assert body["ok"] is True, body
    return {row["name"]: row for row in body["captures"]}


def wait_until(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def start(client: TestClient, csrf: Csrf, **form: str) -> Any:
    return client.post("/captures", data={"csrf_token": csrf(client), **form}, follow_redirects=False)


def test_the_page_offers_every_platform_with_the_commands_options(app_client: TestClient) -> None:
    page = app_client.get("/captures")
    assert page.status_code == 200
    tree = lxml.html.fromstring(page.text)
    assert tree.xpath("//nav//a[@href='/captures']")
    form = tree.xpath("//form[@id='start-capture']")[0]
    assert form.xpath(".//input[@name='csrf_token']/@value")
    assert form.xpath(".//select[@name='platform']/option/@value") == ["bluesky", "mastodon", "feeds"]
    names = set(form.xpath(".//input/@name | .//textarea/@name"))
    assert {"tags", "keywords", "accounts", "langs", "conversations", "backfill_threads", "whole_stream",
            "jetstream", "appview", "servers", "since", "every_seconds", "stream", "token", "urls",
            "every_interval", "comments", "name", "collection", "duration", "max_posts"} <= names


def test_a_capture_started_from_the_web_runs_apart_and_stops_on_the_button(
    app_client: TestClient, csrf: Csrf, servers: tuple[str, str], tmp_path: Path,
) -> None:
    jetstream, appview = servers
    response = start(app_client, csrf, platform="bluesky", tags="nhssm", keywords="social care", name="care",
                     collection="care", conversations="on", jetstream=jetstream, appview=appview)
    assert response.status_code == 303 and response.headers["location"] == "/captures"
    wait_until(lambda: captures(app_client).get("care", {}).get("stored", 0) >= len(EXPECTED))
    live = captures(app_client)["care"]
    assert live["running"] is True and live["started_here"] is True and live["kind"] == "bluesky"
    # the app does not hold the workspace: pages read it while the capture runs, and so does another process
    assert app_client.get("/collections").status_code == 200
    with sociable.open(tmp_path / "ws.duckdb", read_only=True, wait=30) as ws:
        assert ws.captures()[0]["running"] is True
    page = lxml.html.fromstring(app_client.get("/captures").text)
    assert page.xpath("//tr[@data-capture='care']//form[@action='/captures/stop']//button")
    again = start(app_client, csrf, platform="bluesky", tags="nhssm", name="care", jetstream=jetstream,
                  appview=appview)
    assert again.status_code == 422 and "running already" in again.text
    stopped = app_client.post("/captures/stop", data={"csrf_token": csrf(app_client), "name": "care"},
                              follow_redirects=False)
    assert stopped.status_code == 303
    wait_until(lambda: captures(app_client)["care"]["running"] is False
               and captures(app_client)["care"]["process"]["exit_code"] is not None)
    final = captures(app_client)["care"]
    assert final["process"]["exit_code"] == 0 and final["process"]["message"] is None
    assert final["cursor"] is not None and final["stored"] == len(EXPECTED) + 2  # two were deleted later
    with sociable.open(tmp_path / "ws.duckdb", read_only=True, wait=30) as ws:
        kept = set(ws.posts(collection="care", limit=None).column("post_id").to_pylist())
    assert kept == EXPECTED


def test_a_feeds_capture_with_a_duration_ends_by_itself(app_client: TestClient, csrf: Csrf, tmp_path: Path) -> None:
    blog = Blog()
    base = blog.start()
    try:
        response = start(app_client, csrf, platform="feeds", urls=f"{base}/blog/\n{base}/news.atom",
                         every_interval="1s", duration="2", comments="on", name="blogs", collection="blogs")
        assert response.status_code == 303
        wait_until(lambda: captures(app_client).get("blogs", {}).get("process", {}).get("exit_code") is not None)
    finally:
        blog.stop()
    row = captures(app_client)["blogs"]
    assert row["kind"] == "feeds" and row["collection"] == "blogs" and row["process"]["exit_code"] == 0
    assert row["stored"] >= 3 and row["errors"] == 1  # the blog answers its news feed with one 503 first


@pytest.mark.parametrize(("form", "said"), [
    ({"platform": "bluesky"}, "at least one --tag, --keyword or --account"),
    ({"platform": "mastodon", "tags": "nhssm"}, "at least one --server"),
    ({"platform": "mastodon", "tags": "nhssm", "servers": "mastodon.social", "since": "March"}, "YYYY-MM-DD"),
    ({"platform": "feeds", "urls": "ftp://example.org/feed"}, "is not an http(s) address"),
    ({"platform": "feeds", "urls": "https://example.org/feed", "every_interval": "often"}, "30m, 1h or 90s"),
    ({"platform": "bluesky", "tags": "x", "duration": "soon"}, "The duration should be a number"),
    ({"platform": "fax"}, "not 'fax'"),
])
def test_bad_options_come_back_as_a_sentence_and_start_nothing(
    app_client: TestClient, csrf: Csrf, form: dict[str, str], said: str,
) -> None:
    response = start(app_client, csrf, **form)
    assert response.status_code == 422
    alert = " ".join(lxml.html.fromstring(response.text).xpath("//p[@role='alert']//text()"))
    assert said in alert
    assert captures(app_client) == {}


def test_start_and_stop_need_the_csrf_token(app_client: TestClient) -> None:
    refused = app_client.post("/captures", data={"platform": "bluesky", "tags": "nhssm"}, follow_redirects=False)
    assert refused.status_code == 403
    assert app_client.post("/captures/stop", data={"name": "x"}).status_code == 403
    assert captures(app_client) == {}


def test_a_capture_not_started_here_cannot_be_stopped_here(app_client: TestClient, csrf: Csrf) -> None:
    response = app_client.post("/captures/stop", data={"csrf_token": csrf(app_client), "name": "elsewhere"})
    assert response.status_code == 409 and "not started by this app" in response.text


def test_closing_the_app_stops_its_captures(tmp_path: Path, csrf: Csrf, servers: tuple[str, str]) -> None:
    jetstream, appview = servers
    with TestClient(create_app(tmp_path / "ws.duckdb"), base_url=BASE_URL) as client:
        assert start(client, csrf, platform="bluesky", tags="nhssm", name="care", jetstream=jetstream,
                     appview=appview).status_code == 303
        wait_until(lambda: captures(client).get("care", {}).get("received", 0) > 0)
        process = client.app.state.captures.started()["care"]  # type: ignore[attr-defined]
    with sociable.open(tmp_path / "ws.duckdb", read_only=True, wait=30) as ws:
        row = ws.captures()[0]
    assert row["running"] is False and row["cursor"] is not None and process["alive"] is True
