"""`sociable classify stance`: pairs in, {id, stance, confidence} out; bad lines named plainly."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sociable.cli import app
from sociable.errors import UnreadableFile


def test_pairs_in_stances_out(tmp_path: Path) -> None:
    claim = "The walk-in centre is closing for good next month"
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("\n".join(json.dumps(p) for p in (
        {"id": "a", "text": "Is this true? Where did you hear it?", "target_text": claim},
        {"id": "b", "text": "This is not true, the centre is staying open", "target_text": claim,
         "parent_text": claim},
    )) + "\n")
    result = CliRunner().invoke(app, ["classify", "stance", "--file", str(pairs), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["id"], r["stance"]) for r in rows] == [("a", "query"), ("b", "deny")]
    assert all(0 < r["confidence"] <= 1 for r in rows)


def test_a_bad_line_is_named_with_its_number(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text('{"id": "a", "text": "fine", "target_text": "x"}\n{"id": "b", "text": 3}\n')
    result = CliRunner().invoke(app, ["classify", "stance", "--file", str(pairs), "--json"])
    assert isinstance(result.exception, UnreadableFile)  # the app's one error handler prints it as a sentence
    assert "line 2 of pairs.jsonl" in str(result.exception) and '"text" string' in str(result.exception)
