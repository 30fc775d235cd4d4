"""The RE2 prefilter and the loose forms of patterns: they skip or shorten only what cannot match."""

from __future__ import annotations

import random
import re
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from safety_devset import load

from sociable.safety import check
from sociable.safety.checker import prepare
from sociable.safety.jigsaw import assess, could_flag
from sociable.safety.lexicon import compiled
from sociable.safety.prefilter import DIGIT, Forms, Guard, Scan, mark_boundaries
from sociable.safety.prefilter.forms import fragment
from sociable.safety.prefilter.scan import _REGISTRY


@cache
def every_guard() -> tuple[Guard, ...]:
    import gc

    prepare()
    check("warm")  # the rules register their gates on first use
    return tuple(g for g in gc.get_objects() if isinstance(g, Guard))


def spans(matches: object) -> list[tuple[int, int]]:
    return [m.span() for m in matches]  # type: ignore[attr-defined]


def assert_guards_agree(text: str) -> None:
    """Every guard is open where its pattern matches, and finds exactly the pattern's own matches."""
    scan = Scan(text)
    for guard in every_guard():
        expected = spans(guard.pattern.finditer(text))
        if expected:
            assert guard.possible(scan), (guard.pattern.pattern[:80], text)
        assert spans(guard.finditer(scan)) == expected, (guard.pattern.pattern[:80], text)
        first = guard.search(scan)
        assert (first.span() if first else None) == (expected[0] if expected else None)


def test_the_only_non_ascii_characters_ignorecase_matches_to_ascii_letters_are_the_partners() -> None:
    # The matcher reads these four as their ASCII letter; any other non-ASCII character becomes "?".
    every = "".join(chr(c) for c in range(128, 0x110000) if not 0xD800 <= c <= 0xDFFF)
    found = set(re.findall(r"[a-z]", every, re.IGNORECASE))
    assert found <= {"\u0130", "\u0131", "\u017f", "\u212a"}
    lowers_to_ascii = {ch for ch in every if any(c.isascii() for c in ch.lower())}
    assert lowers_to_ascii <= {"\u0130", "\u212a"}


_WORD = "[0123456789\\x5fabcdefghijklmnopqrstuvwxyz?]"
_SPACE = "[\\x09\\x0a\\x0b\\x0c\\x0d\\x1c\\x1d\\x1e\\x1f\\x20?]"
_DIGITS = "(?:[0123456789?]){3,3}\\x2d(?:[0123456789?]){4,4}"


@pytest.mark.parametrize(
    ("pattern", "flags", "forms", "text"),
    [
        # curly quotes are not word characters
        (r"\bpt\b", re.IGNORECASE, Forms(frozenset({fragment(r"\bpt\b")}), (), "pt"),
         "seen by the \u2019PT\u2019 team"),
        # the Kelvin sign is k to IGNORECASE
        (r"\bkg\b", re.IGNORECASE, Forms(frozenset({fragment(r"\bkg\b")}), (), "kg"), "weighs 4 \u212ag today"),
        (r"\bicu\b", re.IGNORECASE, Forms(frozenset({fragment(r"\bicu\b")}), (), "icu"), "moved to \u0130CU overnight"),
        # Arabic-Indic digits are \d
        (r"\d{3}-\d{4}", 0, Forms(frozenset({DIGIT}), (_DIGITS,), _DIGITS),
         "call \u0661\u0662\u0663-\u0664\u0665\u0666\u0667 now"),
        # a no-break space is \s
        (r"ward\s+7", 0, Forms(frozenset({"ward"}), (f"ward(?:{_SPACE}){{1,}}7",), f"ward(?:{_SPACE}){{1,}}7"),
         "ward\u00a07 again"),
        # a back-reference
        (r"(\w)\1x", 0, Forms(frozenset({"x"}), (), f"{_WORD}{_WORD}x"),
         "a long enough line of text before the doubled letters: eex"),
        (r"(?<![\w.])café\b", re.IGNORECASE, Forms(frozenset({"caf"}), ("caf(?s:.)",), "caf(?s:.)"),
         "the hospital CAFÉ is open later than it used to be these days"),
        (r"\bé\w+", 0, Forms(None, (), f"(?s:.)(?:{_WORD}){{1,}}"),
         "une école est ouverte tout près de l'hôpital, avec une équipe très accueillante"),
        (r"[^\x00-\x7f]{2}", 0, Forms(None, ("(?:[iks?]){2,2}",), "(?:[iks?]){2,2}"),
         "an emoji pair 📸🤮 at the end of a long line of otherwise plain text here"),
    ],
)
def test_unicode_corners_open_their_guard(pattern: str, flags: int, forms: Forms, text: str) -> None:
    guard = Guard(re.compile(pattern, flags), forms)
    assert guard.pattern.search(text) is not None
    scan = Scan(text)
    assert guard.possible(scan)
    assert spans(guard.finditer(scan)) == spans(guard.pattern.finditer(text))


def test_a_relaxation_keeps_each_selective_piece() -> None:
    forms = Guard(compiled(r"\b(?:{conduct_substance})\b[^.!?]{0,60}?\b(?:{work_duty})\b")).forms
    assert len(forms.pieces) == 2 and forms.whole is None
    assert Guard(compiled(r"\bnhs\b")).forms.pieces == ()


PIECES = [
    "NHS no ",
    "943 476 5919",
    "pt in bay 4",
    "Mrs Jones",
    "Dr ",
    "aged 87",
    "DOB 07/12/1975",
    "LS6 2QB",
    "07700 900412",
    "jo.bloggs@example.com",
    "enquiries@trust.nhs.uk",
    "AB 12 34 56 C",
    "📸",
    "🤮",
    "’s",
    "\u0130",
    "\u0131",
    "\u017f",
    "\u212a",
    "ß",
    "Σ",
    "\u00a0",
    " ",
    ", ",
    ". ",
    "\n",
    "on shift",
    "today",
    "at 3pm",
    "frequent flyer",
    "smelliest patient",
    "added me on facebook",
    "vodka before nights",
    "Motor Neurone Disease",
    "from Whitby",
    "St Mary's Hospital",
    "Market Street",
    "M62",
    "vile bully",
    "@wardsister you idiot",
    "3rd admission",
    "our team line",
    "٣",
    "x",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=8), min_size=6, max_size=40), st.booleans())
def test_guards_find_exactly_their_patterns_matches(pieces: list[str], upper: bool) -> None:
    text = "".join(pieces)
    assert_guards_agree(text.upper() if upper else text)


def test_guards_agree_on_the_development_set() -> None:
    for row in load():
        assert_guards_agree(row["text"])


def test_a_long_varied_post_still_opens_every_gate_it_should() -> None:
    rng = random.Random(5)
    text = " ".join(rng.choice(PIECES) + "".join(rng.choice("abz09 .’\u212a") for _ in range(3)) for _ in range(4000))
    assert len(text) > 40_000
    assert_guards_agree(text)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=8), min_size=1, max_size=30), st.booleans())
def test_a_fragment_in_the_boundary_marked_post_always_opens_its_gate(pieces: list[str], upper: bool) -> None:
    # The fragments' own definition: looked up in the lower-cased post with a mark at every word boundary.
    text = "".join(pieces)
    text = text.upper() if upper else text
    every_guard()
    scan = Scan(text)
    fixed = text.translate(str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}))
    marked = mark_boundaries(fixed.lower())
    for gate, atoms in enumerate(_REGISTRY.atoms_of):
        if isinstance(atoms, frozenset) and any(a != DIGIT and a in marked for a in atoms):
            assert gate in scan.live, (sorted(atoms)[:5], text)


def test_could_flag_is_true_whenever_assess_finds_a_severity() -> None:
    rng = random.Random(9)
    texts = [row["text"] for row in load()]
    texts += [" ".join(rng.sample(PIECES, 6)) for _ in range(300)]
    flagged = 0
    for text in texts:
        if assess(text).severity is not None:
            flagged += 1
            assert could_flag(text), text
    assert flagged > 20
