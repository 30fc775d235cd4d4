"""`check(text)`: run every recogniser and rule over a post and return the verdict with findings."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache

from sociable.safety.findings import RANK, CheckResult, Finding, Severity, worst
from sociable.safety.guidance import catalogue
from sociable.safety.jigsaw import assess, could_flag, generalised
from sociable.safety.lexicon import cue, has, lexicons, load_yaml, near
from sociable.safety.names import needs_model, person_names
from sociable.safety.ner import entities_many
from sociable.safety.prefilter import Scan
from sociable.safety.recognisers import Hit, identifiers
from sociable.safety.rules import rules, run_rules

_ORG_CONTEXT = (
    r"\b(?:our (?:\w+ ){0,3}(?:service|line|clinic|team|office|number|helpline|centre)|call us|contact us|text us"
    r"|switchboard|reception|help ?line|advice line|text (?:service|line)|service line|press office|pals"
    r"|book(?:ings?)?|appts?|appointments?|schedule|for (?:details|info|more info(?:rmation)?|bookings|prices)"
    r"|enquir(?:y|ies)|opening hours|open (?:daily|\d)|office hours)\b"
)
_ADDRESS_CONTEXT = r"\b(?:lives? at|home address|(?:his|her|their) address|address of|moved to)\b"
_IN_CARE = ("patient", "duty", "care_setting")


@cache
def prepare() -> None:
    """Load the catalogue, rules and word lists and register every pattern with the prefilter, once."""
    catalogue()
    rules()
    assess("")
    for name in (*_IN_CARE, *lexicons(), _ORG_CONTEXT, _ADDRESS_CONTEXT):
        cue(name)


@cache
def _identifier_texts() -> dict[str, dict[str, str]]:
    return {key: {k: str(v) for k, v in value.items()} for key, value in load_yaml("identifiers.yaml").items()}


def placeholder(kind: str) -> str:
    """The redaction placeholder for an identifier kind ("[NHS NUMBER]", "[NAME]"…)."""
    texts = _identifier_texts()
    return texts.get(kind, texts["name"])["placeholder"]


def _in_care(text: Scan) -> bool:
    return any(has(text, name) for name in _IN_CARE)


def _grade(hit: Hit, text: Scan, in_care: bool) -> tuple[Severity | None, str]:
    """How serious an identifier is here, and which explanation applies."""
    kind = hit.kind
    if kind in {"chi", "hc", "nino", "dob", "name"}:
        return "do not post", kind
    if kind == "nhs":
        return ("do not post", "nhs") if hit.confirmed or in_care else ("advice", "nhs_plain")
    if kind in {"phone", "email"}:
        if not hit.personal or near(text, hit.start, hit.end, _ORG_CONTEXT, 35):
            return None, kind
        return ("do not post", kind) if in_care else ("advice", f"{kind}_plain")
    if kind == "postcode":
        if in_care or near(text, hit.start, hit.end, _ADDRESS_CONTEXT, 80):
            return "do not post", "postcode"
        return "advice", "postcode_plain"
    return None, kind


def _identifier_findings(text: Scan, profession: str | None) -> list[Finding]:
    hits = identifiers(text)
    hits += [n for n in person_names(text) if all(n.end <= h.start or n.start >= h.end for h in hits)]
    if not hits:
        return []
    in_care = _in_care(text)
    principles = catalogue().principles_for("R1", profession)
    findings: list[Finding] = []
    for hit in hits:
        severity, key = _grade(hit, text, in_care)
        if severity is None:
            continue
        texts = _identifier_texts()[key]
        findings.append(
            Finding(
                "R1", severity, hit.start, hit.end, hit.text, texts["why"], principles, texts["placeholder"], hit.kind
            )
        )
    return findings


def _jigsaw_finding(scan: Scan, profession: str | None) -> Finding | None:
    if not could_flag(scan):
        return None
    result = assess(scan)
    text = scan.text
    if result.severity is None or not result.details:
        return None
    start, end = result.details[0].start, result.details[-1].end
    labels = ", ".join(result.labels[:-1]) + (" and " if len(result.labels) > 1 else "") + result.labels[-1]
    if len(result.details) > 1:
        why = f"Together, {labels} can tell people who this is, even without a name."
    else:
        why = f"{labels[0].upper()}{labels[1:]} about someone in your care is one piece of the jigsaw; leave it out."
    severity: Severity = result.severity  # type: ignore[assignment]
    suggestion = generalised(text, result, start)
    return Finding(
        "R2",
        severity,
        start,
        end,
        text[start:end],
        why,
        catalogue().principles_for("R2", profession),
        suggestion,
        "jigsaw",
    )


def _rule_findings(text: Scan, profession: str | None) -> list[Finding]:
    findings = []
    for hit in run_rules(text):
        rule = hit.rule
        severity: Severity = rule.severity  # type: ignore[assignment]
        principles = catalogue().principles_for(rule.category, profession)
        findings.append(
            Finding(
                rule.category, severity, hit.start, hit.end, hit.text, rule.why, principles, rule.suggestion, rule.id
            )
        )
    return findings


def _merge(findings: list[Finding]) -> tuple[Finding, ...]:
    """One finding per category and span: where two of a category overlap, keep the more severe."""
    kept: list[Finding] = []
    for f in sorted(findings, key=lambda f: (-RANK[f.severity], f.start)):
        clash = any(k.category == f.category and not (f.end <= k.start or f.start >= k.end) for k in kept)
        if not clash:
            kept.append(f)
    return tuple(sorted(kept, key=lambda f: (f.start, f.end, f.category)))


def check(text: str, profession: str | None = None, *, id: str | None = None) -> CheckResult:
    """Check one draft post; the verdict is the most severe finding ("ok" when there are none)."""
    if not isinstance(text, str):
        raise TypeError(f"check() needs the post as text, not {type(text).__name__}.")
    prepare()
    catalogue().bodies_for(profession)
    scan = Scan(text)
    findings: list[Finding] = _identifier_findings(scan, profession)
    jigsaw = _jigsaw_finding(scan, profession)
    if jigsaw is not None:
        findings.append(jigsaw)
    findings += _rule_findings(scan, profession)
    merged = _merge(findings) if findings else ()
    return CheckResult(id=id, text=text, verdict=worst(merged), findings=merged)


_BATCH = 256


def check_many(items: Iterable[tuple[str, str]], profession: str | None = None) -> Iterator[CheckResult]:
    """Check many posts, given as (id, text) pairs, lazily and in order.

    Posts are read in batches; the names model runs once per batch over the posts that need it
    (care words and a capitalised word), which is several times quicker than one post at a time.
    """
    prepare()
    batch: list[tuple[str, str]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= _BATCH:
            yield from _check_batch(batch, profession)
            batch = []
    if batch:
        yield from _check_batch(batch, profession)


def _check_batch(batch: list[tuple[str, str]], profession: str | None) -> Iterator[CheckResult]:
    texts = [text for _, text in batch if isinstance(text, str) and needs_model(text)]
    if texts:
        entities_many(texts)  # remembered, so each check below finds its post's entities at once
    for item_id, text in batch:
        yield check(text, profession, id=item_id)
