"""A chat's sessions read from the workspace: their posts, participants, host, questions and answers.

`read_chat(ws, scope, tag)` finds the sessions from the times of the tag's posts (see detect.py),
then reads only the sessions' posts, with the replies to them that forgot the tag. New and
returning are counted over every session in the scope's collections, kinds and platforms,
whatever its time window: someone is new at the first session they ever posted in with this tag.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from sociable.analyses.chats.detect import REACH, UK, Detection, Window, detect, missed_weeks, rhythm
from sociable.analyses.chats.labels import answer_labels, question_label
from sociable.store.scope import Scope

if TYPE_CHECKING:
    from sociable.store import Workspace

TAGGED_SQL = """
SELECT p.platform, p.post_id, epoch_ms(p.created_at) AS ms
  FROM posts p
 WHERE list_contains(p.hashtags, $tag) AND p.repost_of IS NULL AND {where}
 ORDER BY ms, p.platform, p.post_id
"""

POSTS_SQL = """
SELECT k.session, TRUE AS tagged, p.platform, p.post_id, p.uri, p.account_id, p.created_at, p.text, p.reply_to,
       p.reply_to_account, p.quote_of, p.quote_of_account, coalesce(p.urls, []) AS urls
  FROM keys k JOIN posts p ON p.platform = k.platform AND p.post_id = k.post_id
UNION ALL
SELECT s.session, FALSE, p.platform, p.post_id, p.uri, p.account_id, p.created_at, p.text, p.reply_to,
       p.reply_to_account, p.quote_of, p.quote_of_account, coalesce(p.urls, [])
  FROM posts p
  JOIN keys k ON p.platform = k.platform AND p.reply_to = k.post_id
  JOIN spans s ON s.session = k.session
 WHERE NOT list_contains(coalesce(p.hashtags, []), $tag) AND p.repost_of IS NULL
   AND p.created_at BETWEEN s.start_at AND s.end_at AND {where}
"""

CANDIDATES_SQL = """
WITH tagged AS (
    SELECT unnest(p.hashtags) AS tag, p.account_id, timezone('Europe/London', p.created_at) AS local
      FROM posts p WHERE p.repost_of IS NULL AND len(p.hashtags) > 0 AND {where}
),
hours AS (
    SELECT tag, date_trunc('hour', local) AS hour, count(*) AS n
      FROM tagged GROUP BY tag, date_trunc('hour', local)
    HAVING count(*) >= $min_posts AND count(DISTINCT account_id) >= 2
),
slots AS (
    SELECT tag, isodow(hour) AS weekday, hour(hour) AS h, count(DISTINCT date_trunc('week', hour)) AS weeks,
           sum(n) AS posts
      FROM hours GROUP BY ALL
)
SELECT tag, sum(posts) AS posts FROM slots WHERE weeks >= 2 GROUP BY tag ORDER BY posts DESC, tag LIMIT $limit
"""

PEOPLE_SQL = """
SELECT w.platform, w.account_id, a.handle, a.display_name, l.role, l.sector
  FROM who w
  LEFT JOIN accounts a ON a.platform = w.platform AND a.account_id = w.account_id
  LEFT JOIN labels l ON l.platform = w.platform AND l.account_id = w.account_id
"""


def normalise_tag(tag: str) -> str:
    """A hashtag as the store keeps it: lower case, without '#'."""
    return tag.strip().lstrip("#").strip().lower()


@dataclass(slots=True)
class ChatPost:
    """One post of a session; `tagged` is False for a reply that left the tag out."""

    platform: str
    post_id: str
    uri: str | None
    account_id: str
    created_at: datetime
    text: str
    reply_to: str | None
    reply_to_account: str | None
    quote_of: str | None
    quote_of_account: str | None
    urls: list[str]
    tagged: bool = True
    question: int | None = None        # the question it asks (host's posts only)
    answers: tuple[int, ...] = ()      # the questions it answers, by label or by replying to one


@dataclass(slots=True)
class Question:
    """A question the host asked, and the posts that answered it."""

    label: str
    post: ChatPost
    answers: list[ChatPost] = field(default_factory=list)


@dataclass(slots=True)
class Session:
    """One session of a chat, its posts in time order."""

    number: int  # 1 for the chat's first session ever (in the scope's collections and platforms)
    window: Window
    posts: list[ChatPost]
    host: str | None = None
    questions: list[Question] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    returning: list[str] = field(default_factory=list)

    @property
    def start(self) -> datetime:
        return self.posts[0].created_at

    @property
    def end(self) -> datetime:
        return self.posts[-1].created_at

    @property
    def date(self) -> str:
        """The session's day in the UK (the day it opened, for a session past midnight)."""
        return self.start.astimezone(UK).date().isoformat()

    @property
    def minutes(self) -> int:
        return round((self.end - self.start).total_seconds() / 60)

    @property
    def participants(self) -> list[str]:
        return list(dict.fromkeys(post.account_id for post in self.posts))

    def by_id(self) -> dict[str, ChatPost]:
        return {post.post_id: post for post in self.posts}


@dataclass(slots=True)
class Person:
    platform: str
    account_id: str
    handle: str
    display_name: str | None = None
    role: str | None = None
    sector: str | None = None


@dataclass(slots=True)
class Chat:
    """A tag's chat: its windows, every session found (all time), and the people in them."""

    tag: str
    windows: tuple[Window, ...]
    sessions: list[Session]
    people: dict[str, Person]
    tag_posts: int

    @property
    def schedule(self) -> str:
        return "; ".join(window.describe() for window in self.windows)

    @property
    def rhythm(self) -> str:
        return rhythm([s.start for s in self.sessions])

    def missed(self) -> list[str]:
        every = {"weekly": 1, "fortnightly": 2}.get(self.rhythm)
        return missed_weeks([s.start for s in self.sessions], every) if every else []

    def handle(self, account_id: str | None) -> str:
        if account_id is None:
            return ""
        person = self.people.get(account_id)
        return person.handle if person else account_id

    def host(self) -> str | None:
        """The account that hosted most sessions."""
        hosts = Counter(s.host for s in self.sessions if s.host)
        return hosts.most_common(1)[0][0] if hosts else None


def detect_tag(ws: Workspace, scope: Scope, tag: str, min_posts: int) -> tuple[pa.Table, Detection]:
    """The keys and times of a tag's posts in sorted order (all time), and what their times say."""
    everywhere = scope.replace(since=None, until=None)
    keys = ws.query(TAGGED_SQL.format(where=everywhere.condition("p")), {**everywhere.params(), "tag": tag})
    times = keys.column("ms").to_numpy().astype(np.int64) if keys.num_rows else np.zeros(0, np.int64)
    return keys, detect(times, min_posts)


def candidate_tags(ws: Workspace, scope: Scope, min_posts: int, limit: int = 8) -> list[str]:
    """Hashtags that burst (min_posts+ posts from 2+ accounts in an hour) at the same weekday hour in 2+ weeks."""
    everywhere = scope.replace(since=None, until=None)
    rows = ws.query(CANDIDATES_SQL.format(where=everywhere.condition("p")),
                    {**everywhere.params(), "min_posts": min_posts, "limit": limit})
    return [str(tag) for tag in rows.column("tag").to_pylist()]


def read_chat(ws: Workspace, scope: Scope, tag: str, min_posts: int, day: str | None = None) -> Chat:
    """A tag's chat in the scope's collections, kinds and platforms (all time; callers narrow by date).

    With `day` (a UK date), only the session held that day is read, for a transcript: new and
    returning are then not known (every participant counts as new).
    """
    tag = normalise_tag(tag)
    everywhere = scope.replace(since=None, until=None)
    keys, found = detect_tag(ws, scope, tag, min_posts)
    if day is not None:
        ms = keys.column("ms")
        found = dataclasses.replace(found, sessions=tuple(
            o for o in found.sessions
            if datetime.fromtimestamp(ms[o.first].as_py() / 1000, UTC).astimezone(UK).date().isoformat() == day))
    sessions = _read_sessions(ws, everywhere, tag, keys, found)
    for session in sessions:
        link_questions(session)
    count_newcomers(sessions)
    people = _read_people(ws, sessions)
    return Chat(tag, found.windows, sessions, people, keys.num_rows)


def _read_sessions(ws: Workspace, scope: Scope, tag: str, keys: pa.Table, found: Detection) -> list[Session]:
    if not found.sessions:
        return []
    numbers = np.full(keys.num_rows, -1, dtype=np.int64)
    for number, occurrence in enumerate(found.sessions):
        numbers[occurrence.first: occurrence.last + 1] = number
    chosen = np.flatnonzero(numbers >= 0)
    session_keys = pa.table({"session": numbers[chosen], "platform": keys.column("platform").take(chosen),
                             "post_id": keys.column("post_id").take(chosen)})
    ms = keys.column("ms").to_numpy()
    spans = pa.table({
        "session": np.arange(len(found.sessions)),
        "start_at": pa.array([int(ms[o.first]) * 1000 for o in found.sessions], pa.timestamp("us", "UTC")),
        "end_at": pa.array([(int(ms[o.last]) + REACH // 2) * 1000 for o in found.sessions], pa.timestamp("us", "UTC")),
    })
    rows = ws.query_with({"keys": session_keys, "spans": spans},
                         POSTS_SQL.format(where=scope.condition("p")), {**scope.params(), "tag": tag})
    grouped: list[list[ChatPost]] = [[] for _ in found.sessions]
    seen: set[tuple[str, str]] = set()
    for row in rows.to_pylist():
        key = (row["platform"], row["post_id"])
        if key in seen:
            continue
        seen.add(key)
        number = row.pop("session")
        row["text"] = row["text"] or ""
        grouped[number].append(ChatPost(**row))
    sessions = []
    for number, (occurrence, posts) in enumerate(zip(found.sessions, grouped, strict=True), start=1):
        posts.sort(key=lambda p: (p.created_at, p.platform, p.post_id))
        sessions.append(Session(number, occurrence.window, posts))
    return sessions


def link_questions(session: Session) -> None:
    """The host (who asked the most numbered questions), their questions, and every answer to each.

    An answer is a post made after the question with its label ("A2", "a2:", "A2 & A3"), or,
    without a label, a direct reply to the question by someone other than the host.
    """
    asked: dict[str, set[int]] = {}
    for post in session.posts:
        number = question_label(post.text)
        if number is not None:
            asked.setdefault(post.account_id, set()).add(number)
    if asked:
        session.host = max(asked, key=lambda account: (len(asked[account]), -_first_post(session, account)))
    else:
        counts = Counter(post.account_id for post in session.posts)
        session.host = max(counts, key=lambda account: (counts[account], -_first_post(session, account)))
    questions: dict[int, Question] = {}
    for post in session.posts:
        if post.account_id != session.host:
            continue
        number = question_label(post.text)
        if number is None:
            continue
        known = questions.get(number)
        if known is None or ("?" in post.text and "?" not in known.post.text):
            questions[number] = Question(f"Q{number}", post)
    for question in questions.values():
        question.post.question = int(question.label[1:])
    by_post = {q.post.post_id: q for q in questions.values()}
    for post in session.posts:
        if post.question is not None:
            continue
        labelled = tuple(n for n in answer_labels(post.text)
                         if n in questions and post.created_at >= questions[n].post.created_at)
        replied = by_post.get(post.reply_to or "")
        if labelled:
            post.answers = labelled
        elif replied is not None and post.account_id != session.host:
            post.answers = (int(replied.label[1:]),)
        for number in post.answers:
            questions[number].answers.append(post)
    session.questions = [questions[n] for n in sorted(questions)]


def _first_post(session: Session, account: str) -> int:
    return next(i for i, post in enumerate(session.posts) if post.account_id == account)


def count_newcomers(sessions: list[Session]) -> None:
    """New: posting in a session of this tag for the first time; returning: posted in an earlier one."""
    seen: set[str] = set()
    for session in sessions:
        participants = session.participants
        session.new = [a for a in participants if a not in seen]
        session.returning = [a for a in participants if a in seen]
        seen.update(participants)


def _read_people(ws: Workspace, sessions: list[Session]) -> dict[str, Person]:
    pairs = {(post.platform, post.account_id) for s in sessions for post in s.posts}
    pairs |= {(post.platform, post.reply_to_account) for s in sessions for post in s.posts if post.reply_to_account}
    pairs |= {(post.platform, post.quote_of_account) for s in sessions for post in s.posts if post.quote_of_account}
    if not pairs:
        return {}
    who = pa.table({"platform": [p for p, _ in pairs], "account_id": [a for _, a in pairs]})
    people: dict[str, Person] = {}
    for row in ws.query_with({"who": who}, PEOPLE_SQL).to_pylist():
        people[row["account_id"]] = Person(row["platform"], row["account_id"], row["handle"] or row["account_id"],
                                           row["display_name"], row["role"], row["sector"])
    return people


def in_window(sessions: list[Session], scope: Scope) -> list[Session]:
    """The sessions that opened inside the scope's time window."""
    return [s for s in sessions if (scope.since is None or s.start >= scope.since)
            and (scope.until is None or s.start < scope.until)]


def session_on(sessions: list[Session], day: str) -> list[Session]:
    """The sessions held on a day (UK), given as YYYY-MM-DD."""
    return [s for s in sessions if s.date == day]


def as_dict(session: Session, chat: Chat) -> dict[str, Any]:
    """A session in the documented JSON shape (docs/chats.md)."""
    return {
        "number": session.number,
        "date": session.date,
        "start": session.start,
        "end": session.end,
        "start_uk": session.start.astimezone(UK).strftime("%Y-%m-%d %H:%M"),
        "end_uk": session.end.astimezone(UK).strftime("%Y-%m-%d %H:%M"),
        "minutes": session.minutes,
        "posts": [p.post_id for p in session.posts],
        "participants": session.participants,
        "new": session.new,
        "returning": session.returning,
        "host": session.host,
        "host_handle": chat.handle(session.host),
        "questions": [{"label": q.label, "post": q.post.post_id, "text": q.post.text,
                       "answers": [a.post_id for a in q.answers]} for q in session.questions],
        "links": list(dict.fromkeys(url for p in session.posts for url in p.urls)),
    }
