"""Word lists kept as data (data/lexicons.yaml), compiled once into guarded regular expressions."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import yaml

from sociable.errors import SociableError
from sociable.safety.prefilter import Guard, Scan, as_scan

_REFERENCE = re.compile(r"\{([a-z_]+)\}")


def load_yaml(name: str) -> Any:
    """One of the YAML files shipped in sociable/safety/data."""
    text = resources.files("sociable.safety").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@cache
def lexicons() -> dict[str, tuple[str, ...]]:
    """Every word list by name."""
    data = load_yaml("lexicons.yaml")
    return {name: tuple(str(entry) for entry in entries) for name, entries in data.items()}


def alternation(name: str) -> str:
    """A regex fragment matching any entry of a list as a whole word (emoji and brackets included).

    The word-boundary checks sit outside the alternation, so each entry starts with its own first
    character and the engine can skip entries that cannot start at a position; the matches and
    their order of preference are the same as checking the boundaries around every entry.
    """
    entries = lexicons().get(name)
    if entries is None:
        raise SociableError(f"the safety rules refer to an unknown word list {{{name}}}; add it to lexicons.yaml.")
    return "(?<!\\w)(?:" + "|".join(f"(?:{entry})(?!\\w)" for entry in entries) + ")"


def expand(pattern: str) -> str:
    """Replace each {list} in a pattern with that list's alternation."""
    return _REFERENCE.sub(lambda m: alternation(m.group(1)), pattern)


@cache
def compiled(pattern: str) -> re.Pattern[str]:
    """A pattern (which may name word lists) compiled case-insensitively, once."""
    try:
        return re.compile(expand(pattern), re.IGNORECASE)
    except re.error as exc:
        raise SociableError(f"the safety pattern {pattern[:60]!r} is not a valid regular expression ({exc}).") from exc


@cache
def guarded(pattern: str) -> Guard:
    """A pattern (which may name word lists) compiled once, with the prefilter fragments it needs."""
    return Guard(compiled(pattern))


@cache
def cue(name_or_pattern: str) -> Guard:
    """A word list by name, or a literal pattern, compiled and guarded."""
    if name_or_pattern in lexicons():
        return guarded("{" + name_or_pattern + "}")
    return guarded(name_or_pattern)


def has(text: str | Scan, name_or_pattern: str) -> bool:
    """Whether a list (or pattern) occurs anywhere in the text (remembered for the rest of the check)."""
    scan = as_scan(text)
    found = scan.memo.get(name_or_pattern)
    if found is None:
        found = scan.memo[name_or_pattern] = cue(name_or_pattern).search(scan) is not None
    return found


def near(text: str | Scan, start: int, end: int, name_or_pattern: str, window: int) -> bool:
    """Whether a list (or pattern) occurs within `window` characters of a span."""
    scan = as_scan(text)
    guard = cue(name_or_pattern)
    if not guard.possible(scan):
        return False
    lo, hi = max(0, start - window), min(len(scan.text), end + window)
    return guard.pattern.search(scan.text, lo, hi) is not None
