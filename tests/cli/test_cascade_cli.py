"""`sociable cascade POST`: one cascade in words, as JSON, or as a self-contained page."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import sociable
from sociable.cli import app

THREADS = Path(__file__).parent.parent / "fixtures" / "cascades" / "rumoureval"


def test_one_cascade_as_words_json_and_a_page(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    with sociable.open(path) as ws:
        ws.import_files([THREADS])
    runner = CliRunner()
    words = runner.invoke(app, ["--workspace", str(path), "cascade", "701000000000000007"])
    assert words.exit_code == 0, words.output
    assert "Cascade from @EastmoorEcho (701000000000000001): 9 posts, depth 3" in words.output
    document = json.loads(runner.invoke(app, ["--workspace", str(path), "cascade", "701000000000000001",
                                              "--json"]).stdout)
    assert document["cascade"]["size"] == 9 and len(document["posts"]) == 9
    page = tmp_path / "cascade.html"
    written = runner.invoke(app, ["--workspace", str(path), "cascade", "701000000000000001", "-o", str(page)])
    assert written.exit_code == 0, written.output
    assert "The spread tree" in page.read_text() and 'src="http' not in page.read_text()
    again = runner.invoke(app, ["--workspace", str(path), "cascade", "701000000000000001", "-o", str(page)])
    assert again.exception is not None and "--force" in str(again.exception)
