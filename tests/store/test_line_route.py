"""The quick route for JSON Lines gives exactly what the record-by-record route gives.

Posts, accounts, interactions, collections, raw records, counts and every rejection reason
are compared on a simulated file, on the v1.1 fixtures, and on a file of unusual lines that
the quick route must hand back to the general reader and mapper.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import sociable
from sociable.simulate import simulate
from sociable.store.raw import pack_text, read_blocks
from sociable.store.schema import POST_COLUMNS

FIXTURES = Path(__file__).parent.parent / "fixtures" / "twitter"
QUERIES = {
    "posts": f"SELECT {', '.join(POST_COLUMNS)}, format, record_id FROM posts ORDER BY platform, post_id",
    "accounts": "SELECT * EXCLUDE (profile_at) FROM accounts ORDER BY platform, account_id",
    "interactions": "SELECT * FROM interactions ORDER BY post_id, target, kind",
    "collections": "SELECT * FROM collections ORDER BY post_id",
    "rejected": "SELECT rejected_id, file, number, format, reason, raw FROM rejected ORDER BY rejected_id",
    "runs": "SELECT file, format, read, stored, duplicates, rejected, error FROM runs ORDER BY run_id, file",
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lines") / "sample.jsonl"
    simulate(path, posts=3000, seed=11)
    return path


def tweet(tid: str, user: str = "10", **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "created_at": "Tue Mar 05 09:15:00 +0000 2024", "id": int(tid), "id_str": tid, "full_text": f"post {tid}",
        "entities": {"hashtags": [{"text": "WeNurses"}], "user_mentions": [], "urls": []},
        "user": {"id": int(user), "id_str": user, "screen_name": f"user{user}", "name": "A &amp; B"},
        "lang": "en", "retweet_count": 1, "favorite_count": 2,
    }
    record.update(extra)
    return record


def extended_lines() -> list[str]:
    """The streaming shape: a long tweet's text and entities in `extended_tweet`, with every fallback."""
    long_text = {"full_text": "a long one &amp; #Care @user11", "display_text_range": [0, 30],
                 "entities": {"hashtags": [{"text": "Care"}], "user_mentions": [{"id_str": "11", "screen_name": "u"}],
                              "urls": [{"url": "https://t.co/x", "expanded_url": "https://example.org/long"}]},
                 "extended_entities": {"media": [{"type": "photo"}, {"type": "photo"}, {"type": "photo"}]}}
    truncated = {"text": "a long one &amp; #Ca…", "truncated": True, "full_text": None}
    return [json.dumps(line) for line in (
        tweet("40", **truncated, extended_tweet=long_text),
        tweet("41", **truncated, extended_tweet={**long_text, "entities": {}}),  # empty: the tweet's own
        tweet("42", **truncated, extended_tweet={**long_text, "entities": { }, "extended_entities": None}),
        tweet("43", **truncated, extended_tweet={"entities": {"hashtags": []}}),  # no full text: the tweet's
        tweet("44", **truncated, extended_tweet={}),
        tweet("45", **truncated, extended_tweet=None),
        tweet("46", **truncated, extended_tweet="long"),  # not an object: rejected
        tweet("47", **truncated, extended_tweet={**long_text, "entities": []}),  # not an object: rejected
        tweet("48", **truncated, extended_tweet={**long_text, "full_text": 5}),  # not a string: rejected
        tweet("49", extended_tweet={**long_text, "entities": {"other": 1}}),  # an object with no entities in it
        tweet("50", retweeted_status=tweet("51", user="11", **truncated, extended_tweet=long_text)),
        tweet("52", **truncated, extended_tweet=long_text, quoted_status=tweet("53", extended_tweet=long_text)),
        tweet("54", **truncated, extended_tweet={**long_text, "extended_entities": {"media": []}},
              extended_entities={"media": [{"type": "video"}]}),
    )]


def unusual_lines() -> list[str]:
    """Lines the quick route must leave to the general path, beside ordinary ones."""
    extended = tweet("7", extended_tweet={"full_text": "a longer text &amp; more",
                                          "entities": {"hashtags": [{"text": "Long"}]}})
    retweet = tweet("8", retweeted_status=tweet("9", user="11"))
    quote = tweet("12", quoted_status=tweet("13", user="12"), quoted_status_id_str="13")
    return [
        json.dumps(tweet("1")),
        "",
        json.dumps(tweet("2", retweet_count="3")),  # a count as a numeric string
        json.dumps(tweet("3", user="10", id_str="")),  # an empty id_str: the number is used
        '{"delete": {"status": {"id": 5, "id_str": "5"}}}',
        json.dumps({"statuses": [tweet("4"), tweet("5")]}),  # a search page on one line
        json.dumps(extended),
        "   " + json.dumps(retweet) + "  \r",
        json.dumps(quote),
        json.dumps(tweet("1")),  # the same tweet again
        '{"id_str": "6", "user": "not an object", "text": "x", "created_at": "Tue Mar 05 09:15:00 +0000 2024"}',
        json.dumps(tweet("14", created_at="2024-03-05T09:15:00Z")),  # another time shape
        json.dumps(tweet("15", created_at="Feb 30 2024")),
        json.dumps(tweet("16", entities={"hashtags": "nope"})),
        json.dumps(tweet("17", lang=5)),
        '{"id_str": "18", "truncated',
        json.dumps([tweet("19"), tweet("20")]),
        json.dumps(tweet("21", user="10", in_reply_to_status_id=1, in_reply_to_user_id=10,
                         entities={"user_mentions": [{"screen_name": "Someone"}, {"id": 10}], "hashtags": None})),
        json.dumps(tweet("22", extended_entities={"media": [{"type": "photo"}, {"type": "photo"}]})),
        json.dumps(tweet("23", retweeted_status={})),
        json.dumps(tweet("24", user="99", id=True)),
        json.dumps(tweet("25", full_text=None, text="short &lt;3")),
        *extended_lines(),
        json.dumps(tweet("26", created_at="99999999999999999999")),  # digits read as an epoch, out of range
        json.dumps(tweet("27", created_at="Mon Jan 01 00:30:00 +0100 0001")),  # before the year 1 in UTC
    ]


def import_both(tmp_path: Path, files: list[Path]) -> dict[bool, dict[str, Any]]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    tables = {}
    for quick in (True, False):
        with sociable.open(tmp_path / f"ws-{quick}.duckdb") as ws:
            for _ in range(2):  # the second import must store nothing either way
                summary = ws.import_files(files, collection="c", line_route=quick)
            assert summary.total("stored") == 0
            tables[quick] = {name: ws.query(sql).to_pylist() for name, sql in QUERIES.items()}
            tables[quick]["raw"] = [record for _, _, block in read_blocks(ws.con) for record in block]
            tables[quick]["counts"] = ws.counts()
            ws.remap()
            tables[quick]["remapped"] = ws.query(QUERIES["posts"]).to_pylist()
    return tables


def assert_same(tables: dict[bool, dict[str, Any]]) -> None:
    for name in tables[False]:
        assert tables[True][name] == tables[False][name], name


def test_simulated_sample_is_the_same_both_ways(tmp_path: Path, sample: Path) -> None:
    tables = import_both(tmp_path, [sample])
    assert len(tables[True]["posts"]) >= 3000
    assert tables[True]["remapped"] == tables[True]["posts"]
    assert_same(tables)


def test_v1_fixtures_are_the_same_both_ways(tmp_path: Path) -> None:
    assert_same(import_both(tmp_path, [FIXTURES / "v1_stream.jsonl"]))


def test_unusual_lines_are_left_to_the_general_path(tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(unusual_lines()) + "\n", encoding="utf-8")
    tables = import_both(tmp_path, [path])
    assert_same(tables)
    stored = {row["post_id"] for row in tables[True]["posts"]}
    assert {"1", "2", "3", "4", "5", "7", "8", "9", "12", "13", "19", "20", "21", "22", "25"} <= stored
    assert len(tables[True]["rejected"]) >= 4  # the notice, the broken line, the bad user, the bad time


def test_bad_line_is_rejected_with_its_number(tmp_path: Path, sample: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    lines = sample.read_text().splitlines()
    lines[5] = lines[5][:40]
    broken.write_text("\n".join(lines) + "\n")
    with sociable.open(tmp_path / "ws.duckdb") as ws:
        f = ws.import_files([broken]).files[0]
        assert (f.read, f.rejected) == (len(lines), 1)
        assert ws.rejected().column("number").to_pylist() == [6]


def test_record_the_mapper_rejects_gets_its_reason(tmp_path: Path, sample: Path) -> None:
    odd = tmp_path / "odd.jsonl"
    lines = sample.read_text().splitlines()
    record = json.loads(lines[9])
    del record["user"]
    lines[9] = json.dumps(record)
    odd.write_text("\n".join(lines) + "\n")
    with sociable.open(tmp_path / "ws.duckdb") as ws:
        f = ws.import_files([odd]).files[0]
        assert f.rejected == 1
        assert "no user object" in ws.rejected().column("reason").to_pylist()[0]


def test_chunks_in_worker_processes_are_the_same(tmp_path: Path, sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large file is cut into chunks mapped in worker processes; line numbers run on across chunks."""
    from sociable.store.fast import lines as fast_lines

    mixed = tmp_path / "mixed.jsonl"
    lines = sample.read_text(encoding="utf-8").splitlines()
    odd = unusual_lines()
    mixed.write_text("\n".join(lines[:1000] + odd + lines[1000:2000] + odd) + "\n", encoding="utf-8")
    monkeypatch.setattr(fast_lines, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(fast_lines, "CHUNK_BYTES", 100_000)
    assert len(fast_lines._ranges(mixed)) > 10
    tables = import_both(tmp_path, [mixed])
    assert_same(tables)
    numbers = {row["number"] for row in tables[True]["rejected"]}
    assert 1000 + 5 in numbers and 2000 + len(odd) + 5 in numbers  # the streaming notice, both times


def test_chunks_packed_as_read_keep_every_record(
    tmp_path: Path, sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chunk with no blank or padded lines is packed as it was read; the last one here has no newline."""
    from sociable.store.fast import lines as fast_lines

    path = tmp_path / "plain.jsonl"
    lines = sample.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:1500]) + "\n\n" + "\n".join(lines[1500:]), encoding="utf-8")
    monkeypatch.setattr(fast_lines, "CHUNK_BYTES", 200_000)
    packed_as_read = []
    monkeypatch.setattr(fast_lines, "pack_text", lambda text: packed_as_read.append(len(text)) or pack_text(text))
    tables = import_both(tmp_path, [path])
    assert_same(tables)
    assert len(packed_as_read) >= len(fast_lines._ranges(path)) - 1  # all but the chunk with the blank line
    assert [r[2]["id_str"] for r in tables[True]["raw"][-2:]] == [json.loads(line)["id_str"] for line in lines[-2:]]


def test_streaming_shape_takes_the_quick_route() -> None:
    """Lines with `extended_tweet` are mapped by the quick route itself; only the malformed ones are left."""
    from sociable.sources.fast.twitter_v1_lines import map_lines

    lines = extended_lines()
    result = map_lines([line.encode() for line in lines])
    assert [json.loads(lines[i])["id_str"] for i in result.rest] == ["46", "47", "48"]
    texts = {row[1]: row[4] for row in result.rows}
    assert texts["40"] == texts["51"] == "a long one & #Care @user11"
    assert texts["43"] == "a long one & #Ca…"


def test_commits_within_a_file_change_nothing(tmp_path: Path, sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long file is committed in parts (bounding the memory of an open transaction); the result is the same."""
    from sociable.store.fast import lines as fast_lines
    from sociable.store.fast import writer

    monkeypatch.setattr(fast_lines, "CHUNK_BYTES", 100_000)
    whole = import_both(tmp_path / "whole", [sample])
    monkeypatch.setattr(writer, "COMMIT_RECORDS", 250)
    parts = import_both(tmp_path / "parts", [sample])
    for route in (True, False):
        for name in whole[route]:
            assert parts[route][name] == whole[route][name], name
