"""CSV exports: golden files, header detection, custom mappings and bad rows."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from sociable.errors import MappingError, UnknownFormat
from sociable.sources import feeds, tabular
from sociable.sources.base import RawRecord, Rejected, head_bytes
from sociable.sources.registry import detect_format

CSV_DIR = Path(__file__).parents[1] / "fixtures" / "csv"
CSV = tabular.FORMATS[0]
GOLDEN = sorted(p for p in CSV_DIR.glob("*.csv") if p.with_suffix(".expected.json").exists())


def as_dict(record: Any) -> dict[str, Any]:
    out = {}
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        out[field.name] = value
    return out


def options_for(path: Path) -> dict[str, str]:
    sibling = path.with_suffix(".options.json")
    return json.loads(sibling.read_text()) if sibling.exists() else {}


def mapped_file(path: Path, options: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    posts, accounts, rejected = [], [], []
    for record in CSV.read(path, options):
        if isinstance(record, Rejected):
            rejected.append({"number": record.number, "reason": record.reason})
            continue
        try:
            mapped = CSV.map(record.raw)
        except MappingError as exc:
            rejected.append({"number": record.number, "reason": str(exc)})
            continue
        posts += [as_dict(p) for p in mapped.posts]
        accounts += [as_dict(a) for a in mapped.accounts]
    return {"posts": posts, "accounts": accounts, "rejected": rejected}


def write_csv(tmp_path: Path, text: str, name: str = "export.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def records(path: Path, options: dict[str, str] | None = None) -> list[RawRecord | Rejected]:
    return list(CSV.read(path, options or {}))


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.name)
def test_golden(path: Path) -> None:
    expected = json.loads(path.with_suffix(".expected.json").read_text())
    assert mapped_file(path, options_for(path)) == expected


@pytest.mark.parametrize("path", sorted(CSV_DIR.glob("*.csv")), ids=lambda p: p.name)
def test_sniff_recognises_csv_files_and_feed_does_not(path: Path) -> None:
    head = head_bytes(path)
    assert CSV.sniff(path, head)
    assert not feeds.FORMATS[0].sniff(path, head)
    assert detect_format(path).name == "csv"


@pytest.mark.parametrize(
    "content",
    [
        b'{"id": "1", "text": "a, b, c"}\n',
        b'[{"id": "1", "text": "a, b, c"}]',
        b"window.YTD.tweets.part0 = [ {\n",
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>a,b,c</title></channel></rss>',
        b"Dear team, thank you all for covering the late shift, it was a long night, and the ward was full.\n",
        b"id,text\n1,two columns only\n",
        b"",
        b"\x00\x01\x02binary,stuff,here",
    ],
    ids=["jsonl", "json-array", "tweets-js", "rss", "prose", "two-columns", "empty", "binary"],
)
def test_sniff_refuses_other_files(tmp_path: Path, content: bytes) -> None:
    assert not CSV.sniff(tmp_path / "x.csv", content)


def test_builtin_mapping_is_chosen_from_the_header() -> None:
    chosen = {p.name: records(p)[0] for p in GOLDEN if not options_for(p)}
    names = {name: r.raw["mapping"]["name"] for name, r in chosen.items() if isinstance(r, RawRecord)}
    assert names == {
        "fourcat_bluesky.csv": "4cat",
        "fourcat_twitter.csv": "4cat",
        "tags_archive.csv": "tags",
        "tcat_export.csv": "tcat",
    }


def test_csv_without_matching_mapping_names_its_columns_and_the_fix() -> None:
    with pytest.raises(UnknownFormat) as caught:
        records(CSV_DIR / "unmapped_columns.csv")
    message = str(caught.value)
    assert "Date, Speaker, Remark, Room" in message
    assert "--map column=field" in message


def test_explicit_map_reads_any_csv(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "Message ID,When,Who,Said\nm1,2024-03-01T10:00:00Z,@WardNine,Shift swap anyone? #NHS\n")
    options = {"map": "Message ID=post_id, When=created_at, Who=handle, Said=text", "platform": "Mastodon"}
    [record] = records(path, options)
    assert isinstance(record, RawRecord)
    post = CSV.map(record.raw).posts[0]
    assert (post.platform, post.post_id, post.account_id, post.hashtags) == ("mastodon", "m1", "wardnine", ("nhs",))


def test_rows_spanning_lines_keep_their_starting_line_number() -> None:
    numbers = [r.number for r in records(CSV_DIR / "tags_archive.csv")]
    assert numbers == [2, 3, 5, 6]


def test_ragged_row_is_rejected_with_line_and_expectation() -> None:
    rejected = [r for r in records(CSV_DIR / "tcat_export.csv") if isinstance(r, Rejected)]
    assert len(rejected) == 1
    assert rejected[0].number == 5
    assert "has 7 fields but the header has 38" in rejected[0].reason
    assert "broken_row" in rejected[0].raw


def test_wrong_typed_number_is_refused_naming_the_column() -> None:
    bad = [r for r in records(CSV_DIR / "tcat_export.csv") if isinstance(r, RawRecord)][-1]
    with pytest.raises(MappingError, match="'from_user_followercount' should hold a whole number"):
        CSV.map(bad.raw)


def test_trailing_empty_fields_are_not_ragged(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "id,thread_id,timestamp,body,author\n7,7,2024-01-02 10:00:00,Hello ward,sam,,\n")
    assert all(isinstance(r, RawRecord) for r in records(path))


def test_bom_and_tab_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "tab.tsv"
    path.write_bytes(b"\xef\xbb\xbfid\tthread_id\ttimestamp\tbody\tauthor\n9\t9\t2024-01-02 10:00:00\tTea\tsam\n")
    [record] = records(path)
    assert isinstance(record, RawRecord)
    assert record.raw["row"] == {"id": "9", "thread_id": "9", "timestamp": "2024-01-02 10:00:00", "body": "Tea",
                                 "author": "sam"}


def test_latin1_file_reads_windows_punctuation() -> None:
    accounts = mapped_file(CSV_DIR / "custom_page_export.csv", options_for(CSV_DIR / "custom_page_export.csv"))
    assert accounts["accounts"][1]["display_name"] == "Máire O’Brien"


def test_stray_bytes_in_a_utf8_file_are_repaired(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes("id,thread_id,timestamp,body,author\n1,1,2024-01-02 10:00:00,Café,zoë\n".encode()
                     + b"2,2,2024-01-02 11:00:00,caf\xe9 ok,sam\n")
    texts = [CSV.map(r.raw).posts[0].text for r in records(path) if isinstance(r, RawRecord)]
    assert texts == ["Café", "café ok"]


def test_huge_field_is_read(tmp_path: Path) -> None:
    body = "long reflection " * 40000
    path = write_csv(tmp_path, f'id,thread_id,timestamp,body,author\n1,1,2024-01-02 10:00:00,"{body}",sam\n')
    [record] = records(path)
    assert isinstance(record, RawRecord)
    assert CSV.map(record.raw).posts[0].text == body.strip()


@pytest.mark.parametrize(
    ("spec", "error", "match"),
    [
        ("Who=author_name,When=created_at,Id=post_id", MappingError, "'author_name' in --map"),
        ("Nope=post_id,When=created_at,Who=handle", UnknownFormat, "no column 'Nope'"),
        ("Id=post_id,Who=handle", MappingError, "needs a column for created_at"),
        ("Id=post_id,When=created_at", MappingError, "account_id or handle"),
        ("Id post_id", MappingError, "should look like column=field"),
    ],
)
def test_bad_map_option_is_explained(tmp_path: Path, spec: str, error: type[Exception], match: str) -> None:
    path = write_csv(tmp_path, "Id,When,Who,Text\n1,2024-03-01,ann,hi\n")
    with pytest.raises(error, match=match):
        records(path, {"map": spec})


def test_map_works_from_stored_raw_alone() -> None:
    for path in GOLDEN:
        for record in records(path, options_for(path)):
            if not isinstance(record, RawRecord):
                continue
            stored = orjson.loads(orjson.dumps(record.raw))
            try:
                expected = CSV.map(record.raw)
            except MappingError:
                with pytest.raises(MappingError):
                    CSV.map(stored)
                continue
            assert CSV.map(stored) == expected


@pytest.mark.parametrize(
    "raw", [None, {"row": {}}, {"row": {"id": "1"}, "mapping": {"name": "custom", "columns": "x"}}], ids=repr
)
def test_map_refuses_records_of_the_wrong_shape(raw: Any) -> None:
    with pytest.raises(MappingError):
        CSV.map(raw)


def test_mentions_skip_author_reply_target_and_reposted_account() -> None:
    posts = mapped_file(CSV_DIR / "tags_archive.csv", {})["posts"]
    reply, retweet, broadcast = posts[1], posts[2], posts[3]
    assert reply["reply_to_account"] == "2841100001" and reply["mentions"] == []
    assert retweet["repost_of_account"] == "2841100001" and retweet["mentions"] == []
    assert broadcast["mentions"] == ["501234567"]


def test_day_first_dates_are_read_as_uk_dates(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "Id,When,Who\n1,04/03/2024 09:15,ann\n")
    [record] = records(path, {"map": "Id=post_id,When=created_at,Who=handle"})
    assert isinstance(record, RawRecord)
    assert CSV.map(record.raw).posts[0].created_at.isoformat() == "2024-03-04T09:15:00+00:00"
