"""`sociable map` on workspaces with nothing to map: one plain sentence and an exit code, never a traceback.

These run the real entry point (`main`), which is where errors become messages, so what is
checked is exactly what a user sees on the terminal.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

import sociable
from sociable.cli import main


def tweet(post_id: str, user_id: str, handle: str, text: str, reply_to: tuple[str, str] | None = None,
          mentions: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
    return {
        "created_at": "Wed Mar 06 19:05:00 +0000 2024",
        "id_str": post_id,
        "full_text": text,
        "in_reply_to_status_id_str": reply_to[0] if reply_to else None,
        "in_reply_to_user_id_str": reply_to[1] if reply_to else None,
        "entities": {"hashtags": [], "urls": [],
                     "user_mentions": [{"id_str": uid, "screen_name": name} for uid, name in mentions]},
        "user": {"id_str": user_id, "screen_name": handle, "name": handle, "followers_count": 120},
        "lang": "en",
    }


def workspace_with(tmp_path: Path, tweets: list[dict[str, Any]], collection: str | None = None) -> Path:
    data = tmp_path / "tweets.jsonl"
    data.write_text("".join(json.dumps(t) + "\n" for t in tweets))
    path = tmp_path / "ws.duckdb"
    ws = sociable.open(path)
    try:
        ws.import_files([data], collection=collection)
    finally:
        ws.close()
    return path


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `sociable ARGS` through the real entry point; returns exit code, stdout and stderr."""
    monkeypatch.setattr(sys, "argv", ["sociable", *args])
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit) as stopped:
        main()
    captured = capsys.readouterr()
    code = stopped.value.code
    return (code if isinstance(code, int) else 1), captured.out, captured.err


def one_sentence(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def test_empty_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ws.duckdb"
    sociable.open(path).close()
    code, out, err = run(monkeypatch, capsys, "--workspace", str(path), "map")
    assert code == 0
    assert err == ""
    assert one_sentence(out) == (
        "This workspace has no posts yet, so there is no network to map; import some with `sociable import`."
    )


def test_one_account_talking_to_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = workspace_with(tmp_path, [
        tweet("501", "71", "CarerSam", "Respite week booked at last."),
        tweet("502", "71", "CarerSam", "@CarerSam and the day centre said yes too", reply_to=("501", "71"),
              mentions=(("71", "CarerSam"),)),
    ])
    code, out, err = run(monkeypatch, capsys, "--workspace", str(path), "map")
    assert code == 0
    assert err == ""
    assert one_sentence(out) == (
        "None of the 2 posts in this workspace replies to, mentions, quotes or reposts another account, so there "
        "is no network to map; import conversations (replies and mentions), not only single posts."
    )


def test_collection_without_interactions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = workspace_with(tmp_path, [tweet("601", "81", "WardSister", "Night shift done, kettle on.")],
                          collection="shifts")
    code, out, _ = run(monkeypatch, capsys, "--workspace", str(path), "map", "--collection", "shifts",
                       "--interactions", "reply")
    assert code == 0
    assert one_sentence(out) == (
        "No interactions between two accounts match these filters (collection shifts; interactions reply), so "
        "there is no network to map; widen the period, keep more kinds or lower --min-weight."
    )


def test_missing_collection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    path = workspace_with(tmp_path, [tweet("701", "91", "OTLiz", "Splints clinic moved to Tuesday.")],
                          collection="clinics")
    code, out, err = run(monkeypatch, capsys, "--workspace", str(path), "map", "--collection", "wards")
    assert code == 1
    assert out == ""
    assert one_sentence(err) == "Error: there is no collection called 'wards'; the collections are: clinics."


@pytest.mark.parametrize(("option", "message"), [
    (("--interactions", "likes"), "Error: --interactions should be one of reply, mention, quote, repost, not likes."),
    (("--kinds", "likes"), "Error: kinds should be among post, reply, quote, repost, not likes."),
    (("--resolution", "0"), "Error: --resolution should be more than 0, not 0."),
    (("--min-weight", "0"), "Error: --min-weight should be at least 1, not 0."),
    (("--method", "louvain"), "Error: --method should be one of modularity, cpm, not louvain."),
    (("--since", "2024-03-07", "--until", "2024-03-01"),
     "Error: the start (2024-03-07T00:00:00+00:00) is not before the end (2024-03-01T00:00:00+00:00); swap them."),
])
def test_bad_options_are_one_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str], option: tuple[str, ...],
                                      message: str) -> None:
    path = workspace_with(tmp_path, [
        tweet("801", "11", "NorthvaleNHS", "Vaccination drop-in open today."),
        tweet("802", "12", "dad_of_three", "@NorthvaleNHS is it open to under 5s?", reply_to=("801", "11"),
              mentions=(("11", "NorthvaleNHS"),)),
    ])
    code, out, err = run(monkeypatch, capsys, "--workspace", str(path), "map", *option)
    assert code == 1
    assert out == ""
    assert one_sentence(err) == message


def test_two_accounts_one_reply_is_mapped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = workspace_with(tmp_path, [
        tweet("901", "21", "HarbourCouncil", "Warm spaces list updated for this week."),
        tweet("902", "22", "GranJoan", "@HarbourCouncil does the library one have a ramp?", reply_to=("901", "21"),
              mentions=(("21", "HarbourCouncil"),)),
    ])
    code, out, err = run(monkeypatch, capsys, "--workspace", str(path), "map")
    assert code == 0
    assert err == ""
    assert out.splitlines()[0] == "2 accounts, 1 ties, 1 interactions; 1 communities (modularity 0)."
    assert "GranJoan" in out and "HarbourCouncil" in out


def test_scope_flags_and_interactions_narrow_the_map(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = workspace_with(tmp_path, [
        tweet("1001", "31", "WestfordICB", "Winter vaccines: where to go."),
        tweet("1002", "32", "NurseMo", "@WestfordICB which pharmacies?", reply_to=("1001", "31"),
              mentions=(("31", "WestfordICB"),)),
    ])
    mapped = "2 accounts, 1 ties, 1 interactions; 1 communities (modularity 0)."
    for flags in (("--interactions", "reply,quote"), ("--kinds", "reply"), ("--platform", "twitter")):
        code, out, _ = run(monkeypatch, capsys, "--workspace", str(path), "map", *flags)
        assert code == 0 and out.splitlines()[0] == mapped, flags
    code, out, _ = run(monkeypatch, capsys, "--workspace", str(path), "map", "--interactions", "mention")
    assert code == 0
    assert one_sentence(out) == (
        "No interactions between two accounts match these filters (interactions mention), so there is no network "
        "to map; widen the period, keep more kinds or lower --min-weight."
    )
    code, out, _ = run(monkeypatch, capsys, "--workspace", str(path), "map", "--kinds", "post")
    assert code == 0
    assert one_sentence(out) == (
        "No interactions between two accounts match these filters (kinds post), so there is no network to map; "
        "widen the period, keep more kinds or lower --min-weight."
    )


def test_export_graph_takes_scope_flags_and_map_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = workspace_with(tmp_path, [
        tweet("1101", "41", "EastdaleCouncil", "Bin days change next week."),
        tweet("1102", "42", "CarerPat", "@EastdaleCouncil and assisted collections?", reply_to=("1101", "41"),
              mentions=(("41", "EastdaleCouncil"),)),
    ], collection="bins")
    target = tmp_path / "map.graphml"
    code, out, err = run(monkeypatch, capsys, "--workspace", str(path), "export", "graph", "-o", str(target),
                         "-f", "graphml", "--collection", "bins", "--interactions", "reply", "--seed", "3")
    assert (code, err) == (0, "")
    assert one_sentence(out) == f"Wrote 2 accounts and 1 edges to {target}."
    assert "<graphml" in target.read_text()
    code, _, err = run(monkeypatch, capsys, "--workspace", str(path), "export", "graph", "-o", str(target),
                       "--collection", "roads")
    assert code == 1 and one_sentence(err) == "Error: there is no collection called 'roads'; the collections are: bins."
