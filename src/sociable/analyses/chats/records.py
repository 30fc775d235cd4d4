"""A session's transcript and a participant's CPD record, as data (sociable.reports.chats renders them).

A transcript is the session's posts as threads, in time order: a reply sits under the post it
answers when that post is in the session; every post carries the question it asks or the
questions it answers, so an "A2" that forgot to reply still points at Q2. A CPD record holds only
the participant's own words, the host's questions (the session's programme) and what was said in
reply to them (unattributed): nobody else's text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sociable.analyses.base import OptionError
from sociable.analyses.chats.analysis import check_session_date
from sociable.analyses.chats.detect import UK
from sociable.analyses.chats.labels import without_label
from sociable.analyses.chats.sessions import Chat, ChatPost, Session, in_window, normalise_tag, read_chat, session_on
from sociable.errors import SociableError
from sociable.store.scope import Scope

if TYPE_CHECKING:
    from sociable.store import Workspace

CODES = ("nmc", "hcpc", "swe")
CODE_FOR_SUBTYPE = {"nurse": "nmc", "midwife": "nmc", "social worker": "swe", "social_worker": "swe",
                    "allied health professional": "hcpc", "ahp": "hcpc", "paramedic": "hcpc"}


class NoSuchSession(SociableError, LookupError):
    """No session of the chat was held on the date asked for, or nobody by that handle took part."""


# ---------------------------------------------------------------------- transcripts


@dataclass(slots=True)
class Entry:
    """One post in a transcript, with the replies to it that are in the session."""

    post: ChatPost
    handle: str
    display_name: str | None
    replying_to: str | None        # the handle replied to, when the parent is outside the session
    quote: str | None               # the post id quoted when in the session, else its link
    quote_in_session: bool = False
    children: list[Entry] = field(default_factory=list)

    @property
    def uk_time(self) -> str:
        return self.post.created_at.astimezone(UK).strftime("%H:%M")


@dataclass(slots=True)
class Transcript:
    tag: str
    session: Session
    schedule: str
    host: str
    threads: list[Entry]

    @property
    def title(self) -> str:
        start = self.session.start.astimezone(UK)
        return f"#{self.tag} on {start:%A %-d %B %Y}"

    @property
    def when(self) -> str:
        start, end = self.session.start.astimezone(UK), self.session.end.astimezone(UK)
        return f"{start:%H:%M}–{end:%H:%M} UK time ({self.session.minutes} minutes)"


def chat_in_scope(ws: Workspace, scope: Scope, tag: str, min_posts: int,
                  day: str | None = None) -> tuple[Chat, list[Session]]:
    if not normalise_tag(tag):
        raise NoSuchSession("name the chat's hashtag with --tag, for example --tag wenurses.")
    chat = read_chat(ws, scope, tag, min_posts, day)
    return chat, in_window(chat.sessions, scope)


def build_transcript(ws: Workspace, scope: Scope, *, tag: str, session: str, min_posts: int = 3) -> Transcript:
    """The transcript of the session of `tag` held on `session` (a UK date, YYYY-MM-DD)."""
    day = check_session_date(session) or ""
    chat, sessions = chat_in_scope(ws, scope, tag, min_posts, day)
    held = session_on(sessions, day)
    if not held:
        chat, sessions = chat_in_scope(ws, scope, tag, min_posts)  # to name the dates it was held
        latest = ", ".join(s.date for s in sessions[-6:]) or "none in scope"
        raise NoSuchSession(f"#{chat.tag} held no session on {day}; its latest sessions were on {latest}.")
    chosen = held[0]
    return Transcript(chat.tag, chosen, chat.schedule, chat.handle(chosen.host), thread(chat, chosen))


def thread(chat: Chat, session: Session) -> list[Entry]:
    """The session's posts as threads: roots in time order, each reply under its parent."""
    by_id = session.by_id()
    entries: dict[str, Entry] = {}
    for post in session.posts:
        person = chat.people.get(post.account_id)
        outside = post.reply_to is not None and post.reply_to not in by_id
        quoted_here = post.quote_of is not None and post.quote_of in by_id
        entries[post.post_id] = Entry(
            post, chat.handle(post.account_id), person.display_name if person else None,
            chat.handle(post.reply_to_account) if outside and post.reply_to_account else None,
            post.quote_of if quoted_here else _quote_link(post), quoted_here)
    roots = []
    for post in session.posts:
        entry = entries[post.post_id]
        parent = entries.get(post.reply_to or "")
        if parent is not None and parent is not entry:
            parent.children.append(entry)
        else:
            roots.append(entry)
    return roots


def _quote_link(post: ChatPost) -> str | None:
    if post.quote_of is None:
        return None
    return next((url for url in post.urls if post.quote_of in url), None) or post.quote_of


# ---------------------------------------------------------------------- CPD records


@dataclass(slots=True)
class Contribution:
    at: datetime
    text: str
    answers: tuple[str, ...]
    uri: str | None


@dataclass(slots=True)
class Attendance:
    """One session from the participant's side: what was asked, what they said, what came back."""

    session: Session
    questions: list[tuple[str, str]]           # (label, text): the programme
    contributions: list[Contribution]
    replies: list[tuple[datetime, str]]        # what others said in reply to them, unattributed
    links_shared: list[str]
    links_received: list[str]

    @property
    def date(self) -> str:
        return self.session.date

    @property
    def uk_time(self) -> str:
        start, end = self.session.start.astimezone(UK), self.session.end.astimezone(UK)
        return f"{start:%H:%M}–{end:%H:%M}"


@dataclass(slots=True)
class CpdRecord:
    tag: str
    handle: str
    display_name: str | None
    codes: tuple[str, ...]
    attended: list[Attendance]

    @property
    def minutes(self) -> int:
        return sum(a.session.minutes for a in self.attended)


def build_cpd(ws: Workspace, scope: Scope, *, tag: str, handle: str, code: str | None = None,
              min_posts: int = 3) -> CpdRecord:
    """The CPD record of the participant `handle` in the sessions of `tag` in scope."""
    chat, sessions = chat_in_scope(ws, scope, tag, min_posts)
    wanted = handle.strip().lstrip("@").lower()
    account = find_account(chat, wanted)
    attended = [s for s in sessions if account in s.participants] if account else []
    if not attended:
        raise NoSuchSession(f"@{wanted} posted in no session of #{chat.tag} in scope; check the handle, the "
                            "hashtag and the dates.")
    person = chat.people.get(account) if account else None
    codes = _codes(code, person.role if person else None, _subtype(ws, account))
    return CpdRecord(chat.tag, chat.handle(account), person.display_name if person else None, codes,
                     [attendance(s, str(account)) for s in attended])


def find_account(chat: Chat, wanted: str) -> str | None:
    """The account with this handle or id; a Mastodon handle may leave out its server ("ann" for ann@host)."""
    exact = [a for a, p in chat.people.items() if p.handle.lower() == wanted or a.lower() == wanted]
    if exact:
        return exact[0]
    local = [a for a, p in chat.people.items() if p.handle.lower().split("@")[0] == wanted]
    return local[0] if len(local) == 1 else None


def attendance(session: Session, account: str) -> Attendance:
    own = [p for p in session.posts if p.account_id == account]
    own_ids = {p.post_id for p in own}
    replies = [p for p in session.posts if p.account_id != account and p.reply_to in own_ids]
    return Attendance(
        session,
        [(q.label, without_label(q.post.text)) for q in session.questions],
        [Contribution(p.created_at, p.text, tuple(f"Q{n}" for n in p.answers), p.uri) for p in own],
        [(p.created_at, p.text) for p in replies],
        list(dict.fromkeys(url for p in own for url in p.urls)),
        list(dict.fromkeys(url for p in replies for url in p.urls)),
    )


def _subtype(ws: Workspace, account: str | None) -> str | None:
    if account is None:
        return None
    rows = ws.query("SELECT subtype FROM labels WHERE account_id = $account LIMIT 1", {"account": account})
    return rows.column(0)[0].as_py() if rows.num_rows else None


def _codes(code: str | None, role: str | None, subtype: str | None) -> tuple[str, ...]:
    """The codes the prompts follow: the one asked for, else the one the account's label suggests, else all."""
    if code and code != "all":
        if code not in CODES:
            raise OptionError(f"--code should be one of {', '.join(CODES)} or all, not {code!r}.")
        return (code,)
    guessed = CODE_FOR_SUBTYPE.get((subtype or "").lower())
    return (guessed,) if code is None and guessed else CODES
