"""Twitter/X sources: v1.1 tweets, v2 (twarc2) pages and flattened lines, and the account archive."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sociable.errors import MappingError, UnreadableFile
from sociable.model import interactions_of
from sociable.sources import detect_format, twitter
from sociable.sources.base import Format, Mapped, RawRecord, Rejected, head_bytes
from sociable.sources.twitter_archive import FORMAT as ARCHIVE
from sociable.sources.twitter_archive import retweeted_id
from sociable.sources.twitter_fields import twitter_micros, twitter_time
from sociable.sources.twitter_v1 import FORMAT as V1
from sociable.sources.twitter_v2 import FORMAT as V2

FIXTURES = Path(__file__).parent.parent / "fixtures" / "twitter"
FORMATS = {fmt.name: fmt for fmt in twitter.FORMATS}
GOLDENS = sorted(FIXTURES.rglob("*.expected.json"))
INPUTS = {
    "v1_stream.jsonl": "twitter-v1",
    "v1_search.json": "twitter-v1",
    "v2_pages.jsonl": "twitter-v2",
    "v2_flat.jsonl": "twitter-v2",
    "archive/data/tweets.js": "twitter-archive",
}


def row(record: Any) -> dict[str, Any]:
    """A Post or Account as the golden files write it: datetimes as ISO strings, tuples as lists."""
    return {
        key: value.isoformat() if isinstance(value, datetime) else list(value) if isinstance(value, tuple) else value
        for key, value in dataclasses.asdict(record).items()
    }


def read_all(fmt: Format, path: Path, options: dict[str, str] | None = None) -> list[RawRecord | Rejected]:
    return list(fmt.read(path, options or {}))


def mapped_records(fmt: Format, path: Path) -> list[dict[str, Any]]:
    """Every record of a file, mapped from a JSON round trip of its raw value (as the store keeps it)."""
    found = []
    for record in read_all(fmt, path):
        entry: dict[str, Any] = {"file": Path(record.file).relative_to(path.parent).as_posix(), "number": record.number}
        if isinstance(record, Rejected):
            entry["rejected"] = record.reason
        else:
            mapped = fmt.map(orjson.loads(orjson.dumps(record.raw)))
            entry["posts"] = [row(p) for p in mapped.posts]
            entry["accounts"] = [row(a) for a in mapped.accounts]
        found.append(entry)
    return found


def input_of(golden: Path) -> Path:
    stem = golden.name.removesuffix(".expected.json")
    return next(p for p in golden.parent.iterdir() if p.name.split(".")[0] == stem and p != golden)


def map_one(fmt: Format, raw: Any) -> Mapped:
    return fmt.map(raw)


# ---------------------------------------------------------------------------- golden files


@pytest.mark.parametrize("golden", GOLDENS, ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_fixture_maps_to_its_golden_rows(golden: Path) -> None:
    expected = json.loads(golden.read_text(encoding="utf-8"))
    assert mapped_records(FORMATS[expected["format"]], input_of(golden)) == expected["records"]


def test_every_fixture_has_a_golden_file() -> None:
    assert sorted(input_of(g).relative_to(FIXTURES).as_posix() for g in GOLDENS) == sorted(INPUTS)


# ---------------------------------------------------------------------------- sniffing


@pytest.mark.parametrize(("name", "owner"), sorted(INPUTS.items()))
def test_each_file_is_recognised_by_its_own_sniff_only(name: str, owner: str) -> None:
    path = FIXTURES / name
    head = head_bytes(path)
    assert {fmt.name for fmt in twitter.FORMATS if fmt.sniff(path, head)} == {owner}
    assert detect_format(path).name == owner


NOT_TWITTER = {
    "mastodon_status.json": {
        "id": "111422771019402031",
        "created_at": "2023-11-15T20:04:11.000Z",
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "uri": "https://social.example.org/users/wardsister/statuses/111422771019402031",
        "url": "https://social.example.org/@wardsister/111422771019402031",
        "replies_count": 0,
        "reblogs_count": 1,
        "favourites_count": 3,
        "content": '<p>Handover went well tonight. <a href="https://social.example.org/tags/nursing">#nursing</a></p>',
        "reblog": None,
        "account": {"id": "109301", "username": "wardsister", "acct": "wardsister", "display_name": "Ward Sister"},
        "media_attachments": [],
        "mentions": [],
        "tags": [{"name": "nursing", "url": "https://social.example.org/tags/nursing"}],
    },
    "bluesky_post.json": {
        "uri": "at://did:plc:abc123exampledid/app.bsky.feed.post/3kfxyzexample",
        "cid": "bafyreiexamplecid",
        "author": {"did": "did:plc:abc123exampledid", "handle": "carehome.example.social"},
        "record": {
            "$type": "app.bsky.feed.post",
            "text": "Open day at the care home",
            "createdAt": "2023-11-15T10:00:00Z",
        },
        "indexedAt": "2023-11-15T10:00:01Z",
    },
}


@pytest.mark.parametrize("name", [*NOT_TWITTER, "feed.rss", "export.csv", "empty.json"])
def test_other_platforms_are_not_taken_for_twitter(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name in NOT_TWITTER:
        path.write_text(json.dumps(NOT_TWITTER[name]), encoding="utf-8")
    elif name == "feed.rss":
        path.write_text(
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Care blog</title>'
            "<item><title>Winter visits</title><link>https://blog.example.org/1</link></item></channel></rss>",
            encoding="utf-8",
        )
    elif name == "export.csv":
        path.write_text("id_str,from_user,text,created_at\n1,nurse,hello #WeCareChat,Wed Nov 15 20:00:00 +0000 2023\n")
    else:
        path.write_text("")
    head = head_bytes(path)
    assert [fmt.name for fmt in twitter.FORMATS if fmt.sniff(path, head)] == []


def test_a_page_line_longer_than_the_sniffing_head_is_still_recognised(tmp_path: Path) -> None:
    tweet = {
        "id": "1727416675726266375",
        "text": "Q3 What one thing would make handover safer on your ward? #WeCareChat " + "x" * 200,
        "author_id": "901234567",
        "created_at": "2023-11-22T20:20:00.000Z",
    }
    page = {"data": [dict(tweet, id=str(1727416675726266375 + i)) for i in range(400)], "meta": {"result_count": 400}}
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps(page) + "\n", encoding="utf-8")
    head = head_bytes(path)
    assert len(head) < path.stat().st_size
    assert V2.sniff(path, head) and not V1.sniff(path, head) and not ARCHIVE.sniff(path, head)
    assert len([r for r in read_all(V2, path) if isinstance(r, RawRecord)]) == 400


# ---------------------------------------------------------------------------- bad input


def test_a_malformed_line_is_rejected_with_its_line_number(tmp_path: Path) -> None:
    lines = (FIXTURES / "v1_stream.jsonl").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "broken.jsonl"
    path.write_text(
        "\n".join([lines[0], '{"created_at": "Tue Nov 14 09:31:00 +0000 2023", "id_str": ', lines[1]]) + "\n"
    )
    records = read_all(V1, path)
    assert [type(r).__name__ for r in records] == ["RawRecord", "Rejected", "RawRecord"]
    rejected = records[1]
    assert isinstance(rejected, Rejected)
    assert rejected.number == 2 and "line 2 of broken.jsonl is not JSON" in rejected.reason
    assert records[2].number == 3


def test_a_v2_line_that_is_not_json_is_rejected_and_the_rest_read(tmp_path: Path) -> None:
    lines = (FIXTURES / "v2_flat.jsonl").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "flat.jsonl"
    path.write_text("\n".join([lines[0], "not json at all", lines[2]]) + "\n")
    records = read_all(V2, path)
    assert [r.number for r in records if isinstance(r, Rejected)] == [2]
    assert [r.number for r in records if isinstance(r, RawRecord)] == [1, 3]


V1_TWEET = {
    "created_at": "Wed Nov 15 20:00:00 +0000 2023",
    "id_str": "1724879943889850375",
    "text": "Q1 tonight: rest after nights #WeCareChat",
    "user": {"id_str": "901234567", "screen_name": "WeCareChat"},
}


@pytest.mark.parametrize(
    ("fmt", "raw", "reason"),
    [
        (V1, {k: v for k, v in V1_TWEET.items() if k != "id_str"}, "the tweet has no 'id_str' or 'id'"),
        (V1, dict(V1_TWEET, id_str=["1"]), "'id_str' should be an id string, got an array"),
        (V1, dict(V1_TWEET, user=None), "tweet 1724879943889850375: it has no user object"),
        (V1, dict(V1_TWEET, user="WeCareChat"), "the field 'user' should be an object, got a string"),
        (V1, dict(V1_TWEET, user={"screen_name": "x"}), "the user object has no 'id_str' or 'id'"),
        (V1, dict(V1_TWEET, created_at="last Tuesday"), "created_at 'last Tuesday' is not a date-time"),
        (V1, dict(V1_TWEET, text=None), "it has no text, full_text or extended_tweet.full_text"),
        (V1, dict(V1_TWEET, entities={"hashtags": "WeCareChat"}), "'hashtags' should be an array, got a string"),
        (V1, dict(V1_TWEET, retweeted_status={"text": "RT"}), "the retweeted_status has no 'id_str' or 'id'"),
        (V1, ["not", "a", "tweet"], "expected a tweet object, got an array"),
        (V2, {"id": "1", "text": "hello", "created_at": "2023-11-22T20:00:04.000Z"}, "it has no author_id"),
        (V2, {"text": "hello", "author_id": "9"}, "the tweet has no 'id'"),
        (V2, {"id": "1", "text": 5, "author_id": "9", "created_at": "2023-11-22T20:00:04.000Z"}, "'text' should be"),
        (V2, {"data": [], "includes": {}}, "the field 'data' should be an object, got an array"),
        (V2, {"data": {"id": "1", "text": "x", "author_id": "9"}, "includes": []}, "'includes' should be an object"),
        (
            ARCHIVE,
            {"tweet": {"id_str": "1", "full_text": "x", "created_at": "Wed Nov 15 20:00:00 +0000 2023"}},
            "the archive's account entry has no 'accountId'",
        ),
        (ARCHIVE, {"account": {"accountId": "2849301756"}}, "the archive record holds no tweet"),
    ],
)
def test_bad_records_raise_a_mapping_error_with_a_clear_reason(fmt: Format, raw: Any, reason: str) -> None:
    with pytest.raises(MappingError) as caught:
        map_one(fmt, raw)
    assert reason in str(caught.value)


def test_streaming_notices_are_rejected_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "stream.jsonl"
    notice = {"delete": {"status": {"id": 1, "id_str": "1", "user_id": 2, "user_id_str": "2"}, "timestamp_ms": "1"}}
    path.write_text(json.dumps(notice) + "\n" + json.dumps(V1_TWEET) + "\n")
    records = read_all(V1, path)
    assert isinstance(records[0], Rejected) and "streaming 'delete' notice" in records[0].reason
    assert isinstance(records[1], RawRecord)


# ---------------------------------------------------------------------------- replies, retweets, context


def first_post_of(fmt: Format, path: Path, post_id: str) -> tuple[Mapped, Any]:
    for record in read_all(fmt, path):
        if isinstance(record, RawRecord):
            mapped = fmt.map(record.raw)
            if mapped.posts[0].post_id == post_id:
                return mapped, mapped.posts[0]
    raise LookupError(post_id)


@pytest.mark.parametrize(
    ("fmt", "name", "post_id"),
    [
        (V1, "v1_stream.jsonl", "1724367236363194375"),
        (V2, "v2_pages.jsonl", "1727417833354170375"),
        (V2, "v2_flat.jsonl", "1730504547496890375"),
        (ARCHIVE, "archive/data/tweets.js", "1532789255435194375"),
    ],
)
def test_the_account_replied_to_is_not_also_a_mention(fmt: Format, name: str, post_id: str) -> None:
    _, reply = first_post_of(fmt, FIXTURES / name, post_id)
    assert reply.reply_to_account and reply.reply_to_account not in reply.mentions
    assert reply.mentions, "the fixture reply also mentions someone else"
    kinds = [(i.kind, i.target) for i in interactions_of(reply)]
    assert kinds[0] == ("reply", reply.reply_to_account)
    assert [k for k, target in kinds if target == reply.reply_to_account] == ["reply"]


@pytest.mark.parametrize(
    ("fmt", "name", "post_id", "original"),
    [
        (V1, "v1_stream.jsonl", "1724370335953850375", "1724359032304570375"),
        (V1, "v1_search.json", "1724880321377210375", "1724879943889850375"),
        (V2, "v2_pages.jsonl", "1727419183920058375", "1727416675726266375"),
        (V2, "v2_flat.jsonl", "1730513498141626375", "1730496955806650375"),
    ],
)
def test_a_retweet_points_at_the_original_and_carries_it(fmt: Format, name: str, post_id: str, original: str) -> None:
    mapped, retweet = first_post_of(fmt, FIXTURES / name, post_id)
    source = next(p for p in mapped.posts if p.post_id == original)
    assert (retweet.repost_of, retweet.repost_of_account) == (original, source.account_id)
    assert retweet.mentions == () and retweet.media_count == 0
    assert (retweet.like_count, retweet.repost_count, retweet.reply_count) == (None, None, None)
    assert retweet.hashtags == source.hashtags
    assert {a.account_id for a in mapped.accounts} == {retweet.account_id, source.account_id}
    assert [(i.kind, i.target) for i in interactions_of(retweet)] == [("repost", source.account_id)]


def test_an_archive_retweet_is_a_repost_of_a_stable_key_when_the_original_id_is_unknown() -> None:
    mapped, retweet = first_post_of(ARCHIVE, FIXTURES / "archive/data/tweets.js", "1534626574496698375")
    assert (retweet.repost_of_account, retweet.mentions) == ("901234567", ())
    assert retweet.repost_of is not None and retweet.repost_of.startswith("rt:wecarechat:")
    again = retweeted_id({}, "wecarechat", retweet.text.removeprefix("RT @WeCareChat:"))
    assert again == retweet.repost_of  # one original retweeted twice is one original
    assert [(i.kind, i.target) for i in interactions_of(retweet)] == [("repost", "901234567")]
    assert {a.account_id: a.handle for a in mapped.accounts}["901234567"] == "WeCareChat"


def test_an_archive_retweet_of_a_photo_points_at_the_original_id() -> None:
    tweet = {"id_str": "5", "full_text": "RT @NorthvaleNHS: Our new ward", "extended_entities": {"media": [
        {"id_str": "77", "type": "photo", "source_status_id_str": "1529000000000000375", "source_user_id_str": "1"}]}}
    assert retweeted_id(tweet, "northvalenhs", "Our new ward") == "1529000000000000375"


def test_page_records_carry_only_the_includes_their_tweet_needs() -> None:
    records = [r for r in read_all(V2, FIXTURES / "v2_pages.jsonl") if isinstance(r, RawRecord)]
    reply = next(r.raw for r in records if r.raw["data"]["id"] == "1727417833354170375")
    assert [u["username"] for u in reply["includes"]["users"]] == ["WeCareChat", "SocialWorkSam", "NurseAmaraJ"]
    assert [t["id"] for t in reply["includes"]["tweets"]] == ["1727416675726266375"]
    original = next(r.raw for r in records if r.raw["data"]["id"] == "1727416675726266375")
    assert original["includes"] == {
        "users": [next(u for u in reply["includes"]["users"] if u["id"] == "901234567")],
        "tweets": [],
    }


def test_a_long_post_maps_its_note_tweet_text_and_entities() -> None:
    _, post = first_post_of(V2, FIXTURES / "v2_pages.jsonl", "1727418986787770375")
    assert post.text.endswith("#WeCareChat #SocialWork") and len(post.text) > 280
    assert post.hashtags == ("wecarechat", "socialwork")
    assert post.mentions == ("774411223",)  # resolved from the username through includes.users


# ---------------------------------------------------------------------------- the archive


def copy_archive(tmp_path: Path, *names: str) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    for name in names:
        (data / name).write_bytes((FIXTURES / "archive" / "data" / name).read_bytes())
    return data / "tweets.js"


def test_an_archive_without_account_js_stops_with_a_message_naming_it(tmp_path: Path) -> None:
    tweets = copy_archive(tmp_path, "tweets.js")
    with pytest.raises(UnreadableFile) as caught:
        read_all(ARCHIVE, tweets)
    assert "account.js" in str(caught.value) and "account_id" in str(caught.value)


def test_the_author_can_be_named_with_options_when_account_js_is_missing(tmp_path: Path) -> None:
    tweets = copy_archive(tmp_path, "tweets.js")
    records = read_all(ARCHIVE, tweets, {"account_id": "2849301756", "handle": "@NurseAmaraJ"})
    mapped = ARCHIVE.map(records[0].raw)
    assert mapped.accounts[0].account_id == "2849301756"
    assert mapped.posts[0].uri == "https://twitter.com/NurseAmaraJ/status/1549371159475130375"


def test_archive_records_never_carry_the_owner_email(tmp_path: Path) -> None:
    tweets = copy_archive(tmp_path, "tweets.js", "account.js")
    records = read_all(ARCHIVE, tweets)
    assert records and all("email" not in r.raw["account"] for r in records if isinstance(r, RawRecord))
    assert all("amara.j@" not in orjson.dumps(r.raw).decode() for r in records)
    assert "amara.j@example.org" in (tweets.parent / "account.js").read_text(encoding="utf-8")


def test_an_older_archive_without_tweet_wrappers_is_read(tmp_path: Path) -> None:
    tweets = copy_archive(tmp_path, "tweets.js", "account.js")
    entries = json.loads(tweets.read_text(encoding="utf-8").split("=", 1)[1])
    old = tmp_path / "data" / "tweet.js"
    old.write_text("window.YTD.tweet.part0 = " + json.dumps([e["tweet"] for e in entries], indent=2), encoding="utf-8")
    assert ARCHIVE.sniff(old, head_bytes(old))
    new_rows = [ARCHIVE.map(r.raw).posts for r in read_all(ARCHIVE, tweets)]
    old_rows = [ARCHIVE.map(r.raw).posts for r in read_all(ARCHIVE, old)]
    assert old_rows == new_rows


def test_other_archive_files_are_not_tweets(tmp_path: Path) -> None:
    like = tmp_path / "like.js"
    like.write_text('window.YTD.like.part0 = [ { "like" : { "tweetId" : "1", "fullText" : "x" } } ]')
    account = FIXTURES / "archive" / "data" / "account.js"
    assert not ARCHIVE.sniff(like, head_bytes(like)) and not ARCHIVE.sniff(account, head_bytes(account))


# ------------------------------------------------------------------ times read quickly

_TIME_PIECES = st.sampled_from(["Wed", "Oct", "Feb", "Xyz", "10", "29", "30", "31", "00", "09", "23", "24", "59",
                                "60", "-1", " 5", "+5", "+0000", "+0100", "2018", "1969", "2024", " ", ":", "T"])
_TWO = st.sampled_from(["00", "01", "09", "23", "24", "29", "30", "31", "59", "60", "-1", " 5", "+5", "5 ", "xx"])
_USUAL_SHAPE = st.builds(
    "{} {} {}:{}:{} {} {}".format, st.sampled_from(["Jan", "Feb", "Oct", "Dec", "oct"]), _TWO, _TWO, _TWO, _TWO,
    st.sampled_from(["+0000", "+0100", "-0000"]), st.sampled_from(["2018", "2024", "1969", "0001", "9999"]),
).map(lambda v: "Wed " + v)


@given(st.lists(_TIME_PIECES, min_size=1, max_size=14).map("".join)
       | _USUAL_SHAPE
       | st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)).map(
           lambda d: d.strftime("%a %b %d %H:%M:%S +0000 %Y")))
@settings(max_examples=600)
def test_twitter_micros_is_twitter_time(value: str) -> None:
    """The quick route's microseconds are the instant the record path reads, or the same error."""
    try:
        expected: object = (twitter_time(value) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    except MappingError as exc:
        expected = str(exc)
    try:
        found: object = twitter_micros(value)
    except MappingError as exc:
        found = str(exc)
    assert found == expected
