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


_AGE_NUMBER = re.compile(r"\d{1,3}")
_NOUN_AFTER = re.compile(
    r"^[\s-]*(?:man|woman|lady|gent|gentleman|lad|boy|girl|baby|babies|chap|bloke|guy|patient|person|resident|client"
    r"|mum|dad|mother|father|son|daughter|grandad|grandma|nan|retired|twins?|male|female|lass|kid|child|toddler"
    r"|teen|teenager|pensioner|veteran|widow(?:er)?|[a-z]+(?:er|or|ist|ian))\b",
    re.IGNORECASE,
)
_PREDICATE_BEFORE = re.compile(r"\b(?:is|was|turned|turns|being|be|now|only|just)\s*$", re.IGNORECASE)
_DETERMINER_BEFORE = re.compile(
    r"(?:\b(?:a|an|the|our|their|his|her|my|your|local|retired|famous|well-known)\s+)+$", re.IGNORECASE
)
_POSSESSIVE_BEFORE = re.compile(r"(?:\b(?:a|an|the|his|her|their|my|our|your)|['’]s)\s*$", re.IGNORECASE)
_EVENT_VERBS = {"stabbed": "hurt", "shot": "hurt", "attacked": "hurt", "collapsed": "taken ill", "hit by": "hurt by"}
_UNITS = {"hospice": "a hospice", "care home": "a care home", "nursing home": "a care home", "surgery": "a surgery",
          "medical centre": "a surgery", "health centre": "a health centre"}


def _age(value: str, before: str, after: str, infant: bool) -> str:
    number = _AGE_NUMBER.search(value)
    years = int(number.group()) if number else 40
    if value.lower().startswith("aged"):
        return ""
    if _NOUN_AFTER.match(after):
        return ""  # "an 82-year-old woman" -> "a woman"
    if _PREDICATE_BEFORE.search(before):
        return "very young" if infant else ("young" if years < 18 else "an adult" if years < 65 else "older")
    if infant:
        return "baby"
    return "young person" if years < 18 else "adult" if years < 65 else "older person"


def _replacement(kind: str, value: str, before: str, after: str) -> str:
    """What replaces one identifying detail, so that the sentence around it still reads."""
    lower = value.lower()
    if kind in ("age", "age_over_89", "age_infant"):
        return _age(value, before, after, kind == "age_infant")
    if kind == "role":
        return "someone"
    if kind == "small_place":
        if lower.startswith("the only"):
            return "a home"
        if lower.startswith("same street"):
            return "near"
        if re.fullmatch(r"[am]\d{1,4}", lower):
            return "a main road"
        if lower.split()[-1] in {"village", "hamlet", "estate", "site"}:
            return "a local area"
        return "a local street"
    if kind == "place":
        word = re.match(r"(ward|bay|bed|room|cubicle|side ?room|resus bay|theatre)\s?\d", lower)
        if word:
            return "a " + word.group(1)
        for key, phrase in _UNITS.items():
            if key in lower:
                return phrase
        if "unit" in lower or lower in {"nicu", "scbu", "ccu", "picu", "icu", "itu", "hdu"}:
            return "a specialist unit"
        return "a hospital"
    if kind == "town":
        preposition = re.match(r"(from|in)\b", lower)
        return (preposition.group(1) + " " if preposition else "") + "the area"
    if kind == "event":
        if lower in _EVENT_VERBS:
            return _EVENT_VERBS[lower]
        if lower.startswith(("came off", "fell from")):
            return "had an accident"
        if lower.startswith(("after a fall", "fall from")):
            return "after an accident" if lower.startswith("after") else "an accident"
        if lower == "arrest on":
            return "an emergency on"
        return "an incident"
    if kind == "family":
        if lower in {"twins", "kids", "children"}:
            return "babies" if lower == "twins" else "children"
        if lower.startswith(("mum of", "dad of")):
            return "a parent"
        if lower.startswith("widow"):
            return "bereaved"
        if lower == "pregnant":
            return value
        return "relative" if _POSSESSIVE_BEFORE.search(before) else "a relative"
    if kind == "time":
        return "recently"
    if kind == "pattern":
        if lower == "readmitted":
            return "admitted"
        if lower == "back again":
            return "back"
        if lower.startswith("every"):
            return "regularly"
        return "another " + lower.split()[-1]
    return settings().types[kind].replace


_DOUBLE_DETERMINER = re.compile(r"\b(?:a|an|the|our|their|his|her|my)\s+(a|an|the)\b", re.IGNORECASE)
_ARTICLE = re.compile(r"\b([Aa]n?)\s+([\w'’]+)")
_VOWEL_SOUND = re.compile(r"^(?:[aeio]|u(?!ni|se|su|ro)|hour|honest|[0-9]*8|11|18)", re.IGNORECASE)
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?)])")
_EMPTY_COMMAS = re.compile(r",\s*(?=[,.;:!?)])|\(\s*\)")


def _articles(text: str) -> str:
    def fix(m: re.Match[str]) -> str:
        word = m.group(2)
        article = "an" if _VOWEL_SOUND.match(word) else "a"
        if m.group(1)[0] == "A":
            article = article.capitalize()
        return f"{article} {word}"

    return _ARTICLE.sub(fix, text)


def generalised(text: str, assessment: Assessment, start: int) -> str:
    """The span from `start` with each identifying detail replaced by something general, so it still reads.

    Each detail has its own replacement ("from Bexhill" -> "from the area", "Ward 7" -> "a ward",
    "an 82-year-old woman" -> "a woman", "after the stabbing" -> "after an incident"); determiners
    left doubled are merged and "a"/"an" agree with the word after them.
    """
    out: list[str] = []
    position = start
    for hit in assessment.details:
        before = "".join(out) + text[position : hit.start]
        replacement = _replacement(hit.kind, hit.text, before, text[hit.end : hit.end + 30])
        if hit.kind == "role":
            determiners = _DETERMINER_BEFORE.search(before)
            if determiners:
                before = before[: determiners.start()]
        out = [before, replacement]
        position = hit.end
    out.append(text[position : assessment.details[-1].end] if position < assessment.details[-1].end else "")
    result = " ".join("".join(out).split())
    result = _DOUBLE_DETERMINER.sub(lambda m: m.group(1), result)
    result = _EMPTY_COMMAS.sub("", result)
    result = _SPACE_BEFORE_PUNCT.sub(r"\1", result)
    result = _articles(" ".join(result.split()))
    if text[start : start + 1].isupper() and result:
        result = result[0].upper() + result[1:]
    return result
