"""`search` finds the words as written: % and _ are characters, not wildcards."""

from __future__ import annotations

from pathlib import Path

from kit import json_lines, tweet

from sociable.store import Workspace


def test_percent_and_underscore_match_only_themselves(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "tweets.jsonl"
    path.write_text(json_lines(tweet(1, "Staffing at 90% tonight"), tweet(2, "Read the care_plan first"),
                               tweet(3, "Quiet night on the ward"), tweet(4, "A backslash \\ in a note")))
    workspace.import_files([path])

    def found(search: str) -> list[str]:
        return sorted(str(v) for v in workspace.posts(search=search, limit=None).column("post_id").to_pylist())

    assert found("%") == ["1"]
    assert found("_") == ["2"]
    assert found("90%") == ["1"]
    assert found("CARE_PLAN") == ["2"]  # still regardless of case
    assert found("\\") == ["4"]
    assert found("%night%") == []
    assert found("quiet") == ["3"]
