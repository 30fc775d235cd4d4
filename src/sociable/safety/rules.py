"""The rule engine for R3–R13: patterns and word lists kept as data (data/rules.yaml)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from sociable.errors import SociableError
from sociable.safety.lexicon import compiled, cue, guarded, has, load_yaml, near
from sociable.safety.prefilter import Gate, Guard, Scan, as_scan, gate_for

SEVERITIES = ("advice", "think again", "do not post")


@dataclass(frozen=True, slots=True)
class Rule:
    """One explicit, tested signal for a risk category."""

    id: str
    category: str
    severity: str
    match: tuple[Guard, ...]
    near: tuple[str, ...]
    window: int
    requires: tuple[str, ...]
    unless: tuple[str, ...]
    why: str
    suggestion: str
    gate: Gate  # open when one of the match patterns could match


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
        match = tuple(guarded(p) for p in item["match"])
        rule = Rule(
            id=rule_id,
            category=str(item["category"]),
            severity=severity,
            match=match,
            near=tuple(item.get("near", ())),
            window=int(item.get("window", 80)),
            requires=tuple(item.get("requires", ())),
            unless=tuple(item.get("unless", ())),
            why=str(item["why"]),
            suggestion=str(item["suggestion"]),
            gate=gate_for(g.atoms for g in match),
        )
    except KeyError as exc:
        raise SociableError(
            f"a rule in rules.yaml lacks the field {exc}; every rule needs id, category, "
            "severity, match, why and suggestion."
        ) from exc
    for name in (*rule.near, *rule.requires, *rule.unless):
        compiled(name if not name.isidentifier() else "{" + name + "}")  # an unknown list name fails here
        cue(name)  # register its prefilter gate now, not halfway through a check
    return rule


@cache
def rules() -> tuple[Rule, ...]:
    """Every rule shipped with sociable (compiled once)."""
    return tuple(_rule(item) for item in load_yaml("rules.yaml")["rules"])


def _possible(rule: Rule, scan: Scan) -> bool:
    """Whether the prefilter leaves any chance of the rule firing (its required lists, a match, a nearby cue)."""
    if not rule.gate.possible(scan):
        return False
    if not all(cue(name).possible(scan) for name in rule.requires):
        return False
    return not rule.near or any(cue(name).possible(scan) for name in rule.near)


@dataclass(frozen=True, slots=True)
class _Needs:
    """What `_possible` asks of a rule, as sets of gates: all of `needs` open, and one of `near` fully open."""

    rule: Rule
    needs: frozenset[int]
    near: tuple[frozenset[int], ...]


@cache
def _needs() -> tuple[tuple[_Needs, ...], int]:
    """Each rule's gates, and the highest gate among them (a scan knowing it can use the sets)."""
    table = []
    for rule in rules():
        needs = {rule.gate.id} if rule.gate.id >= 0 else set()
        for name in rule.requires:
            needs |= cue(name).need
        table.append(_Needs(rule, frozenset(needs), tuple(cue(name).need for name in rule.near)))
    top = max((gate for entry in table for gate in (*entry.needs, *(g for n in entry.near for g in n))), default=-1)
    return tuple(table), top


def _candidates(scan: Scan) -> Iterator[Rule]:
    """The rules the prefilter leaves a chance of firing, in order."""
    table, top = _needs()
    if top >= scan.known:  # a scan made before the rules were loaded: ask each gate
        yield from (entry.rule for entry in table if _possible(entry.rule, scan))
        return
    live = scan.live
    for entry in table:
        if entry.needs <= live and (not entry.near or any(near <= live for near in entry.near)):
            yield entry.rule


def _applies(rule: Rule, scan: Scan) -> bool:
    if not all(has(scan, name) for name in rule.requires):
        return False
    return not any(has(scan, name) for name in rule.unless)


def _first_match(rule: Rule, scan: Scan) -> re.Match[str] | None:
    for guard in rule.match:
        for m in guard.finditer(scan):
            if m.end() == m.start():
                continue
            if not rule.near or any(near(scan, m.start(), m.end(), n, rule.window) for n in rule.near):
                return m
    return None


def run_rules(post: str | Scan) -> Iterator[RuleHit]:
    """Each rule that fires on the text, with the first span it matched."""
    scan = as_scan(post)
    for rule in _candidates(scan):
        if not _applies(rule, scan):
            continue
        m = _first_match(rule, scan)
        if m is not None:
            value = m.group().rstrip(" ,;:-")
            yield RuleHit(rule, m.start(), m.start() + len(value), value)
