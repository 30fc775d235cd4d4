"""`sociable classify roles|sentiment|safety`: one result per line from the real models, errors counted."""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

import sociable.cli  # noqa: F401  (registers the commands)
from sociable.analyses.classify import Tally, UnknownKind, classify_lines
from sociable.cli import app
from sociable.errors import UnreadableFile
from sociable.safety.semantic import model

FIXTURES = Path(__file__).parents[1] / "fixtures" / "classify"


def run(*args: str) -> tuple[list[dict], str, int]:
    result = CliRunner().invoke(app, ["classify", *args], env={"COLUMNS": "200"})
    rows = [orjson.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return rows, result.stderr, result.exit_code


def test_roles_of_profiles_with_evidence() -> None:
    rows, note, code = run("roles", "--file", str(FIXTURES / "profiles.jsonl"), "--json")
    assert code == 0
    got = {r["id"]: (r["role"], r["subtype"]) for r in rows}
    assert got == {
        "p1": ("professional", "doctor"), "p2": ("professional", "doctor"), "p3": ("organisation", "council"),
        "p4": ("organisation", "care_provider"), "p5": ("person", "public"), "p6": ("person", "carer"),
        "p7": ("unknown", None), "p8": ("person", "public"),
    }
    by_id = {r["id"]: r for r in rows}
    assert any("Nephrologist" in e for e in by_id["p2"]["evidence"])
    # "we", "live" and "my" count for something, but are never shown as the reason
    assert not any(word in e.lower() for e in by_id["p8"]["evidence"] for word in ('"we"', '"live"', '"my"'))
    assert note.strip() == "8 of 8 lines classified."


def test_sentiment_and_a_bad_line() -> None:
    rows, note, code = run("sentiment", "-f", str(FIXTURES / "posts.jsonl"), "--json")
    assert code == 0 and [r["id"] for r in rows] == ["s1", "s2", "s3", "s4", "s5"]
    labels = {r["id"]: r.get("label") for r in rows}
    assert (labels["s1"], labels["s2"], labels["s3"]) == ("positive", "negative", "neutral")
    assert rows[0]["positive"] + rows[0]["neutral"] + rows[0]["negative"] == pytest.approx(1.0, abs=1e-3)
    assert rows[3] == {"id": "s4", "line": 4, "error": 'line 4 of posts.jsonl has "text" as int, not text; expected '
                                                      'one JSON object per line with "id" and "text" (text)'}
    assert "4 of 5 lines classified; 1 could not be read" in note


def test_safety_gives_the_checkers_result() -> None:
    rows, _, code = run("safety", "-f", str(FIXTURES / "posts.jsonl"), "--json", "--profession", "nurse")
    assert code == 0
    assert rows[4]["id"] == "s5" and rows[4]["verdict"] in ("think again", "do not post")
    quiet = dict(rows[2])
    scores = quiet.pop("scores")
    assert quiet == {"id": "s3", "verdict": "ok", "findings": []}
    # the learned head's probability per category, as the checker weighs it: a quiet post is below every threshold
    head = model()
    assert list(scores) == list(head.classes) == [f"R{n}" for n in range(3, 14)]
    assert all(0.0 <= scores[c] < t for c, t in zip(head.classes, head.thresholds, strict=True))
    learned = {f["category"] for f in rows[4]["findings"]} & set(head.classes)
    assert all(scores[c] >= float(head.floors[head.classes.index(c)]) for c in learned)


def test_safety_in_review_mode_flags_what_the_default_leaves(tmp_path: Path) -> None:
    from sociable.safety import check
    from sociable.safety.corpus import part

    texts = list(islice((r.text for r in part("heldout") if r.labels and check(r.text).verdict == "ok"
                         and any(f.kind == "review" for f in check(r.text, review=True).findings)), 3))
    path = tmp_path / "drafts.jsonl"
    path.write_bytes(b"".join(orjson.dumps({"id": n, "text": t}) + b"\n" for n, t in enumerate(texts)))
    quiet, _, _ = run("safety", "-f", str(path), "--json")
    reviewed, _, code = run("safety", "-f", str(path), "--json", "--review")
    assert code == 0 and len(texts) == 3
    assert [row["verdict"] for row in quiet] == ["ok"] * 3
    for n, (row, text) in enumerate(zip(reviewed, texts, strict=True)):
        expected = check(text, review=True).to_dict() | {"id": str(n)}
        assert {k: row[k] for k in expected} == expected and row["verdict"] != "ok"
    with pytest.raises(UnknownKind, match="review mode is for safety"):
        list(classify_lines("roles", ['{"id": 1, "bio": "Nurse"}'], "x.jsonl", review=True))


def test_readable_lines_without_json(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": 7, "name": "Holby City Council", "bio": "News from the council."}\n[1]\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["classify", "roles", "-f", str(path)])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "7: organisation/council (local_government, 0.93)"
    assert "line 2 of in.jsonl is a JSON list, not an object" in result.stdout


def test_bad_files_are_one_sentence(tmp_path: Path) -> None:
    # the command raises the library's error; `sociable.cli.main` prints it as one sentence
    missing = CliRunner().invoke(app, ["classify", "sentiment", "-f", str(tmp_path / "none.jsonl")])
    assert isinstance(missing.exception, UnreadableFile) and "there is no file at" in str(missing.exception)
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(b'{"id": 1, "text": "caf\xe9"}\n')
    result = CliRunner().invoke(app, ["classify", "sentiment", "-f", str(latin)])
    assert isinstance(result.exception, UnreadableFile) and "is not UTF-8" in str(result.exception)


@pytest.mark.parametrize(("line", "message"), [
    ("{", "is not JSON"),
    ('{"text": "hi"}', 'has no "id"'),
    ('{"id": true, "text": "hi"}', 'has no "id"'),
    ('{"id": 1}', 'has no "text"'),
    ('{"id": 1, "text": ["a"]}', 'has "text" as list'),
])
def test_every_bad_line_says_what_was_expected(line: str, message: str) -> None:
    tally = Tally()
    (row,) = list(classify_lines("sentiment", [line], "in.jsonl", tally=tally))
    assert row["error"].startswith("line 1 of in.jsonl ") and message in row["error"]
    assert 'expected one JSON object per line with "id" and "text"' in row["error"]
    assert (tally.lines, tally.classified, tally.errors) == (1, 0, 1)


def test_unknown_kind() -> None:
    with pytest.raises(UnknownKind, match="roles, sentiment, safety"):
        list(classify_lines("stance", [], "x"))
