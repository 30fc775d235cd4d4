"""`check(text)`: run every recogniser, rule and the learned categories over a post; return the verdict.

Identifiers (R1) and jigsaw detail (R2) come from the recognisers. The categories R3–R13 come from
the rules and the learned head together (`semantic.py`): a rule's explicit phrase is kept when the
head does not rule its category out, and the head alone raises a category it is sure of, with the
sentence it fired on as the span. `check_many` embeds posts in batches, so screening stays fast.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from functools import cache
from itertools import islice

import numpy as np

from sociable.safety.findings import RANK, CheckResult, Finding, Severity, worst
from sociable.safety.guidance import catalogue
from sociable.safety.jigsaw import assess, could_flag, generalised
from sociable.safety.lexicon import cue, has, lexicons, load_yaml, near
from sociable.safety.names import needs_model, person_names
from sociable.safety.ner import entities_many
from sociable.safety.prefilter import Scan
from sociable.safety.recognisers import Hit, identifiers
from sociable.safety.rules import RuleHit, rules
from sociable.safety.semantic import SemanticModel, category_texts, model, review_head, rule_hits

# Rules kept even where the head would rule their category out: calling people to pile on a named
# target ("let's all flood @X's mentions") needs no judgement beyond the rule's own target check.
EXPLICIT_RULES = frozenset({"pile-on"})
BATCH_POSTS = 512  # posts embedded together by check_many

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


def _rule_finding(hit: RuleHit, profession: str | None) -> Finding:
    rule = hit.rule
    severity: Severity = rule.severity  # type: ignore[assignment]
    principles = catalogue().principles_for(rule.category, profession)
    return Finding(rule.category, severity, hit.start, hit.end, hit.text, rule.why, principles, rule.suggestion,
                   rule.id)


def _category_findings(
    scan: Scan, profession: str | None, hits: Sequence[RuleHit], proba: np.ndarray | None,
    review: float | None = None,
) -> list[Finding]:
    """R3–R13: rules the head does not rule out, and what the head raises on its own (None: rules only); in
    review mode (`review`: the review head's probability), a post left quiet that the review head flags."""
    if proba is None:
        return [_rule_finding(hit, profession) for hit in hits]
    learned = model()
    findings = _decided(scan, profession, hits, proba)
    if review is not None and review >= float(review_head().thresholds[0]) and not any(
            f.category in learned.classes for f in findings):
        category = learned.classes[int(np.argmax(proba))]
        # the likeliest category, unless its own words rule it out (as they would a head finding)
        if not any(has(scan, name) for name in category_texts()[category].unless):
            findings.append(replace(_model_finding(scan.text, category, profession), kind="review"))
    return findings


def _decided(scan: Scan, profession: str | None, hits: Sequence[RuleHit], proba: np.ndarray) -> list[Finding]:
    """The category decisions: each category's rules and threshold."""
    learned = model()
    findings: list[Finding] = []
    for j, category in enumerate(learned.classes):
        mine = [hit for hit in hits if hit.rule.category == category]
        explicit = [hit for hit in mine if hit.rule.id in EXPLICIT_RULES]
        p = float(proba[j])
        if mine and (p >= learned.floors[j] or _in_its_sentence(learned, scan.text, mine, j)):
            findings += [_rule_finding(hit, profession) for hit in mine]
        elif explicit:  # the phrase with its target is the harm itself, whatever the head makes of the rest
            findings += [_rule_finding(hit, profession) for hit in explicit]
        elif p >= learned.thresholds[j] and not any(has(scan, name) for name in category_texts()[category].unless):
            findings.append(_model_finding(scan.text, category, profession))
    findings += [_rule_finding(hit, profession) for hit in hits if hit.rule.category not in learned.classes]
    return findings


def _in_its_sentence(learned: SemanticModel, text: str, mine: Sequence[RuleHit], column: int) -> bool:
    """Whether the head agrees with a rule's phrase in the phrase's own sentence (posts of several sentences)."""
    category = learned.classes[column]
    return any(learned.sentence_probability(text, hit.start, category) >= learned.floors[column] for hit in mine)


def _model_finding(text: str, category: str, profession: str | None) -> Finding:
    start, end = model().best_sentence(text, category)
    words = category_texts()[category]
    severity: Severity = words.severity  # type: ignore[assignment]
    principles = catalogue().principles_for(category, profession)
    return Finding(category, severity, start, end, text[start:end], words.why, principles, words.suggestion, "model")


def _merge(findings: list[Finding]) -> tuple[Finding, ...]:
    """One finding per category and span: where two of a category overlap, keep the more severe."""
    kept: list[Finding] = []
    for f in sorted(findings, key=lambda f: (-RANK[f.severity], f.start)):
        clash = any(k.category == f.category and not (f.end <= k.start or f.start >= k.end) for k in kept)
        if not clash:
            kept.append(f)
    return tuple(sorted(kept, key=lambda f: (f.start, f.end, f.category)))


def _result(
    scan: Scan, profession: str | None, item_id: str | None, hits: Sequence[RuleHit], proba: np.ndarray | None,
    review: float | None = None,
) -> CheckResult:
    findings: list[Finding] = _identifier_findings(scan, profession)
    jigsaw = _jigsaw_finding(scan, profession)
    if jigsaw is not None:
        findings.append(jigsaw)
    findings += _category_findings(scan, profession, hits, proba, review)
    merged = _merge(findings) if findings else ()
    scores = () if proba is None else tuple((c, round(float(p), 4)) for c, p in zip(model().classes, proba,
                                                                                  strict=True))
    return CheckResult(id=item_id, text=scan.text, verdict=worst(merged), findings=merged, scores=scores)


def _modes(learned: bool, review: bool) -> None:
    if review and not learned:
        raise ValueError("review mode needs the learned categories: leave learned=True")


def _learned(scans: Sequence[Scan], hits: Sequence[Sequence[RuleHit]], learned: bool,
             review: bool) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The category probabilities of each post (None: rules only) and, in review mode, the review head's."""
    if review:
        return model().review(scans, hits)
    return (model().probabilities(scans, hits) if learned else None), None


def check(text: str, profession: str | None = None, *, id: str | None = None, learned: bool = True,
          review: bool = False) -> CheckResult:
    """Check one draft post; the verdict is the most severe finding ("ok" when there are none).

    `learned=False` leaves the learned categories out (recognisers and rules only). `review=True` is
    review mode: every post is read by the transformer, and a post the categories leave quiet is also
    flagged when the review head thinks it should be (more found, more near misses asked about).
    """
    if not isinstance(text, str):
        raise TypeError(f"check() needs the post as text, not {type(text).__name__}.")
    _modes(learned, review)
    prepare()
    catalogue().bodies_for(profession)
    scan = Scan(text)
    hits = rule_hits([scan])
    proba, flags = _learned([scan], hits, learned, review)
    return _result(scan, profession, id, hits[0], None if proba is None else proba[0],
                   None if flags is None else float(flags[0]))


def check_many(
    items: Iterable[tuple[str, str]], profession: str | None = None, *, learned: bool = True,
    batch: int = BATCH_POSTS, review: bool = False,
) -> Iterator[CheckResult]:
    """Check many posts, given as (id, text) pairs, lazily and in order (embedded `batch` at a time);
    `learned` and `review` as for `check`."""
    _modes(learned, review)
    prepare()
    catalogue().bodies_for(profession)
    pairs = iter(items)
    while chunk := list(islice(pairs, batch)):
        for _, text in chunk:
            if not isinstance(text, str):
                raise TypeError(f"check() needs the post as text, not {type(text).__name__}.")
        scans = [Scan(text) for _, text in chunk]
        named = [scan.text for scan in scans if needs_model(scan)]
        if named:  # the names model once per batch; each check below finds its post's entities remembered
            entities_many(named)
        hits = rule_hits(scans)
        proba, flags = _learned(scans, hits, learned, review)
        for row, ((item_id, _), scan) in enumerate(zip(chunk, scans, strict=True)):
            yield _result(scan, profession, item_id, hits[row], None if proba is None else proba[row],
                          None if flags is None else float(flags[row]))

