"""The literal fragments a regular expression needs: one of them occurs in every text it matches.

A pattern is read with the `re` parser. Runs of literal characters (and small classes such as
`[ -]`, optional parts and short alternations) expand to the exact strings they can match;
anything looser (`\\w+`, `.`, a back-reference) ends a run. Of the alternative requirements a
pattern offers, the most selective is kept: for `\\b[A-Z][a-z]+ (?:syndrome|disease)\\b` that is
"syndrome" or "disease". `\\d` stands for the pseudo-fragment DIGIT (any Unicode digit).
Fragments are lower case, and only ASCII or uncased characters, so they can be looked up in
a lower-cased post whatever the pattern's case flags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

DIGIT = "\x00digit"  # stands for "some character that \d matches" (any Unicode decimal digit)
MARK = "\x01"  # a word boundary; `mark_boundaries` puts one at every boundary of the text being scanned
_MAX_EXACT = 256  # how many alternative strings a part of a pattern may expand to before it is summarised
_MAX_LENGTH = 40
_BOUNDARY = re.compile(r"\b")


@dataclass(frozen=True, slots=True)
class _Exact:
    """A part of a pattern that matches only these (lower-cased) strings."""

    strings: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Needs:
    """A part of a pattern whose every match contains one of these fragments (None: no constraint)."""

    atoms: frozenset[str] | None


_Info = _Exact | _Needs
_NOTHING = _Exact(frozenset({""}))
_ANYTHING = _Needs(None)


def _char(code: int) -> str | None:
    """The lower-case form a literal character is searched by, or None when case folding makes it unsafe."""
    ch = chr(code)
    if ch in (MARK, DIGIT[0]):
        return None
    if ch.isascii():
        return ch.lower()
    return ch if ch.lower() == ch and ch.upper() == ch else None


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # exactly what \w and \b mean in a str pattern


def _boundary_assertion(op: Any, av: Any) -> bool:
    r"""`\b`, `(?<!\w)` or `(?!\w)`: next to a word character each means a word boundary."""
    if op is sre.AT:
        return bool(av is sre.AT_BOUNDARY)
    return op is sre.ASSERT_NOT and list(av[1]) == [(sre.IN, [(sre.CATEGORY, sre.CATEGORY_WORD)])]


def _normal(text: str) -> str:
    """A fragment as it appears in a boundary-marked text: a mark at every change between word and
    non-word characters, and at either end only where the pattern asserted a boundary next to a word character.
    """
    chars = text.replace(MARK, "")
    if not chars:
        return ""
    out = [MARK] if text[0] == MARK and _is_word(chars[0]) else []
    for i, ch in enumerate(chars):
        if i and _is_word(ch) != _is_word(chars[i - 1]):
            out.append(MARK)
        out.append(ch)
    if text[-1] == MARK and _is_word(chars[-1]):
        out.append(MARK)
    return "".join(out)


def _atoms(info: _Info) -> frozenset[str] | None:
    if isinstance(info, _Needs):
        return info.atoms
    atoms = frozenset(_normal(s) for s in info.strings)
    return None if "" in atoms else atoms


def _weight(atom: str) -> float:
    if atom == DIGIT:
        return 2.2  # a digit is about as rare in posts as a two-letter fragment
    edges = (atom[0] == MARK) + (atom[-1] == MARK)
    return len(atom.replace(MARK, "")) + 0.5 * edges


def _better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """The more selective of two alternative requirements (longer rarest fragment, then fewer fragments)."""
    if a is None:
        return b
    if b is None:
        return a
    score_a, score_b = min(map(_weight, a)), min(map(_weight, b))
    if score_a != score_b:
        return a if score_a > score_b else b
    return a if len(a) <= len(b) else b


def _class(items: list[tuple[Any, Any]]) -> _Info:
    chars: set[str] = set()
    for op, av in items:
        if op is sre.LITERAL:
            ch = _char(av)
            if ch is None:
                return _ANYTHING
            chars.add(ch)
        elif op is sre.RANGE and av[1] - av[0] < _MAX_EXACT:
            for code in range(av[0], av[1] + 1):
                ch = _char(code)
                if ch is None:
                    return _ANYTHING
                chars.add(ch)
        elif op is sre.CATEGORY and av is sre.CATEGORY_DIGIT:
            return _Needs(frozenset({DIGIT}))
        else:
            return _ANYTHING
    if all(c.isdigit() for c in chars):
        return _Needs(frozenset({DIGIT}))
    return _Exact(frozenset(chars)) if len(chars) <= _MAX_EXACT else _ANYTHING


def _branch(options: list[_Info]) -> _Info:
    if all(isinstance(o, _Exact) for o in options):
        union = frozenset().union(*(o.strings for o in options if isinstance(o, _Exact)))
        if len(union) <= _MAX_EXACT:
            return _Exact(union)
    needs: set[str] = set()
    for option in options:
        atoms = _atoms(option)
        if atoms is None:
            return _ANYTHING
        needs |= atoms
    return _Needs(frozenset(needs))


def _repeat(low: int, high: int, child: _Info) -> _Info:
    if isinstance(child, _Exact):
        if low == 0 and high == 1:
            return _Exact(child.strings | {""})
        if low == high and len(child.strings) ** low <= _MAX_EXACT:
            return _Exact(frozenset("".join(p) for p in product(sorted(child.strings), repeat=low)))
    if low == 0:
        return _ANYTHING
    return _Needs(_atoms(child))


def _sequence(items: list[tuple[Any, Any]]) -> _Info:
    """Literal runs expand to exact strings; the most selective requirement of the sequence is kept."""
    run: frozenset[str] = frozenset({""})
    best: frozenset[str] | None = None
    broken = False
    for op, av in items:
        info = _node(op, av)
        if isinstance(info, _Exact):
            joined = frozenset(a + b for a in run for b in info.strings)
            if len(joined) <= _MAX_EXACT and max(map(len, joined)) <= _MAX_LENGTH:
                run = joined
                continue
            best, run, broken = _better(best, _atoms(_Exact(run))), info.strings, True
        else:
            best, run, broken = _better(_better(best, _atoms(_Exact(run))), info.atoms), frozenset({""}), True
    if not broken:
        return _Exact(run)
    return _Needs(_better(best, _atoms(_Exact(run))))


def _node(op: Any, av: Any) -> _Info:
    if op is sre.LITERAL:
        ch = _char(av)
        return _ANYTHING if ch is None else _Exact(frozenset({ch}))
    if op is sre.IN:
        return _class(av)
    if op is sre.CATEGORY:
        return _Needs(frozenset({DIGIT})) if av is sre.CATEGORY_DIGIT else _ANYTHING
    if op is sre.SUBPATTERN:
        return _sequence(list(av[-1]))
    if op is sre.ATOMIC_GROUP:
        return _sequence(list(av))
    if op is sre.BRANCH:
        return _branch([_sequence(list(p)) for p in av[1]])
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, child = av
        return _repeat(low, high, _sequence(list(child)))
    if _boundary_assertion(op, av):
        return _Exact(frozenset({MARK}))
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return _NOTHING  # zero-width: it takes no characters, so the parts either side stay adjacent
    return _ANYTHING


def _minimal(atoms: frozenset[str]) -> frozenset[str]:
    """Drop fragments that contain another fragment of the set: the shorter one already says the same."""
    ordered = sorted(atoms, key=len)
    kept: list[str] = []
    for atom in ordered:
        if not any(k in atom for k in kept):
            kept.append(atom)
    return frozenset(kept)


def mark_boundaries(lowered: str) -> str:
    """The text with MARK at every word boundary, the form fragments are looked up in."""
    return _BOUNDARY.sub(MARK, lowered)


def required_atoms(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Lower-case fragments one of which every match of the pattern contains, or None when there are none."""
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # the pattern compiled, so this is a parser difference between Python versions
        return None
    atoms = _atoms(_sequence(list(parsed)))
    return None if atoms is None else _minimal(atoms)
