"""Names of people (lexicon + titles + initials) and exact ages, as spans in a post."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from importlib import resources

from sociable.safety.lexicon import guarded
from sociable.safety.name_cues import ROLE_WORDS, conjuncts, cued, speakers
from sociable.safety.ner import EVERYDAY, Entity, entities, may_name
from sociable.safety.prefilter import Guard, Scan, as_scan
from sociable.safety.recognisers import Hit

_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Master|Mister|Dr|Prof)"
_CAP = r"[A-ZÀ-ÖØ-ÞĀ-Ž][a-zß-öø-ÿĀ-ž]+(?:['’-][A-ZÀ-ÖØ-ÞĀ-Ž][a-zß-öø-ÿĀ-ž]+)*"
_TITLED = Guard(re.compile(rf"\b{_TITLE}\.?\s+(?:{_CAP}(?:\s+{_CAP})?|[A-Z](?:\.|\b)(?:\s?[A-Z]\b\.?)?)"))
_FULL = re.compile(rf"\b({_CAP})(?=\s+({_CAP})\b)")
_WORD = re.compile(rf"\b({_CAP})\b")
# A given name, a middle initial and a surname ("Shane M Culp", "Faina D. Yefremova"): the initial
# makes it a name whether or not the words are known ones.
_INITIALLED = re.compile(rf"(?<![\w@#])({_CAP})\s([A-ZÀ-ÖØ-Þ])\.?\s({_CAP})(?![\w@#])")
# Capitalised words that take a letter after them without being a name: "Vitamin D Levels", "Plan B".
_LETTER_AFTER = frozenset(
    [
        "Vitamin", "Hepatitis", "Hep", "Type", "Plan", "Part", "Section", "Schedule", "Annex", "Appendix", "Grade",
        "Class", "Group", "Category", "Level", "Stage", "Phase", "Step", "Block", "Unit", "Ward", "Bay", "Bed",
        "Room", "Floor", "Wing", "Zone", "Team", "Area", "Site", "Building", "Gate", "Terminal", "Platform",
        "Route", "Option", "Item", "Question", "Exhibit", "Model", "Series", "Size", "Strep", "Influenza",
        "Flu", "Covid", "Form", "Box", "Apartment", "Apt", "Suite", "Flat", "Studio", "Channel", "Radio", "Line",
        "Lot", "Row", "Seat", "Sector", "Division", "Tier", "Band", "Key", "Star", "Pool", "League", "Cup",
    ]
)

# Words that tie a name to someone receiving care. Strong ones do so on their own; weak ones (a
# death, a family, "again") also fit news and everyday life, so they count only in a post about care.
_CARE_LINK = guarded(
    r"\b(?:bed|bay|room|cubicle|side ?room|resus|ward|care home|the home|nursing home|patients?|pt|residents?"
    r"|service users?|clients?|caseload|admitted|admission|readmitted|discharged|discharge|transferred|refus(?:ed|ing)"
    r"|meds|insulin|cannula|scan|bloods|relatives|family|families|visiting|visited|tenancy|contact session"
    r"|passed (?:away|peacefully)|died|deceased|rip|post ?op|on my list|back again|again and again"
    r"|(?:in|admitted) again)\b"
)
_STRONG_LINK = guarded(
    r"\b(?:(?:bed|bay|room|cubicle|side ?room|resus|ward)\s?\d{1,3}[a-z]?\b|side ?rooms?|resus|(?-i:ward)\b"
    r"|care home|nursing home|(?:my|our|the|a|this|that|his|her|their|one of my|one of our) (?:patient|client"
    r"|resident|service user)s?\b|patients\b|(?-i:pt)\b(?!\.)|service users?|caseload|admitted|admission|readmitted"
    r"|discharged|discharge|insulin|cannula|contact session|post ?op|on the ward|in (?:bed|bay|cubicle) \d"
    r"|residents? (?:at|in|of) (?:the|our)|at the home)\b"
)
_CARE_POST = guarded(
    r"\b(?:on (?:shift|nights|days|the ward)|(?:day|night|late|early|long|my|the|this|a) ?shift|long day|at work"
    r"|my (?:patient|caseload|client|resident)s?"
    r"|our (?:patient|client|resident)s?|home visit|welfare check|cared for|looking after|on the take|handover"
    r"|(?:bed|bay|cubicle|side ?room|ward) ?\d{1,3}|in (?:resus|majors|a ?& ?e|icu|itu|hdu|ccu|the home)"
    r"|care home|nursing home|caseload|service users?|#nurselife|#nightshift|#socialwork|#ambulancelife"
    r"|admitted|readmitted|discharged|cannula|meds round|drug round|(?-i:ward))\b"
)
# Broader: the author at work in care, as the jigsaw weighs it ("brought in", "A&E", "proud midwife").
_CARE_WORK = guarded(
    r"\b(?:a ?& ?e|resus|majors|brought in|came in(?:to)?|delivered|midwife|ambulance|crew|on (?:the )?(?:ward|unit)"
    r"|my (?:shift|team)|icu|itu|hdu|nicu|scbu)\b"
)
_STAFF_LINK = guarded(
    r"\b(?:our new|new|chief|director|head|lead|manager|matron|consultant|registrar|colleague|mentor|teaching"
    r"|teacher|promotion|mbe|obe|award|retiring|retirement|ceo|executive|team lead|for the|thanks? to|thank you"
    r"|congrat\w*|well done|welcome)\b"
)
# A staff title right before a name ("Sister Jones", "our HCA Priya", "Nurse Ama").
_STAFF_BEFORE = guarded(
    r"\b(?:sister|nurse|matron|midwife|hca|sn|rn|staff nurse|charge nurse|consultant|registrar|physio|ot|colleague"
    r"|student|mentor|manager|our|my fellow|fellow|the lovely|porter|paramedic|sw|social worker|dr|doctor)\s+$"
)
# The author naming themselves ("I'm Ama", "my name is Ama", a sign-off at the end).
_AUTHOR_BEFORE = guarded(r"(?:\bI'?m|\bI am|\bmy name is|\bmy name'?s|\bthis is|\bsigned|^\s*-|\n\s*-)\s*$")
# A public figure: a public title right before the name, or a post that reads as news.
_PUBLIC_BEFORE = guarded(
    r"\b(?:president|prez|prime minister|pm|senator|sen\.|governor|gov\.|mp|minister|secretary|chancellor|prince"
    r"|princess|king|queen|sir|dame|lord|pope|coach|singer|actor|actress|rapper|star|footballer|legend|icon"
    r"|comedian|author|host|presenter|reporter|journalist|ceo|chairman|chairwoman|candidate|mayor|councillor"
    r"|rev\.?|reverend|bishop|general|captain|officer|commissioner|justice|judge)\s+$"
)
_NEWS = guarded(
    r"\b(?:deceased|obituary|tributes?|has died|died (?:on|at|aged|in)|dies|dead at|passed away (?:on|at|aged)"
    r"|spokes(?:man|woman|person)|according to|reported|reports|reportedly|statement|announced|confirmed"
    r"|breaking|news|via @\w+|police|court|charged|arrested|accused|sentenced|verdict|election|campaign"
    r"|album|song|film|movie|tour|concert|season|match|game|league|cup|episode|show|book|novel"
    r"|suspect(?:ed)?|gunman|killed|kills|murder(?:ed|s)?|rap(?:e|ed|ing)|faces? \d+|charges|officials?|illegals?"
    r"|migrants?|refugees?|immigrants?|asylum|#\w+)\b"
)


def about_care(post: str | Scan, *, broad: bool = False) -> bool:
    """Whether the post is about the author's care work: "on shift", "my patient", "bed 4", "admitted"; with
    broad=True also "A&E", "brought in", "proud midwife"."""
    scan = as_scan(post)
    if _CARE_POST.possible(scan) and _CARE_POST.search(scan) is not None:
        return True
    return broad and _CARE_WORK.possible(scan) and _CARE_WORK.search(scan) is not None


def reads_as_news(post: str | Scan) -> bool:
    """Whether a post reads as news, public life or entertainment (words such as "reported", "police", "album")."""
    scan = as_scan(post)
    return _NEWS.possible(scan) and _NEWS.search(scan) is not None
_SINGLE_LINK = guarded(
    r"(?:\b(?:bed|bay|room|cubicle)\s?\d{1,3}[a-z]?(?:'s)?,?\s+$"
    r"|\b(?:my|our|the) (?:patient|pt|resident|client|service user),?\s+$"
    r"|\b(?:visited|discharged|admitted|washed|cannulated|transferred|assessed|sectioned)\s+$)"
)
_SINGLE_AFTER = guarded(r"^\s+(?:in|from|on) (?:bed|bay|room|cubicle|side ?room)\b")
# A first name with an age beside it ("Mary, 82,"), in a post about care.
_AGE_AFTER = guarded(r"^,?\s+(?:aged\s+)?\d{1,3}(?:\s?(?:yo|y/o|years? old))?\s*[,)]")
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


# An ellipsis ("on the ward... Mrs K") is a pause, not the end of a sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?\n])(?<!\.\.)\s")
_SENTENCE_START = re.compile(r"(?<=[.!?\n])(?<!\.\.)\s")


def who(scan: Scan, start: int, end: int) -> str:
    """Who a name in a post is: "patient" (someone in the author's care), "staff", "author", "public" or "other".

    A name is a patient's when care words are tied to it: a strong one nearby ("bed 4", "admitted",
    "my client"), or a weak one ("died", "family", "again") in a post that is about care. A staff
    title or thanks nearby makes it a colleague's; "I'm", "my name is" or a sign-off the author's;
    a public title ("President", "Sir") or a post that reads as news, with no care of the author's
    in it, a public figure's.
    """
    text = scan.text
    before = _SENTENCE_START.split(text[max(0, start - 45) : start])[-1]
    after = _SENTENCE_END.split(text[end : end + 50], 1)[0]
    if _AUTHOR_BEFORE.search(scan, before[-20:]):
        return "author"
    if _STAFF_BEFORE.search(scan, before[-25:]):
        return "staff"
    if _STAFF_LINK.search(scan, before[-30:]) or _STAFF_LINK.search(scan, after[:30]):
        return "staff"
    care_post = about_care(scan)
    if _PUBLIC_BEFORE.search(scan, before[-25:]):
        return "public"
    if not care_post and reads_as_news(scan):
        return "public"
    if _STRONG_LINK.search(scan, before) is not None or _STRONG_LINK.search(scan, after) is not None:
        return "patient"
    if care_post and (_CARE_LINK.search(scan, before) is not None or _CARE_LINK.search(scan, after) is not None):
        return "patient"
    return "other"


def _keep(scan: Scan, start: int, end: int, strict: bool) -> bool:
    return not strict or who(scan, start, end) == "patient"


def _titled(scan: Scan, strict: bool) -> Iterator[Hit]:
    text = scan.text
    for m in _TITLED.finditer(scan):
        value = m.group().rstrip(".")
        if strict and value.startswith(("Dr", "Prof")):
            window = text[max(0, m.start() - 30) : m.end() + 30]
            if not _DR_LINK.search(scan, window):
                continue
        if _keep(scan, m.start(), m.start() + len(value), strict):
            yield Hit("name", m.start(), m.start() + len(value), value)


def _full(scan: Scan, words: dict[str, frozenset[str]], strict: bool) -> Iterator[Hit]:
    text = scan.text
    given, surnames, not_surname = words["given"], words["surname"], words["not_surname"]
    for m in _FULL.finditer(text):
        first, second = m.group(1), m.group(2)
        if first not in given or second in not_surname or second in _STREET_END or (
            second in given and second not in surnames
        ):
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
        if _keep(scan, m.start(), end, strict):
            yield Hit("name", m.start(), end, text[m.start() : end])


@cache
def _initial_stop() -> frozenset[str]:
    return lexicon()["not_surname"] | _NOT_PERSON_WORDS | _STREET_END | _LETTER_AFTER | EVERYDAY


@cache
def _cue_stop() -> frozenset[str]:
    return _initial_stop() | _BUILDING_END


def _initialled(scan: Scan, words: dict[str, frozenset[str]], strict: bool) -> Iterator[Hit]:
    """Names with a middle initial ("Shane M Culp"), known words or not."""
    text = scan.text
    stop = _initial_stop()
    for m in _INITIALLED.finditer(text):
        first, last = m.group(1), m.group(3)
        if first in stop or last in stop or (m.group(2) in {"A", "I"} and text[m.end(2) : m.end(2) + 1] != "."):
            continue
        if _keep(scan, m.start(), m.end(), strict):
            yield Hit("name", m.start(), m.end(), m.group())


def _single_linked(scan: Scan, start: int, end: int) -> bool:
    text = scan.text
    before = text[max(0, start - 30) : start]
    after = text[end : end + 20]
    if _SINGLE_LINK.search(scan, before) or _SINGLE_AFTER.search(scan, after):
        return True
    return (
        _AGE_AFTER.search(scan, after) is not None
        and _CARE_POST.search(scan) is not None
        and who(scan, start, end) == "patient"
    )


def _single(scan: Scan, words: dict[str, frozenset[str]]) -> Iterator[Hit]:
    text = scan.text
    given, ambiguous = words["given"], words["ambiguous"]
    for m in _WORD.finditer(text):
        word = m.group(1)
        if word not in given or word in ambiguous:
            continue
        if _single_linked(scan, m.start(), m.end()):
            yield Hit("name", m.start(), m.end(), word)


_UPPER_WORD = re.compile(r"[A-Z]")


_NOT_PERSON_WORDS = frozenset(
    [
        "Inc", "Inc.", "LLC", "Ltd", "Ltd.", "Limited", "Plc", "PLC", "Corp", "Corporation", "Incorporated",
        "Company", "Co", "Group", "Solutions", "Orchestra", "Band", "Club", "Society", "Foundation", "Trust",
        "Council", "University", "College", "School", "Institute", "Agency", "Partners", "Associates", "Systems",
        "Technologies", "Bank", "Press", "Records", "Studios", "Street", "Str", "Str.", "Road", "Avenue", "Lane",
        "Place", "Square", "Way", "Gasse", "Strasse", "Str.", "Tales", "Pleasures", "Investments", "Capital",
        "Holdings", "Ventures", "Consulting", "Analytics", "Labs", "Media", "Services", "Health", "Healthcare",
        "Clinic", "Pharmacy", "Hospital", "Hospitals", "Surgery", "Practice", "Partnership", "Network", "Alliance",
        "Association", "Federation", "Collective", "Enterprises", "Industries", "International", "Global",
        "Insurance", "Motors", "Airlines", "Foods", "Hotel", "Hotels", "Restaurant", "Cafe", "Bakery", "Church",
        "Chapel", "Mosque", "Temple", "Synagogue", "Centre", "Center", "Museum", "Gallery", "Theatre", "Theater",
        "Library", "Academy", "Nursery", "Hospice",
        # festivals and greetings ("Ramadan Mubarak", "Eid Mubarak", "Happy Diwali")
        "Ramadan", "Ramadhan", "Eid", "Diwali", "Deepavali", "Hanukkah", "Chanukah", "Christmas", "Xmas", "Easter",
        "Vaisakhi", "Baisakhi", "Navratri", "Passover", "Pesach", "Kwanzaa", "Nowruz", "Hashanah", "Kippur",
        "Thanksgiving", "Halloween",
    ]
)
# Last words of street and place names that are not surnames ("Mathias Pass", "Monika Union").
_STREET_END = frozenset(
    [
        "Pass", "Union", "Flat", "Flats", "Square", "Squares", "Crossing", "Heights", "Gardens", "Crescent",
        "Terrace", "Mews", "Parkway", "Boulevard", "Blvd", "Trail", "Meadows", "Springs", "Plaza", "Harbor",
        "Harbour", "Shores", "Junction", "Landing", "Loop", "Manor", "Orchard", "Pines", "Plains", "Prairie",
        "Rapids", "Skyway", "Summit", "Turnpike", "Underpass", "Viaduct", "Village", "Vista", "Cliffs", "Forges",
        "Estates", "Causeway", "Expressway", "Freeway", "Highway", "Ave", "Rd", "Circle", "Court", "Close", "Drive",
    ]
)
_LINE_START = re.compile(r"(?:^|\n)[\s>]*$")
_NEXT_TO_NUMBER = re.compile(r"\d[\s,.-]{0,2}$")
_NUMBER_AFTER = re.compile(r"^[\s,.-]{0,2}\d")


def _plausible(scan: Scan, entity: Entity, words: dict[str, frozenset[str]]) -> bool:
    """Whether a person the model found looks like a name: capitalised words (or a known given name), not
    a street or building beside its number ("Holmatun 45"), not a company ("Galorath Incorporated")."""
    parts = entity.text.split()
    if not parts or len(parts) > 5 or any(ch.isdigit() for ch in entity.text):
        return False
    if parts[0] in words["not_surname"] or parts[-1] in words["not_surname"]:
        return False
    if any(p in _NOT_PERSON_WORDS for p in parts) or (len(parts) > 1 and parts[-1] in _STREET_END):
        return False
    if all(p in ROLE_WORDS for p in parts):  # "Matron", "Mum": a role, whoever holds it
        return False
    text = scan.text
    if _NEXT_TO_NUMBER.search(text[max(0, entity.start - 3) : entity.start]):
        return False
    if _NUMBER_AFTER.match(text[entity.end : entity.end + 3]) and not (
        len(parts) > 1 and _LINE_START.search(text[: entity.start])
    ):  # "Holmatun 45" is a street; "Debra Neal  3536 Hoog St" at the head of an address is a person
        return False
    if all(p[:1].islower() for p in parts):
        return any(p.capitalize() in words["given"] for p in parts)
    return entity.text not in words["not_surname"]


# Words that introduce a name: "my name is", "Name:", "called", "Hi"/"Dear" at the start of a message.
_NAME_CUE = guarded(
    r"(?:\b(?:my name is|my name'?s|name is|(?:first|last|maiden|middle|full) name(?: is)?|surname(?: is)?|name:"
    r"|(?:called|named)(?: (?:me|him|her|them))?|(?:call|calls) me|known as)\s*[?:,-]?\s*"
    r"|(?:^|[.!?\n]\s*)(?:hi|hello|hey|dear|thanks|thank you)\s+)"
    r"(?P<name>(?-i:[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’-]+(?:\s+(?:[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’-]+|[A-Z]\.?(?!\w))){0,2}))"
)


def _cued(scan: Scan) -> Iterator[Hit]:
    """Names right after words that introduce one ("my name is Ama Owusu", "Hi Dan,")."""
    for m in _NAME_CUE.finditer(scan):
        value = m.group("name")
        if value.split()[0] in lexicon()["not_surname"]:
            continue
        yield Hit("name", m.start("name"), m.end("name"), value)
    if scan.text.islower():
        for m in _LOWER_CUE.finditer(scan):
            yield Hit("name", m.start("name"), m.end("name"), m.group("name"))


# In a post written all in lower case, the words after a cue: "my name is borna jerković", "call me mika".
_LOWER_CUE = guarded(
    r"\b(?:my name is|my name'?s|(?:first|last|maiden|full) name is|surname is|(?:call|calls|called) me|named)\s+"
    r"(?P<name>[a-zß-öø-ÿ][\w'’-]+(?:\s+(?![a-z]{1,3}\b)(?!(?:but|and|from|with|here|there|please|again)\b)"
    r"[a-zß-öø-ÿ][\w'’-]+)?)"
)
_NEXT_WORD = re.compile(r"[ \t]+([\w.]+)")
_LOWER_WORD = re.compile(r"\b[a-zß-öø-ÿ]{3,}\b")
# Given names that are also everyday lower-case words.
_EVERYDAY_LOWER = frozenset(
    [
        "art", "bill", "bob", "carol", "chase", "dawn", "dean", "drew", "faith", "frank", "gay", "guy", "hope",
        "ivy", "jack", "jewel", "joy", "mark", "miles", "pat", "penny", "ray", "rob", "rose", "ruby", "sally",
        "stan", "sue", "summer", "tim", "wade", "will"
    ]
)


def _repeated(scan: Scan, hits: list[Hit], words: dict[str, frozenset[str]]) -> list[Hit]:
    """Each other mention of a word of a name already found ("Nikolaj Petrussen ... Nikolaj")."""
    parts = {
        p for hit in hits for p in hit.text.split() if len(p) > 2 and p[0].isupper() and p not in words["not_surname"]
    }
    if not parts:
        return []
    text = scan.text
    words_found = "|".join(map(re.escape, sorted(parts, key=len, reverse=True)))
    pattern = re.compile(r"(?<![\w@#])(?:" + words_found + r")(?!\w)")
    return [Hit("name", m.start(), m.end(), m.group()) for m in pattern.finditer(text)]


def _given_anywhere(scan: Scan, words: dict[str, frozenset[str]]) -> Iterator[Hit]:
    """Known given names standing alone (not everyday words such as "Will" or "May"), for redaction."""
    text = scan.text
    given, ambiguous = words["given"], words["ambiguous"]
    if text.islower():  # written all in lower case: names are too
        for m in _LOWER_WORD.finditer(text):
            word = m.group().capitalize()
            if word in given and word not in ambiguous and m.group() not in _EVERYDAY_LOWER:
                yield Hit("name", m.start(), m.end(), m.group())
        return
    for m in _WORD.finditer(text):
        word = m.group(1)
        if word in given and word not in ambiguous:
            following = _NEXT_WORD.match(text, m.end())
            if following and (following.group(1) in _STREET_END or following.group(1) in _NOT_PERSON_WORDS):
                continue
            yield Hit("name", m.start(), m.end(), word)


@cache
def census_given() -> frozenset[str]:
    """Given names of the US 1990 census (the `names` package's lists, the commonest that make up 90% of
    people), without those that are everyday words. Used to tell a person the model took for an
    organisation or a place ("Hanna Ukkonen", "Terence Vassiliev") from one."""
    import names as census

    folder = resources.files(census)
    found: set[str] = set()
    for sheet in ("dist.male.first", "dist.female.first"):
        for line in folder.joinpath(sheet).read_text(encoding="ascii").splitlines():
            parts = line.split()
            if len(parts) == 4 and float(parts[2]) <= 90.0:
                found.add(parts[0].capitalize())
    words = lexicon()
    return frozenset(found - words["ambiguous"] - words["not_surname"] - EVERYDAY) | words["given"]


def _person_mislabelled(entity: Entity) -> bool:
    """An organisation or place of two or three words that starts with a given name and has no word of an
    organisation, a street or a place in it: the small model's commonest mistake with foreign names."""
    parts = entity.text.split()
    if len(parts) == 1:  # a given name alone the model calls an organisation ("Scott is very reliable")
        word = parts[0]
        return (entity.label == "org" and word in census_given() and word not in _BUILDING_END
                and word not in _STREET_END)
    return (
        entity.label != "person"
        and 2 <= len(parts) <= 3
        and parts[0] in census_given()
        and all(p[:1].isupper() and p not in _NOT_PERSON_WORDS and p not in _STREET_END for p in parts)
        and parts[-1] not in _BUILDING_END
    )


# Last words that make a surname-like word a building or a place when the model says it is one ("Morris Hall").
_BUILDING_END = frozenset(
    [
        "Hall", "House", "Hill", "Hills", "Park", "Green", "Field", "Fields", "Wood", "Woods", "Tower", "Towers",
        "Lodge", "Villa", "Castle", "Abbey", "Bridge", "Gate", "Cross", "Market", "Station", "Arena", "Stadium",
        "Point", "Port", "Mill", "Mills", "Dale", "Vale", "Brook", "Ford", "Bay", "Beach", "Island", "Lake",
    ]
)


def _modelled(scan: Scan, found: tuple[Entity, ...], words: dict[str, frozenset[str]], strict: bool) -> Iterator[Hit]:
    """People the named-entity model found, kept when (strict) they are tied to someone's care."""
    for entity in found:
        if entity.label != "person" and _person_mislabelled(entity):
            entity = Entity("person", entity.start, entity.end, entity.text)
        if entity.label != "person" or not _plausible(scan, entity, words):
            continue
        if not strict:
            yield Hit("name", entity.start, entity.end, entity.text)
            continue
        if " " not in entity.text.strip():
            if _UPPER_WORD.match(entity.text) and _single_linked(scan, entity.start, entity.end):
                yield Hit("name", entity.start, entity.end, entity.text)
        elif who(scan, entity.start, entity.end) == "patient":
            yield Hit("name", entity.start, entity.end, entity.text)


def needs_model(post: str | Scan) -> bool:
    """Whether the checker should ask the named-entity model about this post: words that could tie a
    name to someone's care (a strong one, or a weak one in a post about care) and a capitalised word."""
    scan = as_scan(post)
    if not (_CARE_LINK.possible(scan) or _STRONG_LINK.possible(scan) or _SINGLE_LINK.possible(scan)):
        return False
    linked = _STRONG_LINK.search(scan) is not None or _SINGLE_LINK.search(scan) is not None
    if not linked and _CARE_LINK.search(scan) is not None:
        linked = _CARE_POST.possible(scan) and _CARE_POST.search(scan) is not None
    return linked and may_name(scan.text)


def person_names(
    post: str | Scan, *, strict: bool = True, found: tuple[Entity, ...] | None = None, model: bool = True
) -> list[Hit]:
    """Names tied to someone receiving care: titled names, full names, first names by a bed or bay, and
    the people the named-entity model finds.

    With strict=False every titled or full name counts, whoever it is (for redaction). `found` gives
    the model's entities when they are already known (batch screening); with model=False the model
    is not asked.
    """
    scan = as_scan(post)
    words = lexicon()
    hits: list[Hit] = []
    if not strict or _CARE_LINK.possible(scan) or _STRONG_LINK.possible(scan):
        hits += [*_titled(scan, strict), *_full(scan, words, strict), *_initialled(scan, words, strict)]
    if _SINGLE_LINK.possible(scan) or _SINGLE_AFTER.possible(scan) or _AGE_AFTER.possible(scan):
        hits += _single(scan, words)
    if found is None and model and (may_name(scan.text) if not strict else needs_model(scan)):
        found = entities(scan.text)
    if found:
        hits += _modelled(scan, found, words, strict)
    if not strict:
        stop = _cue_stop()
        hits += [*_cued(scan), *_given_anywhere(scan, words), *cued(scan.text, stop, census_given(), found or ())]
        hits += speakers(scan.text, census_given(), stop)
        hits += conjuncts(scan.text, hits, stop, census_given(), found or ())
        hits += _repeated(scan, hits, words)
    if len(hits) < 2:
        return hits
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.start, -(h.end - h.start))):
        # Kept hits do not overlap and come in order, so only the last can overlap a later one.
        if not kept or hit.start >= kept[-1].end:
            kept.append(hit)
    return kept


def place_names(post: str | Scan, found: tuple[Entity, ...] | None = None) -> list[Hit]:
    """Places the named-entity model finds (towns, countries, regions, buildings), as "place" hits."""
    scan = as_scan(post)
    if found is None:
        if not may_name(scan.text):
            return []
        found = entities(scan.text)
    return [Hit("place", e.start, e.end, e.text) for e in found if e.label == "place"]


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
