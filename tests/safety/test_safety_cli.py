"""`sociable check`: human output, JSON, JSON Lines batches and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sociable.cli import app

runner = CliRunner()


def test_human_output_names_principles_and_suggestion() -> None:
    result = runner.invoke(app, ["check", "Bay 4's Mrs K refused her meds again tonight", "--profession", "nurse"])
    assert result.exit_code == 0
    assert "DO NOT POST" in result.output
    assert "NMC-2 (Nursing and Midwifery Council)" in result.output
    assert "Try: [NAME]" in result.output


def test_ok_post() -> None:
    result = runner.invoke(app, ["check", "Kettle on, shift done ☕"])
    assert result.exit_code == 0 and result.output.startswith("OK")


def test_json_single_and_strict_exit_code(tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text("@jo_88 that's shingles, take double ibuprofen", encoding="utf-8")
    result = runner.invoke(app, ["check", "--file", str(draft), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["verdict"] == "think again"
    assert runner.invoke(app, ["check", "--file", str(draft), "--strict"]).exit_code == 1


def test_jsonl_batch_reports_bad_lines_without_crashing(tmp_path: Path) -> None:
    drafts = tmp_path / "drafts.jsonl"
    drafts.write_text(
        '{"id": "a", "text": "Kettle on"}\nnot json\n{"id": 7}\n{"id": "c", "text": "bed blocker again"}\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["check", "--file", str(drafts), "--json"])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["id"], r["verdict"], r.get("line")) for r in rows] == [
        ("a", "ok", None),
        (None, None, 2),
        (None, None, 3),
        ("c", "think again", None),
    ]
    assert "line 2 of drafts.jsonl is not JSON" in rows[1]["error"]


def test_text_and_file_together_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", "hi", "--file", str(tmp_path / "x.txt")])
    assert result.exit_code != 0


def test_missing_file_is_a_sentence(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", "--file", str(tmp_path / "nope.txt")])
    assert result.exit_code != 0
    assert "there is no file at" in str(result.exception)


def test_review_mode_flags_what_the_default_leaves_and_says_why() -> None:
    from sociable.safety import check
    from sociable.safety.corpus import CATEGORIES, part

    text = next(r.text for r in part("heldout") if r.labels and check(r.text).verdict == "ok"
                and any(f.kind == "review" for f in check(r.text, review=True).findings))
    quiet = runner.invoke(app, ["check", text, "--json"])
    reviewed = runner.invoke(app, ["check", text, "--json", "--review"])
    assert quiet.exit_code == 0 and reviewed.exit_code == 0
    assert json.loads(quiet.stdout)["verdict"] == "ok"
    learned = [f for f in json.loads(reviewed.stdout)["findings"] if f["category"] in CATEGORIES]
    assert len(learned) == 1 and learned[0]["principles"] and text[learned[0]["start"]:learned[0]["end"]]
    human = runner.invoke(app, ["check", text, "--review"])
    assert "Review" in human.stdout and "likeliest" in human.stdout
