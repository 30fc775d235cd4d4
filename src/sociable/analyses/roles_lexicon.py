"""The roles vocabulary: load lexicon/roles.yaml, check it, and find its cues in a profile.

The vocabulary is data (see docs/roles.md for how to extend it). This module turns it into
a few compiled regular expressions, one per kind of cue and field, so an account costs a
handful of scans however many terms the vocabulary holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from sociable.errors import UnreadableFile

DEFAULT_LEXICON = Path(__file__).with_name("lexicon") / "roles.yaml"

ROLES = ("organisation", "professional", "person")
SUBTYPES: dict[str, tuple[str, ...]] = {
    "organisation": (
        "nhs_trust",
        "council",
        "charity",
        "regulator",
        "media",
        "police",
        "gp_practice",
        "care_provider",
        "university",
        "government",
        "other_org",
    ),
    "professional": (
        "nurse",
        "midwife",
        "doctor",
        "social_worker",
        "ahp",
        "paramedic",
        "care_worker",
        "manager",
        "researcher",
        "student",
        "police_officer",
        "unspecified",
    ),
    "person": ("patient", "carer", "public"),
}
SECTORS = (
    "health",
    "social_care",
    "housing",
    "local_government",
    "police_justice",
    "fire_ambulance",
    "education",
    "voluntary",
    "media",
    "academic",
    "government",
    "business",
    "unknown",
)
MARKERS = ("corporate", "individual")
FIELDS = ("bio", "name", "handle")
PASSES = ("cue", "marker", "sector")

_CLAUSE_END = re.compile(r"[.;:|•·!?\n,()\[\]–—]")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|[_.\-]+")


@dataclass(frozen=True, slots=True)
class CueGroup:
    """One group of terms from the vocabulary and what a match of any of them says."""

    kind: str  # cue | marker | sector
    role: str  # a role (or "ignore") for cues, corporate/individual for markers, a sector id for sectors
    subtype: str | None
    weight: float
    sector: str | None  # a sector this group fixes when it supports the chosen subtype
    case_sensitive: bool = False


@dataclass(frozen=True, slots=True)
class Modifier:
    """Words around a cue that change its meaning ("not a", "daughter of a", "ex-")."""

    name: str
    factor: float
    before: re.Pattern[str] | None
    after: re.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class Evidence:
    """One matched cue: where, what text, which group, and the weight it finally adds."""

    field: str
    text: str
    group: CueGroup
    weight: float
    modifier: str | None = None

    def describe(self) -> str:
        """A short human-readable form, e.g. `bio:"student nurse"` or `bio:"nurse"(past)`."""
        suffix = f"({self.modifier})" if self.modifier else ""
        return f'{self.field}:"{self.text}"{suffix}'


@dataclass(frozen=True, slots=True)
class _Term:
    order: int  # position in the combined alternation (longest first)
    pattern: re.Pattern[str]
    group: int


@dataclass(frozen=True, slots=True)
class Lexicon:
    """A checked, compiled vocabulary."""

    threshold: float
    field_factors: Mapping[str, Mapping[str, float]]
    individual_damping: float
    default_sectors: Mapping[str, Mapping[str, str]]
    modifiers: tuple[Modifier, ...]
    referenced: Modifier | None
    self_description_weight: float
    groups: tuple[CueGroup, ...]
    patterns: Mapping[tuple[str, str], re.Pattern[str]]  # (kind, field) -> combined pattern, no groups
    terms: Mapping[tuple[str, str], Mapping[str, tuple[_Term, ...]]]  # same key -> prefix -> terms

    def find(self, kind: str, field: str, text: str, *, short_caps: bool = False) -> list[Evidence]:
        """Every cue of one kind in one field's text, longest phrase first where they overlap.

        Short capitals in a handle ("RN", "Dr") are left out as too ambiguous on their own; with
        `short_caps` only those are given (for a profile with nothing else to go on)."""
        pattern = self.patterns.get((kind, field))
        if pattern is None or not text:
            return []
        found: list[Evidence] = []
        for match in pattern.finditer(text):
            group = self._group_of(kind, field, text, match)
            short = field == "handle" and group.case_sensitive and len(match.group(0)) < 3
            if short != short_caps:
                continue  # "QNIorg" is not a Queen's Nurse: short capitals in handles are too ambiguous
            factor = self.field_factors.get(group.role, {}).get(field, 1.0) if kind != "sector" else 1.0
            weight, modifier = group.weight * factor, None
            if kind == "cue" and group.role in ("professional", "person"):
                modifier, weight = self._modify(text, match, weight, self.modifiers)
            elif kind == "cue" and group.role == "organisation" and field == "bio" and self.referenced:
                modifier, weight = self._modify(text, match, weight, (self.referenced,))
            found.append(Evidence(field, match.group(0), group, weight, modifier))
        return found

    def _group_of(self, kind: str, field: str, text: str, match: re.Match[str]) -> CueGroup:
        """Which term matched: the first (longest) one that matches exactly the same span."""
        start, end = match.span()
        by_prefix = self.terms[(kind, field)]
        head = match.group(0)[:2].lower()
        # in the order the alternation tries them: terms under both first letters, then the first letter, then
        # terms that start with a pattern ("[a-z]+ologist" after "pharmacologist"), each longest first
        buckets = (by_prefix.get(head, ()), by_prefix.get(head[:1], ()) if len(head) > 1 else (), by_prefix.get("", ()))
        for term in (t for bucket in buckets for t in sorted(bucket, key=lambda t: t.order)):
            found = term.pattern.match(text, start)
            if found is not None and found.end() == end:
                return self.groups[term.group]
        raise RuntimeError(f"no term of the roles vocabulary explains the match {match.group(0)!r}")

    @staticmethod
    def _modify(
        text: str, match: re.Match[str], weight: float, modifiers: Iterable[Modifier]
    ) -> tuple[str | None, float]:
        start, end = match.span()
        head = text[max(0, start - 80) : start]
        cut = max((m.end() for m in _CLAUSE_END.finditer(head)), default=0)
        before, after = head[cut:], text[end : end + 40]
        for modifier in modifiers:
            if (modifier.before is not None and modifier.before.search(before)) or (
                modifier.after is not None and modifier.after.search(after)
            ):
                return modifier.name, weight * modifier.factor
        return None, weight


def handle_words(handle: str | None) -> str:
    """A handle read as words: "NurseJen_RN" -> "Nurse Jen RN", "@NHSEngland" -> "NHS England"."""
    if not handle:
        return ""
    return _CAMEL.sub(" ", handle.lstrip("@")).strip()


def load_lexicon(path: Path | str | None = None) -> Lexicon:
    """Read and compile a roles vocabulary; the built-in one is cached after the first call."""
    if path is None:
        return _default_lexicon()
    return _compile(_read_yaml(Path(path)), Path(path))


@lru_cache(maxsize=1)
def _default_lexicon() -> Lexicon:
    return _compile(_read_yaml(DEFAULT_LEXICON), DEFAULT_LEXICON)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UnreadableFile(f"cannot read the roles vocabulary {path} ({exc.strerror or exc}).") from exc
    except yaml.YAMLError as exc:
        raise UnreadableFile(f"the roles vocabulary {path} is not valid YAML ({exc}); fix the file and retry.") from exc
    if not isinstance(data, dict):
        raise UnreadableFile(
            f"the roles vocabulary {path} must be a YAML mapping with `cues`, `markers` and `sectors`."
        )
    return data


def _compile(data: dict[str, Any], path: Path) -> Lexicon:
    check = _Checker(path)
    groups: list[CueGroup] = []
    terms: list[tuple[str, int, bool, tuple[str, ...]]] = []  # (term, group index, case-sensitive, fields)

    def add(kind: str, role: str, subtype: str | None, entries: Any, where: str) -> None:
        for n, entry in enumerate(check.list_of_mappings(entries, where), 1):
            spot = f"{where}, entry {n}"
            sector = entry.get("sector")
            if sector is not None:
                check.member(sector, SECTORS, f"{spot}: sector")
            case = bool(entry.get("case_sensitive", False))
            groups.append(CueGroup(kind, role, subtype, check.weight(entry.get("weight"), spot), sector, case))
            fields = tuple(check.list_of_strings(entry.get("fields", list(FIELDS)), f"{spot}: fields"))
            for field in fields:
                check.member(field, FIELDS, f"{spot}: fields")
            for term in check.list_of_strings(entry.get("terms"), f"{spot}: terms"):
                terms.append((check.term(term, spot), len(groups) - 1, case, fields))

    for role, subtypes in check.mapping(data.get("cues"), "cues").items():
        check.member(role, ROLES, "cues")
        for subtype, entries in check.mapping(subtypes, f"cues.{role}").items():
            check.member(subtype, SUBTYPES[role], f"cues.{role}")
            add("cue", role, subtype, entries, f"cues.{role}.{subtype}")
    for marker, entries in check.mapping(data.get("markers"), "markers").items():
        check.member(marker, MARKERS, "markers")
        add("marker", marker, None, entries, f"markers.{marker}")
    for sector, entries in check.mapping(data.get("sectors"), "sectors").items():
        check.member(sector, SECTORS, "sectors")
        add("sector", sector, None, entries, f"sectors.{sector}")
    if data.get("ignore") is not None:
        add("cue", "ignore", None, [{"weight": 0, "terms": data["ignore"]}], "ignore")
    referenced = _modifiers(check, {"referenced": data["referenced"]})[0] if "referenced" in data else None

    patterns, ordered = _combine(terms, groups)
    return Lexicon(
        threshold=check.weight(data.get("threshold", 0.5), "threshold"),
        field_factors=_field_factors(check, data.get("field_factors", {})),
        individual_damping=check.weight(data.get("individual_damping", 0.7), "individual_damping"),
        default_sectors=_default_sectors(check, data.get("default_sectors")),
        modifiers=_modifiers(check, data.get("modifiers", {})),
        referenced=referenced,
        self_description_weight=check.weight(data.get("self_description_weight", 0.55), "self_description_weight"),
        groups=tuple(groups),
        patterns=patterns,
        terms=ordered,
    )


def _combine(
    terms: list[tuple[str, int, bool, tuple[str, ...]]], groups: list[CueGroup]
) -> tuple[dict[tuple[str, str], re.Pattern[str]], dict[tuple[str, str], dict[str, tuple[_Term, ...]]]]:
    """One group-free alternation per (kind, field), longer terms first so the longer phrase wins a tie,
    and the terms themselves in the same order to tell afterwards which one matched."""
    buckets: dict[tuple[str, str], list[tuple[str, int, str, int]]] = {}
    for written, index, case, fields in terms:
        for term in _branches(written):
            body = term if case else f"(?i:{term})"
            for field in fields:
                buckets.setdefault((groups[index].kind, field), []).append((_prefix(term), len(term), body, index))
    patterns = {
        key: re.compile(_dispatch([(p, n, rf"{b}(?!\w)") for p, n, b, _ in alts])) for key, alts in buckets.items()
    }
    ordered: dict[tuple[str, str], dict[str, tuple[_Term, ...]]] = {}
    for key, alts in buckets.items():
        by_prefix: dict[str, list[_Term]] = {}
        for order, (prefix, _, body, index) in enumerate(sorted(alts, key=lambda a: -a[1])):
            by_prefix.setdefault(prefix, []).append(_Term(order, re.compile(rf"(?:{body})(?!\w)"), index))
        ordered[key] = {prefix: tuple(found) for prefix, found in by_prefix.items()}
    return patterns, ordered


def _branches(term: str) -> list[str]:
    """A term's alternatives, each starting with what it starts with: "(?:carer|caring) for my [a-z]+" becomes
    "carer for my [a-z]+" and "caring for my [a-z]+", and "(?:I )?work at" becomes "I work at" and "work at".
    Each then sits under its own first letters in the dispatch, beside the shorter terms it must beat
    ("carer"); a term left starting with a pattern is tried after the lettered ones at the same place."""
    try:
        out = _expanded(term)
        for branch in out:
            re.compile(branch)
    except (ValueError, re.error):
        return [term]  # a pattern this reading does not follow is kept whole, as written
    return out


def _expanded(term: str) -> list[str]:
    out: list[str] = []
    for alternative in _split_top(term):
        if not alternative.startswith("(?:"):
            out.append(alternative)
            continue
        close = _closing(alternative)
        inner, rest = alternative[3:close], alternative[close + 1 :]
        if rest[:1] in ("*", "+", "{") or rest[:2] in ("??", "?+"):
            out.append(alternative)
            continue
        optional = rest[:1] == "?"
        rest = rest[1:] if optional else rest
        for choice in _split_top(inner):
            out.extend(_expanded(choice + rest))
        if optional and rest:
            out.extend(_expanded(rest))
    return out


def _split_top(pattern: str) -> list[str]:
    """A pattern split at its top-level "|" (not inside a group, a character class or after a backslash)."""
    cuts = [i for i, ch, depth in _structure(pattern) if ch == "|" and depth == 0]
    return [pattern[a + 1 : b] for a, b in zip([-1, *cuts], [*cuts, len(pattern)], strict=True)]


def _closing(pattern: str) -> int:
    """Where the group that opens a pattern closes."""
    for i, ch, depth in _structure(pattern):
        if ch == ")" and depth == 0:
            return i
    raise ValueError(f"unbalanced group in {pattern!r}")


def _structure(pattern: str) -> Iterator[tuple[int, str, int]]:
    """Each "(", ")" and "|" of a pattern that is not escaped or in a character class, with the depth of
    groups around it (a ")" is given the depth it returns to)."""
    depth, in_class, i = 0, False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            i += 1 + (pattern[i + 1 : i + 2] == "^")
            i += pattern[i : i + 1] == "]"  # a "]" first in a class is one of its characters
            continue
        elif ch in "()|":
            depth += (ch == "(") - (ch == ")")
            yield i, ch, depth if ch != "(" else depth - 1
        i += 1


def _prefix(term: str) -> str:
    """The first one or two letters every match of a term starts with (either case); "" when not plain."""
    if "|" in _top_level(term):
        return ""
    plain = ""
    for i, ch in enumerate(term[:2]):
        if not ch.isalnum() or term[i + 1 : i + 2] in ("?", "*", "+", "{"):
            break
        plain += ch.lower()
    return plain


def _top_level(term: str) -> str:
    depth, out = 0, []
    for ch in term:
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            out.append(ch)
    return "".join(out)


def _dispatch(alternatives: list[tuple[str, int, str]], depth: int = 0) -> str:
    """Nest alternatives under one-character look-aheads (first letter, then second), so each
    position of the text tries only a handful of them instead of the whole vocabulary."""
    here = [(length, alt) for prefix, length, alt in alternatives if len(prefix) <= depth]
    deeper: dict[str, list[tuple[str, int, str]]] = {}
    for prefix, length, alt in alternatives:
        if len(prefix) > depth:
            deeper.setdefault(prefix[depth], []).append((prefix, length, alt))
    skip = "." * depth
    parts = [
        f"(?={skip}[{ch}{ch.upper()}])(?:{_dispatch(alts, depth + 1)})"
        if ch.isalpha()
        else f"(?={skip}{ch})(?:{_dispatch(alts, depth + 1)})"
        for ch, alts in sorted(deeper.items())
    ]
    # a longer prefix only narrows the search; sorting by length still puts longer phrases first
    # within a bucket, and a shorter term that shares the position is tried after its bucket
    parts += [alt for _, alt in sorted(here, key=lambda a: -a[0])]
    body = "|".join(parts)
    return rf"(?<!\w)(?:{body})" if depth == 0 else body


def _field_factors(check: _Checker, raw: Any) -> dict[str, dict[str, float]]:
    factors: dict[str, dict[str, float]] = {}
    for role, per_field in check.mapping(raw, "field_factors").items():
        check.member(role, ROLES + MARKERS, "field_factors")
        factors[role] = {}
        for field, value in check.mapping(per_field, f"field_factors.{role}").items():
            check.member(field, FIELDS, f"field_factors.{role}")
            factors[role][field] = check.weight(value, f"field_factors.{role}.{field}")
    return factors


def _default_sectors(check: _Checker, raw: Any) -> dict[str, dict[str, str]]:
    result: dict[str, dict[str, str]] = {}
    for role, subtypes in check.mapping(raw, "default_sectors").items():
        check.member(role, ROLES, "default_sectors")
        result[role] = {}
        for subtype, sector in check.mapping(subtypes, f"default_sectors.{role}").items():
            check.member(subtype, SUBTYPES[role], f"default_sectors.{role}")
            check.member(sector, (*SECTORS, "context"), f"default_sectors.{role}.{subtype}")
            result[role][subtype] = sector
    return result


def _modifiers(check: _Checker, raw: Any) -> tuple[Modifier, ...]:
    result = []
    for name, spec in check.mapping(raw, "modifiers").items():
        spec = check.mapping(spec, f"modifiers.{name}")
        before, after = spec.get("before"), spec.get("after")
        if before is None and after is None:
            raise UnreadableFile(f"{check.path}: modifiers.{name} needs a `before` or an `after` pattern.")
        result.append(
            Modifier(
                str(name),
                check.weight(spec.get("factor"), f"modifiers.{name}.factor"),
                re.compile(check.term(before, f"modifiers.{name}"), re.IGNORECASE) if before is not None else None,
                re.compile(check.term(after, f"modifiers.{name}"), re.IGNORECASE) if after is not None else None,
            )
        )
    return tuple(result)


class _Checker:
    """Shape checks for the vocabulary file, each failing with the place to fix."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, what: str) -> UnreadableFile:
        return UnreadableFile(f"{self.path}: {where} {what}; fix the vocabulary file and retry.")

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "must be a mapping")
        return value

    def list_of_mappings(self, value: Any, where: str) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(where, "must be a list of groups (each with `weight` and `terms`)")
        return value

    def list_of_strings(self, value: Any, where: str) -> list[str]:
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            raise self.fail(where, "must be a non-empty list of strings")
        return value

    def member(self, value: Any, allowed: Iterable[str], where: str) -> None:
        allowed = tuple(allowed)
        if value not in allowed:
            raise self.fail(where, f"has {value!r}, which is not one of {', '.join(allowed)}")

    def weight(self, value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
            raise self.fail(where, f"needs a number between 0 and 1, not {value!r}")
        return float(value)

    def term(self, value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise self.fail(where, f"has a pattern that is not text: {value!r}")
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise self.fail(where, f"has an invalid pattern {value!r} ({exc})") from exc
        if compiled.groups:
            raise self.fail(where, f"has a pattern with a capturing group {value!r}; use (?:...) instead")
        return value
