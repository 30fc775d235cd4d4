"""Looser RE2 forms of a Python regular expression, to ask in one pass which patterns could match a post.

`relaxation(pattern)` rewrites a pattern into RE2 expressions over the post as the prefilter's
RE2 set reads it (case-insensitively, one byte per character: ASCII as it is, İ ı ſ and the
Kelvin sign as the ASCII letter re's IGNORECASE takes them for, anything else as "?"). Each
expression matches wherever the pattern could match, in the whole post or in any slice of it:
it never says "no" when the pattern would say "yes", though it may say "yes" more often.

* Assertions (`\\b`, `^`, `$`, look-arounds) are dropped: they only ever reject matches, and
  they depend on text outside the slice being searched.
* An ASCII literal stays; an uncased non-ASCII one (an emoji) becomes "?"; a cased one becomes
  any character (its case partners may be other characters altogether).
* Classes and `\\d \\w \\s` keep exactly the ASCII characters they accept, in either case, and
  take "?" too unless they are a plain set of ASCII characters (Python's classes are Unicode).
* A back-reference becomes its group's own form (or any text); atomic groups and possessive
  repeats become plain ones; repeat counts above a limit become open-ended.
* A long run of almost any character (`[^.!?]{0,60}`) splits the pattern into pieces, each of
  which every match contains; the selective pieces are kept (the prefilter asks for all of them).

When nothing but assertions was dropped, the whole relaxed pattern also says where a match can
start: a match of the pattern at some position is a match of it at that position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import re2

__all__ = ["NOTHING", "OPTIONS", "Relaxed", "relaxation"]

_ANY = "(?s:.)"
_ANY_TEXT = "(?s:.)*"
NOTHING = "\\b\\B"  # an expression that never matches
_MAX_COUNT = 8  # RE2 expands counted repeats; beyond this a repeat is left open-ended
_WIDE = 80  # a class accepting this many printable ASCII characters, repeated, runs on through most text
_MIN_SCORE = 1.5  # a piece must be about this selective (a fixed character and a digit) to earn a place in the set
_LOOSE_BODY = 0.01  # an open-ended run of a class this unselective (64 or more printable characters) is dropped
_SPACE = "\\t-\\r\\x1c-\\x1f "  # the ASCII characters str.isspace() (and so re's \\s) accepts
OPTIONS = re2.Options()
OPTIONS.encoding = re2.Options.Encoding.LATIN1
OPTIONS.case_sensitive = False
_CATEGORIES: dict[Any, tuple[str, int]] = {  # RE2 class (with "?" for any non-ASCII character), printable count
    sre.CATEGORY_DIGIT: ("[0-9?]", 10),
    sre.CATEGORY_NOT_DIGIT: ("[^0-9]", 85),
    sre.CATEGORY_SPACE: ("[" + _SPACE + "?]", 1),
    sre.CATEGORY_NOT_SPACE: ("[^" + _SPACE + "]", 94),
    sre.CATEGORY_WORD: ("[0-9a-z_?]", 63),
    sre.CATEGORY_NOT_WORD: ("[^0-9a-z_]", 32),
}
# The non-ASCII partners re's IGNORECASE gives ASCII letters (tested in tests/safety/test_prefilter_relaxed.py).
_PARTNERS = {"i": "\u0130\u0131", "s": "\u017f", "k": "\u212a"}


@dataclass(frozen=True, slots=True)
class _Loose:
    """A part of a pattern, relaxed."""

    expr: str  # the RE2 expression ("" when it asks nothing)
    exact: bool  # matches wherever the part could match, so neighbours may be joined to it
    score: float  # how selective: roughly how many fixed characters every match has
    wide: bool = False  # a long run of almost any character, left out of the expression


_EMPTY = _Loose("", True, 0.0)
_UNKNOWN = _Loose(_ANY_TEXT, True, 0.0, wide=True)


def _escape(ch: str) -> str:
    return ch if ch.isalnum() else f"\\x{ord(ch):02x}"


def _literal(code: int) -> _Loose:
    ch = chr(code)
    if ch.isascii():
        return _Loose(_escape(ch), True, 1.0)
    if ch.lower() != ch or ch.upper() != ch:
        return _Loose(_ANY, True, 0.0)  # its case partners may be other characters altogether
    return _Loose("\\?", True, 0.2)


def _class_accepts(items: list[tuple[Any, Any]], flags: int) -> re.Pattern[str] | None:
    """The class alone, compiled with the pattern's flags, to ask which characters it accepts."""
    state = sre_parse.State()
    state.flags = flags
    sub = sre_parse.SubPattern(state, [(sre.IN, items)])
    try:
        return re._compiler.compile(sub, flags)  # type: ignore[attr-defined]
    except Exception:  # an internal difference between Python versions: fall back to "any character"
        return None


def _class(items: list[tuple[Any, Any]], flags: int) -> _Loose:
    """An RE2 class accepting every ASCII character the Python class accepts (either case) and,
    unless the class is a plain set of ASCII characters, every non-ASCII one."""
    accepts = _class_accepts(items, flags)
    if accepts is None:
        return _Loose(_ANY, True, 0.0)
    chosen = []
    for code in range(128):
        ch = chr(code)
        if ch.isupper():
            continue  # matched case-insensitively: the lower-case letter stands for both
        if any(accepts.fullmatch(p) for p in {ch, ch.upper(), *_PARTNERS.get(ch, "")}):
            chosen.append(ch)
    plain = all(op in (sre.LITERAL, sre.RANGE) for op, _ in items)
    small = plain and all((av if op is sre.LITERAL else av[1]) < 128 for op, av in items)
    body = "".join(map(_escape, chosen)) + ("" if small else "?")
    printable = sum(ch.isprintable() for ch in chosen) + sum(ch.isalpha() for ch in chosen)
    return _Loose(f"[{body}]" if body else NOTHING, True, max(0.0, 1 - printable / 64), printable >= _WIDE)


def _repeat(low: int, high: int, body: _Loose) -> _Loose:
    if not body.exact:
        return body if low else _Loose("", False, 0.0)
    open_ended = high is sre.MAXREPEAT or high > _MAX_COUNT
    if body.wide or (body.score < _LOOSE_BODY and open_ended):
        return _Loose(_ANY_TEXT, True, 0.0, wide=True)  # a run of almost anything: it splits the sequence
    if not body.expr:
        return _EMPTY
    upper = "" if open_ended else str(high)
    return _Loose(f"(?:{body.expr}){{{min(low, _MAX_COUNT)},{upper}}}", True, min(low, _MAX_COUNT) * body.score)


def _branch(options: list[_Loose]) -> _Loose:
    if any(not o.expr for o in options if not o.exact):
        return _Loose("", False, 0.0)
    expr = "(?:" + "|".join(o.expr or "" for o in options) + ")"
    exact = all(o.exact and not o.wide for o in options)
    return _Loose(expr, exact, min(o.score for o in options), wide=not exact and any(o.wide for o in options))


def _node(op: Any, av: Any, flags: int, groups: dict[int, _Loose]) -> _Loose:
    if op is sre.LITERAL:
        return _literal(av)
    if op in (sre.NOT_LITERAL, sre.ANY):
        return _Loose(_ANY, True, 0.0)
    if op is sre.IN:
        return _class(list(av), flags)
    if op is sre.CATEGORY:
        expr, printable = _CATEGORIES.get(av, (_ANY, 95))
        return _Loose(expr, True, max(0.0, 1 - printable / 64), printable >= _WIDE)
    if op is sre.SUBPATTERN:
        group, add, remove, body = av
        part = _sequence(list(body), (flags | add) & ~remove, groups)
        if group is not None:
            groups[group] = part
        return part
    if op is sre.ATOMIC_GROUP:
        return _sequence(list(av), flags, groups)
    if op is sre.BRANCH:
        return _branch([_sequence(list(p), flags, groups) for p in av[1]])
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, child = av
        return _repeat(low, high, _sequence(list(child), flags, groups))
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return _EMPTY
    if op is sre.GROUPREF_EXISTS:
        _group, yes, no = av
        return _branch([_sequence(list(yes), flags, groups), _sequence(list(no), flags, groups) if no else _EMPTY])
    if op is sre.GROUPREF:  # the same text the group matched, so whatever the group's own form accepts
        group = groups.get(av)
        return group if group is not None and group.exact and not group.wide else _UNKNOWN
    return _UNKNOWN  # anything not listed: any text at all


def _pieces(items: list[tuple[Any, Any]], flags: int, groups: dict[int, _Loose]) -> list[_Loose]:
    """Exact parts join up; a long run of any character, or a part that is only a condition, splits the
    sequence into pieces. Every match of the sequence contains a match of each piece, in order."""
    pieces: list[_Loose] = []
    run: list[_Loose] = []
    for op, av in items:
        part = _node(op, av, flags, groups)
        if part.exact and not part.wide:
            run.append(part)
            continue
        pieces.append(_joined(run))
        run = []
        if not part.exact:
            pieces.append(part)
    pieces.append(_joined(run))
    return pieces


def _sequence(items: list[tuple[Any, Any]], flags: int, groups: dict[int, _Loose]) -> _Loose:
    """The sequence whole when nothing split it, else its most selective piece (no longer exact)."""
    pieces = _pieces(items, flags, groups)
    if len(pieces) == 1:
        return pieces[0]
    best = max(pieces, key=lambda p: p.score)
    return _Loose(best.expr, False, best.score)


def _joined(run: list[_Loose]) -> _Loose:
    return _Loose("".join(p.expr for p in run), True, sum(p.score for p in run))


def _useful(expression: str) -> bool:
    if not expression:
        return False
    try:
        return re2.search(expression.encode("ascii"), b"", OPTIONS) is None  # one that matches anywhere is not
    except re2.error:
        return False


@dataclass(frozen=True, slots=True)
class Relaxed:
    """A pattern's RE2 forms: pieces each of which every match contains, and, when the whole pattern
    relaxes without dropping anything but assertions, that whole (a match of the pattern starting at
    some position is a match of it starting there too)."""

    pieces: tuple[str, ...]
    whole: str | None


def relaxation(pattern: re.Pattern[str]) -> Relaxed:
    """The pattern's RE2 forms (matched case-insensitively over the post as `prefilter.Scan` reads it).

    A pattern made only of words and phrases gives no pieces: its fragments already say as much. A
    pattern split by a long run of any character ("A[^.]{0,60}B") gives each selective piece.
    """
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # the pattern compiled, so this is a parser difference between Python versions
        return Relaxed((), None)
    pieces = _pieces(list(parsed), parsed.state.flags, {})
    whole = pieces[0].expr if len(pieces) == 1 and _useful(pieces[0].expr) else None
    if len(pieces) == 1 and "[" not in pieces[0].expr and "(?s" not in pieces[0].expr:
        return Relaxed((), whole)
    chosen = [p.expr for p in pieces if p.score >= _MIN_SCORE and _useful(p.expr)]
    return Relaxed(tuple(dict.fromkeys(chosen)), whole)
