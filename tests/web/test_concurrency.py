"""`sociable serve` and the command line on one workspace at the same time.

The server runs as a real process on a free 127.0.0.1 port; the commands run as real processes
beside it while a client keeps requesting pages, as a browser tab would.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

import sociable
from sociable.web import create_app

SRC = str(Path(sociable.__file__).parent.parent)
SOCIABLE = [sys.executable, "-c", "from sociable.cli import main; main()"]
ENV = {**os.environ, "PYTHONPATH": SRC, "COLUMNS": "200"}
ENV.pop("SOCIABLE_WORKSPACE", None)
ENV.pop("SOCIABLE_WAIT", None)
# Holds the workspace open for writing until its stdin closes (as a long import would).
WRITER = """
import sys
import sociable
ws = sociable.open(sys.argv[1], wait=30)
print("ready", flush=True)
sys.stdin.read()
ws.close()
"""


def sociable_cli(workspace: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SOCIABLE, "--workspace", str(workspace), *args], capture_output=True, text=True,
                          timeout=timeout, env=ENV, cwd=workspace.parent)


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A workspace of 2,000 simulated posts, and another simulated file to import later."""
    folder = tmp_path_factory.mktemp("samples")
    first, second = folder / "x.jsonl", folder / "y.jsonl"
    for path, posts, seed in ((first, "2000", "7"), (second, "1000", "8")):
        done = sociable_cli(folder / "unused.duckdb", "simulate", "--posts", posts, "--seed", seed, "-o", str(path))
        assert done.returncode == 0, done.stderr
    workspace = folder / "ws.duckdb"
    done = sociable_cli(workspace, "import", str(first))
    assert done.returncode == 0, done.stderr
    return {"workspace": workspace, "another": second}


@pytest.fixture
def workspace(samples: dict[str, Path], tmp_path: Path) -> Path:
    copy = tmp_path / "ws.duckdb"
    shutil.copyfile(samples["workspace"], copy)
    return copy


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(workspace: Path) -> Iterator[httpx.Client]:
    """`sociable serve` on a free loopback port; on the way out, no traceback on its stderr."""
    port = free_port()
    server = subprocess.Popen([*SOCIABLE, "--workspace", str(workspace), "serve", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, f"the server stopped: {server.communicate()[1]}"
            assert time.monotonic() < deadline, "the server did not start"
            try:
                if client.get("/api/overview").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield client
    finally:
        client.close()
        server.send_signal(signal.SIGINT)
        _, errors = server.communicate(timeout=60)
    assert "Traceback" not in errors, errors


@contextmanager
def browsing(client: httpx.Client, path: str = "/api/overview") -> Iterator[list[httpx.Response]]:
    """Requests one after another in the background, as an open page that polls would."""
    answers: list[httpx.Response] = []
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            answers.append(client.get(path))
            stop.wait(0.05)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        yield answers
    finally:
        stop.set()
        thread.join(timeout=60)


def posts_shown(client: httpx.Client) -> int:
    answer = client.get("/api/overview")
    assert answer.status_code == 200, answer.text
    return int(answer.json()["counts"]["posts"])


@contextmanager
def held_for_writing(workspace: Path) -> Iterator[subprocess.Popen[str]]:
    holder = subprocess.Popen([sys.executable, "-c", WRITER, str(workspace)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=ENV)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        yield holder
    finally:
        let_go(holder)


def let_go(holder: subprocess.Popen[str]) -> None:
    if holder.stdin and not holder.stdin.closed:
        holder.stdin.close()
    holder.wait(timeout=30)


def test_commands_work_while_the_app_serves_and_it_shows_their_results(workspace: Path, samples: dict[str, Path],
                                                                        tmp_path: Path) -> None:
    with serving(workspace) as client, browsing(client) as answers:
        before = posts_shown(client)
        assert before == 2000

        posts = sociable_cli(workspace, "posts", "--limit", "5")
        assert posts.returncode == 0, posts.stderr

        imported = sociable_cli(workspace, "import", str(samples["another"]), "--collection", "later")
        assert imported.returncode == 0, imported.stderr
        after = posts_shown(client)
        assert after > before
        assert client.get("/api/collections").json()["collections"][-1]["name"] == "later"

        page = client.get("/views/safety").text
        assert "not been screened yet" in page
        screened = sociable_cli(workspace, "screen")
        assert screened.returncode == 0, screened.stderr
        page = client.get("/views/safety").text
        assert "not been screened yet" not in page and "Posts screened" in page

        report = sociable_cli(workspace, "report", "-o", str(tmp_path / "r.html"))
        assert report.returncode == 0, report.stderr
        assert (tmp_path / "r.html").stat().st_size > 0
        assert posts_shown(client) == after
    assert answers, "the page kept asking while the commands ran"
    assert {answer.status_code for answer in answers} <= {200, 503}
    for answer in answers:
        if answer.status_code == 503:
            assert answer.headers["retry-after"] and answer.json()["ok"] is False


def test_a_request_while_another_process_writes_waits_then_answers_503(workspace: Path) -> None:
    with serving(workspace) as client:
        with held_for_writing(workspace):
            started = time.monotonic()
            kept = client.get("/api/overview")  # computed before the writer came, and nothing written since
            assert kept.status_code == 200 and time.monotonic() - started < 2
            started = time.monotonic()
            busy = client.get("/api/posts", params={"limit": 5})
            assert time.monotonic() - started >= 2, "the request waited for the writer first"
            assert busy.status_code == 503 and int(busy.headers["retry-after"]) > 0
            body = busy.json()
            assert body == {"ok": False, "status": 503, "error": body["error"]}
            assert re.fullmatch(r"ws\.duckdb is busy: another sociable command is writing to it; "
                                r"try again in a moment\.", body["error"])
            page = client.get("/accounts")
            assert page.status_code == 503 and page.headers["retry-after"]
            assert "is busy" in page.text and "Traceback" not in page.text
        assert posts_shown(client) == 2000


def test_a_request_waits_for_a_short_write_and_succeeds(workspace: Path) -> None:
    with serving(workspace) as client, held_for_writing(workspace) as holder:
        threading.Timer(1.0, let_go, [holder]).start()
        assert posts_shown(client) == 2000


def test_a_command_that_cannot_wait_says_who_holds_the_workspace(workspace: Path) -> None:
    with held_for_writing(workspace) as holder:
        done = sociable_cli(workspace, "--wait", "0.5", "posts")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"Error: {workspace} is busy: process {holder.pid} (python{sys.version_info.major}.{sys.version_info.minor}) "
        "is writing to it; try again in a moment (waited 0.5 s; --wait SECONDS waits longer)."
    )


def test_requests_during_an_import_of_the_app_get_503(workspace: Path) -> None:
    app = create_app(workspace, read_wait=0.2)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert client.get("/api/overview").status_code == 200
        with app.state.workspaces.writing():
            assert client.get("/api/overview").status_code == 200, "computed before, and nothing written since"
            busy = client.get("/api/posts", params={"limit": 5})
            assert busy.status_code == 503 and busy.headers["retry-after"]
            assert "this app is importing files into it" in busy.json()["error"]
        assert client.get("/api/overview").status_code == 200


def test_the_upload_folder_is_the_apps_own(workspace: Path) -> None:
    theirs = workspace.with_name(f".{workspace.stem}-uploads")
    theirs.mkdir()
    (theirs / "keep.txt").write_text("not the app's")
    app = create_app(workspace)
    with TestClient(app, base_url="http://127.0.0.1"):
        ours: Path = app.state.upload_root
        assert ours.is_dir() and ours != theirs and ours.parent == workspace.parent
        assert list(ours.iterdir()) == []
    assert not ours.exists()
    assert (theirs / "keep.txt").read_text() == "not the app's"
