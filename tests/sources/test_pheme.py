"""PHEME / RumourEval thread folders."""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from sociable.errors import MappingError
from sociable.model import Post
from sociable.sources import detect_format, twitter
from sociable.sources.base import RawRecord, Rejected, head_bytes
from sociable.sources.pheme import FORMAT as PHEME
from sociable.sources.pheme import structure_parents

FIXTURES = Path(__file__).parent.parent / "fixtures" / "pheme"
EVENT = FIXTURES / "northvale-ae"
RUMOUR = EVENT / "rumours" / "685567190102970375"
SOURCE_ID = "685567190102970375"


def row(record: Any) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, datetime) else list(value) if isinstance(value, tuple) else value
        for key, value in dataclasses.asdict(record).items()
    }


def read_all(path: Path) -> list[RawRecord | Rejected]:
    return list(PHEME.read(path, {}))


def posts_of(path: Path) -> dict[str, Post]:
    """The first post of every record, by id (each record's own tweet)."""
    found = {}
    for record in read_all(path):
        if isinstance(record, RawRecord):
            post = PHEME.map(record.raw).posts[0]
            found[post.post_id] = post
    return found


def test_event_folder_maps_to_its_golden_rows() -> None:
    expected = json.loads((FIXTURES / "northvale-ae.expected.json").read_text(encoding="utf-8"))
    assert expected["format"] == PHEME.name
    found = []
    for record in read_all(EVENT):
        entry: dict[str, Any] = {"file": Path(record.file).relative_to(FIXTURES).as_posix(), "number": record.number}
        if isinstance(record, Rejected):
            entry["rejected"] = record.reason
        else:
            mapped = PHEME.map(orjson.loads(orjson.dumps(record.raw)))
            entry["posts"] = [row(p) for p in mapped.posts]
            entry["accounts"] = [row(a) for a in mapped.accounts]
        found.append(entry)
    assert found == expected["records"]


@pytest.mark.parametrize("folder", [RUMOUR, EVENT / "rumours", EVENT])
def test_thread_folders_and_folders_above_them_are_recognised(folder: Path) -> None:
    assert PHEME.sniff(folder, b"")
    assert detect_format(folder).name == "pheme"


def test_a_folder_holding_other_files_beside_thread_folders_is_not_read_whole_as_pheme() -> None:
    assert (FIXTURES / "northvale-ae.expected.json").is_file()  # a file beside the event folder
    assert not PHEME.sniff(FIXTURES, b"")


def test_a_thread_folder_needs_its_structure_but_not_reactions(tmp_path: Path) -> None:
    thread = tmp_path / "580323060533764097"
    shutil.copytree(RUMOUR / "source-tweets", thread / "source-tweet")
    assert not PHEME.sniff(thread, b"")  # a lone source tweet folder is not a thread
    (thread / "structure.json").write_text('{"580323060533764097": []}')
    assert PHEME.sniff(thread, b"")  # a thread nobody answered has no reactions folder


def test_other_folders_and_files_are_not_pheme(tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "tweets.json").write_text("[]")
    (tmp_path / "reactions").mkdir()
    (tmp_path / "reactions" / "1.json").write_text("{}")
    assert not PHEME.sniff(tmp_path, b"")
    tweet_file = RUMOUR / "source-tweets" / f"{SOURCE_ID}.json"
    assert not PHEME.sniff(tweet_file, head_bytes(tweet_file))


def test_a_thread_tweet_file_on_its_own_is_a_v1_tweet() -> None:
    tweet_file = RUMOUR / "reactions" / "685574483997626375.json"
    head = head_bytes(tweet_file)
    assert [fmt.name for fmt in twitter.FORMATS if fmt.sniff(tweet_file, head)] == ["twitter-v1"]


def test_structure_gives_the_parent_where_the_tweet_does_not_and_root_is_the_source() -> None:
    posts = posts_of(RUMOUR)
    no_reply_fields = posts["685576711173050375"]
    assert (no_reply_fields.reply_to, no_reply_fields.reply_to_account) == ("685574483997626375", "1187654321")
    assert "1187654321" not in no_reply_fields.mentions
    thread = [p for p in posts.values() if p.repost_of is None]
    assert {p.root for p in thread} == {SOURCE_ID}
    assert posts[SOURCE_ID].reply_to is None


def test_a_tweets_own_reply_fields_win_over_the_structure(tmp_path: Path) -> None:
    thread = tmp_path / SOURCE_ID
    shutil.copytree(RUMOUR, thread)
    # a structure that wrongly hangs the parent's reply under the paramedic's
    tree = {SOURCE_ID: {"685576711173050375": {"685574483997626375": []}, "685568087684026375": []}}
    (thread / "structure.json").write_text(json.dumps(tree))
    posts = posts_of(thread)
    assert posts["685574483997626375"].reply_to == SOURCE_ID


def test_the_annotation_is_kept_in_the_source_record_only() -> None:
    records = [r for r in read_all(RUMOUR) if isinstance(r, RawRecord)]
    annotated = [r for r in records if "annotation" in r.raw["pheme"]]
    assert [r.raw["tweet"]["id_str"] for r in annotated] == [SOURCE_ID]
    assert annotated[0].raw["pheme"]["annotation"]["misinformation"] == "1"
    places = {(r.raw["pheme"]["folder"], r.raw["pheme"]["group"], r.raw["pheme"]["event"]) for r in records}
    assert places == {(SOURCE_ID, "rumours", "northvale-ae")}
    assert {r.raw["pheme"]["kind"] for r in records} == {"source", "reaction", "retweet"}


def test_a_retweet_of_the_source_is_a_repost_outside_the_reply_tree() -> None:
    records = [r for r in read_all(RUMOUR) if isinstance(r, RawRecord) and r.raw["pheme"]["kind"] == "retweet"]
    mapped = PHEME.map(records[0].raw)
    retweet, source = mapped.posts
    assert (retweet.repost_of, retweet.root, retweet.reply_to) == (SOURCE_ID, None, None)
    assert (source.post_id, source.root) == (SOURCE_ID, SOURCE_ID)


def test_broken_files_are_rejected_and_the_thread_is_still_read(tmp_path: Path) -> None:
    thread = tmp_path / SOURCE_ID
    shutil.copytree(RUMOUR, thread)
    (thread / "reactions" / "685568087684026375.json").write_text('{"id_str": "685568087684026375", "text": ')
    (thread / "structure.json").write_text("[1, 2")
    records = read_all(thread)
    rejected = [r for r in records if isinstance(r, Rejected)]
    assert sorted(Path(r.file).name for r in rejected) == ["685568087684026375.json", "structure.json"]
    assert all("is not JSON" in r.reason for r in rejected)
    posts = posts_of(thread)
    assert posts["685574483997626375"].reply_to == SOURCE_ID  # from the tweet's own fields
    assert posts["685576711173050375"].reply_to is None  # its parent came only from structure.json


def test_a_record_without_a_tweet_raises_a_mapping_error() -> None:
    with pytest.raises(MappingError, match="expected a tweet object, got null"):
        PHEME.map({"pheme": {"thread": SOURCE_ID, "kind": "reaction"}})
    with pytest.raises(MappingError, match="should be an id string"):
        PHEME.map({"pheme": {"thread": [SOURCE_ID]}, "tweet": {}})


def test_structure_parents_reads_nested_trees_and_leaf_lists() -> None:
    tree = {"1": {"2": [], "3": {"4": [], "5": {}}, "6": ["7"]}}
    assert structure_parents(tree) == {"1": None, "2": "1", "3": "1", "4": "3", "5": "3", "6": "1", "7": "6"}
