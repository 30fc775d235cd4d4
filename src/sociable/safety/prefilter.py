"""A one-pass prefilter: which literal fragments occur in a post, so that patterns which cannot match are skipped.

Every pattern the checker uses has a set of literal fragments, one of which must occur in any
text it matches (see `literals`). Each such set is registered as a gate. `Scan(text)` finds, in
one pass over the lower-cased post, which registered fragments are present and so which gates
are open; `Gate.possible(scan)` is then a set lookup. A gate is only ever closed when its
patterns truly cannot match, so skipping them changes no result, and ordinary posts, which
open few gates, leave the checker in microseconds.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sociable.safety.literals import DIGIT, mark_boundaries, required_atoms

__all__ = ["DIGIT", "Gate", "Guard", "Scan", "as_scan", "gate_for"]

_ANY_DIGIT = re.compile(r"\d")
# Characters that re's IGNORECASE matches to an ASCII letter but str.lower() leaves (or makes) otherwise.
_CASE_FIXES = str.maketrans({"İ": "i", "ı": "i", "ſ": "s", "K": "k"})


def _trie(atoms: Iterable[str]) -> str:
    """One regex alternation of the fragments, shared prefixes factored so the engine tries one path per text."""
    root: dict[str, Any] = {}
    for atom in atoms:
        node = root
        for ch in atom:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(root)


@dataclass(frozen=True, slots=True)
class _Index:
    """What a scan needs, swapped in whole after each change: the gate count and the fragment finder."""

    known: int
    finder: re.Pattern[str] | None  # the longest fragment starting at each position, found by lookahead
    gates_of: dict[str, frozenset[int]]  # fragment found -> gates opened by it and by its own prefixes
    digit_gates: frozenset[int]


class _Registry:
    """Every gate's fragments, with the index the scan uses to find them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.gates = 0
        self.by_atom: dict[str, set[int]] = {}
        self.index = _Index(0, None, {}, frozenset())

    def add(self, atoms: frozenset[str]) -> int:
        with self.lock:
            gate = self.gates
            for atom in atoms:
                self.by_atom.setdefault(atom, set()).add(gate)
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
        atoms = sorted(atom for atom in self.by_atom if atom != DIGIT)
        by_atom = self.by_atom
        gates_of = {
            atom: frozenset().union(*(by_atom[atom[:n]] for n in range(1, len(atom) + 1) if atom[:n] in by_atom))
            for atom in atoms
        }
        finder = re.compile(f"(?=({_trie(atoms)}))") if atoms else None
        return _Index(self.gates, finder, gates_of, frozenset(self.by_atom.get(DIGIT, ())))


_REGISTRY = _Registry()


class Scan:
    """A post with the gates its fragments open, found once per check and shared by every pattern."""

    __slots__ = ("digits", "known", "live", "memo", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.memo: dict[str, bool] = {}
        index = _REGISTRY.current()
        self.known = index.known
        lowered = text.lower() if text.isascii() else text.translate(_CASE_FIXES).lower()
        found = index.finder.findall(mark_boundaries(lowered)) if index.finder is not None else []
        gates_of = index.gates_of
        live: set[int] = set().union(*[gates_of[atom] for atom in found])
        self.digits = _ANY_DIGIT.search(text) is not None
        if self.digits:
            live |= index.digit_gates
        self.live = live


def as_scan(text: str | Scan) -> Scan:
    """The scan of a post (made now when given plain text)."""
    return text if isinstance(text, Scan) else Scan(text)


class Gate:
    """A set of fragments one of which must be in a post for something to be worth running on it."""

    __slots__ = ("id",)

    def __init__(self, atoms: frozenset[str] | None) -> None:
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
    """A compiled pattern with the gate its fragments make, so it only runs on posts that could match."""

    __slots__ = ("atoms", "gate", "pattern")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.atoms = required_atoms(pattern)
        self.gate = Gate(self.atoms)

    def possible(self, scan: Scan) -> bool:
        """False only when the pattern cannot match anywhere in the scanned post."""
        return self.gate.possible(scan)

    def search(self, scan: Scan, part: str | None = None) -> re.Match[str] | None:
        """The pattern's first match in the post, or in `part` of it (a slice of the same post)."""
        if not self.gate.possible(scan):
            return None
        return self.pattern.search(scan.text if part is None else part)

    def finditer(self, scan: Scan) -> Iterator[re.Match[str]]:
        """Every match in the post (none at all when the prefilter rules the pattern out)."""
        if not self.gate.possible(scan):
            return iter(())
        return self.pattern.finditer(scan.text)
