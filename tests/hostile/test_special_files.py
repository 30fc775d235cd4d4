"""Folders and special files: a symlink loop in an imported folder ends, a named pipe is refused, never read."""

from __future__ import annotations

import os
from pathlib import Path

from kit import json_lines, run_cli, tweet

import sociable


def test_a_symlink_loop_in_a_folder_ends_and_its_files_are_imported_once(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    (folder / "week1").mkdir(parents=True)
    (folder / "week1" / "tweets.jsonl").write_text(json_lines(tweet(1), tweet(2)))
    (folder / "week1" / "back").symlink_to(folder, target_is_directory=True)  # week1/back -> export
    (folder / "week1" / "here").symlink_to(folder / "week1", target_is_directory=True)
    workspace = tmp_path / "ws.duckdb"
    result = run_cli("-w", workspace, "import", folder, timeout=30)
    assert result.returncode == 0, result.stderr
    with sociable.open(workspace, read_only=True) as ws:
        assert ws.counts()["posts"] == 2
        assert ws.query("SELECT count(*) FROM runs").column(0).to_pylist() == [1]


def test_a_named_pipe_is_refused_with_a_sentence_and_the_other_files_are_read(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "tweets.jsonl").write_text(json_lines(tweet(1)))
    os.mkfifo(folder / "pipe.jsonl")  # nothing ever writes to it: opening it would wait forever
    workspace = tmp_path / "ws.duckdb"
    for args in ([folder], [folder / "pipe.jsonl", "--format", "twitter-v1"]):
        result = run_cli("-w", workspace, "import", *args, timeout=30)
        assert result.returncode == 1
        message = " ".join(result.stderr.split())
        assert "pipe.jsonl is a named pipe (FIFO), not a file; sociable imports files and folders only" in message
        assert "Traceback" not in result.stderr
    with sociable.open(workspace, read_only=True) as ws:
        assert ws.counts()["posts"] == 1
