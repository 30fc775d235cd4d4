"""Questions, complaints and requests aimed at organisations: some answered within hours by
organisations that converse, the rest never answered by the organisation (sometimes another
member of the public replies instead).
"""

from __future__ import annotations

from typing import Any

from sociable.simulate.cast import Cast
from sociable.simulate.plan import DAY, HOUR, MINUTE, Planner

ASKS: dict[str, tuple[str, ...]] = {
    "question": (
        "@{h} how do I change my outpatient appointment? The number on the letter just rings out",
        "@{h} are visiting times on the wards back to normal now?",
        "@{h} is the walk-in centre open on the bank holiday?",
        "@{h} who do I speak to about a carer's assessment for my dad?",
        "@{h} how long is the wait for an occupational therapy assessment at the moment?",
        "@{h} does the Saturday flu clinic need booking or can we just turn up?",
        "@{h} where do I send feedback about my mum's discharge?",
        "@{h} is there parking for blue badge holders near the new entrance?",
    ),
    "complaint": (
        "@{h} waited four hours for a call back today and nobody rang. Not good enough.",
        "@{h} third time my mum's home care visit has been missed this month. Who is accountable for this?",
        "@{h} car park machines broken again and we got a fine while visiting. Really?",
        "@{h} still no reply to my email from three weeks ago about my son's care plan.",
        "@{h} your phone line has been engaged all morning. People need help.",
    ),
    "request": (
        "@{h} could you share the new opening hours for the pharmacy please?",
        "@{h} please can someone call me back about my dad's equipment, I've sent details by email",
        "@{h} can you put the carers' support group dates on your website please",
        "@{h} please could you post the new bus times for the hospital shuttle",
    ),
}
ANSWERS: tuple[str, ...] = (
    "Hi {first}, sorry about this. Please send us a DM with your details and our patient advice team will look "
    "into it today. ^{sig}",
    "Thanks for getting in touch {first}. The details are on our website, and the team can help on the number "
    "there. ^{sig}",
    "Hi {first}, we're sorry to hear this. We've passed it to the service manager who will contact you. ^{sig}",
    "Hi {first}, thanks for asking - yes, and you can find the latest times on our website. ^{sig}",
)
THANKS: tuple[str, ...] = ("Thank you, that's really helpful", "Thanks for getting back to me", "Brilliant, thanks")
OTHERS: tuple[str, ...] = (
    "same thing happened to us last month, so frustrating", "try ringing the patient advice line, they helped us",
    "we've been waiting weeks too", "I had the same question, following",
)


def plan_questions(planner: Planner, cast: Cast, posts: int) -> dict[str, Any]:
    """Plan questions to organisations and the answers some get; returns the truth records."""
    rng = planner.rng
    conversers = [g.members[0] for g in cast.groups if g.style == "converser"]
    broadcasters = [g.members[0] for g in cast.groups if g.style == "broadcaster"]
    askers = cast.of(role="person")
    organisations = {m: g.name for g in cast.groups for m in g.members}
    count = max(20, min(4000, round(posts * 0.003)))
    first = planner.start_ms + DAY
    span = planner.end_ms - 3 * DAY - first
    records, answered, unanswered = [], {}, []
    for number in range(count):
        converse = (number % 2 == 0) and bool(conversers)
        org = rng.choice(conversers if converse else broadcasters or conversers)
        asker = rng.choice(askers)
        kind = rng.choice(("question", "question", "complaint", "request"))
        when = first + rng.randrange(span) // HOUR * HOUR + rng.randrange(HOUR)
        if when % DAY < 7 * HOUR:  # askers sleep until seven
            when = when - when % DAY + 7 * HOUR + rng.randrange(2 * HOUR)
        body = rng.choice(ASKS[kind]).format(h=cast.members[org].handle)
        post_id = planner.add(when, asker, body)
        record: dict[str, Any] = {
            "post_id": str(post_id), "account_id": str(cast.members[asker].user_id),
            "organisation": organisations[org], "org_account_id": str(cast.members[org].user_id), "kind": kind,
            "created_at": planner.time(post_id), "answered": False, "answer_id": None, "answer_minutes": None,
        }
        if converse and rng.random() < 0.85:
            reply = answer(planner, cast, org, asker, post_id)
            record.update(answered=True, answer_id=str(reply),
                          answer_minutes=(planner.posts[reply].ms - planner.posts[post_id].ms) // MINUTE)
            answered[str(post_id)] = str(reply)
        else:
            unanswered.append(str(post_id))
            if rng.random() < 0.3:
                other = rng.choice(askers)
                if other != asker:
                    planner.add(when + rng.randrange(10, 300) * MINUTE, other, rng.choice(OTHERS),
                                reply_to=post_id, also_to=(org,))
                    record["replied_by_others"] = True
        records.append(record)
    return {"questions": records, "answered": answered, "unanswered": unanswered}


def answer(planner: Planner, cast: Cast, org: int, asker: int, question: int) -> int:
    rng = planner.rng
    asked_at = planner.posts[question].ms
    due = planner.working_time(asked_at + int(rng.lognormvariate(0.0, 0.7) * 100 * MINUTE))
    first = cast.members[asker].name.split(" ")[0].strip("(") or "there"
    sig = rng.choice(("JL", "SM", "AK", "PR", "Comms team"))
    reply = planner.add(due, org, rng.choice(ANSWERS).format(first=first, sig=sig), reply_to=question)
    if rng.random() < 0.4:
        planner.add(planner.posts[reply].ms + rng.randrange(5, 120) * MINUTE, asker, rng.choice(THANKS),
                    reply_to=reply)
    return reply
