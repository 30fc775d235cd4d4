"""Names of people (lexicon + titles + initials) and exact ages, as spans in a post."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from importlib import resources

from sociable.safety.lexicon import guarded
from sociable.safety.prefilter import Guard, Scan, as_scan
from sociable.safety.recognisers import Hit

_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Master|Mister|Dr|Prof)"
_CAP = r"[A-Z][a-z]+(?:['’-][A-Z][a-z]+)*"
_TITLED = Guard(re.compile(rf"\b{_TITLE}\.?\s+(?:{_CAP}(?:\s+{_CAP})?|[A-Z](?:\.|\b)(?:\s?[A-Z]\b\.?)?)"))
_FULL = re.compile(rf"\b({_CAP})(?=\s+({_CAP})\b)")
_WORD = re.compile(rf"\b({_CAP})\b")

# Words that tie a name to someone receiving care.
_CARE_LINK = guarded(
    r"\b(?:bed|bay|room|cubicle|side ?room|resus|ward|care home|the home|nursing home|patients?|pt|residents?"
    r"|service users?|clients?|caseload|admitted|admission|readmitted|discharged|discharge|transferred|refus(?:ed|ing)"
    r"|meds|insulin|cannula|scan|bloods|relatives|family|families|visiting|visited|tenancy|contact session"
    r"|passed (?:away|peacefully)|died|rip|post ?op|on my list|back again|again)\b"
)
_STAFF_LINK = guarded(
    r"\b(?:our new|new|chief|director|head|lead|manager|matron|consultant|registrar|colleague|mentor|teaching"
    r"|teacher|promotion|mbe|obe|award|retiring|retirement|ceo|executive|team lead|for the|thanks? to|thank you"
    r"|congrat\w*|well done|welcome)\b"
)
_SINGLE_LINK = guarded(
    r"(?:\b(?:bed|bay|room|cubicle)\s?\d{1,3}[a-z]?(?:'s)?,?\s+$"
    r"|\b(?:my|our|the) (?:patient|pt|resident|client|service user),?\s+$"
    r"|\b(?:visited|discharged|admitted|washed|cannulated|transferred|assessed|sectioned)\s+$)"
)
_SINGLE_AFTER = guarded(r"^\s+(?:in|from|on) (?:bed|bay|room|cubicle|side ?room)\b")
_DR_LINK = guarded(r"\b(?:bed|bay|cubicle|side ?room|admitted|readmitted|discharged|my patient|our patient)\b")

AGE = guarded(
    r"\b(?P<n>\d{1,3})\s?(?:-|\s)?(?:years?|yrs?|yr)\s?(?:-|\s)?old\b|\b(?P<n2>\d{1,3})\s?(?:yo|y/o|y\.o\.)\b"
    r"|\baged\s+(?P<n3>\d{1,3})\b|\b(?P<n4>\d{1,2})\s?(?:-|\s)?(?:days?|weeks?|months?)\s?(?:-|\s)?old\b"
)
_AGE_SELF = guarded(r"(?:\bmy(?: little| eldest| youngest)?|\bI'?m an?|\bI am an?|\bas an?)\s*$")


@cache
def lexicon() -> dict[str, frozenset[str]]:
    """The sections of data/names.txt: given, surname, ambiguous (given names that are everyday words)
    and not_surname (capitalised words that follow a first name without being a surname)."""
    sections: dict[str, set[str]] = {}
    target = sections.setdefault("given", set())
    text = resources.files("sociable.safety").joinpath("data/names.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            target = sections.setdefault(line.strip("[]"), set())
            continue
        target.update(line.split())
    return {name: frozenset(words) for name, words in sections.items()}


def _linked(scan: Scan, start: int, end: int, strict: bool = True) -> bool:
    """Whether a name sits next to care words and not next to a staff role (always, when not strict)."""
    if not strict:
        return True
    text = scan.text
    before = text[max(0, start - 45) : start]
    after = text[end : end + 60]
    if _STAFF_LINK.search(scan, before[-30:]) or _STAFF_LINK.search(scan, after[:30]):
        return False
    return _CARE_LINK.search(scan, before) is not None or _CARE_LINK.search(scan, after) is not None


def _titled(scan: Scan, strict: bool) -> Iterator[Hit]:
    text = scan.text
    for m in _TITLED.finditer(scan):
        value = m.group().rstrip(".")
        if strict and value.startswith(("Dr", "Prof")):
            window = text[max(0, m.start() - 30) : m.end() + 30]
            if not _DR_LINK.search(scan, window):
                continue
        if _linked(scan, m.start(), m.end(), strict):
            yield Hit("name", m.start(), m.start() + len(value), value)


def _full(scan: Scan, words: dict[str, frozenset[str]], strict: bool) -> Iterator[Hit]:
    text = scan.text
    given, surnames, not_surname = words["given"], words["surname"], words["not_surname"]
    for m in _FULL.finditer(text):
        first, second = m.group(1), m.group(2)
        if first not in given or second in not_surname or (second in given and second not in surnames):
            continue
        if _TITLED.pattern.match(text, max(0, m.start() - 5)) or text[max(0, m.start() - 4) : m.start()].strip() in {
            "Mr",
            "Mrs",
            "Ms",
            "Miss",
            "Dr",
        }:
            continue
        end = m.end(2)
        if _linked(scan, m.start(), end, strict):
            yield Hit("name", m.start(), end, text[m.start() : end])


def _single(scan: Scan, words: dict[str, frozenset[str]]) -> Iterator[Hit]:
    text = scan.text
    given, ambiguous = words["given"], words["ambiguous"]
    for m in _WORD.finditer(text):
        word = m.group(1)
        if word not in given or word in ambiguous:
            continue
        before = text[max(0, m.start() - 30) : m.start()]
        if _SINGLE_LINK.search(scan, before) or _SINGLE_AFTER.search(scan, text[m.end() : m.end() + 20]):
            yield Hit("name", m.start(), m.end(), word)


def person_names(post: str | Scan, *, strict: bool = True) -> list[Hit]:
    """Names tied to someone receiving care: titled names, full names, and first names by a bed or bay.

    With strict=False every titled or full name counts, whoever it is (for redaction).
    """
    scan = as_scan(post)
    words = lexicon()
    hits: list[Hit] = []
    if not strict or _CARE_LINK.possible(scan):
        hits += [*_titled(scan, strict), *_full(scan, words, strict)]
    if _SINGLE_LINK.possible(scan) or _SINGLE_AFTER.possible(scan):
        hits += _single(scan, words)
    if len(hits) < 2:
        return hits
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.start, -(h.end - h.start))):
        if all(hit.end <= k.start or hit.start >= k.end for k in kept):
            kept.append(hit)
    return kept


def ages(post: str | Scan) -> list[Hit]:
    """Exact ages ("82-year-old", "aged 82", "23yo", "6 weeks old"), leaving out the author's own and family's."""
    scan = as_scan(post)
    text = scan.text
    found: list[Hit] = []
    for m in AGE.finditer(scan):
        value = next(int(v) for v in (m.group("n"), m.group("n2"), m.group("n3"), m.group("n4")) if v)
        if m.group("n4") is None and not 0 < value < 120:
            continue
        if _AGE_SELF.search(scan, text[max(0, m.start() - 20) : m.start()]):
            continue
        kind = "age_infant" if m.group("n4") else ("age_over_89" if value > 89 else "age")
        found.append(Hit(kind, m.start(), m.end(), m.group()))
    return found
