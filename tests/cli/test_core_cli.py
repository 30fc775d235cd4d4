"""The core commands, compared with their exact output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sociable.cli import app

runner = CliRunner()
TWEETS = [
    {
        "created_at": "Tue Mar 05 09:14:07 +0000 2024",
        "id_str": "101",
        "full_text": "Our flu clinic is open until 4pm today #nhssm",
        "entities": {"hashtags": [{"text": "nhssm", "indices": [39, 45]}], "user_mentions": [], "urls": []},
        "user": {"id_str": "1", "screen_name": "NorthvaleNHS", "name": "Northvale NHS FT", "followers_count": 5200},
        "lang": "en",
    },
    {
        "created_at": "Tue Mar 05 10:02:00 +0000 2024",
        "id_str": "102",
        "full_text": "@NorthvaleNHS is the walk-in [bold]still[/bold] open for carers?",
        "in_reply_to_status_id_str": "101",
        "in_reply_to_user_id_str": "1",
        "entities": {"hashtags": [], "user_mentions": [{"id_str": "1", "screen_name": "NorthvaleNHS"}], "urls": []},
        "user": {"id_str": "2", "screen_name": "carer_jan", "name": "Jan", "followers_count": 80},
        "lang": "en",
    },
]


def invoke(ws: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--workspace", str(ws), *args], env={"COLUMNS": "100"})
    return result.exit_code, result.output


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "tweets.jsonl"
    path.write_text("\n".join(json.dumps(t) for t in TWEETS) + "\n{broken\n")
    return path


def test_import_prints_the_summary(tmp_path: Path, data: Path) -> None:
    code, out = invoke(tmp_path / "ws.duckdb", "import", str(data), "--collection", "nhssm")
    assert code == 0
    lines = [line.rstrip() for line in out.splitlines() if line.strip()]
    assert lines[0] == "Import run 1"
    assert any(line.endswith("│ twitter-v1 │    3 │      2 │          0 │       0 │        1 │") for line in lines)
    assert lines[-1] == "1 records were rejected; run `sociable rejected` to see why."


def test_posts_show_text_literally(tmp_path: Path, data: Path) -> None:
    ws = tmp_path / "ws.duckdb"
    invoke(ws, "import", str(data), "--collection", "nhssm")
    code, out = invoke(ws, "posts", "--collection", "nhssm")
    assert code == 0
    assert "│ 2024-03-05 10:02 │ @carer_jan    │ reply │ @NorthvaleNHS is the walk-in [bold]still[/bold] open  │" in out
    assert "│ 2024-03-05 09:14 │ @NorthvaleNHS │ post  │ Our flu clinic is open until 4pm today #nhssm" in out
    assert out.splitlines()[-1] == "2 posts shown."


def test_accounts_and_rejected(tmp_path: Path, data: Path) -> None:
    ws = tmp_path / "ws.duckdb"
    invoke(ws, "import", str(data))
    code, out = invoke(ws, "accounts", "--sort", "mentioned")
    assert code == 0
    rows = [line for line in out.splitlines() if line.startswith("│")]
    assert rows[0].split("│")[1].strip() == "@NorthvaleNHS"
    assert rows[0].split("│")[4].strip() == "1"
    code, out = invoke(ws, "rejected")
    assert code == 0
    assert "│ tweets.jsonl │ 3" in out and "line 3 of tweets.jsonl is not JSON" in out
    assert out.splitlines()[-1] == "1 of 1 rejected records shown."


def test_reimport_reports_duplicates(tmp_path: Path, data: Path) -> None:
    ws = tmp_path / "ws.duckdb"
    invoke(ws, "import", str(data))
    code, out = invoke(ws, "import", str(data))
    assert code == 0
    assert "│ twitter-v1 │    3 │      0 │          2 │       0 │        1 │" in out


def test_unreadable_file_is_one_sentence_and_exit_1(tmp_path: Path) -> None:
    blob = tmp_path / "scan.pdf"
    blob.write_bytes(b"%PDF-1.4\x00\x01\x02" * 100)
    code, out = invoke(tmp_path / "ws.duckdb", "import", str(blob))
    assert code == 1
    assert f"Error: {blob} is a binary file; expected a text export" in out
    assert "Traceback" not in out


def test_missing_workspace_is_explained(tmp_path: Path) -> None:
    from sociable.cli.app import main

    ws = tmp_path / "none.duckdb"
    result = runner.invoke(app, ["--workspace", str(ws), "posts"])
    assert result.exit_code != 0
    assert "there is no workspace at" in str(result.exception) or "there is no workspace at" in result.output
    assert callable(main)


def test_workspace_from_environment(tmp_path: Path, data: Path) -> None:
    ws = tmp_path / "env.duckdb"
    result = runner.invoke(app, ["import", str(data)], env={"SOCIABLE_WORKSPACE": str(ws), "COLUMNS": "100"})
    assert result.exit_code == 0
    assert ws.exists()


def test_unknown_collection(tmp_path: Path, data: Path) -> None:
    ws = tmp_path / "ws.duckdb"
    invoke(ws, "import", str(data), "--collection", "nhssm")
    result = runner.invoke(app, ["--workspace", str(ws), "posts", "--collection", "other"])
    assert "there is no collection called 'other'; the collections are: nhssm." in str(result.exception)


def test_report_places_an_organisation_given_with_org(tmp_path: Path, data: Path) -> None:
    ws = tmp_path / "ws.duckdb"
    invoke(ws, "import", str(data))
    org = tmp_path / "northvale.txt"
    org.write_text("# Northvale's accounts\n@NorthvaleNHS\n")
    code, out = invoke(ws, "report", "-o", str(tmp_path / "r.html"), "--org", str(org))
    assert code == 0, out
    html = (tmp_path / "r.html").read_text()
    assert "northvale is at stage" in html.lower()
    missing = runner.invoke(app, ["--workspace", str(ws), "report", "-o", str(tmp_path / "x.html"),
                                  "--org", str(tmp_path / "nope.txt")])
    assert missing.exit_code != 0


def test_terminal_escapes_in_posts_are_never_printed(tmp_path: Path) -> None:
    """A post's ESC sequences (colours, window title, clear screen) reach the terminal as spaces."""
    hostile = "\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x1b[0m text"
    tweet = {"id_str": "1", "created_at": "Mon Jan 01 10:00:00 +0000 2024", "full_text": hostile,
             "user": {"id_str": "9", "screen_name": "esc\x1b[1mape", "name": "E"}, "entities": {}}
    source = tmp_path / "esc.jsonl"
    source.write_text(json.dumps(tweet) + "\n", encoding="utf-8")
    ws = tmp_path / "ws.duckdb"
    runner = CliRunner()
    assert runner.invoke(app, ["-w", str(ws), "import", str(source)]).exit_code == 0
    for command in (["posts"], ["accounts"], ["map", "--json"]):
        out = runner.invoke(app, ["-w", str(ws), *command], env={"COLUMNS": "200"})
        assert out.exit_code == 0, out.output
        assert "\x1b" not in out.output and "\x07" not in out.output, command
    shown = runner.invoke(app, ["-w", str(ws), "posts"], env={"COLUMNS": "200"}).output
    assert "red" in shown and "text" in shown
