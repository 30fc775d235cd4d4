"""Report section: Hashtag chats — sessions, attendance over time, new and returning, questions and answers.

Shown only when a chat is found. It ends with the transcript of the latest session shown (the web
view's session is the latest one in its date filters).
"""

from __future__ import annotations

import pyarrow as pa

from sociable.analyses.base import Measure
from sociable.analyses.chats.analysis import DEFAULT_MIN_POSTS, ChatsResult
from sociable.analyses.chats.records import NoSuchSession, build_transcript
from sociable.reports import charts
from sociable.reports.chats import transcript_context
from sociable.reports.sections import Block, Chart, Figures, Fragment, Paragraph, ReportContext, Section, Table, section

SESSION_LABELS = {"date": "Date (UK)", "start_uk": "Start (UK)", "end_uk": "End (UK)", "minutes": "Minutes",
                  "posts": "Posts", "participants": "Participants", "new": "New", "returning": "Returning",
                  "host": "Host", "questions": "Questions", "answers": "Answers", "links": "Links",
                  "retained_share": "Came to the next %"}
QUESTION_LABELS = {"date": "Date (UK)", "label": "Question", "asked_uk": "Asked (UK)", "text": "Text",
                   "answers": "Answers"}
PARTICIPANT_LABELS = {"handle": "Account", "role": "Role", "sector": "Sector", "sessions": "Sessions",
                      "posts": "Posts", "answers": "Answers", "first_session": "First session",
                      "last_session": "Last session"}
COHORT_LABELS = {"cohort": "First session", "accounts": "New accounts", "came_back": "Came back",
                 "came_back_share": "Came back %"}


@section("chats", "Hashtag chats", order=60, analysis="chats")
def chats_section(ctx: ReportContext, result: ChatsResult) -> Section | None:
    """A chat's sessions, who came, its questions and answers, and the latest transcript."""
    if not result.session_count:
        return None
    blocks: list[Block] = [Paragraph(line) for line in result.headline()]
    blocks += [Paragraph(note) for note in result.notes]
    blocks.append(Figures(tuple((m, value) for m, value in (
        (result.measure("sessions"), f"{result.session_count:,}"),
        (result.measure("participants"), f"{result.participant_count:,}"),
        (result.measure("questions"), f"{result.questions_table.num_rows:,}"),
        (result.measure("answers"), f"{sum(result.questions_table.column('answers').to_pylist()):,}"),
    ) if m is not None)))
    blocks.append(_attendance_chart(result))
    blocks.append(Table("Sessions", _percent(result.sessions_table.select(list(SESSION_LABELS)), "retained_share"),
                        SESSION_LABELS, measures=_measures(result, "minutes", "participants", "new", "returning",
                                                           "retained_share", "links")))
    if result.questions_table.num_rows:
        blocks.append(Table("Questions and answers", result.questions_table.select(list(QUESTION_LABELS)),
                            QUESTION_LABELS, measures=_measures(result, "questions", "answers")))
    blocks.append(Table("Participants", result.participants_table.select(list(PARTICIPANT_LABELS)),
                        PARTICIPANT_LABELS, max_rows=100))
    blocks.append(Table("Cohorts: do newcomers come back?",
                        _percent(result.cohorts_table, "came_back_share"), COHORT_LABELS,
                        measures=_measures(result, "came_back_share")))
    transcript = _latest_transcript(ctx, result)
    if transcript is not None:
        blocks.append(transcript)
    return Section("Hashtag chats", f"The #{result.tag} chat: when it meets, who comes back, and what was asked.",
                   blocks)


def _attendance_chart(result: ChatsResult) -> Chart:
    sessions = result.sessions_table
    dates = sessions.column("date").to_pylist()
    data = pa.table({
        "date": dates + dates,
        "accounts": sessions.column("new").to_pylist() + sessions.column("returning").to_pylist(),
        "kind": ["new"] * len(dates) + ["returning"] * len(dates),
    })
    spec = charts.time_series(data, time="date", value="accounts", series="kind", time_label="Session",
                              value_label="Participants", series_label="Participants",
                              description="New and returning participants at each session.")
    return Chart("Attendance over time", spec, "Each point is a session: how many came for the first time and how "
                 "many had come before.", _measures(result, "new", "returning"), data,
                 {"date": "Session", "accounts": "Participants", "kind": "New or returning"})


def _latest_transcript(ctx: ReportContext, result: ChatsResult) -> Fragment | None:
    if not result.tag:
        return None
    latest = result.sessions_table.column("date")[-1].as_py()
    try:
        transcript = build_transcript(ctx.workspace, ctx.scope, tag=result.tag, session=latest,
                                      min_posts=int(result.options.get("min_posts") or DEFAULT_MIN_POSTS))
    except NoSuchSession:
        return None
    return Fragment("chat_section_transcript.html", {"heading": f"Transcript: {transcript.title}",
                                                     **transcript_context(transcript)})


def _percent(table: pa.Table, column: str) -> pa.Table:
    values = [None if v is None else round(100 * v, 1) for v in table.column(column).to_pylist()]
    return table.set_column(table.column_names.index(column), column, pa.array(values, pa.float64()))


def _measures(result: ChatsResult, *names: str) -> tuple[Measure, ...]:
    return tuple(m for m in result.measures if m.name in names)
