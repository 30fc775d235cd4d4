"""The rule engine for R3–R13: patterns and word lists kept as data (data/rules.yaml)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from sociable.errors import SociableError
from sociable.safety.lexicon import compiled, has, load_yaml, near

SEVERITIES = ("advice", "think again", "do not post")


@dataclass(frozen=True, slots=True)
class Rule:
    """One explicit, tested signal for a risk category."""

    id: str
    category: str
    severity: str
    match: tuple[re.Pattern[str], ...]
    near: tuple[str, ...]
    window: int
    requires: tuple[str, ...]
    unless: tuple[str, ...]
    why: str
    suggestion: str


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A rule that fired, with the span it matched."""

    rule: Rule
    start: int
    end: int
    text: str


def _rule(item: dict[str, Any]) -> Rule:
    try:
        rule_id = str(item["id"])
        severity = str(item["severity"])
        if severity not in SEVERITIES:
            raise SociableError(f"rule {rule_id} in rules.yaml has severity {severity!r}; use one of {SEVERITIES}.")
        rule = Rule(
            id=rule_id,
            category=str(item["category"]),
            severity=severity,
            match=tuple(compiled(p) for p in item["match"]),
            near=tuple(item.get("near", ())),
            window=int(item.get("window", 80)),
            requires=tuple(item.get("requires", ())),
            unless=tuple(item.get("unless", ())),
            why=str(item["why"]),
            suggestion=str(item["suggestion"]),
        )
    except KeyError as exc:
        raise SociableError(
            f"a rule in rules.yaml lacks the field {exc}; every rule needs id, category, "
            "severity, match, why and suggestion."
        ) from exc
    for name in (*rule.near, *rule.requires, *rule.unless):
        compiled(name if not name.isidentifier() else "{" + name + "}")
    return rule


@cache
def rules() -> tuple[Rule, ...]:
    """Every rule shipped with sociable (compiled once)."""
    return tuple(_rule(item) for item in load_yaml("rules.yaml")["rules"])


def _applies(rule: Rule, text: str) -> bool:
    if any(has(text, name) for name in rule.unless):
        return False
    return all(has(text, name) for name in rule.requires)


def _first_match(rule: Rule, text: str) -> re.Match[str] | None:
    for pattern in rule.match:
        for m in pattern.finditer(text):
            if m.end() == m.start():
                continue
            if not rule.near or any(near(text, m.start(), m.end(), n, rule.window) for n in rule.near):
                return m
    return None


def run_rules(text: str) -> Iterator[RuleHit]:
    """Each rule that fires on the text, with the first span it matched."""
    for rule in rules():
        if not _applies(rule, text):
            continue
        m = _first_match(rule, text)
        if m is not None:
            value = m.group().rstrip(" ,;:-")
            yield RuleHit(rule, m.start(), m.start() + len(value), value)
