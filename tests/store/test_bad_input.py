"""Bad input: every broken file gets a clear reason, is kept in rejected, and the run goes on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sociable.store import Workspace


def tweet(tweet_id: int, text: str = "Handover done, ward quiet tonight #nursing") -> dict[str, object]:
    return {
        "created_at": "Tue Mar 05 21:14:07 +0000 2024",
        "id": tweet_id,
        "id_str": str(tweet_id),
        "full_text": text,
        "truncated": False,
        "display_text_range": [0, len(text)],
        "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
        "in_reply_to_status_id": None,
        "in_reply_to_status_id_str": None,
        "in_reply_to_user_id": None,
        "in_reply_to_user_id_str": None,
        "in_reply_to_screen_name": None,
        "user": {
            "id": 4001,
            "id_str": "4001",
            "name": "Night Sister Jo",
            "screen_name": "nightsisterjo",
            "location": "Somewhere, UK",
            "description": "RN. Nights. Views my own.",
            "url": None,
            "followers_count": 120,
            "friends_count": 200,
            "created_at": "Mon Jan 09 08:00:00 +0000 2012",
        },
        "retweet_count": 0,
        "favorite_count": 1,
        "lang": "en",
    }


def lines(*items: object) -> str:
    return "\n".join(i if isinstance(i, str) else json.dumps(i) for i in items) + "\n"


def test_malformed_lines_are_rejected_with_line_numbers(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "tweets.jsonl"
    path.write_text(lines(tweet(1), '{"id": 2, "full_text": "cut off', tweet(3), "not json at all"))
    summary = workspace.import_files([path])
    f = summary.files[0]
    assert (f.format, f.read, f.stored, f.rejected, f.error) == ("twitter-v1", 4, 2, 2, None)
    rejected = workspace.rejected().to_pylist()
    assert sorted(r["number"] for r in rejected) == [2, 4]
    assert all("is not JSON" in r["reason"] and "tweets.jsonl" in r["reason"] for r in rejected)
    assert {r["raw"] for r in rejected} == {'{"id": 2, "full_text": "cut off', "not json at all"}


def test_missing_ids_and_wrong_types_are_rejected(workspace: Workspace, tmp_path: Path) -> None:
    no_id = tweet(5)
    del no_id["id"], no_id["id_str"]
    wrong_type = tweet(6)
    wrong_type["user"] = "nightsisterjo"
    bad_time = tweet(7)
    bad_time["created_at"] = "yesterday"
    path = tmp_path / "odd.jsonl"
    path.write_text(lines(tweet(4), no_id, wrong_type, bad_time))
    f = workspace.import_files([path]).files[0]
    assert (f.stored, f.rejected) == (1, 3)
    reasons = workspace.rejected().column("reason").to_pylist()
    assert all(reason.startswith("record ") and "odd.jsonl" in reason for reason in reasons)
    assert not any("Traceback" in reason for reason in reasons)


def test_truncated_array_file(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "array.json"
    text = json.dumps([tweet(10), tweet(11), tweet(12)])
    path.write_text(text[: len(text) // 2])
    f = workspace.import_files([path]).files[0]
    assert (f.format, f.stored, f.rejected, f.error) == ("twitter-v1", 1, 1, None)
    reason = workspace.rejected().column("reason").to_pylist()[0]
    assert reason.startswith("array.json ends in the middle of record 2")


def test_binary_file_is_refused_with_a_sentence(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 40)
    f = workspace.import_files([path]).files[0]
    assert f.error is not None
    assert "photo.jpg" in f.error and "binary" in f.error


def test_latin1_text_is_read(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(json.dumps(tweet(20, "Café break after a long shift £5 well spent"), ensure_ascii=False)
                     .encode("latin-1") + b"\n")
    f = workspace.import_files([path]).files[0]
    assert (f.stored, f.rejected) == (1, 0)
    assert workspace.posts().column("text").to_pylist() == ["Café break after a long shift £5 well spent"]


def test_empty_file_imports_nothing(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    f = workspace.import_files([path], format="twitter-v1").files[0]
    assert (f.read, f.stored, f.rejected, f.error) == (0, 0, 0, None)
    auto = workspace.import_files([path]).files[0]
    assert auto.error == f"{path} is empty; there is nothing to import."


@pytest.mark.parametrize("valid", [True, False])
def test_fifty_megabyte_single_line(workspace: Workspace, tmp_path: Path, valid: bool) -> None:
    path = tmp_path / "huge.jsonl"
    big = tweet(30, "x" * 50_000_000)
    text = json.dumps(big)
    path.write_text(lines(tweet(31), text if valid else text[:-10], tweet(32)))
    f = workspace.import_files([path]).files[0]
    assert f.stored == (3 if valid else 2)
    assert f.rejected == (0 if valid else 1)


def test_mixed_folder(workspace: Workspace, tmp_path: Path, fixtures: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a.jsonl").write_text(lines(tweet(40), tweet(41)))
    (folder / "notes.bin").write_bytes(bytes(range(256)) * 10)
    (folder / "readme.txt").write_text("These are my notes about the export.\n")
    sub = folder / "more"
    sub.mkdir()
    (sub / "b.json").write_text(json.dumps([tweet(42)]))
    summary = workspace.import_files([folder])
    by_name = {Path(f.file).name: f for f in summary.files}
    assert by_name["a.jsonl"].stored == 2 and by_name["b.json"].stored == 1
    assert by_name["notes.bin"].error and by_name["readme.txt"].error
    assert "readme.txt" in (by_name["readme.txt"].error or "")
    assert summary.total("stored") == 3


def test_missing_file(workspace: Workspace, tmp_path: Path) -> None:
    f = workspace.import_files([tmp_path / "nope.jsonl"]).files[0]
    assert f.error == f"{tmp_path / 'nope.jsonl'} does not exist."
