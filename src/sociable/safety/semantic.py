"""The learned side of the checker for R3–R13: one logistic head per category over sentence vectors.

A post's features (handles read as "@user") are its sentence vector from the shared text layer
(`sociable.text.embed`) and a few cheap lexical ones: which of the checker's word lists occur,
whether it @-mentions someone, and hashed words and word pairs. The head (`text/models/safety-categories.npz`,
trained by `python -m sociable.safety.train` on the corpus in data/corpus) gives a probability per
category; each category has a threshold chosen on out-of-fold scores of the corpus's train and dev
parts. A rule's explicit phrase is kept as the finding when the head does not rule the category out
(its probability, on the whole post or on the phrase's own sentence, is above the category's floor),
so the rules supply exact spans and the head supplies judgement.

When the head fires, the finding's span is the sentence it scores highest for that category.

The head also reads the post's contextual vector (all-MiniLM-L6-v2 run in context by
`sociable.text.contextual`), which knows word order: "some cultures just don't look after their own"
is not "their own culture looks after some". The transformer reads a hundred or more posts a
second, not thousands, so a gate decides which posts it reads: a second head over the cheap
features alone (`safety-categories-gate.npz`), with a bar per category set so that, out of fold,
99 % of the posts the head raises for the category pass (about 2 % of public tweets do).
A post passes when the gate scores any
category at its bar or a rule's phrase is in it; the rest keep the gate's probabilities, all below
the bars and so far below the thresholds.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import Any

import numpy as np

from sociable.errors import SociableError
from sociable.safety.lexicon import cue, load_yaml
from sociable.safety.prefilter import Scan, as_scan
from sociable.safety.rules import RuleHit, run_rules

MODEL_NAME = "safety-categories"
GATE_NAME = "safety-categories-gate"
REVIEW_NAME = "safety-review"

# The checker's word lists a post is described by (each present or not); kept in the model's card.
CUE_LISTS: tuple[str, ...] = (
    "attachment", "clinical_image", "image_safe", "metalinguistic", "derogatory_label", "ridicule", "insult",
    "pile_on", "threat", "group", "service_user", "social_platform", "conduct_substance", "work_duty",
    "unsafe_practice", "endorse_cue", "endorse_claim", "disclosure", "hypothetical", "staff_role", "patient",
    "care_setting", "aggregate", "self_family",
)
HASH_BUCKETS = 4096
_MENTION = re.compile(r"(?<!\w)@\w+")
# A link: with a scheme, from www., or a domain name and a path without either (bit.ly/…, pic.twitter.com/…);
# punctuation after it is left to the sentence.
_LINK = re.compile(r"(?:\bhttps?://|\bwww\.|\b(?:[a-z0-9-]+\.)+[a-z]{2,}/)\S*?(?=[.,;:!?)\]}'\"»…]*(?:\s|$))",
                   re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9']+|[^\sa-z0-9']", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """How a post becomes a feature vector; stored in the model so inference matches training."""

    cues: tuple[str, ...]
    rules: tuple[str, ...]
    buckets: int
    lexical_scale: float
    contextual: bool = False  # the transformer's vector follows the cheap features

    def to_meta(self) -> dict[str, Any]:
        return {"cues": list(self.cues), "rules": list(self.rules), "buckets": self.buckets,
                "lexical_scale": self.lexical_scale, "contextual": self.contextual}

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> FeatureSpec:
        return cls(tuple(meta["cues"]), tuple(meta["rules"]), int(meta["buckets"]), float(meta["lexical_scale"]),
                   bool(meta.get("contextual", False)))

    def cheap(self) -> FeatureSpec:
        """The same features without the transformer's vector (the gate's)."""
        return FeatureSpec(self.cues, self.rules, self.buckets, self.lexical_scale, False)

    @property
    def lexical_dims(self) -> int:
        return len(self.cues) + len(self.rules) + 1 + self.buckets


def unnamed(text: str) -> str:
    """The text with every @handle written as "@user" and every link as "http://link": a handle's or a short
    link's spelling says nothing about safe practice. Read as words, handles made the head fire on thank-you
    replies to some names and not others, and a shortened link's random letters made it read an
    organisation's "offices closed for staff training" reminder as a concern raised in public."""
    return _MENTION.sub("@user", _LINK.sub("http://link", text))


def _hashed(text: str, buckets: int) -> list[int]:
    """Buckets of the post's lower-cased words and word pairs (a stable hash, so runs agree)."""
    words = _WORD.findall(unnamed(text).lower())
    grams = words + [f"{a} {b}" for a, b in pairwise(words)]
    return sorted({zlib.crc32(g.encode("utf-8", "replace")) % buckets for g in grams})


def lexical_features(scans: Sequence[Scan], hits: Sequence[Sequence[RuleHit]], spec: FeatureSpec) -> np.ndarray:
    """The cheap features of each post: word lists present, rules fired, an @-mention, hashed words."""
    out = np.zeros((len(scans), spec.lexical_dims), dtype=np.float32)
    guards = [cue(name) for name in spec.cues]
    rule_index = {rule_id: i for i, rule_id in enumerate(spec.rules)}
    base_rules = len(spec.cues)
    mention = base_rules + len(spec.rules)
    base_hash = mention + 1
    for row, (scan, post_hits) in enumerate(zip(scans, hits, strict=True)):
        for col, guard in enumerate(guards):
            if guard.search(scan) is not None:
                out[row, col] = 1.0
        for hit in post_hits:
            rule_col = rule_index.get(hit.rule.id)
            if rule_col is not None:
                out[row, base_rules + rule_col] = 1.0
        if _MENTION.search(scan.text):
            out[row, mention] = 1.0
        buckets = _hashed(scan.text, spec.buckets)
        if buckets:
            out[row, [base_hash + b for b in buckets]] = 1.0 / np.sqrt(len(buckets))
    out *= spec.lexical_scale
    return out


def _encodable(text: str) -> str:
    """The text with lone surrogates (which the tokenizer refuses) replaced by "?"."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def cheap_features(scans: Sequence[Scan], hits: Sequence[Sequence[RuleHit]], spec: FeatureSpec) -> np.ndarray:
    """Static sentence vectors beside the lexical features, one row per post."""
    from sociable.text import embed

    vectors = embed([_encodable(unnamed(scan.text)) for scan in scans])
    return np.hstack([vectors, lexical_features(scans, hits, spec)]).astype(np.float32)


def contextual_vectors(texts: Sequence[str]) -> np.ndarray:
    """The transformer's sentence vector of each post, handles read as "@user"."""
    from sociable.text.contextual import embed_contextual

    return embed_contextual([_encodable(unnamed(text)) for text in texts])


def features(scans: Sequence[Scan], hits: Sequence[Sequence[RuleHit]], spec: FeatureSpec) -> np.ndarray:
    """Every feature the spec names, one row per post."""
    cheap = cheap_features(scans, hits, spec)
    if not spec.contextual:
        return cheap
    return np.hstack([cheap, contextual_vectors([scan.text for scan in scans])]).astype(np.float32)


def through_gate(gate_proba: np.ndarray, bars: np.ndarray, ruled: np.ndarray) -> np.ndarray:
    """Which posts the transformer reads: the gate scores a category at its bar, or a rule's phrase is in it."""
    return np.asarray((gate_proba >= bars).any(axis=1) | ruled)


def gated(cheap: np.ndarray, texts: Sequence[str], ruled: np.ndarray, gate: Any, head: Any,
          bars: np.ndarray) -> np.ndarray:
    """The head's probabilities where the gate lets a post through (or a rule fired), the gate's elsewhere."""
    proba: np.ndarray = np.asarray(gate.scores(cheap), dtype=np.float32)
    through = np.flatnonzero(through_gate(proba, bars, ruled))
    if len(through):
        full = np.hstack([cheap[through], contextual_vectors([texts[int(i)] for i in through])])
        proba[through] = head.scores(full)
    return proba


@dataclass(frozen=True, slots=True)
class CategoryText:
    """What a model finding says for one category."""

    severity: str
    why: str
    suggestion: str
    unless: tuple[str, ...] = ()


@cache
def category_texts() -> dict[str, CategoryText]:
    """The reason and suggestion of a model finding, by category (data/semantic.yaml)."""
    data = load_yaml("semantic.yaml")["categories"]
    return {c: CategoryText(str(v["severity"]), str(v["why"]), str(v["suggestion"]), tuple(v.get("unless", ())))
            for c, v in data.items()}


class SemanticModel:
    """The trained head with its feature description, thresholds and the floors kept rules need."""

    def __init__(self, head: Any, gate: Any = None) -> None:
        self.head = head
        meta = head.meta
        self.spec = FeatureSpec.from_meta(meta["features"])
        self.classes: tuple[str, ...] = tuple(head.classes)
        self.thresholds = np.asarray(head.thresholds, dtype=np.float32)
        floors = meta.get("rule_floors", {})
        self.floors = np.array([float(floors.get(c, 0.0)) for c in self.classes], dtype=np.float32)
        self.gate = gate
        bars = meta.get("gate_bars", {})
        self.bars = np.array([float(bars.get(c, 0.0)) for c in self.classes], dtype=np.float32)
        if self.spec.contextual and gate is None:
            raise ValueError("a head that reads the transformer's vector needs its gate")

    def probabilities(self, scans: Sequence[Scan], hits: Sequence[Sequence[RuleHit]]) -> np.ndarray:
        """One probability per post and category (rows x classes)."""
        if not scans:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        if not self.spec.contextual:
            scores: np.ndarray = self.head.scores(features(scans, hits, self.spec))
            return scores
        ruled = np.array([bool(post) for post in hits], dtype=bool)
        cheap = cheap_features(scans, hits, self.spec)
        return gated(cheap, [scan.text for scan in scans], ruled, self.gate, self.head, self.bars)

    def review(self, scans: Sequence[Scan], hits: Sequence[Sequence[RuleHit]]) -> tuple[np.ndarray, np.ndarray]:
        """Review mode: every post read by the transformer (no gate); the category probabilities and the review
        head's probability that the post should be flagged at all."""
        if not scans:
            return np.zeros((0, len(self.classes)), dtype=np.float32), np.zeros(0, dtype=np.float32)
        head = review_head()
        if head.meta.get("features") != self.head.meta["features"]:
            raise SociableError("the review head was made for other features than the category head; retrain it "
                                "with `python -m sociable.safety.train_review`")
        x = features(scans, hits, self.spec)
        return np.asarray(self.head.scores(x), dtype=np.float32), np.asarray(head.scores(x)[:, 0], dtype=np.float32)

    def best_sentence(self, text: str, category: str) -> tuple[int, int]:
        """The span of the sentence the head scores highest for a category (the whole post if one)."""
        spans = sentence_spans(text)
        if len(spans) <= 1:
            return spans[0] if spans else (0, len(text))
        return spans[int(np.argmax(self._scores(text, spans, category)))]

    def sentence_probability(self, text: str, start: int, category: str) -> float:
        """The head's probability for a category on the sentence holding `start` alone (0.0 for one sentence).

        A rule's phrase in a long post is weighed in its own sentence too, so an address or a
        greeting around it does not dilute the head's view of the phrase.
        """
        spans = sentence_spans(text)
        inside = [(s, e) for s, e in spans if s <= start < e]
        if len(spans) <= 1 or not inside:
            return 0.0
        return float(self._scores(text, inside[:1], category)[0])

    def _scores(self, text: str, spans: Sequence[tuple[int, int]], category: str) -> np.ndarray:
        """The head's probability for a category on each span of `text` read alone."""
        scans = [Scan(text[s:e]) for s, e in spans]
        hits = [list(run_rules(scan)) if self.spec.rules else [] for scan in scans]
        scores: np.ndarray = self.probabilities(scans, hits)[:, self.classes.index(category)]
        return scores


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Each sentence's (start, end), without the spaces around it."""
    spans = []
    for m in _SENTENCE.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


@cache
def model() -> SemanticModel:
    """The shipped model, loaded once (the embedding table loads with the first post)."""
    from sociable.text import load_head

    head = load_head(MODEL_NAME)
    gate = head.meta.get("gate")
    return SemanticModel(head, load_head(str(gate)) if gate else None)


@cache
def review_head() -> Any:
    """The review head (`safety-review.npz`, made by `python -m sociable.safety.train_review`), loaded once;
    its threshold is ``thresholds[0]``."""
    from sociable.text import load_head

    return load_head(REVIEW_NAME)


def rule_hits(scans: Sequence[Scan | str]) -> list[list[RuleHit]]:
    """The rule hits of each post, found once and shared by the features and the findings."""
    return [list(run_rules(as_scan(scan))) for scan in scans]

