"""Mastodon API statuses and ActivityPub outbox exports: golden files, sniffing, ids and errors."""

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
from sociable.sources.activitypub import actor_uri_from_profile, html_text
from sociable.sources.base import Format, RawRecord, Rejected, head_bytes
from sociable.sources.bluesky import FORMATS as BLUESKY_FORMATS
from sociable.sources.mastodon import FORMATS as MASTODON_FORMATS
from sociable.sources.mastodon import map_api

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mastodon"
GOLDEN = [
    ("home_timeline.json", "mastodon-api"),
    ("hashtag_wenurses.jsonl", "mastodon-api"),
    ("export/outbox.json", "activitypub-outbox"),
]
OURS = (*MASTODON_FORMATS, *BLUESKY_FORMATS)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _row(record: Any) -> dict[str, Any]:
    return {k: _plain(v) for k, v in dataclasses.asdict(record).items()}


def mapped_rows(fmt: Format, path: Path, options: dict[str, str] | None = None) -> dict[str, Any]:
    """Everything a file reads and maps to, in the shape of the golden files."""
    result: dict[str, Any] = {"posts": [], "accounts": [], "skipped": 0, "rejected": []}
    for record in fmt.read(path, options or {}):
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


def _records(fmt: Format, path: Path, options: dict[str, str] | None = None) -> list[RawRecord]:
    return [r for r in fmt.read(path, options or {}) if isinstance(r, RawRecord)]


def _posts(fmt: Format, path: Path, options: dict[str, str] | None = None) -> dict[str, Any]:
    return {p.post_id: p for r in _records(fmt, path, options) for p in fmt.map(r.raw).posts}


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


# ---------------------------------------------------------------------------- sniffing


@pytest.mark.parametrize(("name", "format_name"), GOLDEN)
def test_each_fixture_is_recognised_only_by_its_own_format(name: str, format_name: str) -> None:
    path = FIXTURES / name
    assert detect_format(path).name == format_name
    head = head_bytes(path)
    assert [f.name for f in OURS if f.sniff(path, head)] == [format_name]


def test_actor_json_alone_is_not_a_post_file() -> None:
    path = FIXTURES / "export" / "actor.json"
    assert not any(f.sniff(path, head_bytes(path)) for f in OURS)


def test_twitter_and_rss_are_not_taken_for_mastodon_or_bluesky(tmp_path: Path) -> None:
    tweet = {
        "created_at": "Mon Oct 14 09:02:11 +0000 2024",
        "id": 1845750000000000001,
        "id_str": "1845750000000000001",
        "full_text": "Flu clinics open on Monday #FluJab",
        "in_reply_to_status_id_str": None,
        "user": {"id_str": "2200000001", "screen_name": "northmoor_nhs", "name": "Northmoor NHS"},
        "entities": {"hashtags": [{"text": "FluJab", "indices": [27, 34]}], "user_mentions": [], "urls": []},
        "retweet_count": 3,
        "favorite_count": 7,
    }
    rss = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Ward blog</title>'
        "<item><title>Night shifts</title><link>https://blog.example/nights</link></item></channel></rss>\n"
    )
    files = {"tweets.json": json.dumps([tweet]), "tweets.jsonl": json.dumps(tweet) + "\n", "feed.xml": rss}
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text)
        assert not [f.name for f in OURS if f.sniff(path, head_bytes(path))], name


def test_large_first_status_is_still_recognised(tmp_path: Path) -> None:
    statuses = json.loads((FIXTURES / "home_timeline.json").read_text())
    statuses[0]["content"] = "<p>" + "Long handover notes. " * 5000 + "</p>"
    path = tmp_path / "big.json"
    path.write_text(json.dumps(statuses))
    assert detect_format(path).name == "mastodon-api"


# ---------------------------------------------------------------------------- identifiers


def test_api_and_outbox_give_the_same_ids_for_the_same_status() -> None:
    api = _posts(get_format("mastodon-api"), FIXTURES / "home_timeline.json")
    outbox = _posts(get_format("activitypub-outbox"), FIXTURES / "export" / "outbox.json")
    key = "https://nursing.example/users/priya_rn/statuses/113301000000000002"
    fields = ("account_id", "reply_to", "reply_to_account", "mentions", "text", "uri", "created_at")
    assert {f: getattr(api[key], f) for f in fields} == {f: getattr(outbox[key], f) for f in fields}
    boost = "https://care.example/users/ade_sw/statuses/113300555000000012"
    assert boost in api and any(p.repost_of == boost for p in outbox.values())


def test_reply_parents_are_resolved_in_order_file_then_uri_pattern_then_api_address() -> None:
    posts = _posts(get_format("mastodon-api"), FIXTURES / "hashtag_wenurses.jsonl")
    self_reply = posts["https://nursing.example/users/priya_rn/statuses/113301000000000004"]
    assert self_reply.reply_to == "https://nursing.example/users/priya_rn/statuses/113300999000000777"
    remote = posts["https://care.example/users/ade_sw/statuses/113300555000000012"]
    assert remote.reply_to == "https://nursing.example/api/v1/statuses/113301000000000990"
    in_file = _posts(get_format("mastodon-api"), FIXTURES / "home_timeline.json")
    reply = in_file["https://nursing.example/users/priya_rn/statuses/113301000000000002"]
    assert reply.reply_to == "https://nhs-northmoor.example/users/comms/statuses/113299876543210001"


def test_server_unknown_leaves_reply_to_empty_and_server_option_fills_it(tmp_path: Path) -> None:
    statuses = json.loads((FIXTURES / "hashtag_wenurses.jsonl").read_text().splitlines()[1])
    path = tmp_path / "remote_only.json"
    path.write_text(json.dumps([statuses]))
    fmt = get_format("mastodon-api")
    (post,) = _posts(fmt, path).values()
    assert post.reply_to is None and post.account_id == "https://care.example/users/ade_sw"
    (post,) = _posts(fmt, path, {"server": "nursing.example"}).values()
    assert post.reply_to == "https://nursing.example/api/v1/statuses/113301000000000990"


def test_reply_target_is_not_also_a_mention() -> None:
    posts = _posts(get_format("mastodon-api"), FIXTURES / "home_timeline.json")
    reply = posts["https://nursing.example/users/priya_rn/statuses/113301000000000002"]
    assert reply.reply_to_account == "https://nhs-northmoor.example/users/comms"
    assert reply.mentions == ("https://nursing.example/users/sam_nurse",)
    kinds = [(i.kind, i.target) for i in interactions_of(reply)]
    assert kinds == [
        ("reply", "https://nhs-northmoor.example/users/comms"),
        ("mention", "https://nursing.example/users/sam_nurse"),
    ]


def test_boost_comes_first_and_carries_the_original_and_its_author() -> None:
    fmt = get_format("mastodon-api")
    raw = json.loads((FIXTURES / "home_timeline.json").read_text())[2]
    mapped = fmt.map(raw)
    boost, original = mapped.posts
    assert boost.repost_of == original.post_id and boost.repost_of_account == original.account_id
    assert boost.text == "" and boost.like_count is None
    assert [a.handle for a in mapped.accounts] == ["carerslink@nursing.example", "ade_sw@care.example"]


def test_profile_urls_become_actor_uris() -> None:
    assert actor_uri_from_profile("https://care.example/@ade_sw") == "https://care.example/users/ade_sw"
    assert actor_uri_from_profile("https://pl.example/users/kim") == "https://pl.example/users/kim"
    assert actor_uri_from_profile(None) is None


# ---------------------------------------------------------------------------- text


def test_html_becomes_plain_text_with_links() -> None:
    html = (
        "<p>Clinic &amp; café open&nbsp;today<br />Ask at &quot;reception&quot; &#8212; "
        '<a href="https://nursing.example/tags/nhs" class="mention hashtag" rel="tag">#<span>NHS</span></a></p>'
        '<p><a href="https://trust.example/clinics" rel="nofollow"><span class="invisible">https://</span>'
        '<span class="">trust.example/clinics</span></a></p>'
        '<p class="quote-inline">RE: <a href="https://care.example/@ade_sw/1">care.example/@ade_sw/1</a></p>'
    )
    text, links = html_text(html)
    assert text == 'Clinic & café open\xa0today\nAsk at "reception" — #NHS\n\nhttps://trust.example/clinics'
    assert links == ("https://trust.example/clinics",)


# ---------------------------------------------------------------------------- privacy and options


def test_followers_only_posts_are_rejected_without_their_text() -> None:
    rows = mapped_rows(get_format("mastodon-api"), FIXTURES / "hashtag_wenurses.jsonl")
    (rejected,) = rows["rejected"]
    assert rejected["number"] == 3 and "followers-only" in rejected["reason"]
    assert rejected["raw"] == "https://nursing.example/users/priya_rn/statuses/113301000000000009"
    kept = mapped_rows(get_format("mastodon-api"), FIXTURES / "hashtag_wenurses.jsonl", {"private": "keep"})
    assert kept["rejected"] == [] and kept["posts"][-1]["text"] == "Followers-only note about rota swaps."


def test_outbox_without_actor_json_still_names_the_account(tmp_path: Path) -> None:
    (tmp_path / "outbox.json").write_bytes((FIXTURES / "export" / "outbox.json").read_bytes())
    rows = mapped_rows(get_format("activitypub-outbox"), tmp_path / "outbox.json")
    author = rows["accounts"][0]
    assert author["account_id"] == "https://nursing.example/users/priya_rn"
    assert author["handle"] == "priya_rn@nursing.example" and author["display_name"] is None


# ---------------------------------------------------------------------------- errors


def test_malformed_line_is_rejected_and_reading_goes_on(tmp_path: Path) -> None:
    good = (FIXTURES / "hashtag_wenurses.jsonl").read_text().splitlines()[0]
    path = tmp_path / "capture.jsonl"
    path.write_text(good + "\n" + '{"id": "1", "uri": \n' + good + "\n")
    records = list(get_format("mastodon-api").read(path, {}))
    assert [type(r).__name__ for r in records] == ["RawRecord", "Rejected", "RawRecord"]
    rejected = records[1]
    assert isinstance(rejected, Rejected) and rejected.number == 2 and "line 2 of capture.jsonl" in rejected.reason


def _status() -> dict[str, Any]:
    status: dict[str, Any] = json.loads((FIXTURES / "hashtag_wenurses.jsonl").read_text().splitlines()[0])
    return status


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.pop("uri"), "'uri' is missing"),
        (lambda s: s.update(uri=42), "'uri' should be str"),
        (lambda s: s.update(account="priya"), "'account' should be dict"),
        (lambda s: s.update(created_at="yesterday"), "not a date-time"),
        (lambda s: s["account"].update(url=None, uri=None), "cannot be identified"),
        (lambda s: s.update(in_reply_to_id=["1"]), "should be strings"),
    ],
)
def test_bad_status_raises_mapping_error_with_a_reason(change: Any, message: str) -> None:
    status = _status()
    change(status)
    with pytest.raises(MappingError, match=message):
        map_api(status)


def test_non_object_records_raise_mapping_error() -> None:
    with pytest.raises(MappingError, match="expected a Mastodon Status"):
        map_api(["not", "a", "status"])
    with pytest.raises(MappingError, match="only Create and Announce"):
        get_format("activitypub-outbox").map({"activity": {"type": "Like", "id": "https://x.example/1"}})
    with pytest.raises(MappingError, match="does not include its post"):
        get_format("activitypub-outbox").map({"activity": {"type": "Create", "object": "https://x.example/2"}})
