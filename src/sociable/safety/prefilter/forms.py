"""Each pattern's prefilter forms, kept as data beside the rules (data/prefilter.yaml).

A pattern's forms say what every match of it must contain, so that a post lacking it can skip
the pattern:

* fragments: lower-case strings one of which occurs in every text the pattern matches, looked
  up in the lower-cased post. `\\b` at either end of a fragment means the fragment starts (ends)
  at a word boundary; `\\d` stands for any Unicode digit. `\\b(?:syndrome|disease)\\b` needs
  "\\bsyndrome\\b" or "\\bdisease\\b". Fragments are ASCII or uncased characters only, so they
  are found whatever the pattern's case flags.
* pieces: RE2 expressions each of which matches wherever the pattern could (see `scan.Scan` for
  how RE2 reads the post); the prefilter asks for all of them.
* whole: an RE2 expression that matches from every position where a match of the pattern can
  start, to skip the text before it.

A pattern without stored forms runs on every post: the same findings, only slower.
tests/safety/test_prefilter_forms.py holds each entry to its pattern, and checks that every
pattern the checker uses has one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import re2
import yaml

__all__ = ["DIGIT", "MARK", "NO_FORMS", "OPTIONS", "Forms", "forms_of", "fragment", "mark_boundaries", "stored_forms"]

DIGIT = "\x00digit"  # stands for "some character that \d matches" (any Unicode decimal digit)
MARK = "\x01"  # a word boundary; `mark_boundaries` puts one at every boundary of the text being scanned
_BOUNDARY = re.compile(r"\b")
OPTIONS = re2.Options()  # how the RE2 forms are matched: case-insensitively, one byte per character
OPTIONS.encoding = re2.Options.Encoding.LATIN1
OPTIONS.case_sensitive = False


@dataclass(frozen=True, slots=True)
class Forms:
    """A pattern's prefilter forms: fragments (one is in every match; None: no constraint), RE2 pieces, RE2 whole."""

    fragments: frozenset[str] | None
    pieces: tuple[str, ...] = ()
    whole: str | None = None


NO_FORMS = Forms(None)


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # exactly what \w and \b mean in a str pattern


def fragment(written: str) -> str:
    """A fragment as written in data/prefilter.yaml, in the form it is looked up in: a boundary-marked text.

    The marked form has a MARK at every change between word and non-word characters inside the
    fragment (a boundary is always there), and at either end where it was written with `\\b`
    next to a word character.
    """
    if written == "\\d":
        return DIGIT
    lead = written.startswith("\\b")
    trail = written.endswith("\\b") and len(written) > 2
    chars = written[2 if lead else 0 : len(written) - 2 if trail else len(written)]
    if not chars:
        raise ValueError(f"the prefilter fragment {written!r} has no characters; write at least one.")
    out = [MARK] if lead and _is_word(chars[0]) else []
    for i, ch in enumerate(chars):
        if i and _is_word(ch) != _is_word(chars[i - 1]):
            out.append(MARK)
        out.append(ch)
    if trail and _is_word(chars[-1]):
        out.append(MARK)
    return "".join(out)


def mark_boundaries(lowered: str) -> str:
    """The text with MARK at every word boundary, the form fragments are looked up in."""
    return _BOUNDARY.sub(MARK, lowered)


def _entry(item: dict[str, Any]) -> tuple[tuple[str, int], Forms]:
    pattern = str(item["pattern"])
    flags = re.UNICODE | (re.IGNORECASE if item.get("ignorecase") else 0)  # as re.compile gives them
    written = item.get("fragments")
    fragments = None if written is None else frozenset(fragment(str(f)) for f in written)
    pieces = tuple(str(p) for p in item.get("pieces") or ())
    whole = item.get("whole")
    return (pattern, flags), Forms(fragments, pieces, None if whole is None else str(whole))


@cache
def stored_forms() -> dict[tuple[str, int], Forms]:
    """Every stored entry, by pattern text and flags."""
    text = resources.files("sociable.safety").joinpath("data/prefilter.yaml").read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(text, Loader=loader)
    return dict(_entry(item) for item in data["patterns"])


def forms_of(pattern: re.Pattern[str]) -> Forms:
    """The stored forms of a compiled pattern (NO_FORMS when there are none: it then runs on every post)."""
    return stored_forms().get((pattern.pattern, pattern.flags), NO_FORMS)
