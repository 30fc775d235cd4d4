"""Bluesky API JSON and Jetstream events: golden files, sniffing, facets, reposts and errors."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sociable.errors import MappingError
from sociable.model import interactions_of
from sociable.sources import detect_format, get_format
from sociable.sources.base import Format, RawRecord, Rejected, head_bytes
from sociable.sources.bluesky import FORMATS as BLUESKY_FORMATS
from sociable.sources.bluesky import map_api, repost_id
from sociable.sources.bluesky_jetstream import map_jetstream
from sociable.sources.bluesky_records import read_facets, span_text
from sociable.sources.mastodon import FORMATS as MASTODON_FORMATS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bluesky"
GOLDEN = [
    ("thread.json", "bluesky-api"),
    ("search_posts.json", "bluesky-api"),
    ("author_feed.json", "bluesky-api"),
    ("jetstream.jsonl", "bluesky-jetstream"),
]
OURS = (*MASTODON_FORMATS, *BLUESKY_FORMATS)
TRUST = "did:plc:q7nmz3wkd5tr2hc4y6vxb2ea"
NURSE = "did:plc:e2vj6yq4fh3lkt7wz5cma3dn"
CHARITY = "did:plc:m3ra6tdkq2pyx7hw4vzl5nfe"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _row(record: Any) -> dict[str, Any]:
    return {k: _plain(v) for k, v in dataclasses.asdict(record).items()}


def mapped_rows(fmt: Format, path: Path) -> dict[str, Any]:
    """Everything a file reads and maps to, in the shape of the golden files."""
    result: dict[str, Any] = {"posts": [], "accounts": [], "skipped": 0, "rejected": []}
    for record in fmt.read(path, {}):
        if isinstance(record, Rejected):
            result["rejected"].append({"number": record.number, "raw": record.raw, "reason": record.reason})
            continue
        mapped = fmt.map(record.raw)
        result["posts"] += [_row(p) for p in mapped.posts]
        result["accounts"] += [_row(a) for a in mapped.accounts]
        result["skipped"] += 0 if mapped.posts else 1
    return result


def _expected(path: Path) -> dict[str, Any]:
    expected: dict[str, Any] = json.loads(path.with_name(path.name.split(".")[0] + ".expected.json").read_text())
    return expected


def _records(fmt: Format, path: Path) -> list[RawRecord]:
    return [r for r in fmt.read(path, {}) if isinstance(r, RawRecord)]


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


# ---------------------------------------------------------------------------- golden files


@pytest.mark.parametrize(("name", "format_name"), GOLDEN)
def test_golden_file_maps_exactly(name: str, format_name: str) -> None:
    path = FIXTURES / name
    assert mapped_rows(get_format(format_name), path) == _expected(path)


@pytest.mark.parametrize(("name", "format_name"), GOLDEN)
def test_raw_records_survive_a_json_round_trip(name: str, format_name: str) -> None:
    fmt = get_format(format_name)
    for record in _records(fmt, FIXTURES / name):
        assert fmt.map(json.loads(json.dumps(record.raw))) == fmt.map(record.raw)


def test_thread_is_read_root_first_and_placeholders_are_skipped() -> None:
    fmt = get_format("bluesky-api")
    order = [
        fmt.map(r.raw).posts[0].text[:9] if fmt.map(r.raw).posts else None
        for r in _records(fmt, FIXTURES / "thread.json")
    ]
    assert order == ["Our #Wint", "Brilliant", "Yes ✅ dis", "Same for ", None, None]


# ---------------------------------------------------------------------------- sniffing


@pytest.mark.parametrize(("name", "format_name"), GOLDEN)
def test_each_fixture_is_recognised_only_by_its_own_format(name: str, format_name: str) -> None:
    path = FIXTURES / name
    assert detect_format(path).name == format_name
    head = head_bytes(path)
    assert [f.name for f in OURS if f.sniff(path, head)] == [format_name]


def test_twitter_and_rss_are_not_taken_for_bluesky(tmp_path: Path) -> None:
    tweet = {
        "data": [{"id": "1845750000000000001", "text": "Flu clinics open #FluJab", "author_id": "2200000001"}],
        "includes": {"users": [{"id": "2200000001", "username": "northmoor_nhs", "name": "Northmoor NHS"}]},
    }
    atom = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Care blog</title>'
        "<entry><title>Carers week</title><id>tag:blog.example,2024:1</id></entry></feed>\n"
    )
    for name, text in {"twarc.jsonl": json.dumps(tweet) + "\n", "feed.atom": atom}.items():
        path = tmp_path / name
        path.write_text(text)
        assert not [f.name for f in OURS if f.sniff(path, head_bytes(path))], name


def test_bare_post_views_and_repo_records_are_recognised(tmp_path: Path) -> None:
    view = _fixture("search_posts.json")["posts"][1]
    views = tmp_path / "views.jsonl"
    views.write_text(json.dumps(view) + "\n" + json.dumps(view) + "\n")
    listed = tmp_path / "records.json"
    record = {"uri": view["uri"], "cid": view["cid"], "value": view["record"]}
    listed.write_text(json.dumps({"records": [record], "cursor": "3lbr4fqz6cc2w"}))
    assert detect_format(views).name == "bluesky-api" and detect_format(listed).name == "bluesky-api"
    (post,) = map_api(record).posts
    assert post.post_id == view["uri"] and post.account_id == view["author"]["did"] and post.like_count is None


# ---------------------------------------------------------------------------- facets


def test_facet_byte_offsets_count_utf8_bytes_not_characters() -> None:
    text = "Brilliant 💙 thanks @wardsister-jo.bsky.social for #WeNurses ☕"
    # 'Brilliant ' is 10 bytes, the heart 4, ' thanks ' 8: the mention starts at byte 22 (character 19).
    mention = {
        "index": {"byteStart": 22, "byteEnd": 48},
        "features": [{"$type": "app.bsky.richtext.facet#mention", "did": NURSE}],
    }
    tag = {
        "index": {"byteStart": 53, "byteEnd": 62},
        "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "WeNurses"}],
    }
    assert span_text(text.encode(), mention["index"]) == "@wardsister-jo.bsky.social"
    assert span_text(text.encode(), tag["index"]) == "#WeNurses"
    found = read_facets(text, [mention, tag])
    assert found.mentions == {NURSE: "wardsister-jo.bsky.social"} and found.tags == ["wenurses"]


def test_facets_with_character_offsets_or_split_characters_give_no_handle() -> None:
    text = "Brilliant 💙 thanks @wardsister-jo.bsky.social"
    by_characters = {
        "index": {"byteStart": 19, "byteEnd": 45},
        "features": [{"$type": "app.bsky.richtext.facet#mention", "did": NURSE}],
    }
    assert read_facets(text, [by_characters]).mentions == {NURSE: None}
    assert span_text(text.encode(), {"byteStart": 11, "byteEnd": 13}) is None  # inside the emoji
    assert span_text(text.encode(), {"byteStart": 40, "byteEnd": 400}) is None


def test_reply_target_is_not_also_a_mention() -> None:
    thread = _fixture("thread.json")["thread"]
    (reply,) = [p for p in map_api(thread["post"]).posts]
    assert reply.reply_to_account == TRUST and reply.mentions == ()
    assert [(i.kind, i.target) for i in interactions_of(reply)] == [("reply", TRUST)]
    social_worker = map_api(thread["replies"][0]["replies"][0]["post"]).posts[0]
    assert social_worker.mentions == (NURSE,)  # the author's own handle and the trust (answered) are left out


# ---------------------------------------------------------------------------- reposts and quotes


def test_feed_repost_comes_first_with_a_stable_id() -> None:
    item = _fixture("author_feed.json")["feed"][1]
    repost, original = map_api(item).posts
    assert repost.account_id == CHARITY and repost.repost_of == original.post_id
    assert repost.post_id == repost_id(CHARITY, original.post_id) == map_api(item).posts[0].post_id
    assert repost.post_id.startswith(f"at://{CHARITY}/app.bsky.feed.repost/sociable-")


def test_feed_repost_uses_the_repost_record_uri_when_given() -> None:
    item = _fixture("author_feed.json")["feed"][2]
    assert map_api(item).posts[0].post_id == f"at://{CHARITY}/app.bsky.feed.repost/3lbqzc7ahuc2q"


def test_quote_with_media_counts_images_and_yields_the_quoted_post() -> None:
    view = _fixture("search_posts.json")["posts"][0]
    quote, quoted = map_api(view).posts
    assert quote.quote_of == quoted.post_id and quote.quote_of_account == TRUST
    assert quote.media_count == 2 and quote.hashtags == ("winterready", "carers", "unpaidcarers")


# ---------------------------------------------------------------------------- jetstream


def test_jetstream_skips_other_events_and_learns_handles_from_identity() -> None:
    rows = mapped_rows(get_format("bluesky-jetstream"), FIXTURES / "jetstream.jsonl")
    assert rows["skipped"] == 5 and len(rows["posts"]) == 3
    assert rows["rejected"][0]["number"] == 2
    assert "line 2 of jetstream.jsonl is not JSON" in rows["rejected"][0]["reason"]
    identity = [a for a in rows["accounts"] if a["handle"] == "tomasz-sn.bsky.social"]
    assert len(identity) == 1 and identity[0]["account_id"] == "did:plc:b6yk4nwq2zd7mfx3tvh5pj2c"


def test_jetstream_bad_created_at_falls_back_to_event_time() -> None:
    event = json.loads((FIXTURES / "jetstream.jsonl").read_text().splitlines()[0])
    event["commit"]["record"]["createdAt"] = "not a time"
    (post,) = map_jetstream(event).posts
    assert post.created_at.isoformat() == "2024-11-19T08:00:00.123456+00:00"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.update(did="alice"), "'did' is missing or not a DID"),
        (lambda e: e.update(commit=None), "no 'commit' object"),
        (lambda e: e["commit"].pop("record"), "no 'record' object"),
        (lambda e: e["commit"].update(rkey=7), "no 'rkey'"),
        (
            lambda e: e["commit"]["record"].update(reply={"parent": {"uri": "https://bsky.app/x"}}),
            "not an at:// record URI",
        ),
    ],
)
def test_bad_jetstream_event_raises_mapping_error(change: Any, message: str) -> None:
    event = json.loads((FIXTURES / "jetstream.jsonl").read_text().splitlines()[0])
    change(event)
    with pytest.raises(MappingError, match=message):
        map_jetstream(event)


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda v: v.pop("uri"), "'uri' is missing"),
        (lambda v: v.update(uri="https://bsky.app/profile/x/post/y"), "not an at:// record URI"),
        (lambda v: v["author"].pop("did"), "'author' has no 'did'"),
        (lambda v: v.update(record="text"), "'record' is missing or not an object"),
        (lambda v: v["record"].update(createdAt=None) or v.pop("indexedAt"), "'createdAt' is missing"),
        (
            lambda v: v.update(uri=v["uri"].replace("app.bsky.feed.post", "app.bsky.feed.like")),
            "not an app.bsky.feed.post",
        ),
    ],
)
def test_bad_post_view_raises_mapping_error_with_a_reason(change: Any, message: str) -> None:
    view = _fixture("search_posts.json")["posts"][1]
    change(view)
    with pytest.raises(MappingError, match=message):
        map_api(view)


def test_non_post_json_raises_mapping_error() -> None:
    with pytest.raises(MappingError, match="expected a Bluesky post JSON object"):
        map_api("at://did:plc:x/app.bsky.feed.post/1")
    with pytest.raises(MappingError, match="expected a Bluesky post view"):
        map_api({"cursor": "abc"})
