"""Recognisers for direct identifiers, with the real validation rules (GUIDANCE.md §3).

Each recogniser yields Hit spans; whether a hit matters (and how much) is decided by the
checker from the words around it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from sociable.safety.lexicon import guarded
from sociable.safety.prefilter import Guard, Scan, as_scan


@dataclass(frozen=True, slots=True)
class Hit:
    """A recognised identifier: what it is, where, and whether words nearby confirm it."""

    kind: str
    start: int
    end: int
    text: str
    confirmed: bool = False
    personal: bool = True


# ---- check digits -------------------------------------------------------------------------


def modulus11_check(digits: str) -> int | None:
    """The NHS modulus-11 check digit for nine digits, or None when the number cannot be valid."""
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 10:
        return None
    return 0 if check == 11 else check


def modulus10_check(digits: str) -> int:
    """The newer CHI modulus-10 (Luhn-style) check digit for nine digits."""
    total = 0
    for index, d in enumerate(digits[:9]):
        value = int(d)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def is_nhs_number(text: str) -> bool:
    """A valid NHS (or H&C) number: ten digits whose modulus-11 check digit is right."""
    d = _digits(text)
    return len(d) == 10 and modulus11_check(d) == int(d[9])


def is_hc_number(text: str) -> bool:
    """A valid Northern Ireland Health and Care number: 320 000 001–399 999 999 plus a valid check."""
    d = _digits(text)
    return len(d) == 10 and 320000001 <= int(d[:9]) <= 399999999 and is_nhs_number(d)


def _chi_date_ok(d: str) -> bool:
    day, month, year = int(d[:2]), int(d[2:4]), int(d[4:6])
    try:
        date(2000 + year, month, day)
    except ValueError:
        return day == 29 and month == 2  # a 29 February in a non-leap year of the other century
    return True


def is_chi_number(text: str) -> bool:
    """A valid CHI number: a real DDMMYY date, then a modulus-11 or the newer modulus-10 check."""
    d = _digits(text)
    if len(d) != 10 or not _chi_date_ok(d):
        return False
    return modulus11_check(d) == int(d[9]) or modulus10_check(d) == int(d[9])


# ---- patterns -----------------------------------------------------------------------------

_TEN_DIGITS = Guard(re.compile(r"(?<![\w£$€.,/-])(?:\d{3}([ -]?)\d{3}\1\d{4}|\d{6}[ -]\d{4})(?![\w/]|[.,]\d)"))
_HEALTH_CONTEXT = guarded(
    r"\b(?:nhs|chi|h ?& ?c|hc|health (?:and|&) care|hosp(?:ital)?|pt|patient|mrn|no\.?|num(?:ber)?|#)\W{0,4}$"
)
_CHI_CONTEXT = guarded(r"\bchi\b")
_NHS_WORD = guarded(r"\bnhs\b")
_POSTCODE = Guard(
    re.compile(
        r"\b(?:[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][A-Z])\s?[0-9][ABD-HJLNP-UW-Z]{2}"
        r"|GIR\s?0AA|ZZ99\s?[0-9][A-Z]{2})\b",
        re.IGNORECASE,
    )
)
_NINO = Guard(
    re.compile(
        r"\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
        r"(?:(\s?)\d{2}\1\d{2}\1\d{2}\1|\d{6}\s?)[A-D]\b"
    )
)
_PHONE = Guard(re.compile(r"(?:\+44\s?(?:\(0\)\s?)?|(?<![\w+])0)[1-9](?:[\s.-]?\d){8,9}(?!\d)"))
# North American numbers: (212) 555-0142, 212-555-0142, 212.555.0142, +1 212 555 0142, 1-800-555-0199.
_NANP = Guard(
    re.compile(
        r"(?<![\w+.-])(?:\+?1[\s.-]?)?(?:\([2-9]\d{2}\)\s?|[2-9]\d{2}([\s.-]))[2-9]\d{2}[\s.-]\d{4}(?![\w-]|[.,]\d)"
    )
)
# Other international numbers written with their country code: +33 1 42 68 53 00, +49 (0)30 1234567, 0049 30 …
_INTERNATIONAL = Guard(
    re.compile(r"(?<![\w+])(?:\+|00)(?!44|1\b)[1-9]\d{0,2}(?:[\s.-]?\(0\))?(?:[\s.-]?\(?\d{1,5}\)?){2,6}(?![\w-]|[.,]\d)")
)
# Any number of 7 to 13 digits, grouped, right after a word that says it is a phone number.
_CUED_PHONE = Guard(
    re.compile(
        r"\b(?:phone|tel|telephone|mobile|mob|cell|call|ring|text|whatsapp|fax|number)\b(?:\s?(?:no|number|is|me|on|at)\.?)*"
        r"[\s:.#-]{0,3}(?P<number>\(?\d[\d().\s-]{5,16}\d)(?![\w-]|[.,]\d)",
        re.IGNORECASE,
    )
)
_NANP_SERVICE = ("800", "888", "877", "866", "855", "844", "833", "900")
_EMAIL = Guard(re.compile(r"(?<![\w.+-])([A-Za-z0-9][\w.+-]*)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"))
_GENERIC_MAILBOX = re.compile(
    r"^(?:info|enquiries|enquiry|admin|contact|hello|office|reception|referrals?|press|media|comms|communications"
    r"|pals|feedback|team|support|bookings?|appointments?|help|helpdesk|careers|jobs|recruitment|hr|safeguarding"
    r"|duty|general|mail|post|news|noreply|no-reply|complaints|patient\.?experience|[a-z]+\.team|[a-z]+team)$",
    re.IGNORECASE,
)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE_SHAPED = re.compile(r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}")
_DATE = guarded(
    r"(?<![\w/.-])(?:(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4}|\d{2})(?![\w/])"
    r"|(?P<y4>(?:19|20)\d{2})-(?P<m4>[01]?\d)-(?P<d4>[0-3]?\d)(?![\w/])"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?,?\s+'?(?P<y2>\d{{4}}|\d{{2}})\b"
    rf"|{_MONTH}\s+(?P<d3>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y3>\d{{4}})\b)"
)
_DOB_CUE = guarded(r"\b(?:d\.?o\.?b\.?|date of birth|born(?: on)?|birthdate|b\. ?)\W{0,6}(?:(?:is|was|of|:)\W{0,3})?$")
_SELF_DOB = guarded(r"\b(?:my|i was)\b[^.!?]{0,20}$")
_SELF_AFTER = re.compile(r"\b(?:my (?:birthday|bday|birthdate)|I turn(?:ed)?|I'?m turning)\b", re.IGNORECASE)
# A date-of-birth cue a little earlier ("DOB? It's 6/24/1991", "date of birth on the form was 2.3.51").
_DOB_EARLIER = guarded(r"\b(?:d\.?o\.?b|date of birth|birth ?date|born)\b")
_EARLIER_WINDOW = 60

_SERVICE_PREFIXES = ("03", "080", "084", "087", "09", "0500", "055", "056")


_PHONE_CUE = guarded(r"\b(?:phone|tel|telephone|mobile|mob|cell|call|ring|text|whatsapp|fax|contact)\b")


def _phone_shaped(scan: Scan, start: int, value: str) -> bool:
    """A ten-digit number written as a phone number: after "+1"/"1-", with a phone word just before, or in
    the North American 3-3-4 shape with hyphens (NHS numbers are usually written with spaces)."""
    text = scan.text
    before = text[max(0, start - 25) : start]
    if re.search(r"(?:\+|\b)1[\s.-]?$", before):
        return True
    if _PHONE_CUE.search(scan, before) is not None:
        return True
    return "-" in value and _NANP.search(scan, value) is not None


def nhs_like_numbers(post: str | Scan) -> Iterator[Hit]:
    """NHS, CHI and H&C numbers that pass their check digit; context words confirm them."""
    scan = as_scan(post)
    text = scan.text
    for m in _TEN_DIGITS.finditer(scan):
        d = _digits(m.group())
        before = text[max(0, m.start() - 30) : m.start()]
        around = text[max(0, m.start() - 40) : m.end() + 20]
        confirmed = _HEALTH_CONTEXT.search(scan, before) is not None or _NHS_WORD.search(scan, around) is not None
        chi_named = _CHI_CONTEXT.search(scan, around) is not None
        if chi_named and is_chi_number(d):
            yield Hit("chi", m.start(), m.end(), m.group(), confirmed=True)
        elif is_hc_number(d) and not _NHS_WORD.search(scan, around):
            yield Hit("hc", m.start(), m.end(), m.group(), confirmed=confirmed)
        elif is_nhs_number(d) and (confirmed or not d.startswith(("0", "5"))):
            if not confirmed and _phone_shaped(scan, m.start(), m.group()):
                continue  # a phone number that happens to pass the check digit: the phone recogniser has it
            yield Hit("nhs", m.start(), m.end(), m.group(), confirmed=confirmed)


def postcodes(post: str | Scan) -> Iterator[Hit]:
    """Full UK postcodes (outward and inward code); an outward code alone is not reported."""
    for m in _POSTCODE.finditer(as_scan(post)):
        value = m.group()
        if value.islower() and " " not in value:
            continue
        yield Hit("postcode", m.start(), m.end(), value)


def ni_numbers(post: str | Scan) -> Iterator[Hit]:
    """National Insurance numbers in HMRC's format, with the disallowed prefixes excluded."""
    for m in _NINO.finditer(as_scan(post)):
        yield Hit("nino", m.start(), m.end(), m.group(), confirmed=True)


def phone_numbers(post: str | Scan) -> Iterator[Hit]:
    """Phone numbers as people write them: UK (published service ranges, 03, 080, 084, 087 and 09, are
    marked not personal), North American (toll-free 8xx not personal), international with a country
    code, and any grouped number right after "phone", "call", "text"…"""
    scan = as_scan(post)
    found: list[Hit] = []
    for m in _PHONE.finditer(scan):
        national = "0" + _digits(m.group())[2:] if m.group().startswith("+") else _digits(m.group())
        if national.startswith("00"):
            national = national[1:]
        if len(national) not in (10, 11):
            continue
        found.append(Hit("phone", m.start(), m.end(), m.group(), personal=not national.startswith(_SERVICE_PREFIXES)))
    for m in _NANP.finditer(scan):
        digits = _digits(m.group())
        area = digits[-10:-7]
        found.append(Hit("phone", m.start(), m.end(), m.group(), personal=area not in _NANP_SERVICE))
    for m in _INTERNATIONAL.finditer(scan):
        value = m.group().rstrip(" .-")
        if 8 <= len(_digits(value)) <= 15:
            found.append(Hit("phone", m.start(), m.start() + len(value), value))
    for m in _CUED_PHONE.finditer(scan):
        value = m.group("number").rstrip(" .-(")
        if value.count("(") != value.count(")"):
            value = value.strip("()")
        start = m.start("number") + m.group("number").index(value)
        if 7 <= len(_digits(value)) <= 13 and not _DATE_SHAPED.fullmatch(value):
            found.append(Hit("phone", start, start + len(value), value))
    yield from drop_overlaps(sorted(found, key=lambda h: (h.start, -(h.end - h.start)))) if len(found) > 1 else found


def emails(post: str | Scan) -> Iterator[Hit]:
    """Email addresses; an organisation's generic mailbox (enquiries@, info@…) is marked not personal."""
    for m in _EMAIL.finditer(as_scan(post)):
        generic = _GENERIC_MAILBOX.match(m.group(1)) is not None
        yield Hit("email", m.start(), m.end(), m.group(), personal=not generic)


def _valid_date(day: int, month: int) -> bool:
    """A day and month that make a date either way round (day/month, or the US month/day)."""
    return (1 <= day <= 31 and 1 <= month <= 12) or (1 <= month <= 31 and 1 <= day <= 12)


def dates(post: str | Scan) -> Iterator[Hit]:
    """Calendar dates with a day, a month and a year (numeric or written)."""
    for m in _DATE.finditer(as_scan(post)):
        if m.group("d") is not None and not _valid_date(int(m.group("d")), int(m.group("m"))):
            continue
        if m.group("y4") is not None and not (1 <= int(m.group("m4")) <= 12 and 1 <= int(m.group("d4")) <= 31):
            continue
        yield Hit("date", m.start(), m.end(), m.group())


def dates_of_birth(post: str | Scan) -> Iterator[Hit]:
    """Dates with a date-of-birth cue just before them ("DOB", "born on"), not the author's own."""
    scan = as_scan(post)
    if not _DOB_CUE.possible(scan) and not _DOB_EARLIER.possible(scan):
        return
    text = scan.text
    for hit in dates(scan):
        before = text[max(0, hit.start - 24) : hit.start]
        cue = _DOB_CUE.search(scan, before)
        if cue is None:
            earlier = text[max(0, hit.start - _EARLIER_WINDOW) : hit.start]
            found = list(_DOB_EARLIER.pattern.finditer(earlier))
            if not found or _DATE_SHAPED.search(earlier[found[-1].end() :]):
                continue
            cue = found[-1]
            before = earlier
        if _SELF_DOB.search(scan, text[max(0, hit.start - 40) : hit.start - len(before) + cue.start()]):
            continue
        if _SELF_AFTER.search(text, hit.end, hit.end + 40):
            continue
        yield Hit("dob", hit.start, hit.end, hit.text, confirmed=True)


def identifiers(post: str | Scan) -> list[Hit]:
    """Every identifier hit, longest first where two overlap."""
    scan = as_scan(post)
    if not scan.digits and "@" not in scan.text:
        return []
    hits: list[Hit] = []
    # Each recogniser finds nothing when the prefilter rules its pattern out, so it is not called then.
    done: set[Callable[[Scan], Iterator[Hit]]] = set()
    for guard, recognise in _RECOGNISERS:
        if recognise not in done and guard.possible(scan):
            done.add(recognise)
            hits += recognise(scan)
    return drop_overlaps(hits) if len(hits) > 1 else hits


_RECOGNISERS: tuple[tuple[Guard, Callable[[Scan], Iterator[Hit]]], ...] = (
    (_TEN_DIGITS, nhs_like_numbers),
    (_NINO, ni_numbers),
    (_DOB_CUE, dates_of_birth),
    (_DOB_EARLIER, dates_of_birth),
    (_POSTCODE, postcodes),
    (_EMAIL, emails),
    (_PHONE, phone_numbers),
    (_NANP, phone_numbers),
    (_INTERNATIONAL, phone_numbers),
    (_CUED_PHONE, phone_numbers),
)


def drop_overlaps(hits: list[Hit]) -> list[Hit]:
    """Keep the first-listed hit where spans overlap (the list is ordered by confidence)."""
    kept: list[Hit] = []
    for hit in hits:
        if all(hit.end <= other.start or hit.start >= other.end for other in kept):
            kept.append(hit)
    return sorted(kept, key=lambda h: h.start)
