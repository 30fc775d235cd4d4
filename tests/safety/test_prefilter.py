"""The prefilter skips only patterns that cannot match: results with it are the same as without it."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from safety_devset import load

from sociable.reports.exports import redact
from sociable.safety import check
from sociable.safety.checker import prepare
from sociable.safety.lexicon import guarded
from sociable.safety.prefilter import DIGIT, MARK, Gate, Guard, Scan, forms_of
from sociable.safety.prefilter.forms import fragment


def every_guard() -> list[Guard]:
    """Every guarded pattern the checker uses (they are all registered once the checker is prepared)."""
    import gc

    prepare()
    return [g for g in gc.get_objects() if isinstance(g, Guard)]


@pytest.mark.parametrize(
    ("written", "atom"),
    [
        (r"\bsyndrome\b", f"{MARK}syndrome{MARK}"),
        (r"\d", DIGIT),
        (r"take the dose", f"take{MARK} {MARK}the{MARK} {MARK}dose"),
        ("colour", "colour"),
        ("@", "@"),
        ("band ", f"band{MARK} "),  # a boundary always sits between a word and a non-word character
        (r"\b#ad\b", f"#{MARK}ad{MARK}"),  # an edge mark only counts next to a word character
    ],
)
def test_fragments_as_written_in_the_data(written: str, atom: str) -> None:
    assert fragment(written) == atom


@pytest.mark.parametrize(
    ("pattern", "flags", "atoms"),
    [
        (r"\bnhs\b", re.IGNORECASE, {f"{MARK}nhs{MARK}"}),
        (r"(?<![\w£$€.,/-])(?:\d{3}([ -]?)\d{3}\1\d{4}|\d{6}[ -]\d{4})(?![\w/]|[.,]\d)", 0, {DIGIT}),
        (r"(?<![\w.+-])([A-Za-z0-9][\w.+-]*)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)", 0, {"@"}),
        (
            r"\b(?:fit|gorgeous|hot|cute|sexy|lovely) (?:guy|man|woman|girl|lad|lady|patient)\b[^.!?]{0,50}?"
            r"(?:dm me|message me|x\b|😘|😍)",
            re.IGNORECASE,
            {f"{MARK}{a}{MARK} {MARK}{b}{MARK}" for a in ("fit", "gorgeous", "hot", "cute", "sexy", "lovely")
             for b in ("guy", "man", "woman", "girl", "lad", "lady", "patient")},
        ),
    ],
)
def test_required_fragments(pattern: str, flags: int, atoms: set[str]) -> None:
    assert forms_of(re.compile(pattern, flags)).fragments == atoms


@pytest.mark.parametrize("pattern", [r"\w+", r"(?:abc|.)", r"x*", r"[^a]{3}"])
def test_patterns_without_a_fixed_fragment_always_run(pattern: str) -> None:
    guard = Guard(re.compile(pattern))
    assert guard.atoms is None
    assert guard.possible(Scan(""))


def test_a_gate_made_after_a_scan_stays_open_for_it() -> None:
    scan = Scan("nothing to see")
    late = Gate(frozenset({"a fragment registered after the scan"}))
    assert late.possible(scan)
    assert not late.possible(Scan("nothing to see"))


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
    "#ad",
    "📸",
    "🤮",
    "’s",
    "İ",
    "ı",
    "ſ",
    "K",
    "ß",
    "Σ",
    " ",
    ", ",
    ". ",
    "\n",
    "on shift",
    "frequent flyer",
    "bed blocker",
    "smelliest patient",
    "added me on facebook",
    "vodka",
    "before nights",
    "code SAVE20",
    "Motor Neurone Disease",
    "from Whitby",
    "vile bully",
    "@wardsister",
    "rare syndrome",
    "3rd admission",
    "٣",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=6), min_size=1, max_size=12), st.booleans())
def test_a_guard_is_open_whenever_its_pattern_matches(pieces: list[str], upper: bool) -> None:
    text = "".join(pieces)
    text = text.upper() if upper else text
    scan = Scan(text)
    for guard in every_guard():
        if guard.pattern.search(text) is not None:
            assert guard.possible(scan), (guard.pattern.pattern[:80], guard.atoms, text)


def test_checks_are_identical_with_every_gate_forced_open(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [row["text"] for row in load()]
    texts += [t.upper() for t in texts[:60]] + ["", "📸" * 20, "ſcan of the İCU pt"]
    fast = [(check(t).to_dict(), redact(t)) for t in texts]
    monkeypatch.setattr(Gate, "possible", lambda self, scan: True)
    slow = [(check(t).to_dict(), redact(t)) for t in texts]
    assert fast == slow


def test_word_lists_compile_with_their_boundaries_outside_the_alternation() -> None:
    guard = guarded("{derogatory_label}")
    assert guard.pattern.pattern.startswith(r"(?<!\w)(?:")
    assert guard.pattern.search("what a bed blocker") is not None
    assert guard.pattern.search("bedblockers") is not None
    assert guard.pattern.search("abed blocker") is None
