"""A one-pass prefilter: which patterns could match a post, so that those which cannot are skipped.

Every pattern the checker uses has stored forms (see `forms`): literal fragments, one of which
must occur in any text it matches, and looser RE2 forms of itself. Each fragment set and each
loose form is registered as a gate. `Scan(text)` finds, in one pass of an RE2 set over the
post, which gates are open; whether a pattern could match is then a set lookup. A gate is only
ever closed when its patterns truly cannot match, so skipping them changes no result, and
ordinary posts, which open few gates, leave the checker in microseconds. When a pattern does
run, the loose form also tells it where its first (and each next) match can start.

The RE2 set reads the post one byte per character: ASCII as it is, the non-ASCII letters re's
IGNORECASE treats as ASCII (İ ı ſ and the Kelvin sign) as those letters, and every other
character as "?". Positions in it are positions in the post.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import re2

from sociable.safety.prefilter.forms import DIGIT, MARK, OPTIONS, Forms, forms_of

__all__ = ["DIGIT", "Gate", "Guard", "Scan", "as_scan", "gate_for"]

_ANY_DIGIT = re.compile(r"\d")
# The non-ASCII characters re's IGNORECASE matches to an ASCII letter (İ ı ſ and the Kelvin sign): the set
# reads them as that letter (tested in tests/safety/test_prefilter_relaxed.py).
_PARTNERS = (("\u0130", "i"), ("\u0131", "i"), ("\u017f", "s"), ("\u212a", "k"))
_LOCATE_FROM = 80  # on shorter posts the regex finds its own first match about as fast as RE2 can
_SET_MEMORY = 256 << 20  # generous: the set's automaton grows with the fragments, and a set must never run short


def _ascii_word(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def _fragment(atom: str) -> str:
    """An ASCII fragment as an RE2 expression over the matcher's form of the post (no marks, any case).

    Marks inside a fragment sit between a word and a non-word character, where a boundary always
    is, so they are dropped. A mark at either end becomes RE2's `\\b`, which means the same next
    to an ASCII word character: RE2's `\\w` is ASCII and Python's is Unicode, but the matcher sees
    every other non-ASCII character as "?", a non-word character, so where Python sees a boundary
    RE2 does too.
    """
    chars = atom.replace(MARK, "")
    lead = "\\b" if atom[0] == MARK and _ascii_word(chars[0]) else ""
    trail = "\\b" if atom[-1] == MARK and _ascii_word(chars[-1]) else ""
    return lead + re2.escape(chars) + trail


@dataclass(frozen=True, slots=True)
class _Index:
    """What a scan needs, swapped in whole after each change: the gate count and the fragment matchers."""

    known: int
    matcher: re2.Set | None  # each distinct ASCII fragment and loose form once
    gates_of: tuple[frozenset[int], ...]  # the matcher's expression number -> the gates it opens
    digit_gates: frozenset[int]
    wide: tuple[tuple[str, bool, frozenset[int]], ...]  # fragments with non-ASCII characters (emoji), whether
    # they have letters in them, and their gates: looked up directly in the post


class _Registry:
    """Every gate's fragments, with the index the scan uses to find them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.gates = 0
        self.atoms_of: list[frozenset[str] | str] = []  # a gate's fragments, or an RE2 expression
        self.index = _Index(0, None, (), frozenset(), ())

    def add(self, atoms: frozenset[str] | str) -> int:
        with self.lock:
            gate = self.gates
            self.atoms_of.append(atoms)
            self.gates += 1
            return gate

    def current(self) -> _Index:
        index = self.index
        if index.known == self.gates:
            return index
        with self.lock:
            if self.index.known != self.gates:
                self.index = self._build()
            return self.index

    def _build(self) -> _Index:
        """One RE2 set of every distinct expression (a fragment shared by several gates is matched once)."""
        opens: dict[str, set[int]] = {}
        digit_gates: set[int] = set()
        wide: dict[str, set[int]] = {}
        for gate, atoms in enumerate(self.atoms_of):
            if isinstance(atoms, str):
                opens.setdefault(atoms, set()).add(gate)
                continue
            for atom in atoms:
                if atom == DIGIT:
                    digit_gates.add(gate)
                elif atom.isascii():
                    opens.setdefault(_fragment(atom), set()).add(gate)
                else:
                    wide.setdefault(atom.replace(MARK, ""), set()).add(gate)
        lookups = tuple((chars, chars.upper() != chars, frozenset(gates)) for chars, gates in sorted(wide.items()))
        if not opens:
            return _Index(self.gates, None, (), frozenset(digit_gates), lookups)
        options = re2.Options()
        options.max_mem = _SET_MEMORY
        options.case_sensitive = False
        options.encoding = re2.Options.Encoding.LATIN1
        matcher = re2.Set.SearchSet(options)
        expressions = sorted(opens)
        for number, expression in enumerate(expressions):
            if matcher.Add(expression.encode("ascii")) != number:
                raise RuntimeError("the prefilter's expressions fell out of step with its gates")
        matcher.Compile()
        gates_of = tuple(frozenset(opens[expression]) for expression in expressions)
        return _Index(self.gates, matcher, gates_of, frozenset(digit_gates), lookups)


_REGISTRY = _Registry()


class Scan:
    """A post with the gates its fragments open, found once per check and shared by every pattern."""

    __slots__ = ("data", "digits", "known", "live", "memo", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.memo: dict[str, bool] = {}
        index = _REGISTRY.current()
        self.known = index.known
        self.digits = _ANY_DIGIT.search(text) is not None
        self.live: set[int] = set(index.digit_gates) if self.digits else set()
        if text.isascii():
            self.data = text.encode("ascii")  # the post as the matcher reads it, one byte per character
        else:
            for partner, letter in _PARTNERS:
                if partner in text:
                    text = text.replace(partner, letter)
            # Every other non-ASCII character becomes "?": the RE2 forms allow for that.
            self.data = text.encode("ascii", "replace")
            lower = ""
            for chars, cased, gates in index.wide:
                if cased and not lower:
                    lower = text.lower()
                if chars in (lower if cased else text):
                    self.live |= gates
        found = index.matcher.Match(self.data) if index.matcher is not None else None
        if found:
            self.live.update(*map(index.gates_of.__getitem__, found))


def as_scan(text: str | Scan) -> Scan:
    """The scan of a post (made now when given plain text)."""
    return text if isinstance(text, Scan) else Scan(text)


class Gate:
    """A set of fragments one of which must be in a post for something to be worth running on it."""

    __slots__ = ("id",)

    def __init__(self, atoms: frozenset[str] | str | None) -> None:
        """A gate for fragments (any of them opens it), or for an RE2 expression (a piece, see `forms`)."""
        self.id = -1 if atoms is None else _REGISTRY.add(atoms)

    def possible(self, scan: Scan) -> bool:
        """False only when none of the fragments is in the scanned post (gates made after the scan stay open)."""
        gate = self.id
        return gate < 0 or gate in scan.live or gate >= scan.known


def gate_for(atom_sets: Iterable[frozenset[str] | None]) -> Gate:
    """One gate that is open when any of several fragment sets is satisfied (always open if one is None)."""
    union: set[str] = set()
    for atoms in atom_sets:
        if atoms is None:
            return Gate(None)
        union |= atoms
    return Gate(frozenset(union))


class Guard:
    """A compiled pattern with the gates it needs, so it only runs on posts that could match."""

    __slots__ = ("atoms", "forms", "gate", "ids", "locate", "loose", "need", "pattern", "top")

    def __init__(self, pattern: re.Pattern[str], forms: Forms | None = None) -> None:
        """A guard with the pattern's stored forms, or with the forms given (a pattern without any always runs)."""
        self.pattern = pattern
        self.forms = forms_of(pattern) if forms is None else forms
        self.atoms = self.forms.fragments
        self.gate = Gate(self.atoms)
        # The pattern's loose forms: in pieces, each open wherever it could match (a pattern without
        # fragments always runs), and whole, to find where its first match can start.
        self.loose = tuple(Gate(piece) for piece in self.forms.pieces) if self.atoms is not None else ()
        whole = self.forms.whole
        self.locate = None if whole is None else re2.compile(whole.encode("ascii"), OPTIONS)
        self.ids = tuple(gate.id for gate in (self.gate, *self.loose) if gate.id >= 0)
        self.need = frozenset(self.ids)  # every one must be open
        self.top = max(self.ids, default=-1)

    def possible(self, scan: Scan) -> bool:
        """False only when the pattern cannot match anywhere in the scanned post."""
        if self.top < scan.known:
            return self.need <= scan.live
        return all(gate in scan.live or gate >= scan.known for gate in self.ids)  # gates made after the scan

    def start(self, scan: Scan) -> int:
        """Where in the post the pattern's first match can start, at the earliest (-1: nowhere)."""
        if self.locate is None or len(scan.data) != len(scan.text) or len(scan.text) < _LOCATE_FROM:
            return 0
        found = self.locate.search(scan.data)
        return -1 if found is None else int(found.start())

    def search(self, scan: Scan, part: str | None = None) -> re.Match[str] | None:
        """The pattern's first match in the post, or in `part` of it (a slice of the same post)."""
        if not self.possible(scan):
            return None
        if part is not None:
            return self.pattern.search(part)
        start = self.start(scan)
        return None if start < 0 else self.pattern.search(scan.text, start)

    def finditer(self, scan: Scan) -> Iterator[re.Match[str]]:
        """Every match in the post (none at all when the prefilter rules the pattern out)."""
        if not self.possible(scan):
            return iter(())
        start = self.start(scan)
        if start < 0:
            return iter(())
        if self.locate is None or start == 0:
            return self.pattern.finditer(scan.text)
        return self._located(scan, start, self.locate)

    def _located(self, scan: Scan, start: int, locate: re2._Regexp) -> Iterator[re.Match[str]]:
        """`finditer`, with RE2 finding where each next match can start so the regex skips the text between.

        The same matches: none of the pattern's matches is empty (its whole form would then match
        the empty string, and none is stored for it), so after a match the next is the first to start
        at or after its end, and RE2 finds no later start than that.
        """
        text, data = scan.text, scan.data
        while True:
            match = self.pattern.search(text, start)
            if match is None:
                return
            yield match
            after = locate.search(data, match.end())
            if after is None:
                return
            start = after.start()
