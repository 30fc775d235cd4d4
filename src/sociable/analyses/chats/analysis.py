"""The chats analysis: a hashtag chat's sessions, who came (new or returning), questions and answers."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

import pyarrow as pa

from sociable.analyses.base import Measure, Option, OptionError, Result, analysis, fact, table
from sociable.analyses.chats.detect import UK, rhythm
from sociable.analyses.chats.sessions import (
    Chat,
    Session,
    as_dict,
    candidate_tags,
    detect_tag,
    in_window,
    normalise_tag,
    read_chat,
    session_on,
)
from sociable.store.scope import Scope

if TYPE_CHECKING:
    from sociable.store import Workspace

DEFAULT_MIN_POSTS = 3

SESSIONS = Measure("sessions", "Weeks in which the chat's hashtag burst in its usual window: enough posts in the "
                               "window to stand out from the tag's ordinary use (see the method notes).")
PARTICIPANTS = Measure("participants", "Accounts that wrote at least one post in the session (the host included).")
NEW = Measure("new", "Participants posting in a session of this hashtag for the first time.")
RETURNING = Measure("returning", "Participants who had posted in an earlier session of this hashtag.")
MINUTES = Measure("minutes", "From the session's first post to its last, in minutes.")
QUESTIONS = Measure("questions", "The host's numbered questions (Q1, \"Q1:\", \"q1.\", \"Q1)\").")
ANSWERS = Measure("answers", "Posts answering a question: labelled with its number (A1, \"a1:\", \"A2 & A3\") or "
                             "replying to it directly.")
RETAINED = Measure("retained_share", "Share of a session's participants who posted in the next session.")
CAME_BACK = Measure("came_back_share", "Share of a cohort (the accounts new at one session) who posted in a later "
                                       "session.")
LINKS = Measure("links", "Distinct links shared in the session's posts.")

SESSION_COLUMNS = {"date": "date (UK)", "start_uk": "start (UK)", "end_uk": "end (UK)", "minutes": "minutes",
                   "posts": "posts", "participants": "participants", "new": "new", "returning": "returning",
                   "host": "host", "questions": "questions", "answers": "answers", "links": "links",
                   "retained_share": "came to the next"}


@dataclass(kw_only=True)
class ChatsResult(Result):
    """A hashtag chat's sessions, participants, questions and answers, links and cohorts."""

    name: ClassVar[str] = "chats"
    title: ClassVar[str] = "Hashtag chats"
    description: ClassVar[str] = ("Recurring hashtag chats: sessions in UK time, who came (new or returning), the "
                                  "host's questions and their answers.")
    measures: ClassVar[tuple[Measure, ...]] = (SESSIONS, PARTICIPANTS, NEW, RETURNING, MINUTES, QUESTIONS, ANSWERS,
                                               RETAINED, CAME_BACK, LINKS)
    main: ClassVar[str | None] = "sessions_table"

    sessions_table: pa.Table = table("Sessions", SESSION_COLUMNS)
    participants_table: pa.Table = table(
        "Participants", {"handle": "account", "role": "role", "sector": "sector", "sessions": "sessions",
                         "posts": "posts", "answers": "answers", "first_session": "first session",
                         "last_session": "last session"})
    questions_table: pa.Table = table(
        "Questions and answers", {"date": "date (UK)", "label": "question", "asked_uk": "asked (UK)",
                                  "text": "text", "answers": "answers"})
    links_table: pa.Table = table("Links shared", {"date": "date (UK)", "url": "url", "handle": "shared by",
                                                   "post_id": "post"}, cli=False)
    exchanges_table: pa.Table = table("Who answered whom", {"date": "date (UK)", "source": "from", "target": "to",
                                                            "replies": "replies"}, cli=False)
    cohorts_table: pa.Table = table("Cohorts", {"cohort": "first session", "accounts": "new accounts",
                                                "came_back": "came back", "came_back_share": "came back %"},
                                    cli=False)
    chats_table: pa.Table = table("Chat hashtags found", {"tag": "hashtag", "schedule": "schedule",
                                                          "rhythm": "rhythm", "sessions": "sessions",
                                                          "session_posts": "posts in sessions",
                                                          "tag_posts": "posts with the tag"})

    tag: str | None = fact("Hashtag")
    schedule: str = fact("Schedule", "")
    rhythm: str = fact("Rhythm", "")
    host: str | None = fact("Host")
    session_count: int = fact("Sessions", 0, measure="sessions")
    participant_count: int = fact("Participants", 0, measure="participants")
    missed: list[str] = fact("Weeks without a session", [])
    sessions: list[dict[str, Any]] = fact("Sessions in detail", [])

    def headline(self) -> list[str]:
        if self.tag is None:
            return ["No hashtag chat found: no hashtag bursts at the same hour of the week in two or more weeks."]
        if not self.session_count:
            return [f"#{self.tag}: no sessions found in scope."]
        return [f"#{self.tag}: {self.session_count:,} sessions, {self.rhythm}, {self.schedule}; "
                f"{self.participant_count:,} participants; host @{self.host}."]


TAG = Option("tag", "str", None, "The chat's hashtag, with or without '#' (default: the busiest chat hashtag found).")
SESSION = Option("session", "str", None, "Only the session held on this date (UK), as YYYY-MM-DD.", web=False)
MIN_POSTS = Option("min_posts", "int", DEFAULT_MIN_POSTS,
                   "Fewest posts in the chat's window for a week to count as a session.", minimum=1, web=False)


@analysis("chats", "Hashtag chats",
          "Recurring hashtag chats: sessions in UK time, new and returning participants, questions and answers.",
          result=ChatsResult, options=(TAG, SESSION, MIN_POSTS), order=60)
def find_chats(ws: Workspace, scope: Scope, *, tag: str | None, session: str | None, min_posts: int) -> ChatsResult:
    """Detect a chat's sessions (the given hashtag's, or the busiest chat found) and describe each."""
    day = check_session_date(session)
    found = chat_hashtags(ws, scope, min_posts) if not tag else []
    chosen = normalise_tag(tag) if tag else (found[0]["tag"] if found else None)
    if not chosen:
        return ChatsResult(chats_table=_chats_table(found), notes=(
            "No hashtag chat was found: no hashtag had bursts of posts from several accounts at the same hour "
            "of the week in two or more weeks. Name one with --tag.",))
    chat = read_chat(ws, scope, chosen, min_posts)
    shown = in_window(chat.sessions, scope)
    if day is not None:
        shown = session_on(shown, day)
    if not found:
        found = [_chat_row(chat)]
    return describe(chat, shown, found, day)


def check_session_date(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise OptionError(f"{SESSION.flag} should be a date such as 2024-03-12, not {value!r}.") from None


def chat_hashtags(ws: Workspace, scope: Scope, min_posts: int) -> list[dict[str, Any]]:
    """The chat hashtags in scope, busiest first: tags whose bursts recur in a weekly window."""
    rows = []
    for candidate in candidate_tags(ws, scope, min_posts):
        keys, found = detect_tag(ws, scope, candidate, min_posts)
        if len(found.sessions) < 2:
            continue
        starts = [int(keys.column("ms")[o.first].as_py()) for o in found.sessions]
        rows.append({"tag": candidate, "schedule": "; ".join(w.describe() for w in found.windows),
                     "rhythm": rhythm([datetime.fromtimestamp(ms / 1000, UTC) for ms in starts]),
                     "sessions": len(found.sessions),
                     "session_posts": sum(o.last - o.first + 1 for o in found.sessions), "tag_posts": keys.num_rows})
    rows.sort(key=lambda row: (-row["session_posts"], row["tag"]))
    return rows


def _chat_row(chat: Chat) -> dict[str, Any]:
    return {"tag": chat.tag, "schedule": chat.schedule, "rhythm": chat.rhythm, "sessions": len(chat.sessions),
            "session_posts": sum(len(s.posts) for s in chat.sessions), "tag_posts": chat.tag_posts}


def _chats_table(rows: list[dict[str, Any]]) -> pa.Table:
    schema = pa.schema([("tag", pa.string()), ("schedule", pa.string()), ("rhythm", pa.string()),
                        ("sessions", pa.int64()), ("session_posts", pa.int64()), ("tag_posts", pa.int64())])
    return pa.Table.from_pylist(rows, schema=schema)


def describe(chat: Chat, shown: list[Session], found: list[dict[str, Any]], day: str | None) -> ChatsResult:
    """The result for the sessions shown, with cohorts and retention counted over every session."""
    participants = {a for s in shown for a in s.participants}
    host = chat.host()
    return ChatsResult(
        tag=chat.tag, schedule=chat.schedule, rhythm=chat.rhythm, host=chat.handle(host) if host else None,
        session_count=len(shown), participant_count=len(participants),
        missed=[d for d in chat.missed() if _within(d, shown)],
        sessions=[as_dict(s, chat) for s in shown],
        sessions_table=sessions_table(chat, shown), participants_table=participants_table(chat, shown),
        questions_table=questions_table(shown), links_table=links_table(chat, shown),
        exchanges_table=exchanges_table(chat, shown), cohorts_table=cohorts_table(chat, shown),
        chats_table=_chats_table(found), notes=tuple(chat_notes(chat, shown, found, day)),
    )


def _within(day: str, shown: list[Session]) -> bool:
    return bool(shown) and shown[0].date <= day <= shown[-1].date


def sessions_table(chat: Chat, shown: list[Session]) -> pa.Table:
    following = {s.number: chat.sessions[i + 1] for i, s in enumerate(chat.sessions[:-1])}
    rows = []
    for s in shown:
        after = following.get(s.number)
        retained = (len(set(s.participants) & set(after.participants)) / len(s.participants)) if after else None
        rows.append({
            "date": s.date, "start": s.start, "end": s.end,
            "start_uk": s.start.astimezone(UK).strftime("%a %H:%M"), "end_uk": s.end.astimezone(UK).strftime("%H:%M"),
            "minutes": s.minutes, "posts": len(s.posts), "participants": len(s.participants), "new": len(s.new),
            "returning": len(s.returning), "host": chat.handle(s.host), "questions": len(s.questions),
            "answers": sum(len(q.answers) for q in s.questions),
            "links": len({url for p in s.posts for url in p.urls}), "retained_share": retained,
        })
    schema = pa.schema([("date", pa.string()), ("start", pa.timestamp("us", "UTC")), ("end", pa.timestamp("us", "UTC")),
                        ("start_uk", pa.string()), ("end_uk", pa.string()), ("minutes", pa.int64()),
                        ("posts", pa.int64()), ("participants", pa.int64()), ("new", pa.int64()),
                        ("returning", pa.int64()), ("host", pa.string()), ("questions", pa.int64()),
                        ("answers", pa.int64()), ("links", pa.int64()), ("retained_share", pa.float64())])
    return pa.Table.from_pylist(rows, schema=schema)


def participants_table(chat: Chat, shown: list[Session]) -> pa.Table:
    posts: Counter[str] = Counter()
    answers: Counter[str] = Counter()
    attended: dict[str, list[str]] = defaultdict(list)
    for s in shown:
        for post in s.posts:
            posts[post.account_id] += 1
            answers[post.account_id] += bool(post.answers)
        for account in s.participants:
            attended[account].append(s.date)
    rows: list[dict[str, Any]] = []
    for account, dates in attended.items():
        person = chat.people.get(account)
        rows.append({"handle": chat.handle(account), "account_id": account,
                     "platform": person.platform if person else None,
                     "role": person.role if person else None, "sector": person.sector if person else None,
                     "sessions": len(dates), "posts": posts[account], "answers": answers[account],
                     "first_session": dates[0], "last_session": dates[-1]})
    rows.sort(key=lambda r: (-r["sessions"], -r["posts"], r["handle"]))
    schema = pa.schema([("handle", pa.string()), ("account_id", pa.string()), ("platform", pa.string()),
                        ("role", pa.string()), ("sector", pa.string()), ("sessions", pa.int64()),
                        ("posts", pa.int64()), ("answers", pa.int64()), ("first_session", pa.string()),
                        ("last_session", pa.string())])
    return pa.Table.from_pylist(rows, schema=schema)


def questions_table(shown: list[Session]) -> pa.Table:
    rows = [{"date": s.date, "label": q.label, "asked_uk": q.post.created_at.astimezone(UK).strftime("%H:%M"),
             "text": q.post.text, "answers": len(q.answers), "post_id": q.post.post_id}
            for s in shown for q in s.questions]
    schema = pa.schema([("date", pa.string()), ("label", pa.string()), ("asked_uk", pa.string()),
                        ("text", pa.string()), ("answers", pa.int64()), ("post_id", pa.string())])
    return pa.Table.from_pylist(rows, schema=schema)


def links_table(chat: Chat, shown: list[Session]) -> pa.Table:
    rows = [{"date": s.date, "url": url, "handle": chat.handle(p.account_id), "post_id": p.post_id}
            for s in shown for p in s.posts for url in dict.fromkeys(p.urls)]
    schema = pa.schema([("date", pa.string()), ("url", pa.string()), ("handle", pa.string()), ("post_id", pa.string())])
    return pa.Table.from_pylist(rows, schema=schema)


def exchanges_table(chat: Chat, shown: list[Session]) -> pa.Table:
    """Replies between different accounts within each session: a small network per session."""
    rows: list[dict[str, Any]] = []
    for s in shown:
        pairs = Counter((p.account_id, p.reply_to_account) for p in s.posts
                        if p.reply_to_account and p.reply_to_account != p.account_id)
        rows.extend({"date": s.date, "source": chat.handle(a), "target": chat.handle(b), "replies": n}
                    for (a, b), n in sorted(pairs.items(), key=lambda item: (-item[1], item[0])))
    schema = pa.schema([("date", pa.string()), ("source", pa.string()), ("target", pa.string()),
                        ("replies", pa.int64())])
    return pa.Table.from_pylist(rows, schema=schema)


def cohorts_table(chat: Chat, shown: list[Session]) -> pa.Table:
    """For each session shown, the accounts new there and how many posted in any later session."""
    later: dict[int, set[str]] = {}
    seen_after: set[str] = set()
    for s in reversed(chat.sessions):
        later[s.number] = set(seen_after)
        seen_after.update(s.participants)
    rows = []
    for s in shown:
        came_back = len(set(s.new) & later[s.number])
        rows.append({"cohort": s.date, "accounts": len(s.new), "came_back": came_back,
                     "came_back_share": came_back / len(s.new) if s.new and later[s.number] else None})
    schema = pa.schema([("cohort", pa.string()), ("accounts", pa.int64()), ("came_back", pa.int64()),
                        ("came_back_share", pa.float64())])
    return pa.Table.from_pylist(rows, schema=schema)


def chat_notes(chat: Chat, shown: list[Session], found: list[dict[str, Any]], day: str | None) -> list[str]:
    notes = []
    if not chat.sessions:
        notes.append(f"#{chat.tag} has {chat.tag_posts:,} posts in scope but no recurring burst that looks like a "
                     "chat; --min-posts sets how many posts make a session.")
        return notes
    if day is not None and not shown:
        dates = ", ".join(s.date for s in chat.sessions[-5:])
        notes.append(f"No session of #{chat.tag} was held on {day}; the latest were on {dates}.")
    others = [row["tag"] for row in found if row["tag"] != chat.tag]
    if others:
        notes.append(f"Other chat hashtags found: {', '.join('#' + t for t in others)}; choose one with --tag.")
    missed = chat.missed()
    if missed:
        notes.append(f"No session on {len(missed)} {chat.rhythm} date(s) in the rhythm: {', '.join(missed[:6])}"
                     f"{'…' if len(missed) > 6 else ''}.")
    if shown:
        without = sum(1 for s in shown if not s.questions)
        if without:
            notes.append(f"{without} of {len(shown)} sessions had no numbered questions (Q1, Q2…).")
    return notes
