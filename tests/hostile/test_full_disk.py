"""A writer that cannot write (a full disk, an I/O error, a failed commit) stops the import promptly with
one sentence, goes back to the last commit and lets go of the workspace; a re-run then finishes exactly."""

from __future__ import annotations

import random
import string
import threading
from pathlib import Path

import duckdb
import pytest
from kit import json_lines, post_ids, run_cli, tweet

import sociable
from sociable.errors import WorkspaceError
from sociable.store.ingest import BatchWriter

FULL = "Could not write file: No space left on device"


def noisy_tweets(first: int, count: int, seed: int) -> str:
    """Tweets whose text does not compress, so that storing them takes room on disk."""
    rng = random.Random(seed)
    letters = string.ascii_letters + string.digits
    return json_lines(*(tweet(i, "".join(rng.choices(letters, k=400)), user_id=5000 + i % 300)
                        for i in range(first, first + count)))


def stored(path: Path) -> list[tuple[object, ...]]:
    with sociable.open(path, read_only=True) as ws:
        rows = ws.query("SELECT platform, post_id, account_id, created_at, text, like_count FROM posts "
                        "ORDER BY post_id").to_pylist()
    return [tuple(row.values()) for row in rows]


def test_a_commit_that_fails_stops_the_import_with_a_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The last commit of a file failing used to leave the writer waiting for an end it had already taken."""
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text(json_lines(tweet(1), tweet(2), tweet(3)))
    second.write_text(json_lines(*(tweet(i) for i in range(10, 15))))
    ws = sociable.open(tmp_path / "ws.duckdb")
    ws.import_files([first])
    flush = BatchWriter.flush_accounts

    def disk_full(self: BatchWriter) -> None:
        flush(self)
        raise duckdb.IOException(FULL)

    monkeypatch.setattr(BatchWriter, "flush_accounts", disk_full)
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            ws.import_files([second])
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    importer = threading.Thread(target=run, daemon=True)
    importer.start()
    importer.join(timeout=30)
    assert not importer.is_alive(), "the import hung after its writer failed"
    error = outcome[0]
    assert isinstance(error, WorkspaceError)
    assert "could not be written while importing" in str(error) and "No space left on device" in str(error)
    assert "run the same import again" in str(error)
    monkeypatch.undo()
    assert post_ids(ws) == ["1", "2", "3"]  # back to the last commit: nothing of the failed file kept
    ws.close()
    with sociable.open(tmp_path / "ws.duckdb") as again:  # let go of, and usable again
        assert again.import_files([second]).total("stored") == 5
        assert post_ids(again) == ["1", "10", "11", "12", "13", "14", "2", "3"]


def test_a_full_disk_stops_the_command_and_a_rerun_finishes_exactly(tmp_path: Path) -> None:
    """A file-size limit (RLIMIT_FSIZE) stands in for a full disk: writes past it fail as they would."""
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    small.write_text(noisy_tweets(1, 200, seed=1))
    large.write_text(noisy_tweets(1_000, 20_000, seed=2))
    reference, workspace = tmp_path / "reference.duckdb", tmp_path / "ws.duckdb"
    assert run_cli("-w", reference, "import", small, large, timeout=120).returncode == 0
    assert run_cli("-w", workspace, "import", small).returncode == 0
    limit = workspace.stat().st_size + 2_000_000
    prelude = ("import resource, signal\n"
               "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
               f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))")
    full = run_cli("-w", workspace, "import", large, prelude=prelude, timeout=90)
    message = " ".join(full.stderr.split())
    assert full.returncode == 1, full.stdout + full.stderr
    assert "could not be written while importing" in message and "run the same import again" in message
    assert "Traceback" not in full.stderr and "Internal error" not in full.stderr
    again = run_cli("-w", workspace, "import", large, timeout=120)  # space freed: the limit is gone
    assert again.returncode == 0, again.stderr
    assert stored(workspace) == stored(reference)
    with sociable.open(workspace, read_only=True) as ws:
        assert ws.scalar("SELECT count(*) - count(DISTINCT post_id) FROM posts") == 0
        assert ws.scalar("SELECT coalesce(sum(len(record_ids)), 0) FROM raw_blocks") == 20_200
        errors = ws.query("SELECT error FROM runs WHERE file = ? ORDER BY run_id", [str(large)]).column(0)
        assert errors.to_pylist()[-1] is None and errors.to_pylist()[0].startswith("interrupted")
