"""Care Opinion: API opinions (with embedded services and responses), responses alone, the subscriber CSV."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sociable.errors import MappingError
from sociable.sources import care_opinion as co
from sociable.sources import tabular
from sociable.sources.base import RawRecord, Rejected, head_bytes
from sociable.sources.registry import detect_format

DIR = Path(__file__).parent.parent / "fixtures" / "careopinion"
FORMAT = co.FORMATS[0]
GOLDEN = ("opinions.json", "responses.json")


def as_dict(record: Any) -> dict[str, Any]:
    out = {}
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        out[field.name] = value.isoformat() if isinstance(value, datetime) else \
            list(value) if isinstance(value, tuple) else value
    return out


def mapped_file(path: Path) -> dict[str, list[dict[str, Any]]]:
    posts, accounts, rejected = [], [], []
    for record in FORMAT.read(path, {}):
        if isinstance(record, Rejected):
            rejected.append({"number": record.number, "reason": record.reason})
            continue
        try:
            mapped = FORMAT.map(record.raw)
        except MappingError as exc:
            rejected.append({"number": record.number, "reason": str(exc)})
            continue
        posts += [as_dict(p) for p in mapped.posts]
        accounts += [as_dict(a) for a in mapped.accounts]
    return {"posts": posts, "accounts": accounts, "rejected": rejected}


@pytest.mark.parametrize("name", GOLDEN)
def test_golden(name: str) -> None:
    path = DIR / name
    expected = json.loads(path.with_name(name.rsplit(".", 1)[0] + ".expected.json").read_text())
    assert mapped_file(path) == expected


@pytest.mark.parametrize("name", [*GOLDEN, "stories.csv"])
def test_detected_as_care_opinion(name: str) -> None:
    assert detect_format(DIR / name).name == "care-opinion"


def test_a_story_is_a_post_by_its_anonymous_author_about_its_services() -> None:
    story = mapped_file(DIR / "opinions.json")["posts"][2]
    assert story["post_id"] == "opinion/1002"
    assert story["account_id"] == "author:1002"
    assert story["mentions"] == ["service:RXX01", "service:RXX02"]
    assert story["created_at"] == "2024-03-03T08:00:00+00:00"


def test_a_response_is_a_reply_by_the_responding_organisation() -> None:
    response = mapped_file(DIR / "responses.json")["posts"][0]
    assert response["account_id"] == "org:northshire-nhs-trust"
    assert response["reply_to"] == "opinion/1002"
    assert response["reply_to_account"] == "author:1002"


def test_links_in_either_spelling_name_the_services() -> None:
    one = co.read_story({"id": 7, "dateOfSubmission": "2024-01-01T00:00:00Z", "body": "x", "authorRole": "carer",
                         "links": [{"rel": "healthservice", "id": "A1"}, {"relation": "healthservice", "id": "B2"}]})
    assert [s.nacs for s in one.services] == ["A1", "B2"]


def test_csv_rows_give_stories_and_responses() -> None:
    records = [r for r in FORMAT.read(DIR / "stories.csv", {}) if isinstance(r, RawRecord)]
    story, responses = co.parse(records[1].raw)
    assert story is not None and story.author_role == "staff" and story.progress == "changes made"
    assert story.services[0].organisation == "Southvale Council"
    assert [r.change for r in responses] == ["changes made"]
    assert co.parse(records[0].raw)[1] == []


def test_change_scores() -> None:
    base = {"id": 1, "body": "b", "dateOfPublication": "2024-01-01T00:00:00Z", "opinionId": 9}
    assert co.read_response({**base, "changeInt": 0, "changeScore": "no change"}).change is None
    assert co.read_response({**base, "changeInt": 2, "changeScore": "changes made"}).change == "changes made"
    assert co.read_response({**base, "changeScore": "change planned"}).change == "change planned"


def test_a_response_without_its_story_is_rejected_with_a_reason() -> None:
    with pytest.raises(MappingError, match="names no story"):
        FORMAT.map({"id": 3, "body": "Thank you", "changeInt": 0, "dateOfPublication": "2024-01-01T00:00:00Z"})


def test_a_story_without_a_date_is_rejected_with_a_reason() -> None:
    with pytest.raises(MappingError, match="dateOfSubmission"):
        FORMAT.map({"id": 3, "body": "b", "authorRole": "patient"})


def test_ragged_csv_line_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("Story ID,Title,Story,Submitted\n1,a,b\n", encoding="utf-8")
    rejected = [r for r in FORMAT.read(path, {}) if isinstance(r, Rejected)]
    assert rejected and "line 2 of s.csv has 3 fields but the header has 4" in rejected[0].reason


def test_plain_csv_is_not_claimed() -> None:
    path = Path("x.csv")
    assert not co.sniff(path, b"id,created_at,text\n1,2024-01-01,hello\n")
    assert tabular.FORMATS[0].sniff(path, b"id,created_at,text\n1,2024-01-01,hello\n")
    assert co.sniff(DIR / "opinions.json", head_bytes(DIR / "opinions.json"))
