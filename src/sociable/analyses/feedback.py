"""Feedback: patient and carer stories (Care Opinion) and whether the services answered them.

A story is about one or more services; each service belongs to an organisation. For each
service (or organisation) the analysis counts stories, responses, the share of stories
answered, the median time to the first response, the stories left without a response after 7
and 28 days, the stories that led to a reported change, and whether responses open with stock
words ("Thank you for your feedback") or in their own words: a measure of being sociable.

The story's author role, its services and progress, and a response's reported change are read
back from the raw records (sources/care_opinion.py), the same reading the mapper makes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pyarrow as pa
import yaml

from sociable.analyses.base import Measure, Option, Result, analysis, fact, table
from sociable.errors import MappingError
from sociable.sources import care_opinion as co
from sociable.store.scope import Scope, to_utc

if TYPE_CHECKING:
    from sociable.store import Workspace

LEXICON = Path(__file__).parent / "lexicon" / "feedback.yaml"
OPENING_WORDS = 30

MEASURES: tuple[Measure, ...] = (
    Measure("stories", "Stories in scope about the service (a story about two services counts for each; once per "
                       "organisation)."),
    Measure("responses", "Responses published to those stories up to the 'as of' time."),
    Measure("response_rate", "Share of the stories with at least one response."),
    Measure("median_hours_to_response", "Median hours from a story's publication (its submission when the "
                                        "publication time is not given) to its first response, over answered "
                                        "stories."),
    Measure("unanswered_7d", "Stories published at least 7 days before the 'as of' time that had no response "
                             "within 7 days."),
    Measure("unanswered_28d", "Stories published at least 28 days before the 'as of' time that had no response "
                              "within 28 days."),
    Measure("changed", "Stories whose progress reports a change (\"change planned\", \"changes made\") or that have "
                       "a response reporting one (a change score above zero)."),
    Measure("templated_responses", "Responses whose opening (first sentence, at most 30 words) matches a stock "
                                   "phrase in lexicon/feedback.yaml, or that the organisation used to open 3 or more "
                                   "responses."),
    Measure("personal_responses", "Responses whose opening is not templated."),
    Measure("templated_share", "Share of the responses whose opening is templated."),
)

BY = Option("by", "choice", "service", "Count per service or per organisation.", choices=("service", "organisation"))
AS_OF = Option("as_of", "str", None, "Judge waiting times at this date or time (UTC; default: the last story or "
                                     "response in the workspace).", web=False,
               resolve=lambda _ws, value: to_utc(value, "--as-of"))

GROUP_COLUMNS = {"group_name": "service or organisation", "stories": "stories", "responses": "responses",
                 "response_rate": "answered", "median_hours_to_response": "median hours to respond",
                 "unanswered_7d": "unanswered 7d", "unanswered_28d": "unanswered 28d", "changed": "changed",
                 "templated_responses": "templated", "personal_responses": "personal",
                 "templated_share": "templated share"}


@dataclass(kw_only=True)
class FeedbackResult(Result):
    """Stories and responses per service or organisation, the waiting stories and the response openings."""

    name: ClassVar[str] = "feedback"
    title: ClassVar[str] = "Feedback"
    description: ClassVar[str] = ("Patient and carer stories and services' responses: response rate, time to "
                                  "respond, unanswered stories, reported changes, templated or personal answers.")
    measures: ClassVar[tuple[Measure, ...]] = MEASURES
    main: ClassVar[str | None] = "groups"

    groups: pa.Table = table("By service or organisation", GROUP_COLUMNS)
    roles: pa.Table = table("Who wrote", {"author_role": "author", "stories": "stories",
                                          "response_rate": "answered"})
    waiting: pa.Table = table("Stories waiting for a response", {
        "story_id": "story", "published": "published", "days_waiting": "days waiting", "services": "about",
        "author_role": "author", "title": "title"})
    openings: pa.Table = table("Response openings", {"organisation": "organisation", "opening": "opening",
                                                     "responses": "responses", "templated": "templated"})

    stories: int = fact("Stories", 0, measure="stories")
    responses: int = fact("Responses", 0, measure="responses")
    response_rate: float | None = fact("Answered", None, measure="response_rate")
    median_hours_to_response: float | None = fact("Median hours to respond", None,
                                                  measure="median_hours_to_response")
    unanswered_7d: int = fact("Unanswered after 7 days", 0, measure="unanswered_7d")
    unanswered_28d: int = fact("Unanswered after 28 days", 0, measure="unanswered_28d")
    changed: int = fact("Led to a reported change", 0, measure="changed")
    templated_share: float | None = fact("Templated openings", None, measure="templated_share")
    as_of: datetime | None = fact("Waiting judged at", None)

    def headline(self) -> list[str]:
        if not self.stories:
            return ["No Care Opinion stories in scope; import them with `sociable import FILE --format "
                    "care-opinion`."]
        rate = f"{self.response_rate:.0%}" if self.response_rate is not None else "none"
        return [f"{self.stories:,} stories, {self.responses:,} responses; {rate} answered, "
                f"{self.unanswered_7d:,} without a response after 7 days."]


# ---------------------------------------------------------------------- openings


@dataclass(frozen=True, slots=True)
class OpeningRules:
    templated: tuple[re.Pattern[str], ...]
    repeated: int


@cache
def opening_rules() -> OpeningRules:
    data = yaml.safe_load(LEXICON.read_text(encoding="utf-8"))
    return OpeningRules(tuple(re.compile(p, re.I) for p in data["templated"]), int(data["repeated"]))


_GREETING = re.compile(r"^\s*(?:dear|hello|hi|good (?:morning|afternoon|evening))\b[^.!?\n]{0,60}?[,!\n]\s*", re.I)


def opening(text: str) -> str:
    """A response's first sentence without its greeting ("Dear Sunflower,"), at most 30 words."""
    body = _GREETING.sub("", (text or "").strip(), count=1).strip()
    first = re.split(r"(?<=[.!?])\s+|\n", body, maxsplit=1)[0]
    return " ".join(first.split()[:OPENING_WORDS])


def opening_key(text: str) -> str:
    """An opening compared across responses: lower case, letters only."""
    return " ".join(re.findall(r"[a-z']+", text.lower()))


def is_stock(text: str, rules: OpeningRules | None = None) -> bool:
    rules = rules or opening_rules()
    return any(pattern.search(text) for pattern in rules.templated)


# ---------------------------------------------------------------------- reading the stories


def read_feedback(ws: Workspace, scope: Scope) -> tuple[dict[str, co.Story], list[co.Response]]:
    """The stories in scope and every response to them, read from the stored raw records."""
    posts = ws.query("SELECT post_id FROM posts p WHERE p.platform = $platform AND p.post_id LIKE 'opinion/%' "
                     f"AND {scope.condition('p')}", {**scope.params(), "platform": co.PLATFORM})
    wanted = {post_id.removeprefix("opinion/") for post_id in posts.column("post_id").to_pylist()}
    stories: dict[str, co.Story] = {}
    responses: dict[str, co.Response] = {}
    for _record_id, raw in ws.raw_records(co.NAME):
        try:
            story, answers = co.feedback_details(raw)
        except (MappingError, KeyError, TypeError, ValueError):  # the mapper rejected it: not in posts either
            continue
        if story is not None and story.id in wanted:
            stories[story.id] = story
        for response in answers:
            responses[response.id] = response
    return stories, [r for r in responses.values() if r.story_id in stories]


def _service_names(ws: Workspace) -> dict[str, str | None]:
    rows = ws.query("SELECT handle, display_name FROM accounts WHERE platform = $p AND account_id LIKE 'service:%'",
                    {"p": co.PLATFORM}).to_pylist()
    return {row["handle"]: row["display_name"] for row in rows}


def _groups_of(story: co.Story, answers: list[co.Response], by: str, names: dict[str, str | None]) -> list[str]:
    if by == "service":
        found = [s.name or names.get(s.nacs) or s.nacs for s in story.services]
    else:
        found = [s.organisation for s in story.services if s.organisation]
        if not found:
            found = [answers[0].organisation] if answers else []
    return list(dict.fromkeys(found)) or ["(unknown)"]


# ---------------------------------------------------------------------- measuring


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def _median(values: list[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


@dataclass(slots=True)
class _StoryFacts:
    story: co.Story
    start: datetime
    answers: list[co.Response]
    first_hours: float | None
    unanswered_7d: bool
    unanswered_28d: bool
    changed: bool


_CHANGE = re.compile(r"\bchange", re.I)


def _story_facts(story: co.Story, answers: list[co.Response], as_of: datetime) -> _StoryFacts:
    start = story.published or story.submitted
    answers = sorted((a for a in answers if a.published <= as_of), key=lambda a: a.published)
    first = _hours(start, answers[0].published) if answers else None

    def waited(days: int) -> bool:
        return as_of - start >= timedelta(days=days) and (first is None or first > days * 24)

    changed = bool(story.progress and _CHANGE.search(story.progress)) or any(a.change for a in answers)
    return _StoryFacts(story, start, answers, first, waited(7), waited(28), changed)


def _templated(responses: list[co.Response]) -> dict[str, bool]:
    rules = opening_rules()
    uses: dict[tuple[str, str], int] = {}
    for response in responses:
        key = (response.organisation, opening_key(opening(response.body)))
        uses[key] = uses.get(key, 0) + 1
    return {r.id: is_stock(opening(r.body), rules) or
            uses[(r.organisation, opening_key(opening(r.body)))] >= rules.repeated for r in responses}


def _summarise(facts: list[_StoryFacts], templated: dict[str, bool]) -> dict[str, Any]:
    answers = [a for f in facts for a in f.answers]
    count_templated = sum(templated[a.id] for a in answers)
    return {
        "stories": len(facts), "responses": len(answers),
        "response_rate": sum(bool(f.answers) for f in facts) / len(facts) if facts else None,
        "median_hours_to_response": _median([f.first_hours for f in facts if f.first_hours is not None]),
        "unanswered_7d": sum(f.unanswered_7d for f in facts), "unanswered_28d": sum(f.unanswered_28d for f in facts),
        "changed": sum(f.changed for f in facts), "templated_responses": count_templated,
        "personal_responses": len(answers) - count_templated,
        "templated_share": count_templated / len(answers) if answers else None,
    }


@analysis("feedback", "Feedback",
          "Patient and carer stories and services' responses: response rate, time to respond, unanswered stories, "
          "reported changes, templated or personal answers.",
          result=FeedbackResult, options=(BY, AS_OF), order=55, command="feedback", method="feedback")
def feedback(ws: Workspace, scope: Scope, *, by: str, as_of: datetime | None) -> FeedbackResult:
    """Stories and responses per service or organisation."""
    stories, responses = read_feedback(ws, scope)
    as_of = as_of or _latest(stories, responses)
    if as_of is None:  # no stories in scope: nothing to judge
        empty = FeedbackResult()
        empty.notes = _notes(empty, by)
        return empty
    by_story: dict[str, list[co.Response]] = {}
    for response in responses:
        by_story.setdefault(response.story_id, []).append(response)
    facts = [_story_facts(story, by_story.get(sid, []), as_of) for sid, story in sorted(stories.items())]
    counted = [a for f in facts for a in f.answers]
    templated = _templated(counted)
    names = _service_names(ws)
    result = FeedbackResult(as_of=as_of, **{k: v for k, v in _summarise(facts, templated).items()
                                            if k in ("stories", "responses", "response_rate",
                                                     "median_hours_to_response", "unanswered_7d",
                                                     "unanswered_28d", "changed", "templated_share")})
    result.groups = _group_table(facts, templated, by, names)
    result.roles = _role_table(facts)
    result.waiting = _waiting_table(facts, as_of, names)
    result.openings = _openings_table(counted, templated)
    result.notes = _notes(result, by)
    return result


def _latest(stories: dict[str, co.Story], responses: list[co.Response]) -> datetime | None:
    times = [s.published or s.submitted for s in stories.values()] + [r.published for r in responses]
    return max(times) if times else None


def _group_table(facts: list[_StoryFacts], templated: dict[str, bool], by: str,
                 names: dict[str, str | None]) -> pa.Table:
    grouped: dict[str, list[_StoryFacts]] = {}
    for fact_ in facts:
        for group in _groups_of(fact_.story, fact_.answers, by, names):
            grouped.setdefault(group, []).append(fact_)
    rows = [{"group_name": group, **_summarise(members, templated)} for group, members in grouped.items()]
    rows.sort(key=lambda row: (-row["stories"], row["group_name"]))
    schema = pa.schema([("group_name", pa.string()), ("stories", pa.int64()), ("responses", pa.int64()),
                        ("response_rate", pa.float64()), ("median_hours_to_response", pa.float64()),
                        ("unanswered_7d", pa.int64()), ("unanswered_28d", pa.int64()), ("changed", pa.int64()),
                        ("templated_responses", pa.int64()), ("personal_responses", pa.int64()),
                        ("templated_share", pa.float64())])
    return pa.Table.from_pylist(rows, schema=schema)


def _role_table(facts: list[_StoryFacts]) -> pa.Table:
    roles: dict[str, list[_StoryFacts]] = {}
    for fact_ in facts:
        roles.setdefault(fact_.story.author_role, []).append(fact_)
    rows: list[dict[str, Any]] = [
        {"author_role": role, "stories": len(items), "response_rate": sum(bool(f.answers) for f in items) / len(items)}
        for role, items in roles.items()]
    rows.sort(key=lambda row: (-int(row["stories"]), str(row["author_role"])))
    return pa.Table.from_pylist(rows, schema=pa.schema([("author_role", pa.string()), ("stories", pa.int64()),
                                                        ("response_rate", pa.float64())]))


def _waiting_table(facts: list[_StoryFacts], as_of: datetime, names: dict[str, str | None]) -> pa.Table:
    rows = [{"story_id": f.story.id, "published": f.start, "days_waiting": round((as_of - f.start).days, 0),
             "services": ", ".join(s.name or names.get(s.nacs) or s.nacs for s in f.story.services),
             "author_role": f.story.author_role, "title": f.story.title,
             "uri": f"{co.SITE}/{f.story.id}"}
            for f in facts if not f.answers]
    rows.sort(key=lambda row: (row["published"], row["story_id"]))
    return pa.Table.from_pylist(rows, schema=pa.schema([
        ("story_id", pa.string()), ("published", pa.timestamp("us", tz="UTC")), ("days_waiting", pa.int64()),
        ("services", pa.string()), ("author_role", pa.string()), ("title", pa.string()), ("uri", pa.string())]))


def _openings_table(responses: list[co.Response], templated: dict[str, bool]) -> pa.Table:
    counts: dict[tuple[str, str], list[co.Response]] = {}
    for response in responses:
        counts.setdefault((response.organisation, opening(response.body)), []).append(response)
    rows: list[dict[str, Any]] = [
        {"organisation": org, "opening": text, "responses": len(items), "templated": templated[items[0].id]}
        for (org, text), items in counts.items()]
    rows.sort(key=lambda row: (-int(row["responses"]), str(row["organisation"]), str(row["opening"])))
    return pa.Table.from_pylist(rows, schema=pa.schema([("organisation", pa.string()), ("opening", pa.string()),
                                                        ("responses", pa.int64()), ("templated", pa.bool_())]))


def _notes(result: FeedbackResult, by: str) -> tuple[str, ...]:
    if not result.stories:
        return ("No Care Opinion stories were found in scope.",)
    notes = [f"Counted per {by}; a story about several services counts once for each."]
    if result.as_of is not None:
        notes.append(f"Waiting times are judged at {result.as_of:%Y-%m-%d %H:%M} UTC.")
    notes.append("A story's progress and the responses are as they were when their records were imported; import "
                 "a newer copy to see later responses.")
    return tuple(notes)
