"""The listening cues: questions, requests, complaints and urgency, as rules kept in lexicon/listening.yaml.

The same patterns run in two places: in Python (`classify`, for a single post and for tests) and
inside DuckDB (`kind_sql`, `urgent_sql`, `cues_sql`, for a whole corpus at once). They are
written in the subset of regular expressions that Python's `re` and RE2 read the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from sociable.errors import SociableError

LEXICON_PATH = Path(__file__).with_name("lexicon") / "listening.yaml"
KINDS = ("complaint", "request", "question")  # in order of precedence
URGENT = "urgent"
LINK_PATTERN = r"https?://\S+"


class CueError(SociableError, ValueError):
    """The listening lexicon is not shaped as documented."""


@dataclass(frozen=True, slots=True)
class Rule:
    kind: str
    name: str
    match: str
    unless: str | None = None

    def applies(self, text: str) -> bool:
        if not re.search(self.match, text, re.IGNORECASE):
            return False
        return not (self.unless and re.search(self.unless, text, re.IGNORECASE))

    def sql(self, column: str) -> str:
        found = f"regexp_matches({column}, {_literal('(?i)' + self.match)})"
        if self.unless:
            found += f" AND NOT regexp_matches({column}, {_literal('(?i)' + self.unless)})"
        return f"({found})"


@dataclass(frozen=True, slots=True)
class Cues:
    """The rules, the queue's ranking weights and the stopwords for themes."""

    rules: tuple[Rule, ...]
    ranking: dict[str, float]
    stopwords: frozenset[str]

    def of(self, kind: str) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.kind == kind)


@dataclass(frozen=True, slots=True)
class Classification:
    kind: str | None  # complaint, request, question, or None
    urgent: bool
    cues: tuple[str, ...]  # the names of the rules that matched


@lru_cache(maxsize=4)
def load_cues(path: Path = LEXICON_PATH) -> Cues:
    """Read and check the listening lexicon (every pattern must compile)."""
    try:
        data: dict[str, Any] = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        rules = tuple(Rule(str(r["kind"]), str(r["name"]), str(r["match"]), r.get("unless")) for r in data["rules"])
        ranking = {str(k): float(v) for k, v in data["ranking"].items()}
        stopwords = frozenset(str(data["stopwords"]).split())
    except (OSError, yaml.YAMLError) as exc:
        raise CueError(f"the listening lexicon {path} could not be read ({exc}).") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CueError(f"the listening lexicon {path} is missing or misshapes {exc}; see its header.") from None
    for rule in rules:
        if rule.kind not in (*KINDS, URGENT):
            raise CueError(f"the listening rule '{rule.name}' has an unknown kind '{rule.kind}'.")
        for pattern in filter(None, (rule.match, rule.unless)):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise CueError(f"the listening rule '{rule.name}' has a broken pattern ({exc}).") from None
    return Cues(rules, ranking, stopwords)


def strip_links(text: str) -> str:
    return re.sub(LINK_PATTERN, " ", text or "")


def classify(text: str | None, cues: Cues | None = None) -> Classification:
    """The kind of one post (complaint, request, question or None), whether it is urgent, and why."""
    cues = cues or load_cues()
    plain = strip_links(text or "")
    matched = [rule for rule in cues.rules if rule.applies(plain)]
    kind = next((k for k in KINDS if any(rule.kind == k for rule in matched)), None)
    return Classification(kind, any(rule.kind == URGENT for rule in matched), tuple(rule.name for rule in matched))


def plain_text_sql(column: str) -> str:
    """SQL for the text with links removed, as the rules see it."""
    return f"regexp_replace(coalesce({column}, ''), {_literal(LINK_PATTERN)}, ' ', 'g')"


def kind_sql(column: str, cues: Cues | None = None) -> str:
    """A SQL CASE giving complaint, request, question or NULL for the text in `column` (links removed)."""
    cues = cues or load_cues()
    branches = [f"WHEN {' OR '.join(rule.sql(column) for rule in cues.of(kind))} THEN '{kind}'"
                for kind in KINDS if cues.of(kind)]
    return f"CASE {' '.join(branches)} END"


def urgent_sql(column: str, cues: Cues | None = None) -> str:
    rules = (cues or load_cues()).of(URGENT)
    return "(" + " OR ".join(rule.sql(column) for rule in rules) + ")" if rules else "FALSE"


def cues_sql(column: str, cues: Cues | None = None) -> str:
    """A SQL list of the names of the rules that match `column`."""
    items = ", ".join(f"CASE WHEN {rule.sql(column)} THEN {_literal(rule.name)} END"
                      for rule in (cues or load_cues()).rules)
    return f"list_filter([{items}], lambda x: x IS NOT NULL)"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
