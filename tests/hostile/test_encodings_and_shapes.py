"""Encodings and shapes real exports have: byte order marks, UTF-16/32, NUL bytes, blank runs, truncation,
leading junk, trailing text, and feeds with a DTD (whose entities are never expanded)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kit import json_lines, post_ids, reasons, run_cli, tweet

import sociable
from sociable.store import Workspace

TWO = json_lines(tweet(1), tweet(2))


def imported(ws: Workspace, path: Path, **options: object) -> tuple[str | None, str, int, int, int]:
    f = ws.import_files([path], **options).files[0]  # type: ignore[arg-type]
    return f.error, f.format, f.read, f.stored, f.rejected


@pytest.mark.parametrize("line_route", [True, False], ids=["line-route", "record-route"])
def test_a_utf8_byte_order_mark_does_not_cost_line_1(workspace: Workspace, tmp_path: Path, line_route: bool) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + TWO.encode())
    assert imported(workspace, path, line_route=line_route) == (None, "twitter-v1", 2, 2, 0)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-32-be"])
def test_utf16_and_utf32_with_a_byte_order_mark_are_read(workspace: Workspace, tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "wide.jsonl"
    text = json_lines(tweet(1, "Café culture on the ward 🩺"), tweet(2))
    bom = {"utf-16-be": b"\xfe\xff", "utf-32-be": b"\x00\x00\xfe\xff"}.get(encoding, b"")
    path.write_bytes(bom + text.encode(encoding))
    assert imported(workspace, path) == (None, "twitter-v1", 2, 2, 0)
    assert "Café culture on the ward 🩺" in workspace.query("SELECT text FROM posts").column(0).to_pylist()


def test_a_utf16_csv_and_an_array_are_read(workspace: Workspace, tmp_path: Path) -> None:
    array = tmp_path / "tweets.json"
    array.write_bytes(json.dumps([tweet(1), tweet(2)]).encode("utf-16"))
    assert imported(workspace, array) == (None, "twitter-v1", 2, 2, 0)
    sheet = tmp_path / "sheet.csv"
    sheet.write_bytes("\n\npost_id,created_at,text,account_id,handle\n7,2024-03-05T09:00:00Z,hello,9,nurse\n"
                      .encode("utf-16"))
    f = workspace.import_files([sheet], options={"map": "post_id=post_id,created_at=created_at,text=text,"
                                                        "account_id=account_id,handle=handle"}).files[0]
    assert (f.error, f.format, f.stored) == (None, "csv", 1)


@pytest.mark.parametrize("where", ["first", "later"])
@pytest.mark.parametrize("line_route", [True, False], ids=["line-route", "record-route"])
def test_a_nul_byte_costs_only_its_line(workspace: Workspace, tmp_path: Path, where: str, line_route: bool) -> None:
    bad = '{"id_str": "9", "full_text": "a\x00b"}'
    items = [bad, tweet(1), tweet(2)] if where == "first" else [tweet(1), tweet(2), bad]
    path = tmp_path / "nul.jsonl"
    path.write_text(json_lines(*items))
    assert imported(workspace, path, line_route=line_route) == (None, "twitter-v1", 3, 2, 1)
    assert "is not JSON" in reasons(workspace)[0]


def test_a_nul_byte_in_an_array_costs_only_its_record(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "nul.json"
    path.write_bytes(b"[" + json.dumps(tweet(1)).encode() + b', {"id_str": "x\x00"}, ' + json.dumps(tweet(2)).encode()
                     + b"]")
    assert imported(workspace, path) == (None, "twitter-v1", 3, 2, 1)
    assert reasons(workspace) == ["record 2 of nul.json is not JSON (Invalid control character at)"]


def test_a_binary_file_is_still_refused(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 30)
    error, *_ = imported(workspace, path)
    assert error is not None and "is a binary file" in error


@pytest.mark.parametrize("format", ["auto", "twitter-v1"])
@pytest.mark.parametrize("where", ["before", "between"])
def test_tweets_after_200000_blank_lines_are_read(workspace: Workspace, tmp_path: Path, format: str,
                                                  where: str) -> None:
    path = tmp_path / "blank.jsonl"
    blank = "\n" * 200_000
    path.write_text(blank + TWO if where == "before" else json.dumps(tweet(1)) + blank + json.dumps(tweet(2)))
    error, fmt, read, stored, rejected = imported(workspace, path, format=format)
    assert (error, fmt, read, stored, rejected) == (None, "twitter-v1", 2, 2, 0)


def test_a_truncated_tweets_js_keeps_its_whole_records(workspace: Workspace, tmp_path: Path) -> None:
    (tmp_path / "account.js").write_text(
        'window.YTD.account.part0 = [{"account": {"accountId": "77", "username": "nursejo", '
        '"accountDisplayName": "Jo", "createdAt": "2012-01-09T08:00:00.000Z"}}]')
    entries = [{"tweet": {"id_str": str(i), "id": str(i), "created_at": "Tue Mar 05 21:14:07 +0000 2024",
                          "full_text": f"Ward round {i}", "favorite_count": "1", "retweet_count": "0",
                          "entities": {"hashtags": [], "user_mentions": [], "urls": []}}} for i in range(1, 6)]
    body = json.dumps(entries, indent=2)
    cut = body.index('"Ward round 4"')  # the download stopped inside the fourth tweet
    path = tmp_path / "tweets.js"
    path.write_text("window.YTD.tweets.part0 = " + body[:cut])
    assert imported(workspace, path) == (None, "twitter-archive", 4, 3, 1)
    assert post_ids(workspace) == ["1", "2", "3"]
    assert reasons(workspace)[0].startswith("tweets.js ends in the middle of record 4 (truncated?)")


def test_json_lines_whose_first_values_are_not_tweets_is_recognised(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "capture.jsonl"
    header = [{"capture": "ward-week", "version": 2}, *({"limit": {"track": n}} for n in range(5))]
    path.write_text(json_lines(*header, tweet(1), tweet(2)))
    assert imported(workspace, path) == (None, "twitter-v1", 8, 2, 6)


def test_an_array_followed_by_trailing_text_is_recognised(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "tweets.json"
    path.write_text(json.dumps([tweet(1), tweet(2)]) + "\n-- end of export --\n")
    assert imported(workspace, path) == (None, "twitter-v1", 3, 2, 1)
    assert reasons(workspace) == ["tweets.json has text after the end of its array (19 characters), not a record"]


def test_a_file_of_nothing_known_says_how_to_name_the_format(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_text(json_lines(*({"note": n} for n in range(10))))
    error, *_ = imported(workspace, path)
    assert error is not None and "name one with --format" in error


FEED = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE rss [
{entities}
]>
<rss version="2.0"><channel><title>Ward blog</title><link>https://blog.example.org/</link>
<item><title>{title}</title><link>https://blog.example.org/1</link><guid>https://blog.example.org/1</guid>
<description>Night shift notes</description><pubDate>Tue, 05 Mar 2024 09:15:00 GMT</pubDate></item>
</channel></rss>
"""
LAUGHS = "\n".join(['<!ENTITY lol "lol">'] + [
    f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10 if n > 1 else "&lol;" * 10}">' for n in range(1, 10)])


def test_a_feed_with_an_internal_dtd_is_recognised(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "blog.rss"
    path.write_text(FEED.format(entities='<!ENTITY trust "our trust">', title="News from the ward"))
    assert imported(workspace, path) == (None, "feed", 1, 1, 0)


@pytest.mark.parametrize("kind", ["xxe", "billion-laughs"])
def test_entities_are_never_expanded(tmp_path: Path, kind: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("PATIENT-NHS-NUMBER-943 476 5919")
    entities = f'<!ENTITY xxe SYSTEM "file://{secret}">' if kind == "xxe" else LAUGHS
    path = tmp_path / "feed.rss"
    path.write_text(FEED.format(entities=entities, title="&xxe;" if kind == "xxe" else "&lol9;"))
    workspace = tmp_path / "ws.duckdb"
    result = run_cli("-w", workspace, "import", path, timeout=60)
    assert "Traceback" not in result.stderr
    with sociable.open(workspace, read_only=True) as ws:
        texts = " ".join(str(v) for v in ws.query("SELECT text FROM posts").column(0).to_pylist())
        kept = " ".join(str(v) for v in ws.query("SELECT raw FROM rejected").column(0).to_pylist())
        size = ws.query("SELECT sum(size) FROM raw_blocks").column(0).to_pylist()[0] or 0
    assert "PATIENT" not in texts + kept and "lollollol" not in texts + kept
    assert size < 10_000
