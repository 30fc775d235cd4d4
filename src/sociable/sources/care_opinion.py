"""Care Opinion: patient and carer stories about services, and the services' public responses.

Care Opinion (formerly Patient Opinion) publishes stories ("opinions") written anonymously by
patients, relatives, carers and staff about one or more health or care services, and the
responses services post to them. sociable reads the shapes its version 2 API gives:

* an **opinion** (`/api/v2/opinions`, one object or an array): `id`, `title`, `body`
  (Markdown), `dateOfSubmission`, `dateOfPublication`, `authorRole`, `authorAgeGroup`,
  `criticality`, `progress`, and `links` (each `rel`/`relation`, `id`, `href`/`link`; a
  `healthservice` link's id is the service's NACS code). A file may embed an opinion's
  subcollections as fetched from `/opinions/{id}/healthservices` (`nacs`, `name`, `type`,
  `organisation`) and `/opinions/{id}/responses` under the keys `healthservices` and
  `responses`;
* a **response** (`/api/v2/responses`, or an opinion's `responses`): `id`, `body`,
  `dateOfPublication`, the responder (`responderName`, `responderJobTitle`,
  `responderOrganisation`), `changeScore`/`changeInt`, and a link to its opinion (an `opinion`
  link, or `opinionId`);
* the **subscriber CSV export** read through a column mapping (one row per story, or per
  response with the story's columns repeated); see docs/feedback.md for the columns.

A story becomes a post by an anonymous author (one account per story, `author:<story id>`,
whose bio is the author's role: patient, relative, carer, staff...), mentioning each service
it is about (accounts `service:<NACS>`). A response becomes a reply to the story by the
responding organisation (`org:<name>`). What the post model has no place for (the author's
role, the services' organisations, the story's progress, a response's reported change) is read
again from the raw record by `feedback_details`, so a fix to it needs no re-import.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sociable.errors import MappingError, UnreadableFile
from sociable.model import Account, Post
from sociable.sources.base import (
    Format,
    Mapped,
    Options,
    RawRecord,
    Rejected,
    decode_text,
    first_json_value,
    head_bytes,
    iter_json_values,
    looks_binary,
    parse_time,
    read_data,
)

NAME = "care-opinion"
PLATFORM = "careopinion"
SITE = "https://www.careopinion.org.uk"
AUTHOR_ROLES = ("patient", "relative", "carer", "staff", "parent", "service user", "friend", "other")

# ---------------------------------------------------------------------------- sniffing


def _is_opinion(value: Any) -> bool:
    return isinstance(value, Mapping) and "id" in value and (
        "authorRole" in value or ("dateOfSubmission" in value and "body" in value))


def _is_response(value: Any) -> bool:
    return isinstance(value, Mapping) and "id" in value and "body" in value and (
        "changeScore" in value or "changeInt" in value or "opinionId" in value or "responderName" in value)


CSV_STORY_COLUMNS = {"story id", "opinion id", "storyid", "opinionid", "posting id"}


def sniff(path: Path, head: bytes) -> bool:
    """An opinion or response object (or an array of them), or a CSV whose header names a story id."""
    if not head or looks_binary(head):
        return False
    first = first_json_value(head)
    if first is not None:
        value = first[0] if isinstance(first, list) and first else first
        return _is_opinion(value) or _is_response(value)
    text = decode_text(head).lstrip()
    if not text or text[0] in "{[<":
        return False
    header = next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])
    return bool({name.strip().lower() for name in header} & CSV_STORY_COLUMNS)


# ---------------------------------------------------------------------------- reading


def read(path: Path, options: Options) -> Iterator[RawRecord | Rejected]:
    """Each opinion or response of a JSON file, or each row of a subscriber CSV export."""
    head = head_bytes(path)
    if looks_binary(head):
        raise UnreadableFile(f"{path} is a binary file; expected Care Opinion API JSON or a CSV export.")
    if head.lstrip()[:1] in (b"{", b"["):
        for item in iter_json_values(path, NAME):
            if isinstance(item, Rejected):
                yield item
            else:
                number, value = item
                yield RawRecord(NAME, str(path), number, value)
        return
    yield from _read_csv(path)


def _read_csv(path: Path) -> Iterator[RawRecord | Rejected]:
    text = decode_text(read_data(path))
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip() for name in next(reader, [])]
    for row in reader:
        line = reader.line_num
        if not row or not any(value.strip() for value in row):
            continue
        if len(row) != len(header):
            yield Rejected(NAME, str(path), line, ",".join(row),
                           f"line {line} of {path.name} has {len(row)} fields but the header has {len(header)}")
            continue
        yield RawRecord(NAME, str(path), line, {"csv": dict(zip(header, row, strict=True))})


# ---------------------------------------------------------------------------- the records, read once


@dataclass(frozen=True, slots=True)
class Service:
    """A service a story is about: its NACS (or ODS) code, name and organisation where known."""

    nacs: str
    name: str | None = None
    organisation: str | None = None


@dataclass(frozen=True, slots=True)
class Story:
    """One opinion as sociable needs it."""

    id: str
    title: str
    body: str
    submitted: datetime
    published: datetime | None
    author_role: str
    services: tuple[Service, ...]
    progress: str | None
    criticality: str | None


@dataclass(frozen=True, slots=True)
class Response:
    """One response as sociable needs it."""

    id: str
    story_id: str
    body: str
    published: datetime
    organisation: str
    responder: str | None
    change: str | None  # the reported change, in words ("change planned"), when the response says one


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _id(value: Any, what: str) -> str:
    text = _text(value)
    if text is None or isinstance(value, bool):
        raise MappingError(f"the {what} is missing")
    return text


def _links(record: Mapping[str, Any], rel: str) -> list[Mapping[str, Any]]:
    links = record.get("links")
    if not isinstance(links, list):
        return []
    return [link for link in links if isinstance(link, Mapping)
            and str(link.get("rel") or link.get("relation") or "").lower() == rel]


def _role(value: Any) -> str:
    text = (_text(value) or "unknown").lower()
    for prefix in ("a ", "an ", "the "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text


def _services(record: Mapping[str, Any]) -> tuple[Service, ...]:
    found: dict[str, Service] = {}
    embedded = record.get("healthservices")
    for item in embedded if isinstance(embedded, list) else []:
        if isinstance(item, Mapping) and _text(item.get("nacs") or item.get("id")):
            nacs = str(_text(item.get("nacs") or item.get("id")))
            found[nacs] = Service(nacs, _text(item.get("name")), _text(item.get("organisation")))
    for rel in ("healthservice", "healthservices"):
        for link in _links(record, rel):
            code = _text(link.get("id"))
            if code and code not in found:
                found[code] = Service(code, _text(link.get("name") or link.get("title")),
                                      _text(link.get("organisation")))
    return tuple(found.values())


def read_story(record: Mapping[str, Any]) -> Story:
    """An API opinion as a Story; MappingError names what is missing."""
    story_id = _id(record.get("id"), "story id ('id')")
    submitted = record.get("dateOfSubmission") or record.get("dateOfPublication")
    if submitted is None:
        raise MappingError("the story has no 'dateOfSubmission' or 'dateOfPublication'")
    published = record.get("dateOfPublication")
    return Story(
        id=story_id, title=_text(record.get("title")) or "", body=_text(record.get("body")) or "",
        submitted=parse_time(submitted, "dateOfSubmission"),
        published=parse_time(published, "dateOfPublication") if published else None,
        author_role=_role(record.get("authorRole")), services=_services(record),
        progress=_text(record.get("progress")), criticality=_text(record.get("criticality")),
    )


_NO_CHANGE = re.compile(r"^(no|none|not|0)\b", re.I)


def _change(record: Mapping[str, Any]) -> str | None:
    number = record.get("changeInt")
    words = _text(record.get("changeScore"))
    if isinstance(number, int) and not isinstance(number, bool):
        return (words or f"change {number}") if number > 0 else None
    if words and not _NO_CHANGE.match(words):
        return words
    return None


def read_response(record: Mapping[str, Any], story_id: str | None = None) -> Response:
    """An API response as a Response; `story_id` when it was embedded in its story."""
    response_id = _id(record.get("id"), "response id ('id')")
    linked = [_text(link.get("id")) for link in _links(record, "opinion")]
    story = story_id or _text(record.get("opinionId")) or next((i for i in linked if i), None)
    if story is None:
        raise MappingError(f"response {response_id} names no story (an 'opinion' link or 'opinionId')")
    published = record.get("dateOfPublication") or record.get("dateOfSubmission")
    if published is None:
        raise MappingError(f"response {response_id} has no 'dateOfPublication'")
    organisation = _text(record.get("responderOrganisation")) or _text(record.get("organisation")) or \
        _text(record.get("responderName")) or "unknown responder"
    return Response(response_id, story, _text(record.get("body")) or "",
                    parse_time(published, "dateOfPublication"), organisation,
                    _text(record.get("responderJobTitle")), _change(record))


# ---------------------------------------------------------------------------- the subscriber CSV

# Each field and the column names it may have in a CSV export (compared without case or spaces).
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "story_id": ("storyid", "opinionid", "postingid"),
    "title": ("title", "storytitle"),
    "body": ("story", "storytext", "body"),
    "submitted": ("submitted", "dateofsubmission", "submitteddate", "datesubmitted"),
    "published": ("published", "dateofpublication", "publisheddate", "datepublished"),
    "author_role": ("authorrole", "author", "role"),
    "services": ("services", "service", "nacs", "healthservices"),
    "service_names": ("servicenames", "servicename"),
    "organisation": ("organisation", "organisationname", "organization"),
    "progress": ("progress", "status"),
    "criticality": ("criticality",),
    "response_id": ("responseid",),
    "response": ("response", "responsetext", "responsebody"),
    "response_published": ("responsedate", "responsepublished", "responsedateofpublication"),
    "responder": ("responder", "responderjobtitle", "responderrole"),
    "responder_organisation": ("responderorganisation", "respondingorganisation"),
    "change": ("change", "changescore", "changes"),
}


def _csv_values(row: Mapping[str, str]) -> dict[str, str]:
    keyed = {re.sub(r"[\s_\-]+", "", str(name)).lower(): (value or "").strip() for name, value in row.items()}
    return {field: next((keyed[name] for name in names if keyed.get(name)), "") for field, names in
            CSV_COLUMNS.items()}


def _split(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;|]", value) if part.strip()]


def csv_records(row: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A CSV row as an API-shaped opinion and, when the row carries one, response."""
    values = _csv_values(row)
    codes, names = _split(values["services"]), _split(values["service_names"])
    services = [{"nacs": code, "name": names[i] if i < len(names) else None,
                 "organisation": values["organisation"] or None} for i, code in enumerate(codes)]
    opinion = {"id": values["story_id"], "title": values["title"], "body": values["body"],
               "dateOfSubmission": values["submitted"] or values["published"] or None,
               "dateOfPublication": values["published"] or None, "authorRole": values["author_role"],
               "progress": values["progress"] or None, "criticality": values["criticality"] or None,
               "healthservices": services}
    if not (values["response"] or values["response_id"]):
        return opinion, None
    response = {"id": values["response_id"] or f"{values['story_id']}-response", "body": values["response"],
                "dateOfPublication": values["response_published"] or None, "opinionId": values["story_id"],
                "responderJobTitle": values["responder"] or None,
                "responderOrganisation": values["responder_organisation"] or values["organisation"] or None,
                "changeScore": values["change"] or None}
    return opinion, response


def parse(raw: Any) -> tuple[Story | None, list[Response]]:
    """The story and responses a raw record holds (a response alone has no story)."""
    if not isinstance(raw, Mapping):
        raise MappingError(f"expected a JSON object, got {type(raw).__name__}")
    if isinstance(raw.get("csv"), Mapping):
        opinion, response = csv_records(raw["csv"])
        story = read_story(opinion)
        return story, [read_response(response, story.id)] if response else []
    if _is_opinion(raw) or ("dateOfSubmission" in raw and "id" in raw):
        story = read_story(raw)
        embedded = raw.get("responses")
        return story, [read_response(r, story.id) for r in embedded if isinstance(r, Mapping)] \
            if isinstance(embedded, list) else []
    if _is_response(raw) or _links(raw, "opinion"):
        return None, [read_response(raw)]
    raise MappingError("a Care Opinion record should be an opinion (with 'authorRole' or 'dateOfSubmission') "
                       "or a response (with 'changeScore', 'opinionId' or an 'opinion' link)")


# ---------------------------------------------------------------------------- mapping


def story_post_id(story_id: str) -> str:
    return f"opinion/{story_id}"


def response_post_id(response_id: str) -> str:
    return f"response/{response_id}"


def author_id(story_id: str) -> str:
    return f"author:{story_id}"


def service_id(nacs: str) -> str:
    return f"service:{nacs}"


def organisation_id(name: str) -> str:
    return "org:" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def map_record(raw: Any) -> Mapped:
    """A story as a post by its anonymous author mentioning its services; each response as a reply."""
    story, responses = parse(raw)
    mapped = Mapped()
    if story is not None:
        author = author_id(story.id)
        text = f"{story.title}\n\n{story.body}".strip() if story.title else story.body
        mapped.posts.append(Post(
            platform=PLATFORM, post_id=story_post_id(story.id), account_id=author, created_at=story.submitted,
            text=text, uri=f"{SITE}/{story.id}", lang="en",
            mentions=tuple(service_id(s.nacs) for s in story.services),
        ))
        mapped.accounts.append(Account(PLATFORM, author, display_name=f"a {story.author_role}",
                                       bio=story.author_role))
        mapped.accounts.extend(Account(PLATFORM, service_id(s.nacs), handle=s.nacs, display_name=s.name,
                                       bio=s.organisation) for s in story.services)
    for response in responses:
        org = organisation_id(response.organisation)
        mapped.posts.append(Post(
            platform=PLATFORM, post_id=response_post_id(response.id), account_id=org,
            created_at=response.published, text=response.body, uri=f"{SITE}/{response.story_id}", lang="en",
            reply_to=story_post_id(response.story_id), reply_to_account=author_id(response.story_id),
            root=story_post_id(response.story_id),
        ))
        mapped.accounts.append(Account(PLATFORM, org, handle=org.removeprefix("org:"),
                                       display_name=response.organisation))
    if not mapped.posts:
        raise MappingError("the record holds neither a story nor a response")
    return mapped


def feedback_details(raw: Any) -> tuple[Story | None, list[Response]]:
    """What the feedback analysis reads back from a stored raw record (the same reading as the mapper)."""
    return parse(raw)


FORMATS: tuple[Format, ...] = (
    Format(
        name=NAME,
        platform=PLATFORM,
        description="Care Opinion stories and responses: API v2 opinions/responses JSON, subscriber CSV export",
        sniff=sniff,
        read=read,
        map=map_record,
    ),
)
