"""--workspace names a file: only a DuckDB database, or a file that does not exist yet, is opened as one."""

from __future__ import annotations

from pathlib import Path

import pytest
from kit import json_lines, run_cli, tweet

import sociable
from sociable.errors import WorkspaceError

CONTENT = {
    "json": '{"note": "my own file"}\n',
    "jsonl": json_lines(tweet(1), tweet(2)),
    "ndjson": json_lines(tweet(3)),
    "csv": "id,created_at,text\n1,2024-03-05,hello\n",
    "txt": "notes\n",
}


@pytest.mark.parametrize("suffix", sorted(CONTENT))
def test_an_existing_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"mine.{suffix}"
    target.write_text(CONTENT[suffix])
    data = tmp_path / "tweets.jsonl"
    data.write_text(json_lines(tweet(10), tweet(11), tweet(12)))
    result = run_cli("--workspace", target, "import", data)
    assert result.returncode == 1
    assert "stored" not in result.stdout and "Traceback" not in result.stderr
    assert f"{target} is a file that is not a DuckDB database" in " ".join(result.stderr.split())
    assert target.read_text() == CONTENT[suffix]
    with pytest.raises(WorkspaceError, match="not a DuckDB database"):
        sociable.open(target)


def test_an_empty_file_or_a_folder_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.touch()
    with pytest.raises(WorkspaceError, match="is an empty file"):
        sociable.open(empty)
    assert empty.read_bytes() == b""
    with pytest.raises(WorkspaceError, match="is a folder"):
        sociable.open(tmp_path)


@pytest.mark.parametrize("suffix", ["json", "csv"])
def test_a_new_workspace_may_have_any_name_and_keeps_what_is_imported(tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"study.{suffix}"
    data = tmp_path / "tweets.jsonl"
    data.write_text(json_lines(tweet(10), tweet(11), tweet(12)))
    assert run_cli("--workspace", target, "import", data).returncode == 0
    with sociable.open(target, read_only=True) as ws:  # opened again: the posts were kept on disk
        assert ws.counts()["posts"] == 3


def test_checking_a_workspace_never_drops_the_lock_this_process_holds(tmp_path: Path) -> None:
    """Closing any descriptor of a file drops every POSIX lock the process holds on it (DuckDB's too):
    opening the workspace a second time beside a reader must not let another process write under it."""
    path = tmp_path / "ws.duckdb"
    sociable.open(path).close()
    with sociable.open(path, read_only=True), sociable.open(path, read_only=True):
        writer = run_cli("-w", path, "--wait", "0", "import", tmp_path / "none.jsonl")
        assert writer.returncode == 1
        assert "is busy" in " ".join(writer.stderr.split())
