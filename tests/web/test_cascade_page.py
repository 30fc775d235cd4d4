"""The web app's one-cascade page and the Cascades view, on our RumourEval-shaped threads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import sociable
from sociable.web import create_app

THREADS = Path(__file__).parent.parent / "fixtures" / "cascades" / "rumoureval"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path = tmp_path_factory.mktemp("cascade-web") / "ws.duckdb"
    with sociable.open(path) as ws:
        ws.import_files([THREADS], collection="threads")
    with TestClient(create_app(path), base_url="http://127.0.0.1") as test_client:
        yield test_client


def test_the_cascade_page_draws_the_tree_of_any_of_its_posts(client: TestClient) -> None:
    page = client.get("/cascades/twitter/701000000000000008", params={"collection": "threads"})
    assert page.status_code == 200, page.text
    assert "Cascade from @EastmoorEcho" in page.text
    assert "The spread tree" in page.text and "Reactions over time, by stance" in page.text
    assert '<script src="/assets/vega.min.js">' in page.text and "https://" not in page.text.split("<main")[0]


def test_an_unknown_post_is_a_404_with_a_sentence(client: TestClient) -> None:
    page = client.get("/cascades/twitter/nothing-here")
    assert page.status_code == 404 and "No post" in page.text


def test_the_cascades_view_shows_the_largest_cascades_and_corrections(client: TestClient) -> None:
    body = client.get("/api/views/cascades").json()
    titles = [block.get("title") for block in body["section"]["blocks"]]
    assert "The largest cascades" in titles and "Corrections and what followed" in titles
    assert "Size against structural virality" in titles
