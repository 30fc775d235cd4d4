"""Indirect ("jigsaw") identification: details that are harmless alone but identify someone together."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from sociable.errors import SociableError
from sociable.safety.lexicon import cue, has, load_yaml
from sociable.safety.names import AGE, about_care, ages, reads_as_news
from sociable.safety.prefilter import Gate, Guard, Scan, as_scan, gate_for
from sociable.safety.recognisers import Hit


@dataclass(frozen=True, slots=True)
class DetailType:
    """One kind of quasi-identifier: how rare it is, how to describe it, what to put instead."""

    name: str
    weight: float
    label: str
    replace: str
    patterns: tuple[Guard, ...]
    gate: Gate  # open when one of the patterns could match


@dataclass(frozen=True, slots=True)
class Settings:
    """Thresholds and detail types from data/jigsaw.yaml."""

    threshold: float
    do_not_post: float
    duty_bonus: float
    single_advice: float
    types: dict[str, DetailType]
    person: tuple[Guard, ...]
    age_bound: float  # the most the ages in a post can weigh (two of each age type, the second at half)


@dataclass(frozen=True, slots=True)
class Assessment:
    """The details found about one person, their combined weight, and the verdict they earn."""

    details: tuple[Hit, ...]
    score: float
    severity: str | None
    labels: tuple[str, ...]


def _compile_type(name: str, item: dict[str, Any]) -> DetailType:
    flags = 0 if item.get("case") else re.IGNORECASE
    try:
        patterns = tuple(Guard(re.compile(p, flags)) for p in item.get("patterns", ()))
    except re.error as exc:
        raise SociableError(f"jigsaw.yaml has an invalid pattern under {name} ({exc}); fix the file.") from exc
    gate = gate_for(p.atoms for p in patterns)
    return DetailType(name, float(item["weight"]), str(item["label"]), str(item["replace"]), patterns, gate)


@cache
def settings() -> Settings:
    """The jigsaw settings shipped with sociable (read once)."""
    data = load_yaml("jigsaw.yaml")
    types = {name: _compile_type(name, item) for name, item in data["types"].items()}
    person = tuple(Guard(re.compile(p, re.IGNORECASE)) for p in data["person"])
    age_bound = sum(1.5 * kind.weight for name, kind in types.items() if name.startswith("age"))
    return Settings(
        float(data["threshold"]),
        float(data["do_not_post"]),
        float(data["duty_bonus"]),
        float(data["single_advice"]),
        types,
        person,
        age_bound,
    )


_CHECK_IN = re.compile(r"(?:^|\s)\(?@ (?=[A-Z0-9])")


def details(post: str | Scan) -> list[Hit]:
    """The quasi-identifiers in the text (at most two of each type), in reading order, without overlaps.

    A check-in at the end of a post ("... @ John Street Cafe") names a venue, not where someone lives,
    so details from it on are left out.
    """
    scan = as_scan(post)
    check_in = _CHECK_IN.search(scan.text) if "@ " in scan.text else None
    limit = check_in.start() if check_in is not None else len(scan.text)
    candidates: list[Hit] = [h for h in ages(scan) if h.start < limit]
    for name, kind in settings().types.items():
        if not kind.patterns or not kind.gate.possible(scan):
            continue
        found: list[re.Match[str]] = []
        for guard in kind.patterns:
            found += guard.finditer(scan)
        if found:
            found.sort(key=_start)
            candidates += [Hit(name, m.start(), m.end(), m.group()) for m in found if m.start() < limit]
    if len(candidates) < 2:
        return candidates
    chosen: list[Hit] = []
    for hit in sorted(candidates, key=lambda h: (h.start, -(h.end - h.start))):
        same = sum(1 for k in chosen if k.kind == hit.kind)
        if same < 2 and all(hit.start >= k.end or hit.end <= k.start for k in chosen):
            chosen.append(hit)
    return chosen


def _start(m: re.Match[str]) -> int:
    return m.start()


def could_flag(post: str | Scan) -> bool:
    """Whether the details that could be in the post could weigh enough for any verdict.

    An upper bound on `assess`: each detail type the prefilter leaves open counts at its most (two
    details, the second at half weight). When even that falls short, `assess` finds no severity.
    """
    scan = as_scan(post)
    config = settings()
    bound = config.age_bound if AGE.possible(scan) else 0.0
    table, top = _type_needs()
    if top < scan.known:
        live = scan.live
        for weight, options in table:
            for needs in options:
                if needs <= live:
                    bound += 1.5 * weight
                    break
    else:  # a scan made before the settings were loaded: ask each gate
        for kind in config.types.values():
            if kind.patterns and kind.gate.possible(scan) and any(p.possible(scan) for p in kind.patterns):
                bound += 1.5 * kind.weight
    if bound >= config.threshold:
        return True
    return bound >= config.single_advice and cue("duty").possible(scan)


@cache
def _type_needs() -> tuple[tuple[tuple[float, tuple[frozenset[int], ...]], ...], int]:
    """Per detail type with patterns: its weight and, per pattern, the gates that must all be open for it."""
    table = []
    for kind in settings().types.values():
        if kind.patterns:
            own = {kind.gate.id} if kind.gate.id >= 0 else set()
            table.append((kind.weight, tuple(frozenset(own | p.need) for p in kind.patterns)))
    top = max((gate for _, options in table for needs in options for gate in needs), default=-1)
    return tuple(table), top


def weigh(hits: list[Hit]) -> float:
    """Total weight: a second detail of the same type counts half."""
    seen: set[str] = set()
    total = 0.0
    for hit in hits:
        weight = settings().types[hit.kind].weight
        total += weight / 2 if hit.kind in seen else weight
        seen.add(hit.kind)
    return total


def _about_someone(scan: Scan, hits: list[Hit]) -> bool:
    if any(h.kind.startswith("age") for h in hits):
        return True
    return any(p.search(scan) for p in settings().person)


def _suppressed(text: Scan, hits: list[Hit]) -> bool:
    """Generic, aggregated, hypothetical or self-disclosed content is not about a person in care."""
    if has(text, "hypothetical"):
        return True
    if not has(text, "duty") and not about_care(text, broad=True) and reads_as_news(text):
        return True
    in_care = has(text, "duty") or has(text, "patient")
    if has(text, "self_family") and not in_care:
        return True
    has_age = any(h.kind.startswith("age") for h in hits)
    return has(text, "aggregate") and not has_age


def assess(post: str | Scan) -> Assessment:
    """Weigh the quasi-identifiers about one person; severity is None when they don't add up."""
    text = as_scan(post)
    config = settings()
    hits = details(text)
    if not hits:
        return Assessment((), 0.0, None, ())
    score = weigh(hits)
    labels = tuple(dict.fromkeys(config.types[h.kind].label for h in hits))
    if not _about_someone(text, hits) or _suppressed(text, hits):
        return Assessment(tuple(hits), score, None, labels)
    on_duty = has(text, "duty")
    severity: str | None = None
    if len(hits) >= 2 and score >= config.threshold:
        severity = (
            "do not post" if score + (config.duty_bonus if on_duty else 0) >= config.do_not_post else "think again"
        )
        if not on_duty and not about_care(text, broad=True):
            # Nothing says the author cares for this person (news, family life, a night out): only a
            # detailed picture is worth a flag.
            severity = "think again" if score >= config.do_not_post else "advice"
    elif on_duty and score >= config.single_advice:
        severity = "advice"
    return Assessment(tuple(hits), score, severity, labels)


def generalised(text: str, assessment: Assessment, start: int) -> str:
    """The span from `start` with each identifying detail replaced by something general."""
    out: list[str] = []
    position = start
    for hit in assessment.details:
        out.append(text[position : hit.start])
        out.append(settings().types[hit.kind].replace)
        position = hit.end
    return " ".join("".join(out).split())
