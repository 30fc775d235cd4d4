"""Risky posts a safe-practice check should catch, and near misses it should leave alone.

Each risky post carries the category from the guidance catalogue (R1 direct identifiers,
R2 jigsaw identification, R4 colleagues and employer, R5 derogatory remarks, R8 boundaries,
R9 individual advice, R10 undisclosed endorsement, R11 unprofessional conduct), a short
label, and the exact substrings that make it risky. NHS numbers are in the 999 test range
with a valid modulus-11 check digit.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from sociable.simulate import names
from sociable.simulate.cast import Cast
from sociable.simulate.plan import DAY, HOUR, MINUTE, Planner

Risk = tuple[str, list[str]]  # the post's text and the substrings that make it risky


def nhs_number(rng: random.Random) -> str:
    """A test-range NHS number (999 xxx xxxx) whose tenth digit is a valid modulus-11 check."""
    while True:
        digits = [9, 9, 9] + [rng.randrange(10) for _ in range(6)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check == 10:
            continue
        digits.append(0 if check == 11 else check)
        text = "".join(map(str, digits))
        return f"{text[:3]} {text[3:6]} {text[6:]}" if rng.random() < 0.8 else text


def postcode(rng: random.Random) -> str:
    """A full postcode in an invented area: right shape, no real address behind it."""
    inward = rng.choice(names.POSTCODE_INWARD_LETTERS) + rng.choice(names.POSTCODE_INWARD_LETTERS)
    return f"{rng.choice(names.POSTCODE_AREAS)}{rng.randint(1, 19)} {rng.randint(1, 9)}{inward}"


def r1_nhs(rng: random.Random) -> Risk:
    number = nhs_number(rng)
    text = rng.choice((
        "Can anyone on the discharge team chase the referral for NHS no {n} please, it's been a week",
        "Note to self: chase bloods for {n} first thing tomorrow",
        "Letter came back for {n} with the wrong clinic on it again. Who do I ring?",
    ))
    return text.format(n=number), [number]


def r1_name(rng: random.Random) -> Risk:
    title = rng.choice(("Mrs", "Mr", "Miss"))
    person = f"{title} {rng.choice(names.FIRST_NAMES)} {rng.choice(names.SURNAMES)}"
    ward = rng.choice(names.WARDS)
    bed = f"bay {rng.randint(1, 6)}, bed {rng.randint(1, 6)}"
    text = rng.choice((
        "{p} in {b} on {w} finally went home today after six weeks. Going to miss our chats!",
        "Guess who's back in {b} on {w}... {p}, third time this month",
    ))
    return text.format(p=person, b=bed, w=ward), [person, bed]


def r2_jigsaw(rng: random.Random) -> Risk:
    code, age, condition = postcode(rng), f"{rng.randint(19, 97)} year old", rng.choice(names.CONDITIONS)
    text = rng.choice((
        "Home visit in {c} this morning, {a} with {d}, lives alone with her dog. Heartbreaking",
        "Our {a} with {d} from {c} was discharged today. What a journey",
    ))
    return text.format(c=code, a=age, d=condition), [code, age, condition]


def r4_colleague(rng: random.Random) -> Risk:
    return rng.choice((
        ("Our ward manager is off with stress again and HR have started a disciplinary. Great.", ["disciplinary"]),
        ("Drug error on nights again, and the agency nurse is getting sacked for it", ["getting sacked"]),
    ))


def r5_derogatory(rng: random.Random) -> Risk:
    label = rng.choice(("frequent flyer", "bed blocker"))
    text = rng.choice((
        "Another {l} in resus tonight, why do we even bother",
        "Two {l}s on the ward and no beds for anyone who's actually ill",
        "Our favourite {l} is back. Of course he is 🙄",
    ))
    return text.format(l=label), [label]


def r8_boundary(rng: random.Random) -> Risk:
    return rng.choice((
        ("Added a patient's mum on Facebook so we can keep in touch after discharge 😊", ["on Facebook"]),
        ("To the lovely patient from bay 2 last week, DM me 😘", ["DM me"]),
    ))


def r9_advice(rng: random.Random) -> Risk:
    return rng.choice((
        ("Sounds like shingles to me, take double the ibuprofen and don't bother with the GP",
         ["double the ibuprofen"]),
        ("Just stop taking the tablets if they make you dizzy, you don't need them", ["stop taking the tablets"]),
    ))


def r10_endorsement(rng: random.Random) -> Risk:
    code = rng.choice(("NURSE20", "CARE15", "SHIFT10"))
    return f"As a nurse this is the only supplement I trust 💊 use code {code} at checkout", [f"code {code}"]


def r11_conduct(rng: random.Random) -> Risk:
    return rng.choice((
        ("Still hungover from last night, someone cover my meds round lol", ["cover my meds round"]),
        ("Skipped the obs again tonight, nobody checks anyway", ["Skipped the obs"]),
    ))


RISKS: tuple[tuple[str, str, Callable[[random.Random], Risk], float], ...] = (
    ("R1", "nhs_number", r1_nhs, 15), ("R1", "patient_name_ward_bed", r1_name, 15),
    ("R2", "jigsaw_postcode_age_condition", r2_jigsaw, 15), ("R4", "colleague_discipline", r4_colleague, 8),
    ("R5", "derogatory_label", r5_derogatory, 20), ("R8", "boundary", r8_boundary, 7),
    ("R9", "individual_advice", r9_advice, 7), ("R10", "undisclosed_endorsement", r10_endorsement, 6),
    ("R11", "unprofessional_conduct", r11_conduct, 7),
)
NEAR_MISSES: tuple[tuple[str, str], ...] = (
    ("service_advice", "Have your NHS number handy when you ring 111, it speeds things up"),
    ("aggregate_statistics",
     "Our district nurses made 4,120 home visits across the county last month. Thank you, team"),
    ("public_health_advice",
     "Flu jabs for over-65s are available at local pharmacies now. Protect yourself this winter"),
    ("general_reflection", "Cared for several people with heart failure this week. Know the signs: breathlessness, "
                           "swollen ankles, tiredness"),
    ("staff_support", "Caring for people in pain is heavy. Look after yourselves, team 💙"),
    ("published_report", "Proud to share our published inspection report - well done everyone"),
    ("boundary_advice", "Patients: please use the clinic line, not my personal account. Thank you!"),
    ("sepsis_advice",
     "Know the signs of sepsis: slurred speech, extreme shivering, passing no urine. Call 999 if worried"),
)


def plan_risky(planner: Planner, cast: Cast, posts: int) -> dict[str, Any]:
    """Plan risky posts by professionals and near misses; returns their truth records."""
    rng = planner.rng
    authors = [i for i in cast.of(role="professional") if cast.members[i].subtype not in ("researcher",)]
    orgs = [g.members[0] for g in cast.groups if g.style != "dormant"]
    count = max(24, min(3000, round(posts * 0.004)))
    span = planner.end_ms - planner.start_ms - DAY
    risky: dict[str, Any] = {}
    for _ in range(count):
        category, label, make, _weight = rng.choices(RISKS, weights=[r[3] for r in RISKS])[0]
        text, evidence = make(rng)
        when = planner.start_ms + rng.randrange(span) // DAY * DAY + rng.randrange(7, 23) * HOUR
        author = rng.choice(authors)
        post_id = planner.add(when + rng.randrange(60) * MINUTE, author, text)
        risky[str(post_id)] = {"category": category, "label": label, "evidence": evidence,
                               "account_id": str(cast.members[author].user_id)}
    near: dict[str, str] = {}
    for _ in range(max(10, count // 2)):
        label, text = rng.choice(NEAR_MISSES)
        when = planner.start_ms + rng.randrange(span) // DAY * DAY + rng.randrange(8, 20) * HOUR
        post_id = planner.add(when + rng.randrange(60) * MINUTE, rng.choice(authors + orgs), text)
        near[str(post_id)] = label
    return {"risky": risky, "near_misses": near}
