"""The weekly hashtag chat: a host asks Q1..Qn at a fixed weekday hour, people answer 'A1 ...'.

Regulars come most weeks; newcomers come once. Some answers reply to the question, some
stand alone with the tag, and some people talk to each other between questions.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime
from typing import Any

from sociable.simulate.cast import CHAT_HOST_HANDLE, Cast
from sociable.simulate.plan import DAY, HOUR, MINUTE, Planner, iso

HASHTAG = "WeCareTalk"
WEEKDAY = 2  # Wednesday
HOUR_UTC = 19

TOPICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Looking after yourself on shift", (
        "What helps you switch off after a hard shift?", "How does your team notice when someone is struggling?",
        "What one thing would make breaks easier to take?", "Who do you talk to when work gets heavy?",
        "What would you tell a newly qualified colleague about wellbeing?")),
    ("Working with carers", (
        "How do you find out who the carer is?", "What makes a carer feel listened to?",
        "What gets in the way of including carers in discharge?", "Share one small thing that helped a family",
        "What should every carers' assessment ask?")),
    ("Digital tools in care", (
        "Which digital tool has saved you the most time?", "What worries you about new systems at work?",
        "How do you keep the person at the centre when using tech?", "What training would help you most?",
        "What would you switch off tomorrow if you could?")),
    ("Students and new starters", (
        "What made your best placement the best?", "How do you welcome a new starter?",
        "What do you wish you had known in your first month?", "How can supervisors make time for teaching?",
        "What makes a team feel safe to ask questions in?")),
    ("Joining up health and social care", (
        "Where do handovers between services go wrong?", "Who is the best partner you work with outside your team?",
        "What would make discharge smoother?", "How do you share information safely between services?",
        "What does good joint working look like?")),
    ("Kindness and dignity", (
        "What does dignity mean in your work?", "Share a moment of kindness you saw this week",
        "How do you protect dignity when you're rushed?", "What small habits make care feel personal?",
        "How do we speak up when dignity slips?")),
)

ANSWERS: tuple[str, ...] = (
    "For me it's a walk home and no screens for an hour",
    "Honestly, a good team chat at handover makes all the difference",
    "Asking the person what matters to them, every time", "Having time protected in the rota, not just promised",
    "Supervision that's about me and not just the caseload", "Tea and a proper debrief with whoever's on",
    "Being told it's OK not to know everything", "Writing things down before I leave so my head is clear",
    "Listening first, then asking, then doing", "Small things: names, eye contact, explaining what happens next",
    "Shared notes that everyone can actually see", "A manager who checks in without being asked",
    "Peer support group once a month has been brilliant", "Being honest when things go wrong",
    "Remembering that families know the person best", "Joint visits with the other team, it saves so much time",
)
CROSSTALK: tuple[str, ...] = (
    "this is so true", "love this answer", "we do something similar, works really well", "stealing this idea",
    "couldn't agree more", "yes! and it costs nothing",
)
FIRST_TIME: tuple[str, ...] = (
    "First time joining #WeCareTalk - hello everyone! 👋", "Lurked for ages, joining in properly tonight #WeCareTalk",
    "Hi all, newbie here. Student on placement #WeCareTalk",
)


def session_starts(start_ms: int, end_ms: int) -> list[int]:
    """The start of every session that fits in the window."""
    starts = []
    day = start_ms - start_ms % DAY
    while day + HOUR_UTC * HOUR + 2 * HOUR <= end_ms:
        moment = datetime.fromtimestamp(day / 1000, UTC)
        at = day + HOUR_UTC * HOUR
        if moment.weekday() == WEEKDAY and at >= start_ms:
            starts.append(at)
        day += DAY
    return starts


def plan_chat(planner: Planner, cast: Cast, posts: int) -> dict[str, Any]:
    """Plan every session of the chat; returns its truth record."""
    rng = planner.rng
    host = cast.by_handle[CHAT_HOST_HANDLE.lower()]
    people = [m.index for m in cast.members if m.role != "organisation" and m.behaviour != "broker"]
    rng.shuffle(people)
    size = max(5, min(120, round(3 + math.sqrt(posts) / 12)))
    questions = 3 if posts < 10_000 else 4 if posts < 200_000 else 5
    regulars = people[: max(3, round(size * 0.7))]
    fresh = people[len(regulars):]
    seen: set[int] = set()
    sessions = []
    for number, start in enumerate(session_starts(planner.start_ms, planner.end_ms)):
        topic, asked = TOPICS[number % len(TOPICS)]
        attending = [p for p in regulars if rng.random() < 0.8] or regulars[:2]
        newcomers = [fresh.pop() for _ in range(max(1, size - len(attending))) if fresh]
        session = plan_session(planner, host, start, topic, asked[:questions], attending, newcomers, rng)
        joined = set(attending) | set(newcomers)
        session.update(
            participants=sorted(str(cast.members[i].user_id) for i in joined),
            newcomers=sorted(str(cast.members[i].user_id) for i in joined - seen),
            returning=sorted(str(cast.members[i].user_id) for i in joined & seen),
        )
        seen |= joined
        sessions.append(session)
    return {"hashtag": HASHTAG, "host": str(cast.members[host].user_id), "weekday": "Wednesday",
            "hour_utc": HOUR_UTC, "sessions": sessions}


def plan_session(planner: Planner, host: int, start: int, topic: str, asked: tuple[str, ...],
                 attending: list[int], newcomers: list[int], rng: random.Random) -> dict[str, Any]:
    before = planner.counter
    intro = planner.add(start + rng.randrange(30_000), host,
                        f"Welcome to tonight's #{HASHTAG}! Topic: {topic}. Questions every few minutes, "
                        "answer with A1, A2... and the tag 👋")
    for person in newcomers:
        if rng.random() < 0.6:
            hello = planner.add(start + rng.randrange(1, 5) * MINUTE, person, rng.choice(FIRST_TIME))
            if rng.random() < 0.5:
                planner.add(planner.posts[hello].ms + rng.randrange(1, 4) * MINUTE, host,
                            f"Welcome! Great to have you with us #{HASHTAG}", reply_to=hello)
    gap = 50 * MINUTE // len(asked)
    question_ids = []
    for q, text in enumerate(asked, start=1):
        at = start + 5 * MINUTE + (q - 1) * gap
        qid = planner.add(at, host, f"Q{q} {text} #{HASHTAG}")
        question_ids.append(qid)
        answers = []
        for person in attending + newcomers:
            if rng.random() < (0.8 if person in attending else 0.55):
                when = at + 30_000 + rng.randrange(int(gap * 0.8))
                body = f"A{q} {rng.choice(ANSWERS)} #{HASHTAG}"
                answers.append(planner.add(when, person, body, reply_to=qid if rng.random() < 0.4 else None))
        for answer in answers:
            if rng.random() < 0.25:
                other = rng.choice(attending + newcomers)
                if other != planner.posts[answer].author:
                    planner.add(planner.posts[answer].ms + rng.randrange(1, 4) * MINUTE, other,
                                f"{rng.choice(CROSSTALK).capitalize()} #{HASHTAG}", reply_to=answer)
    wrap = planner.add(start + 58 * MINUTE, host,
                       f"That's a wrap on tonight's #{HASHTAG} - thank you all! Transcript and a CPD reflection "
                       "template here", links=("https://wecaretalk.example.org/transcripts",))
    return {"start": iso(start), "end": iso(planner.posts[wrap].ms), "topic": topic,
            "intro": str(intro), "wrap": str(wrap), "questions": [str(q) for q in question_ids],
            "posts": planner.counter - before}
