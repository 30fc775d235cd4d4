"""Names found by the words around them rather than by the words themselves, for redaction.

A name nobody listed is still a name when the sentence says it is: someone said something to it
("said Ines to Tomasz"), it is a relative's or friend's ("my son Kofi"), it lives somewhere, it is
spoken to at the head of a message ("Ines, can you ..."), it speaks in a transcript
("Ines: ..."), or it stands in a list beside a name already found ("Nowak, Okafor and Hughes").
Each cue takes capitalised words (transcripts and lists, any word of a post written all in lower
case) and never a role (`ROLE_WORDS`: "Sister", "Matron", "Mum", "Patient") or a word of `stop`
(streets, buildings, wards and everyday words).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sociable.safety.ner import Entity
from sociable.safety.recognisers import Hit

_UP = r"[A-ZÀ-ÖØ-ÞĀ-Ž]"
_LOW = r"[a-zß-öø-ÿĀ-ž]"
_CAP = rf"{_UP}{_LOW}+(?:['’-]{_UP}{_LOW}+)*"
# One or two capitalised words, not run on into a third or a number ("Bexhill Hospital", "Ward 7").
_NAME = rf"(?P<name>{_CAP}(?:[ \t]+{_CAP})?)(?![\w'’-]|[ \t]*\d|[ \t]+[A-ZÀ-ÖØ-Þ])"

# Words that stand where a name could but name nobody: roles in care, kin, people in general,
# parts of a hospital, form labels and words that open a sentence.
ROLE_WORDS = frozenset(
    [
        "Sister", "Matron", "Nurse", "Nurses", "Doctor", "Doctors", "Doc", "Dr", "Consultant", "Registrar", "Reg",
        "Surgeon", "Anaesthetist", "Midwife", "Physio", "Porter", "Paramedic", "Paramedics", "Pharmacist", "Hca",
        "Carer", "Carers", "Student", "Students", "Manager", "Boss", "Colleague", "Colleagues", "Staff", "Management",
        "Patient", "Patients", "Pt", "Client", "Resident", "Relative", "Relatives", "Family", "Visitor", "Visitors",
        "Mum", "Mom", "Mummy", "Mommy", "Mother", "Dad", "Daddy", "Father", "Nan", "Nana", "Nanna", "Gran",
        "Granny", "Grandma", "Grandad", "Grandpa", "Auntie", "Aunty", "Aunt", "Uncle", "Brother", "Son", "Daughter",
        "Wife", "Husband", "Partner", "Baby", "Kid", "Kids", "Child", "Children", "Mate", "Babe", "Honey", "Darling",
        "Sweetheart", "Sir", "Madam", "Everyone", "Everybody", "Someone", "Somebody", "Nobody", "Anyone", "Anybody",
        "Guys", "Folks", "People", "Friends", "Ladies", "Gents", "Team", "God", "Jesus", "Lord", "Santa", "Police",
        "Security", "Reception", "Receptionist", "Pharmacy", "Theatre", "Theatres", "Recovery", "Resus", "Majors",
        "Minors", "Triage", "Ward", "Bay", "Bed", "Room", "Unit", "Hospital", "Trust", "Government", "Twitter",
        "Name", "Address", "Phone", "Mobile", "Email", "Website", "Fax", "Office", "Desk", "Date", "Time", "Subject",
        "Note", "Notes", "Edit", "Update", "Ps", "Source", "Via", "Credit", "Question", "Answer", "Q", "Also",
        "Honestly", "Seriously", "Sorry", "Anyway", "Right", "Look", "Listen", "Wow", "Hey", "Hi", "Hello", "Dear",
    ]
)

_SPOKEN = re.compile(
    r"\b(?i:said|says|asked|asks|told|tells|replied|shouted|yelled|screamed|whispered|waved|nodded)"
    rf"(?:\s+(?i:at|to))?\s+{_NAME}(?:\s+(?i:to|at)\s+(?P<other>{_CAP})(?!\w))?"
)
_KIN = (
    r"(?:kids?|sons?|daughters?|child|baby|boy|girl|wife|husband|partner|fianc[eé]e?|boyfriend|girlfriend|brother"
    r"|sister|mum|mom|mother|dad|father|nan|gran|grandma|grandmother|grandad|grandpa|grandfather|grandson"
    r"|granddaughter|uncle|aunt|auntie|aunty|cousin|nephew|niece|friend|mate|neighbou?r|flatmate|roommate"
    r"|colleague|boss)"
)
_KIN_BEFORE = re.compile(
    rf"\b(?i:(?:my|our|his|her|their|your)\s+(?:(?:little|baby|eldest|oldest|youngest|twin|late|best|old)\s+)?"
    rf"{_KIN})\s+{_NAME}"
)
_KIN_AFTER = re.compile(rf"(?<![\w@#])(?P<name>{_CAP})['’]s\s+(?i:{_KIN})\b")
_LOWER_TITLE = re.compile(rf"\b(?:mr|mrs|ms|miss|dr)\.\s*{_NAME}")
_LIVES = re.compile(rf"(?<![\w@#]){_NAME}\s+(?:lives|lived|grew up|was born|is staying)\s+(?:on|in|at|with|near)\b")
_ADDRESSED = re.compile(
    rf"(?:^|\n)[ \t]*{_NAME},[ \t]+(?=(?i:can|could|would|will|do|did|have|are|is|please|I|you|we)\b)"
)
_SPEAKER = re.compile(rf"(?m)^[ \t>]*(?P<name>{_CAP}|{_LOW}{{2,}})[ \t]*:[ \t]*(?=[^\s/])")


def _fits(word: str, stop: frozenset[str]) -> bool:
    return len(word) > 1 and word not in stop and word not in ROLE_WORDS


def _labelled(start: int, end: int, found: tuple[Entity, ...]) -> bool:
    """Whether the model took start:end for a place or an organisation."""
    return any(e.label != "person" and e.start < end and start < e.end for e in found)


def cued(text: str, stop: frozenset[str], known: frozenset[str], found: tuple[Entity, ...] = ()) -> Iterator[Hit]:
    """Capitalised words the sentence marks as a person's name: spoken to or by, kin, titled in lower
    case ("ms. Okafor"), living somewhere, or, when a `known` given name, spoken to at the head of a
    line. Shops and firms are spoken to and quoted too ("Tesco, can you ...", "said Google"), so there
    the model's places and organisations are left alone; "said Ines to Tomasz" and the other cues
    hold whatever the model says."""
    for pattern in (_SPOKEN, _KIN_BEFORE, _KIN_AFTER, _LOWER_TITLE, _LIVES, _ADDRESSED):
        for m in pattern.finditer(text):
            if pattern is _ADDRESSED and m.group("name") not in known:  # "Vodafone, can you ..."
                continue
            firm = pattern is _ADDRESSED or (pattern is _SPOKEN and m.group("other") is None)
            for group in ("name", "other") if pattern is _SPOKEN else ("name",):
                value, start, end = m.group(group), m.start(group), m.end(group)
                if not value or not all(_fits(word, stop) for word in value.split()):
                    continue
                if not (firm and _labelled(start, end, found)):
                    yield Hit("name", start, end, value)


def speakers(text: str, known: frozenset[str], stop: frozenset[str]) -> list[Hit]:
    """The speakers of a transcript ("Ines: hello"): a known given name always, and any other word when
    two lines or more speak and one speaker is a known given name."""
    lines = [m for m in _SPEAKER.finditer(text) if _fits(m.group("name").capitalize(), stop)]
    if text.islower():
        lines = [m for m in lines if m.group("name").islower()]
    else:
        lines = [m for m in lines if m.group("name")[0].isupper()]
    named = [m for m in lines if m.group("name").capitalize() in known]
    chosen = lines if named and len(lines) >= 2 else named
    return [Hit("name", m.start("name"), m.end("name"), m.group("name")) for m in chosen]
