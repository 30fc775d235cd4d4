"""Whatever is wrong with one record (nesting 100,000 deep, a count beyond 64 bits) costs that record only:
it is rejected with its reason, and every good record of the file is kept, on every reading route."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kit import json_lines, post_ids, reasons, tweet

import sociable
from sociable.errors import UnknownFormat
from sociable.sources.base import first_json_value
from sociable.sources.registry import detect_format

DEEP = 100_000


def deep_in_tweet(tweet_id: int, depth: int) -> str:
    """A tweet with one extra field nested `depth` levels deep."""
    text = json.dumps(tweet(tweet_id))
    return text[:-1] + ', "extra": ' + "[" * depth + "]" * depth + "}"


BAD_LINES = {
    "array": "[" * DEEP + "]" * DEEP,
    "object": '{"a":' * DEEP + "1" + "}" * DEEP,
    "tweet": deep_in_tweet(20, DEEP),
    "likes": json.dumps(tweet(21, favorite_count=2**64 - 1)),
    "followers": json.dumps(tweet(22, user_id=4002) | {"user": tweet(22)["user"] | {"followers_count": 2**63}}),
}


@pytest.mark.parametrize("line_route", [True, False], ids=["line-route", "record-route"])
@pytest.mark.parametrize("shape", sorted(BAD_LINES))
def test_a_bad_json_line_costs_only_itself(tmp_path: Path, shape: str, line_route: bool) -> None:
    path = tmp_path / "tweets.jsonl"
    path.write_text(json_lines(tweet(1), BAD_LINES[shape], tweet(2)))
    with sociable.open(tmp_path / "ws.duckdb") as ws:
        f = ws.import_files([path], line_route=line_route).files[0]
        assert (f.error, f.read, f.stored, f.rejected) == (None, 3, 2, 1)
        assert post_ids(ws) == ["1", "2"]
        [reason] = reasons(ws)
        if shape in ("likes", "followers"):
            assert "beyond the largest count sociable can store" in reason
        else:
            assert reason.startswith("line 2 of tweets.jsonl is not JSON")
        assert ws.query("SELECT number FROM rejected").column(0).to_pylist() == [2]


def test_nesting_orjson_reads_but_cannot_write_back_is_kept_the_same_on_both_routes(tmp_path: Path) -> None:
    path = tmp_path / "tweets.jsonl"
    path.write_text(json_lines(tweet(1), deep_in_tweet(2, 600), tweet(3)))
    results = []
    for route in (True, False):
        with sociable.open(tmp_path / f"ws-{route}.duckdb") as ws:
            f = ws.import_files([path], line_route=route).files[0]
            results.append((f.stored, f.rejected, post_ids(ws)))
            assert ws.remap().posts == 3  # the kept raw record reads back
    assert results[0] == results[1] == (3, 0, ["1", "2", "3"])


@pytest.mark.parametrize("bad", ["[" * DEEP + "]" * DEEP, '{"a":' * DEEP + "1" + "}" * DEEP,
                                 deep_in_tweet(20, DEEP), json.dumps(tweet(21, favorite_count=2**64 - 1))],
                         ids=["array", "object", "tweet", "likes"])
def test_a_bad_record_of_a_json_array_costs_only_itself(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "tweets.json"
    path.write_text("[" + ", ".join([json.dumps(tweet(1)), bad, json.dumps(tweet(2))]) + "]")
    with sociable.open(tmp_path / "ws.duckdb") as ws:
        f = ws.import_files([path]).files[0]
        assert (f.error, f.format, f.stored, f.rejected) == (None, "twitter-v1", 2, 1)
        assert post_ids(ws) == ["1", "2"]


def test_sniffing_a_deeply_nested_array_answers_instead_of_failing(tmp_path: Path) -> None:
    head = ("[" + "[" * DEEP + "]" * DEEP + ", " + json.dumps(tweet(1))).encode()
    assert first_json_value(head) is None
    path = tmp_path / "deep.json"
    path.write_bytes(head + b"]")
    with pytest.raises(UnknownFormat, match="name one with --format"):
        detect_format(path)
    with sociable.open(tmp_path / "ws.duckdb") as ws:
        f = ws.import_files([path], format="twitter-v1").files[0]
        assert (f.error, f.stored, f.rejected) == (None, 1, 1)
        assert reasons(ws) == ["record 1 of deep.json is nested too deeply to read"]
