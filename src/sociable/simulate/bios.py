"""Invented profile bios and display names, by role, with the hard cases real data has.

Each template is plain text with {fields}; `write_bio` fills them and says whether the bio
makes the role clear ("clear"), leaves it open ("ambiguous") or is empty ("empty").
"""

from __future__ import annotations

import random

from sociable.simulate import names

PRO_BIOS: dict[str, tuple[str, ...]] = {
    "nurse": (
        "Registered nurse, {spec} @{orgh}. Views my own {emoji}",
        "RN ({spec}) | ward sister at {org} | tweets are my own",
        "{Spec} nurse. Qualified 20{yy}. Mum of {kids}, tea addict {emoji}",
        "Nurse 👩‍⚕️ {spec} | #nursing | RTs not endorsements",
        "Senior staff nurse, {place}. Passionate about patient safety and kindness.",
        "Lead nurse for {spec} at {org}. Proud of my team. Own views.",
    ),
    "midwife": (
        "Midwife at {org} 🤰 | views my own",
        "Community midwife, {place}. Birth is amazing. #midwifery",
        "RM | continuity of carer team | mum of {kids}",
        "Student midwife turned band 6 midwife {emoji}",
    ),
    "doctor": (
        "{Dspec} doctor in {place}. Own views.",
        "GP partner, {place}. Mostly tweets about access, workload and cats.",
        "Consultant in {dspec} at {org}. Views my own; RT ≠ endorsement",
        "FY2 doctor. Learning every day {emoji}",
        "Dr | {dspec} registrar | #MedTwitter",
    ),
    "ahp": (
        "{ahp} at {org} | #AHPs | views my own",
        "{ahp}, community rehab, {place} {emoji}",
        "Paediatric {ahpl}. Dad. Cyclist.",
        "{ahp} working in care homes across {place}. Falls prevention nerd.",
    ),
    "paramedic": (
        "Paramedic with {org} 🚑 | views my own",
        "Specialist paramedic, urgent care. Opinions mine.",
        "Ambulance clinician, {place}. Nights are the best shifts, fight me.",
    ),
    "social_worker": (
        "Social worker ({team}) in {place}. Views my own.",
        "Registered social worker | #socialwork | she/her",
        "Senior practitioner, {team} team @{orgh}",
        "Social worker and practice educator. Strengths-based or bust {emoji}",
        "AMHP and social worker. Tired. Hopeful.",
    ),
    "care_worker": (
        "Care worker in {place}. Love my residents {emoji}",
        "Senior carer, nights. #socialcare deserves better pay",
        "Home care worker, 12 years. Proud of what we do.",
        "Domiciliary care worker | mum | dog walker {emoji}",
    ),
    "manager": (
        "Registered manager, {org}. Quality and kindness.",
        "Service manager, adult social care, {place}. Views my own.",
        "Ward manager @{orgh} | #leadership",
        "Head of nursing at {org}. Curious about culture and staff wellbeing.",
    ),
    "researcher": (
        "Researcher in {topic} at University of {place}. Views mine.",
        "Health services researcher | {topic} | PhD",
        "Senior lecturer in social work. Research on {topic}.",
        "Research fellow looking at {topic}. Former nurse.",
    ),
    "student": (
        "Student nurse (year {yr}) | University of {place} {emoji}",
        "Social work student, placement in {team}. Learning loads.",
        "Third year student paramedic 🚑",
        "Student midwife. Coffee-powered {emoji}",
    ),
    "police_officer": (
        "PC in {place} neighbourhood team. Not monitored 24/7 - call 999 in an emergency.",
        "Mental health liaison officer, {org}. Views my own.",
        "Sergeant, {place}. Street triage with our NHS colleagues.",
    ),
}

PERSON_BIOS: dict[str, tuple[str, ...]] = {
    "patient": (
        "Living with {cond} since 20{yy}. Trying to stay positive {emoji}",
        "Kidney patient. Dialysis three times a week.",
        "Type 1 diabetic, runner, tea lover",
        "Chronic pain. Spoonie. Advocate for better pain services {emoji}",
        "Long covid, three years and counting. Patient voice rep.",
    ),
    "carer": (
        "Carer for my mum, dementia. Learning as I go.",
        "Full-time carer for my son who has autism. Tired but proud.",
        "Young carer turned adult carer. Campaigning for carers' breaks.",
        "Looking after my husband since his stroke {emoji}",
    ),
    "public": (
        "Dad. {place} born and bred. Football and moaning about buses.",
        "Retired. Gardening, grandkids and local news.",
        "Just a person with opinions {emoji}",
        "{place} resident. Community volunteer.",
    ),
}

AMBIGUOUS_BIOS: tuple[str, ...] = (
    "Nights, coffee and the odd rant {emoji}",
    "Working in the NHS. Views mine.",
    "Here for the chats and the cake.",
    "Mum, runner, tea drinker",
    "Here for the news.",
    "Trying my best. Mostly.",
    "Helping people, one day at a time {emoji}",
)

ORG_BIOS: dict[str, tuple[str, ...]] = {
    "nhs_trust": (
        "Official account of {org}. Not monitored 24/7. In an emergency call 999, or 111 for urgent advice.",
        "News and updates from {org}. Proud to serve {place} and the surrounding area.",
    ),
    "gp_practice": ("{org}. Please do not use this account to book appointments - call the surgery or use the app.",),
    "council": ("Official account of {org}. Monitored Mon-Fri 9am-5pm.", "News, services and updates from {org}."),
    "charity": (
        "{org} is a local charity supporting people and families across {place}.",
        "Local charity. Here for you in {place}. Volunteers always welcome {emoji}",
    ),
    "care_provider": ("Family-run care in {place}. Person-centred care, every day.",),
    "police": ("Official {org} account. Do not report crime here. Call 101, or 999 in an emergency.",),
    "media": ("News from {place} and beyond. Got a story? DM us.",),
    "university": ("Educating the next generation of nurses, midwives, social workers and AHPs in {place}.",),
    "regulator": (
        "We set and check standards for health and care so people get safe, effective, kind care.",
        "The independent register for professionals in {place} and across the UK. Not for individual cases.",
    ),
    "government": ("Official account of the {org}.",),
    "other_org": ("{org}. Serving {place}.",),
}
SERVICE_BIO = "{service} at {org}. Updates, tips and news. Not for clinical advice."
AMBIGUOUS_ORG_BIOS: tuple[str, ...] = ("Here to help.", "Working together for a healthier {place}.")


def fill(template: str, rng: random.Random, org: str, orgh: str, place: str) -> str:
    """Fill a bio template's fields with invented details."""
    spec = rng.choice(names.NURSE_SPECIALTIES)
    dspec = rng.choice(names.DOCTOR_SPECIALTIES)
    ahp = rng.choice(names.AHP_KINDS)
    return template.format(
        spec=spec, Spec=spec[:1].upper() + spec[1:], dspec=dspec, Dspec=dspec[:1].upper() + dspec[1:],
        ahp=ahp, ahpl=ahp.lower(), org=org, orgh=orgh, place=place,
        emoji=rng.choice(names.EMOJI_BIO), yy=f"{rng.randint(2, 21):02d}", kids=rng.randint(2, 4), yr=rng.randint(1, 3),
        team=rng.choice(names.SOCIAL_WORK_TEAMS), topic=rng.choice(names.RESEARCH_TOPICS),
        cond=rng.choice(("MS", "COPD", "Crohn's", "lupus", "heart failure", "ME", "bipolar disorder")),
        service="", who="",
    )


def write_bio(rng: random.Random, role: str, subtype: str, org: str, orgh: str, place: str) -> tuple[str, str]:
    """An invented bio for an account and how clear it is: 'clear', 'ambiguous' or 'empty'."""
    draw = rng.random()
    if draw < 0.06:
        return "", "empty"
    if role == "organisation":
        if draw < 0.10:
            return fill(rng.choice(AMBIGUOUS_ORG_BIOS), rng, org, orgh, place), "ambiguous"
        return fill(rng.choice(ORG_BIOS.get(subtype, ORG_BIOS["other_org"])), rng, org, orgh, place), "clear"
    if draw < 0.16:
        return fill(rng.choice(AMBIGUOUS_BIOS), rng, org, orgh, place), "ambiguous"
    table = PRO_BIOS if role == "professional" else PERSON_BIOS
    return fill(rng.choice(table[subtype]), rng, org, orgh, place), "clear"


def service_bio(service: str, org: str) -> str:
    """The bio of one service account of an organisation (a trust's maternity service, say)."""
    return SERVICE_BIO.format(service=service, org=org)


PRO_TITLES: dict[str, tuple[str, ...]] = {
    "nurse": ("Nurse {first}", "{first} {last} RN", "{first} {last}"),
    "midwife": ("Midwife {first}", "{first} {last} RM", "{first} {last}"),
    "doctor": ("Dr {first} {last}", "Dr {first}", "{first} {last}"),
    "paramedic": ("{first} {last}", "Para {first}"),
    "police_officer": ("PC {first} {last}", "Sgt {last}", "{first} {last}"),
}


def display_name(rng: random.Random, subtype: str, first: str, last: str) -> str:
    """A display name in one of the styles people use."""
    draw = rng.random()
    if draw < 0.35 and subtype in PRO_TITLES:
        return rng.choice(PRO_TITLES[subtype]).format(first=first, last=last)
    if draw < 0.5:
        return f"{first} {rng.choice(names.EMOJI_BIO)}"
    if draw < 0.6:
        return f"{first} {last[:1]}"
    if draw < 0.68:
        return f"{first} {last} ({rng.choice(('she/her', 'he/him', 'they/them'))})"
    return f"{first} {last}"


HANDLE_TAGS: dict[str, tuple[str, ...]] = {
    "nurse": ("RN", "Nurse", "_RN"), "midwife": ("Midwife", "RM", "_mw"), "doctor": ("Dr", "MD", "GP"),
    "ahp": ("OT", "Physio", "SLT", "AHP"), "paramedic": ("Para", "999"), "social_worker": ("SW", "TheSW", "_sw"),
    "care_worker": ("Carer", "Cares"), "manager": ("Lead", "Mgr"), "researcher": ("PhD", "Research"),
    "student": ("StuNurse", "SWstudent", "Stu"), "police_officer": ("PC", "Cop"),
    "patient": ("", "_x"), "carer": ("Carer", "_cares"), "public": ("", "_uk", "123"),
}


def handle_for(rng: random.Random, subtype: str, first: str, last: str) -> str:
    """A handle in one of the common patterns (not yet checked for uniqueness)."""
    tag = rng.choice(HANDLE_TAGS.get(subtype, ("",)))
    style = rng.randrange(5)
    if style == 0:
        handle = f"{first}{last}"
    elif style == 1:
        handle = f"{first}_{last[:1]}{tag}"
    elif style == 2:
        handle = f"{tag}{first}" if tag and not tag.startswith("_") else f"{first}{tag}"
    elif style == 3:
        handle = f"{first.lower()}{last.lower()}{rng.randint(1, 99)}"
    else:
        handle = f"{first}{last[:3]}{tag}"
    return "".join(ch for ch in handle if ch.isalnum() or ch == "_")[:15]
