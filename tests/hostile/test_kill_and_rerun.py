"""kill -9 at any point of an import, then a re-run: exactly the posts of a clean import, no duplicates,
the same content; every killed run leaves a `runs` row saying it was interrupted. One writer at a time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kit import SRC, run_cli

import sociable
from sociable.simulate import simulate

# Imports a file, printing how many records it has read; commits every few thousand records and cuts
# the file into small chunks, so that kills land between commits, inside them and between chunks.
IMPORTER = """
import sys
import sociable
import sociable.store.fast.lines as lines
import sociable.store.fast.writer as writer
writer.COMMIT_RECORDS = 3_000
lines.CHUNK_BYTES = 2 * 1024 * 1024
lines.PARALLEL_BYTES = 16 * 1024 * 1024
with sociable.open(sys.argv[1], wait=30) as ws:
    ws.import_files([sys.argv[2]], collection="ward",
                    progress=lambda p: print(p.records, flush=True))
print("done", flush=True)
"""
POSTS = 40_000
TABLES = {
    "posts": "SELECT * EXCLUDE (record_id, imported_at) FROM posts ORDER BY platform, post_id",
    "accounts": "SELECT * FROM accounts ORDER BY platform, account_id",
    "interactions": "SELECT * FROM interactions ORDER BY ALL",
    "collections": "SELECT * FROM collections ORDER BY ALL",
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kill") / "sample.jsonl"
    simulate(path, posts=POSTS, seed=11)
    return path


def start(workspace: Path, data: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", IMPORTER, str(workspace), str(data)], stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": SRC})


def kill_after(workspace: Path, data: Path, records: int) -> None:
    """Start an import and kill -9 it once it has read `records` records (or when it ends by itself)."""
    process = start(workspace, data)
    assert process.stdout is not None
    deadline = time.monotonic() + 120
    for line in process.stdout:
        if line.strip() == "done" or int(line) >= records or time.monotonic() > deadline:
            break
    workers = children(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in workers if Path(f"/proc/{pid}").exists() and "Z" not in state(pid)]
    assert not left, f"the killed import's workers {left} outlived it"


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def finish(workspace: Path, data: Path) -> None:
    process = start(workspace, data)
    out, _ = process.communicate(timeout=300)
    assert process.returncode == 0 and out.strip().endswith("done")


def contents(path: Path) -> dict[str, list[dict[str, object]]]:
    with sociable.open(path, read_only=True) as ws:
        return {name: ws.query(sql).to_pylist() for name, sql in TABLES.items()}


def test_kill_9_at_any_point_then_a_rerun_gives_exactly_a_clean_import(sample: Path, tmp_path: Path) -> None:
    clean, killed = tmp_path / "clean.duckdb", tmp_path / "killed.duckdb"
    finish(clean, sample)
    for records in (2_000, 9_000, 21_000, 33_000):
        kill_after(killed, sample, records)
    finish(killed, sample)
    assert contents(killed) == contents(clean)
    with sociable.open(killed, read_only=True) as ws:
        assert ws.scalar("SELECT count(*) - count(DISTINCT (platform, post_id)) FROM posts") == 0
        assert ws.scalar("SELECT count(*) FROM posts") == ws.scalar(
            "SELECT count(*) FROM posts p WHERE record_id IN (SELECT unnest(record_ids) FROM raw_blocks)")


def test_a_killed_import_leaves_a_runs_row_marked_interrupted(sample: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "ws.duckdb"
    kill_after(workspace, sample, 5_000)
    with sociable.open(workspace) as ws:  # opened for writing: unfinished runs are marked
        rows = ws.query("SELECT file, finished_at, error FROM runs").to_pylist()
    assert len(rows) == 1 and rows[0]["file"] == str(sample) and rows[0]["finished_at"] is None
    assert rows[0]["error"].startswith("interrupted: this import stopped before it finished")
    finish(workspace, sample)
    with sociable.open(workspace, read_only=True) as ws:
        assert ws.query("SELECT error FROM runs ORDER BY run_id").column(0).to_pylist()[1:] == [None]


def test_one_writer_at_a_time_with_a_sentence(sample: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "ws.duckdb"
    process = start(workspace, sample)
    assert process.stdout is not None
    try:
        process.stdout.readline()  # it is importing
        second = run_cli("-w", workspace, "--wait", "0", "import", sample, timeout=60)
        assert second.returncode == 1
        message = " ".join(second.stderr.split())
        assert f"{workspace} is busy: process {process.pid}" in message and "is writing to it" in message
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
