"""Web app fixtures: a small workspace with hostile text in it, and an in-process client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from fastapi.testclient import TestClient

import sociable
from sociable.web import WebLimits, create_app

FIXTURES = Path(__file__).parent.parent / "fixtures"
XSS_CORPUS = FIXTURES / "xss" / "corpus.jsonl"
TWEETS = FIXTURES / "twitter" / "v1_stream.jsonl"
BASE_URL = "http://127.0.0.1"
TOKEN = "correct-horse-battery-staple-42"


@pytest.fixture(scope="module")
def web_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace holding the XSS corpus (collection 'ward') and a stream of ordinary tweets."""
    path = tmp_path_factory.mktemp("web") / "ws.duckdb"
    with sociable.open(path) as ws:
        ws.import_files([XSS_CORPUS], collection="ward")
        ws.import_files([TWEETS], collection="stream")
    return path


@pytest.fixture(scope="module")
def client(web_workspace: Path) -> Iterator[TestClient]:
    with TestClient(create_app(web_workspace), base_url=BASE_URL) as test_client:
        yield test_client


@pytest.fixture
def fresh_client(tmp_path: Path) -> Iterator[TestClient]:
    """A client over an empty workspace of its own (for imports that change the data)."""
    app = create_app(tmp_path / "fresh.duckdb", limits=WebLimits(max_upload_bytes=64 * 1024, max_files=3))
    with TestClient(app, base_url=BASE_URL) as test_client:
        yield test_client


@pytest.fixture
def token_client(web_workspace: Path, tmp_path: Path) -> Iterator[TestClient]:
    """A client over a copy of the workspace, served with a token."""
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(web_workspace.read_bytes())
    with TestClient(create_app(copy, token=TOKEN), base_url=BASE_URL) as test_client:
        yield test_client


def csrf_of(client: TestClient) -> str:
    """The CSRF token of this client's session, as the app's pages carry it (loading a page starts a session)."""
    page = client.get("/login" if client.app.state.token else "/check")  # type: ignore[attr-defined]
    return str(lxml.html.fromstring(page.text).xpath("//meta[@name='csrf-token']/@content")[0])


@pytest.fixture
def web_token() -> str:
    return TOKEN


@pytest.fixture
def csrf() -> Callable[[TestClient], str]:
    return csrf_of


def shown_counts(data: dict[str, Any], sectors: set[int] | None = None, roles: set[int] | None = None,
                 communities: set[int] | None = None, least: int = 1, window: tuple[int, int] | None = None
                 ) -> tuple[int, int]:
    """Accounts and ties the network view should show under some filters, worked out here from its data.

    Sector and role are codes into the filters' choices, communities are community numbers; an account
    is shown when its sector, role and community are chosen and, once a minimum or a time window is
    set, at least one of its ties is shown; a tie is shown when both accounts are and its interactions
    (inside the window, when there is one) reach the minimum.
    """
    nodes, edges = data["nodes"], data["edges"]
    keep = [(sectors is None or nodes["sector"][i] in sectors) and (roles is None or nodes["role"][i] in roles)
            and (communities is None or nodes["community"][i] in communities) for i in range(len(nodes["handle"]))]
    start = 0
    tied = [False] * len(keep)
    ties = 0
    for edge, (a, b) in enumerate(zip(edges["source"], edges["target"], strict=True)):
        entries = range(start, start + edges["periodCount"][edge])
        start += edges["periodCount"][edge]
        weight = sum(edges["periodWeight"][k] for k in entries
                     if window is None or window[0] <= edges["period"][k] <= window[1])
        if keep[a] and keep[b] and weight > 0 and weight >= least:
            ties += 1
            tied[a] = tied[b] = True
    filtered = least > 1 or window is not None
    return sum(1 for i, kept in enumerate(keep) if kept and (tied[i] or not filtered)), ties


@pytest.fixture
def network_counts() -> Callable[..., tuple[int, int]]:
    return shown_counts
