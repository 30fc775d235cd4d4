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
_SPEAKER = re.compile(rf"(?m)^[ \t>]*(?P<name>{_CAP}|{_LOW}{{2,}})[ \t]*:[ \t]*(?=[^\s/\d])")
# Labels that head a line of data, not a speaker ("Red: 2 wards", "Jan: 120", "Update: …").
_LABEL_WORDS = (
    "red amber green blue black white grey gray yellow orange purple pink gold silver jan feb mar apr may jun jul "
    "aug sep sept oct nov dec january february march april june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun update "
    "note status total edit ps re fwd q a summary morning evening night today tonight")
_LABELS = frozenset(_LABEL_WORDS.split())


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
    lines = [m for m in _SPEAKER.finditer(text)
             if _fits(m.group("name").capitalize(), stop) and m.group("name").lower() not in _LABELS]
    if text.islower():
        lines = [m for m in lines if m.group("name").islower()]
    else:
        lines = [m for m in lines if m.group("name")[0].isupper()]
    named = [m for m in lines if m.group("name").capitalize() in known]
    chosen = lines if named and len(lines) >= 2 else named
    return [Hit("name", m.start("name"), m.end("name"), m.group("name")) for m in chosen]


_JOIN_AFTER = re.compile(r"(?:[ \t]*,[ \t]*(?:(?:and|&)[ \t]+)?|[ \t]+(?:and|&)[ \t]+)([^\W\d_][\w'’-]*)")
_JOIN_BEFORE = re.compile(r"([^\W\d_][\w'’-]*)(?:[ \t]*,[ \t]*|[ \t]+(?:and|&)[ \t]+)$")
# What may follow a word in a list of names: the list goes on or ends. In lower case any word can
# follow "and" ("adam and went home"), so a list word there is followed by this.
_LIST_GOES_ON = re.compile(r"[ \t]*(?:$|[,.;:!?)\"”]|(?:and|&)[ \t])")
# A capitalised word or a number beside a list word makes it part of a longer name: "Hall Orchestra",
# "Loveland Technologies", "Civis Analytics".
_CAPITAL_NEXT = re.compile(r"[ \t]+[A-ZÀ-ÖØ-Þ\d]|[ \t]*\d")
_CAPITAL_BEFORE = re.compile(r"(?:[A-ZÀ-ÖØ-Þ\d][\w'’.-]*|\d)[ \t]+$")


def _list_word(text: str, start: int, end: int, stop: frozenset[str], known: frozenset[str] | None) -> str:
    """What the word at start:end is in a list: "name", "other", or "longer" (part of a longer name,
    which makes the list one of things); `known` is the given names for a post in lower case."""
    word = text[start:end]
    if known is not None:
        if not _fits(word.capitalize(), stop) or not word.isalpha() or _LIST_GOES_ON.match(text, end) is None:
            return "other"
        between_commas = "," in text[max(0, start - 3) : start] or text[end : end + 1] == ","
        return "name" if word.capitalize() in known or between_commas else "other"
    if not (word[:1].isupper() and word[1:2].islower()):
        return "other"
    if _CAPITAL_NEXT.match(text, end) or _CAPITAL_BEFORE.search(text[max(0, start - 30) : start]):
        return "longer"
    return "name" if _fits(word, stop) and word.isalpha() else "other"


def _beside(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The words joined to start:end by a comma or "and", after it and before it."""
    spans = []
    after = _JOIN_AFTER.match(text, end)
    if after:
        spans.append((after.start(1), after.end(1)))
    offset = max(0, start - 40)
    before = _JOIN_BEFORE.search(text[offset:start])
    if before:
        spans.append((offset + before.start(1), offset + before.end(1)))
    return spans


def conjuncts(
    text: str, hits: list[Hit], stop: frozenset[str], known: frozenset[str], found: tuple[Entity, ...] = ()
) -> list[Hit]:
    """Words listed beside a name already found ("Nowak, Okafor and Hughes", "ines, tomasz and kofi"):
    a list of names goes on with names. A list with a longer name of a thing in it ("Clark, Romero and
    Hall Orchestra") is a list of things; the model's places and organisations are not taken; in lower
    case only a known given name or a word between commas ("ines, tomasz, kofi") is."""
    lower = known if text.islower() else None
    seen = {(h.start, h.end) for h in hits}
    out: list[Hit] = []
    for hit in hits:
        todo, group, longer = [(hit.start, hit.end)], [], False
        visited = {(hit.start, hit.end)}
        while todo:
            for span in _beside(text, *todo.pop()):
                if span in seen or span in visited:
                    continue
                visited.add(span)
                kind = _list_word(text, *span, stop, lower)
                longer = longer or kind == "longer"
                if kind == "name":  # the list goes on past a word the model calls a place or firm
                    todo.append(span)
                    if not _labelled(*span, found):
                        group.append(span)
        if lower is not None and len(group) < 2:  # "sarah, ugh, what a shift": two words make no list
            group = [span for span in group if text[span[0] : span[1]].capitalize() in lower]
        if not longer:
            seen.update(group)
            out += [Hit("name", s, e, text[s:e]) for s, e in group]
    return out
