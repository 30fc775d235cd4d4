"""Hashtag chats on hand-built chats whose sessions, hosts, questions and answers are known exactly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import sociable
from sociable.analyses.base import OptionError, get_analysis
from sociable.analyses.chats import ChatsResult
from sociable.analyses.chats.labels import answer_labels, question_label, without_label
from sociable.analyses.chats.records import NoSuchSession
from sociable.model import Account, Post
from sociable.simulate import simulate
from sociable.sources.base import Mapped, RawRecord
from sociable.store import Workspace
from sociable.store.ingest import RESOLVE_MENTIONS_SQL, Batch, BatchWriter, FileSummary

UK = ZoneInfo("Europe/London")


class Chat:
    """Posts of hand-built chats, written to a workspace the way an import stores them."""

    def __init__(self) -> None:
        self.posts: list[Post] = []

    def add(self, pid: str, author: str, at: datetime, text: str, tags: tuple[str, ...] = ("wenurses",),
            reply_to: tuple[str, str] | None = None, urls: tuple[str, ...] = ()) -> str:
        self.posts.append(Post("twitter", pid, author, at.astimezone(UTC), text=text, hashtags=tags,
                               reply_to=reply_to[0] if reply_to else None,
                               reply_to_account=reply_to[1] if reply_to else None, urls=urls))
        return pid

    def session(self, day: date, hour: int = 20, minute: int = 0, tag: str = "wenurses", people: tuple[str, ...] = (
            "ann", "bob", "cat"), host: str = "host", questions: int = 2, prefix: str = "") -> list[str]:
        """A host's session in UK time: welcome, Q1..Qn each answered by everyone (A-labels, no replies), wrap."""
        start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UK)
        key = f"{prefix}{tag}{day:%Y%m%d}"
        ids = [self.add(f"{key}w", host, start, f"Welcome to #{tag}! Answer with A1, A2…", (tag,))]
        for q in range(1, questions + 1):
            at = start + timedelta(minutes=5 + (q - 1) * 20)
            ids.append(self.add(f"{key}q{q}", host, at, f"Q{q}: what do you think? #{tag}", (tag,)))
            for i, person in enumerate(people):
                ids.append(self.add(f"{key}a{q}{person}", person, at + timedelta(minutes=2 + 3 * i),
                                    f"A{q} my answer #{tag}", (tag,)))
        ids.append(self.add(f"{key}x", host, start + timedelta(minutes=55), f"Thanks all #{tag}", (tag,)))
        return ids

    def write(self, ws: Workspace) -> None:
        batch = Batch("test", "chat.jsonl")
        for number, post in enumerate(self.posts, 1):
            account = Account("twitter", post.account_id, handle=f"{post.account_id}_h")
            batch.add_mapped(RawRecord("test", "chat.jsonl", number, {"n": number}), Mapped([post], [account]))
        BatchWriter(ws.con, 1, "chat").write(batch, FileSummary("chat.jsonl", "test"))
        ws.con.execute(RESOLVE_MENTIONS_SQL)


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[sociable.library.Workspace]:
    workspace = sociable.open(tmp_path / "ws.duckdb")
    yield workspace
    workspace.close()


def chats(ws: Any, **options: Any) -> ChatsResult:
    result: ChatsResult = get_analysis("chats").run(ws, None, **options)
    return result


def tuesdays(first: date, weeks: int) -> list[date]:
    return [first + timedelta(weeks=n) for n in range(weeks)]


# ---------------------------------------------------------------------- labels


def test_question_and_answer_labels_in_every_common_form() -> None:
    assert [question_label(t) for t in ("Q1 What", "Q1: x", "q1. x", "Q1) x", "Here's Q2: x")] == [1, 1, 1, 1, 2]
    assert [question_label(t) for t in ("HbA1c q", "#Q1 x", "@q1bot hi", "see example.com/q1", "")] == [None] * 5
    assert answer_labels("A1 yes") == (1,) and answer_labels("a1: yes") == (1,)
    assert answer_labels("A2 & A3 both") == (2, 3) and answer_labels("A2&3 both") == (2, 3)
    assert answer_labels("A1, and A2 and A4") == (1, 2, 4)
    assert answer_labels("HbA1c and A&E and #A1") == ()
    assert without_label("Q3: What helps?") == "What helps?" and without_label("Why Q3?") == "Why Q3?"


# ---------------------------------------------------------------------- sessions


def test_a_weekly_chat_keeps_its_uk_hour_across_the_clock_change(ws: Any) -> None:
    chat = Chat()
    days = tuesdays(date(2024, 3, 12), 5)  # BST began on 31 March 2024
    for day in days:
        chat.session(day)
    chat.write(ws)
    result = chats(ws, tag="#WeNurses")
    assert result.tag == "wenurses" and result.session_count == 5 and result.rhythm == "weekly"
    assert result.schedule == "Tuesdays 20:00–21:00 UK time"
    starts = [datetime.fromisoformat(s["start"].isoformat()) for s in result.sessions]
    assert [s.astimezone(UTC).hour for s in starts] == [20, 20, 20, 19, 19]
    assert [s.astimezone(UK).hour for s in starts] == [20] * 5
    assert result.sessions_table.column("start_uk").to_pylist() == ["Tue 20:00"] * 5
    assert [s["date"] for s in result.sessions] == [d.isoformat() for d in days]
    assert all(s["minutes"] == 55 for s in result.sessions)


def test_new_and_returning_and_the_host(ws: Any) -> None:
    chat = Chat()
    chat.session(date(2024, 1, 9), people=("ann", "bob"))
    chat.session(date(2024, 1, 16), people=("ann", "cat"))
    chat.session(date(2024, 1, 23), people=("bob", "cat", "dan"))
    chat.write(ws)
    result = chats(ws, tag="wenurses")
    assert [(set(s["new"]), set(s["returning"])) for s in result.sessions] == [
        ({"host", "ann", "bob"}, set()), ({"cat"}, {"host", "ann"}), ({"dan"}, {"host", "bob", "cat"})]
    assert {s["host"] for s in result.sessions} == {"host"} and result.host == "host_h"
    cohorts = result.cohorts_table.to_pylist()
    assert [(c["accounts"], c["came_back"]) for c in cohorts] == [(3, 3), (1, 1), (1, 0)]
    retained = result.sessions_table.column("retained_share").to_pylist()
    assert retained == [pytest.approx(2 / 3), pytest.approx(2 / 3), None]


def test_new_counts_sessions_before_the_window(ws: Any) -> None:
    chat = Chat()
    chat.session(date(2024, 1, 9), people=("ann",))
    chat.session(date(2024, 1, 16), people=("ann", "bob"))
    chat.write(ws)
    later = ws.chats(tag="wenurses", since="2024-01-12")
    assert later.session_count == 1
    assert later.sessions[0]["new"] == ["bob"] and set(later.sessions[0]["returning"]) == {"host", "ann"}


def test_answers_are_linked_without_replies(ws: Any) -> None:
    chat = Chat()
    day = datetime(2024, 2, 6, 20, 0, tzinfo=UK)
    m = lambda minutes: day + timedelta(minutes=minutes)  # noqa: E731
    chat.add("w", "host", m(0), "Welcome to #wenurses, answer with A1, A2 and so on")
    chat.add("q1", "host", m(5), "Q1. What helps after a hard shift?")
    chat.add("q2", "host", m(20), "q2) Who do you talk to?")
    chat.add("q3", "host", m(35), "Q3: What would you change?")
    chat.add("a1", "ann", m(7), "A1 a walk home")
    chat.add("a1b", "bob", m(8), "a1: tea with the team")
    chat.add("r1", "cat", m(9), "Talking it through", reply_to=("q1", "host"))
    chat.add("a23", "ann", m(37), "A2 & A3 supervision, and more of it")
    chat.add("hb", "bob", m(38), "HbA1c clinics are a good example")
    chat.add("x", "cat", m(40), "love this", reply_to=("a23", "ann"))
    chat.add("early", "bob", m(10), "A3 jumping ahead")  # before Q3 was asked: not an answer to it
    for week in (1, 2):  # two more weeks so the rhythm is clear
        chat.session(date(2024, 2, 6) + timedelta(weeks=week))
    chat.write(ws)
    first = chats(ws, tag="wenurses").sessions[0]
    questions = {q["label"]: set(q["answers"]) for q in first["questions"]}
    assert questions == {"Q1": {"a1", "a1b", "r1"}, "Q2": {"a23"}, "Q3": {"a23"}}
    assert first["host"] == "host" and [q["post"] for q in first["questions"]] == ["q1", "q2", "q3"]


def test_a_cancelled_week_is_a_gap_not_a_break(ws: Any) -> None:
    chat = Chat()
    days = [d for d in tuesdays(date(2024, 4, 2), 6) if d != date(2024, 4, 16)]
    for day in days:
        chat.session(day)
    chat.add("sorry", "host", datetime(2024, 4, 16, 20, 0, tzinfo=UK), "No #wenurses tonight, back next week")
    chat.write(ws)
    result = chats(ws, tag="wenurses")
    assert [s["date"] for s in result.sessions] == [d.isoformat() for d in days]
    assert result.rhythm == "weekly" and result.missed == ["2024-04-16"]
    assert any("2024-04-16" in note for note in result.notes)


def test_a_session_crossing_midnight_is_one_session_on_the_day_it_opened(ws: Any) -> None:
    chat = Chat()
    days = tuesdays(date(2024, 5, 7), 3)
    for day in days:
        chat.session(day, hour=23, minute=30)
    chat.write(ws)
    result = chats(ws, tag="wenurses")
    assert [s["date"] for s in result.sessions] == [d.isoformat() for d in days]
    assert all(len(s["posts"]) == 10 for s in result.sessions)
    assert result.schedule.startswith("Tuesdays 23:30–")


def test_two_chats_on_overlapping_hashtags(ws: Any) -> None:
    chat = Chat()
    for day in tuesdays(date(2024, 6, 4), 3):
        chat.session(day, tag="wenurses", people=("ann", "bob", "cat"))
        chat.session(day + timedelta(days=2), hour=12, tag="studentnursechat", people=("dan", "eve", "fay"),
                     host="stu")
    # a student chat post that also carries #wenurses, and #wenurses used all week outside the chat
    chat.add("both", "eve", datetime(2024, 6, 6, 12, 30, tzinfo=UK), "A1 love #wenurses too",
             tags=("studentnursechat", "wenurses"))
    for n in range(40):
        chat.add(f"bg{n}", f"p{n % 7}", datetime(2024, 6, 1, 9, tzinfo=UK) + timedelta(hours=11 * n),
                 "reading about #wenurses")
    chat.write(ws)
    found = chats(ws)
    assert {row["tag"] for row in found.chats_table.to_pylist()} == {"wenurses", "studentnursechat"}
    nurses = chats(ws, tag="wenurses")
    assert nurses.session_count == 3 and nurses.schedule == "Tuesdays 20:00–21:00 UK time"
    assert {s["host"] for s in nurses.sessions} == {"host"}
    students = chats(ws, tag="studentnursechat")
    assert students.session_count == 3 and {s["host"] for s in students.sessions} == {"stu"}
    assert all(not post.startswith("bg") for s in nurses.sessions for post in s["posts"])


def test_a_chat_with_one_participant_still_counts(ws: Any) -> None:
    chat = Chat()
    days = tuesdays(date(2024, 9, 3), 3)
    chat.session(days[0])
    chat.session(days[1], people=())  # only the host turned up
    chat.session(days[2])
    chat.write(ws)
    result = chats(ws, tag="wenurses")
    assert result.session_count == 3
    assert result.sessions[1]["participants"] == ["host"]
    assert all(not q["answers"] for q in result.sessions[1]["questions"])


def test_early_posts_and_stragglers_join_and_strangers_do_not(ws: Any) -> None:
    chat = Chat()
    days = tuesdays(date(2024, 10, 1), 3)
    for day in days:
        chat.session(day)
    first = datetime(2024, 10, 1, 20, 0, tzinfo=UK)
    chat.add("early", "ann", first - timedelta(minutes=4), "Getting the kettle on for #wenurses")
    chat.add("late1", "bob", first + timedelta(minutes=62), "A2 sorry, late to this one")
    chat.add("late2", "cat", first + timedelta(minutes=70), "A1 and me")
    chat.add("far", "dan", first + timedelta(hours=3), "missed #wenurses tonight")
    chat.add("teaser", "host", first - timedelta(minutes=45), "#wenurses starts in 45 minutes")
    chat.write(ws)
    session = chats(ws, tag="wenurses").sessions[0]
    assert session["posts"][0] == "early" and session["posts"][-2:] == ["late1", "late2"]
    assert "far" not in session["posts"] and "teaser" not in session["posts"]
    assert session["start_uk"].endswith("19:56") and session["end_uk"].endswith("21:10")
    answers = {q["label"]: q["answers"] for q in session["questions"]}
    assert "late1" in answers["Q2"] and "late2" in answers["Q1"]


def test_a_chat_at_a_fixed_utc_hour_is_read_on_the_utc_clock(ws: Any) -> None:
    chat = Chat()
    for day in tuesdays(date(2024, 3, 12), 5):
        chat.session(datetime(day.year, day.month, day.day, tzinfo=UTC).date(), hour=19)
    chat.posts = [Post(p.platform, p.post_id, p.account_id,
                       p.created_at.astimezone(UK).replace(tzinfo=UTC), p.text, hashtags=p.hashtags)
                  for p in chat.posts]  # the same wall times, held in UTC all year
    chat.write(ws)
    result = chats(ws, tag="wenurses")
    assert result.session_count == 5 and result.schedule == "Tuesdays 19:00–20:00 UTC"


def test_no_chat_and_bad_options_are_explained(ws: Any) -> None:
    chat = Chat()
    chat.add("one", "ann", datetime(2024, 1, 1, 9, tzinfo=UTC), "just #wenurses once")
    chat.write(ws)
    nothing = chats(ws)
    assert nothing.tag is None and "No hashtag chat" in nothing.headline()[0]
    quiet = chats(ws, tag="wenurses")
    assert quiet.session_count == 0 and "no recurring burst" in quiet.notes[0]
    with pytest.raises(OptionError, match="2024-03-12"):
        chats(ws, tag="wenurses", session="12/03/2024")
    with pytest.raises(NoSuchSession, match="held no session on 2024-01-01"):
        ws.transcript(tag="wenurses", session="2024-01-01")


def test_a_session_date_narrows_to_that_session(ws: Any) -> None:
    chat = Chat()
    for day in tuesdays(date(2024, 1, 9), 3):
        chat.session(day)
    chat.write(ws)
    one = chats(ws, tag="wenurses", session="2024-01-16")
    assert one.session_count == 1 and one.sessions[0]["date"] == "2024-01-16"
    assert set(one.questions_table.column("date").to_pylist()) == {"2024-01-16"}
    document = json.loads(json.dumps(one.to_json(), default=str))
    session = document["facts"]["sessions"][0]
    assert {"start", "end", "posts", "participants", "new", "returning", "host", "questions"} <= set(session)
    assert document["facts"]["tag"] == "wenurses"


# ---------------------------------------------------------------------- transcripts and CPD


def test_transcript_threads_replies_and_links_answers(ws: Any) -> None:
    from sociable.reports.chats import transcript_html, transcript_markdown

    chat = Chat()
    for day in tuesdays(date(2024, 1, 9), 3):
        chat.session(day)
    day = datetime(2024, 1, 9, 20, 0, tzinfo=UK)
    chat.add("evil", "bob", day + timedelta(minutes=12), "A1 <script>alert(1)</script> [x](javascript:y) #wenurses",
             reply_to=("wenurses20240109q1", "host"))
    chat.add("evil2", "ann", day + timedelta(minutes=13), "**bold** reply #wenurses", reply_to=("evil", "bob"))
    chat.write(ws)
    transcript = ws.transcript(tag="wenurses", session="2024-01-09")
    question = next(e for e in transcript.threads if e.post.post_id == "wenurses20240109q1")
    assert [c.post.post_id for c in question.children] == ["evil"]
    assert [c.post.post_id for c in question.children[0].children] == ["evil2"]
    page = transcript_html(transcript)
    assert "<script>alert" not in page and "&lt;script&gt;" in page and 'href="javascript' not in page
    assert "A1 → Q1" in page and "<script" not in page.lower().replace("&lt;script", "")
    text = transcript_markdown(transcript)
    assert "\\<script\\>" in text and "\\*\\*bold\\*\\*" in text and "\\[x\\]\\(javascript:y\\)" in text
    assert text.index("Q1: what") < text.index("A1 \\<script")


def test_cpd_record_holds_only_ones_own_words_and_replies(ws: Any) -> None:
    from sociable.reports.chats import cpd_markdown

    chat = Chat()
    for day in tuesdays(date(2024, 1, 9), 3):
        chat.session(day, people=("ann", "bob"))
    day = datetime(2024, 1, 9, 20, 0, tzinfo=UK)
    chat.add("tip", "bob", day + timedelta(minutes=30), "A1 bob's own secret words #wenurses",
             urls=("https://bob.example/",))
    chat.add("toann", "bob", day + timedelta(minutes=31), "great point ann, read this #wenurses",
             reply_to=("wenurses20240109a1ann", "ann"), urls=("https://guide.example/",))
    chat.write(ws)
    record = ws.cpd(tag="wenurses", handle="@ann_h", code="nmc")
    assert [a.date for a in record.attended] == ["2024-01-09", "2024-01-16", "2024-01-23"]
    text = cpd_markdown(record)
    assert "bob's own secret words" not in text and "great point ann" in text
    assert "Sent to me: <https://guide.example/>" in text and "https://bob.example/" not in text
    assert "Prioritise people" in text and "Social Work England" not in text
    assert "20:00–20:55" in text and "2 h 45 min" in text
    every = cpd_markdown(ws.cpd(tag="wenurses", handle="ann_h"))
    assert "Social Work England" in every and "HCPC" in every and "NMC" in every
    with pytest.raises(NoSuchSession, match="@nobody"):
        ws.cpd(tag="wenurses", handle="@nobody")


# ---------------------------------------------------------------------- the simulator's planted chat


def test_the_simulated_chat_is_recovered_exactly(tmp_path: Path) -> None:
    sample = tmp_path / "sample.jsonl"
    simulate(sample, posts=2000, seed=7)
    truth = json.loads((tmp_path / "sample.truth.json").read_text())["chats"][0]
    with sociable.open(tmp_path / "ws.duckdb") as workspace:
        workspace.import_files([sample], collection="sample")
        result = workspace.chats()
    assert result.tag == truth["hashtag"].lower() and result.session_count == len(truth["sessions"])
    assert result.schedule == f"{truth['weekday']}s {truth['hour_utc']}:00–{truth['hour_utc'] + 1}:00 UTC"
    for planted, found in zip(truth["sessions"], result.sessions, strict=True):
        start = datetime.fromisoformat(planted["start"])
        assert timedelta(0) <= found["start"] - start < timedelta(seconds=30)  # the welcome, within 30 s
        assert found["end"] == datetime.fromisoformat(planted["end"])          # the wrap-up
        assert len(found["posts"]) == planted["posts"]
        assert {planted["intro"], planted["wrap"]} <= set(found["posts"])
        assert found["host"] == truth["host"]
        assert [q["post"] for q in found["questions"]] == planted["questions"]
        assert set(found["participants"]) - {truth["host"]} == set(planted["participants"])
        assert set(found["new"]) - {truth["host"]} == set(planted["newcomers"])
        assert set(found["returning"]) - {truth["host"]} == set(planted["returning"])
