"""Opening a workspace another process holds: wait with retries, then one sentence saying who holds it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import sociable
from sociable.errors import WorkspaceBusy
from sociable.store import DEFAULT_MEMORY_GB, default_memory_limit, writer_waiting

# Holds the workspace (read-only when argv[2] is "read") until its stdin closes.
HOLDER = """
import sys
import sociable
ws = sociable.open(sys.argv[1], read_only=sys.argv[2] == "read")
print("ready", flush=True)
sys.stdin.read()
ws.close()
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "ws.duckdb"
    sociable.open(path).close()
    return path


@contextmanager
def held(path: Path, mode: str) -> Iterator[subprocess.Popen[str]]:
    src = str(Path(sociable.__file__).parent.parent)
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), mode], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, env={"PYTHONPATH": src})
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        yield process
    finally:
        release(process)


def release(process: subprocess.Popen[str]) -> None:
    if process.stdin and not process.stdin.closed:
        process.stdin.close()
    process.wait(timeout=20)


def test_a_held_workspace_is_busy_with_who_holds_it(workspace: Path) -> None:
    with held(workspace, "write") as holder:
        started = time.monotonic()
        with pytest.raises(WorkspaceBusy) as caught:
            sociable.store.open(workspace, read_only=True, wait=0.3)
        assert time.monotonic() - started >= 0.3
    message = str(caught.value)
    assert message.startswith(f"{workspace} is busy: process {holder.pid} (")
    assert message.endswith("is writing to it; try again in a moment.")
    assert caught.value.writing is True and "Traceback" not in message


def test_many_readers_at_once_and_a_writer_told_they_are_reading(workspace: Path) -> None:
    with held(workspace, "read"):
        with sociable.store.open(workspace, read_only=True) as ws:  # readers share the file
            assert ws.counts()["posts"] == 0
        with pytest.raises(WorkspaceBusy, match=r"is reading it; try again in a moment\.$") as caught:
            sociable.store.open(workspace, wait=0.2)
        assert caught.value.writing is False


def test_a_waiting_open_succeeds_when_the_holder_lets_go(workspace: Path) -> None:
    with held(workspace, "write") as holder:
        threading.Timer(0.5, release, [holder]).start()
        with sociable.store.open(workspace, wait=10) as ws:
            assert ws.counts()["posts"] == 0


def test_a_waiting_writer_announces_itself_and_clears_the_marker(workspace: Path) -> None:
    seen: list[bool] = []
    with held(workspace, "read") as holder:
        def watch() -> None:
            time.sleep(0.3)
            seen.append(writer_waiting(workspace))
            release(holder)

        threading.Thread(target=watch).start()
        with sociable.store.open(workspace, wait=10):
            pass
    assert seen == [True]
    assert not writer_waiting(workspace)
    assert not workspace.with_name(workspace.name + ".wait").exists()


def test_no_wait_fails_at_once(workspace: Path) -> None:
    with held(workspace, "write"):
        started = time.monotonic()
        with pytest.raises(WorkspaceBusy):
            sociable.store.open(workspace)
        assert time.monotonic() - started < 0.5


def test_a_memory_limit_from_the_environment_bounds_duckdb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sociable.errors import WorkspaceError

    monkeypatch.setenv("SOCIABLE_MEMORY_LIMIT", "512MB")
    with sociable.open(tmp_path / "ws.duckdb") as ws:
        limit = ws.query("SELECT current_setting('memory_limit') AS limit").to_pylist()[0]["limit"]
    assert limit == "488.2 MiB"  # 512 MB as DuckDB reports it
    monkeypatch.setenv("SOCIABLE_MEMORY_LIMIT", "plenty'; DROP TABLE posts; --")
    with pytest.raises(WorkspaceError, match="give a size such as 4GB"):
        sociable.open(tmp_path / "ws.duckdb")


def test_without_a_limit_duckdb_gets_the_default_working_memory(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB alone would take 80 % of the machine; sociable gives it DEFAULT_MEMORY_GB, or 80 % of RAM if less."""
    monkeypatch.delenv("SOCIABLE_MEMORY_LIMIT", raising=False)
    with sociable.open(tmp_path / "ws.duckdb") as ws:
        limit = ws.query("SELECT current_setting('memory_limit') AS limit").to_pylist()[0]["limit"]
    assert limit == default_memory_limit().replace("GiB", " GiB")
    monkeypatch.setattr(os, "sysconf", lambda name: {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": 2**20}[name])  # 4 GiB
    assert default_memory_limit() == "3.2GiB"
    monkeypatch.setattr(os, "sysconf", lambda name: {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": 2**25}[name])  # 128 GiB
    assert default_memory_limit() == f"{DEFAULT_MEMORY_GB:.1f}GiB"
