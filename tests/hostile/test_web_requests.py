"""Hostile requests to the web app, in-process: what held when it was attacked, held as standing tests.

Host checks, upload limits, path traversal, SQL injection and the one error shape; and the
smaller failures found then: an unknown account is a 404, a failed job says what is true, and
what the pages keep between requests follows every write.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import html

import sociable
from sociable.web import WebLimits, create_app
from sociable.web import queries as web_queries

FIXTURES = Path(__file__).parent.parent / "fixtures"
TWEETS = FIXTURES / "twitter" / "v1_stream.jsonl"
XSS_CORPUS = FIXTURES / "xss" / "corpus.jsonl"
BASE = "http://127.0.0.1:8000"
SRC = str(Path(sociable.__file__).parent.parent)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "ws.duckdb"
    with sociable.open(path) as ws:
        ws.import_files([TWEETS], collection="stream")
        ws.import_files([XSS_CORPUS], collection="ward")
    return path


@pytest.fixture
def client(workspace: Path) -> Iterator[TestClient]:
    app = create_app(workspace, limits=WebLimits(max_upload_bytes=64 * 1024, max_files=3))
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as test_client:
        yield test_client


def csrf(client: TestClient) -> str:
    return str(html.fromstring(client.get("/check").text).xpath("//meta[@name='csrf-token']/@content")[0])


def error_of(response: object, status: int) -> str:
    """The one error shape: {ok: false, error: one sentence, status}."""
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"ok", "error", "status"} and body["ok"] is False and body["status"] == status
    assert body["error"].endswith(".") and "Traceback" not in body["error"]
    return str(body["error"])


def counts(workspace: Path) -> dict[str, int]:
    with sociable.open(workspace, read_only=True) as ws:
        return dict(ws.counts())


# ---------------------------------------------------------------------- hosts


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.nip.io", "localhost.evil.example:8000", "0.0.0.0", ""])
def test_a_host_that_is_not_this_machine_is_refused(client: TestClient, host: str) -> None:
    assert "answers only for" in error_of(client.get("/api/overview", headers={"host": host}), 400)


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost", "[::1]:8000"])
def test_this_machine_is_answered(client: TestClient, host: str) -> None:
    assert client.get("/api/overview", headers={"host": host}).status_code == 200


# ---------------------------------------------------------------------- uploads


def test_an_upload_over_the_limit_is_refused_declared_or_not(client: TestClient, workspace: Path) -> None:
    before = counts(workspace)
    token = csrf(client)
    big = [("files", ("big.jsonl", b"{}\n" * 30_000, "application/json"))]
    assert "MB" in error_of(client.post("/api/imports", files=big, headers={"X-CSRF-Token": token}), 413)

    def body() -> Iterator[bytes]:  # no Content-Length: the limit is counted as the body arrives
        yield b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"x.jsonl\"\r\n\r\n"
        for _ in range(200):
            yield b"x" * 1024
        yield b"\r\n--b--\r\n"

    streamed = client.post("/api/imports", content=body(),
                           headers={"X-CSRF-Token": token, "content-type": "multipart/form-data; boundary=b"})
    assert streamed.status_code == 413
    assert counts(workspace) == before
    assert list(client.app.state.upload_root.iterdir()) == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(("name", "status"), [("run.exe", 422), ("posts.jsonl.sh", 422), (".", 422), ("", 422)])
def test_uploads_of_other_kinds_are_refused(client: TestClient, name: str, status: int) -> None:
    files = [("files", (name, b"{}", "application/octet-stream"))]
    error_of(client.post("/api/imports", files=files, headers={"X-CSRF-Token": csrf(client)}), status)
    assert client.app.state.jobs.all() == []  # type: ignore[attr-defined]


def test_too_many_files_are_refused(client: TestClient) -> None:
    """No more than the limit is ever imported: the files beyond it are refused, by name, with the reason."""
    files = [("files", (f"f{n}.jsonl", b"{}", "application/json")) for n in range(40)]
    answer = client.post("/api/imports", files=files, headers={"X-CSRF-Token": csrf(client)})
    assert answer.status_code == 202
    job = answer.json()["job"]
    assert job["files"] == ["f0.jsonl", "f1.jsonl", "f2.jsonl"]
    assert [row["file"] for row in job["refused"]] == [f"f{n}.jsonl" for n in range(3, 40)]
    assert all("at most 3 files" in row["reason"] for row in job["refused"])
    client.app.state.jobs.wait(job["id"])  # type: ignore[attr-defined]
    assert list(client.app.state.upload_root.iterdir()) == []  # type: ignore[attr-defined]


# ---------------------------------------------------------------------- path traversal


@pytest.mark.parametrize("path", [
    "/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py", "/assets/../html.py",
    "/assets/..%2f..%2fstore%2f__init__.py", "/assets/report.css%00.py", "/export/..%2f..%2fetc%2fpasswd",
    "/export/posts.csv%2f..%2f..%2fws.duckdb", "/jobs/..%2f..%2fws.duckdb",
])
def test_paths_never_leave_the_app(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 404, (path, answer.status_code)
    assert b"DUCK" not in answer.content and b"import " not in answer.content


def test_an_uploaded_name_cannot_leave_its_folder(client: TestClient, workspace: Path) -> None:
    files = [("files", ("../../../escape.jsonl", TWEETS.read_bytes(), "application/json"))]
    answer = client.post("/api/imports", files=files, headers={"X-CSRF-Token": csrf(client)})
    job = client.app.state.jobs.wait(answer.json()["job"]["id"])  # type: ignore[attr-defined]
    assert job.state == "done" and job.files == ["escape.jsonl"]
    assert not list(workspace.parent.rglob("escape.jsonl"))


# ---------------------------------------------------------------------- SQL injection


INJECTIONS = ["' OR 1=1 --", "stream'; DROP TABLE posts; --", "\" OR \"\"=\"", "1; DELETE FROM accounts",
              "x') UNION SELECT * FROM rejected --"]


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_in_every_kind_of_parameter_changes_nothing(client: TestClient, workspace: Path, text: str) -> None:
    before = counts(workspace)
    assert "no collection" in error_of(client.get("/api/accounts", params={"collection": text}), 404)
    error_of(client.get("/api/accounts", params={"sort": text}), 400)
    error_of(client.get("/api/views/map", params={"collection": text}), 404)
    error_of(client.get("/api/views/map", params={"interactions": text}), 422)
    error_of(client.get(f"/api/accounts/twitter/{text}"), 404)
    assert client.get("/api/posts", params={"search": text}).json()["posts"] == []
    assert client.get(f"/export/{text}.csv").status_code == 404
    assert counts(workspace) == before


# ---------------------------------------------------------------------- the error shape


@pytest.mark.parametrize(("path", "status"), [
    ("/api/views/nope", 404), ("/api/views/map?nope=1", 422), ("/api/accounts?limit=0", 422),
    ("/api/jobs/nope", 404), ("/api/nothing", 404), ("/api/rejected?run=x", 422),
    ("/api/accounts/twitter/0", 404), ("/api/posts?since=yesterday", 422),
])
def test_every_api_error_has_the_one_shape(client: TestClient, path: str, status: int) -> None:
    error_of(client.get(path), status)


def test_an_unexpected_failure_says_nothing_of_the_inside(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("SELECT secret FROM internals at /home/user/ws.duckdb")

    monkeypatch.setattr(web_queries, "rejected", broken)
    message = error_of(client.get("/api/rejected"), 500)
    assert "secret" not in message and "/home" not in message and "something went wrong" in message
    page = client.get("/rejected")
    assert page.status_code == 500 and "secret" not in page.text and "Traceback" not in page.text


def test_an_unknown_account_is_not_found(client: TestClient) -> None:
    assert "no twitter account '404'" in error_of(client.get("/api/accounts/twitter/404"), 404)
    page = client.get("/accounts/twitter/404")
    assert page.status_code == 404 and "no twitter account" in page.text


# ---------------------------------------------------------------------- jobs and what pages keep


def test_a_failed_job_says_what_is_true(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in a mapper")

    monkeypatch.setattr(sociable.store.Workspace, "import_files", fails)
    files = [("files", ("posts.jsonl", TWEETS.read_bytes(), "application/json"))]
    answer = client.post("/api/imports", files=files, headers={"X-CSRF-Token": csrf(client)})
    job = client.app.state.jobs.wait(answer.json()["job"]["id"])  # type: ignore[attr-defined]
    assert job.state == "failed"
    assert "import the files again to finish" not in job.error
    assert job.error.startswith("the import stopped unexpectedly (RuntimeError: a bug in a mapper).")
    assert "will stop at the same place" in job.error and "report the problem" in job.error


def test_pages_follow_every_write(client: TestClient, workspace: Path) -> None:
    cache = client.app.state.views  # type: ignore[attr-defined]
    first = client.get("/api/overview").json()["counts"]["posts"]
    misses = cache.misses
    for _ in range(3):
        assert client.get("/api/overview").json()["counts"]["posts"] == first
    assert cache.misses == misses, "nothing was computed again while nothing changed"
    extra = workspace.parent / "extra.jsonl"
    tweet = json.loads(TWEETS.read_text().splitlines()[0])
    tweet["id_str"], tweet["id"] = "424242", 424242
    extra.write_text(json.dumps(tweet) + "\n")
    files = [("files", ("extra.jsonl", extra.read_bytes(), "application/json"))]
    job = client.post("/api/imports", files=files, headers={"X-CSRF-Token": csrf(client)}).json()["job"]
    assert client.app.state.jobs.wait(job["id"]).state == "done"  # type: ignore[attr-defined]
    assert client.get("/api/overview").json()["counts"]["posts"] == first + 1
    tweet["id_str"], tweet["id"] = "434343", 434343
    extra.write_text(json.dumps(tweet) + "\n")
    outside = subprocess.run([sys.executable, "-c", "from sociable.cli import main; main()", "--workspace",
                              str(workspace), "--wait", "30", "import", str(extra)],
                             capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": SRC})
    assert outside.returncode == 0, outside.stderr
    assert client.get("/api/overview").json()["counts"]["posts"] == first + 2
    assert "434343" in json.dumps(client.get("/api/accounts/twitter/" + str(tweet["user"]["id_str"])).json())
