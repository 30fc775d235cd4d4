"""Features of a reaction and what it reacts to, for the stance model.

A reaction is read as: its own words (unigrams and bigrams from a vocabulary fixed at training,
with links, mentions and numbers folded into one token each), cues that carry stance in any
wording (question marks and question openers, negation and denial words, support words and
agreeing openers ("yes", "same", "true"), hedging words, links, length), and how it relates to
the claim and to its parent (word overlap, whether it replies to the claim itself, whether it is
the claim), and, as the model file says (`thread_vectors`), sentence vectors of the reaction, the
claim and the parent. The vocabulary and cue lists are data
kept with the weights, so a model file is complete in itself.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from sociable.text import embed

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_NUMBER = re.compile(r"\b\d[\d,.:]*\b")
_TOKEN = re.compile(r"[a-z][a-z'’]*|[?!]")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


QUESTION_OPENERS = _words(
    "is are was were did do does can could has have had will would should who what where when why how which "
    "any source sources proof evidence really")
NEGATION = _words(
    "not no never nothing nobody none isn't aren't wasn't weren't don't doesn't didn't can't "
    "cannot won't wouldn't shouldn't haven't hasn't n't")
DENIAL = _words(
    "fake false hoax untrue wrong lie lies lying liar nonsense rubbish debunked misinformation "
    "disinformation rumour rumours rumor rumors bs bullshit myth incorrect misleading unconfirmed "
    "unverified denied denies deny retract retracted correction stop")
SUPPORT = _words(
    "confirmed confirm confirms true yes indeed official officially breaking reports reported "
    "reporting update sharing share shocking disgraceful same knew heard")
AGREEMENT = _words("yes yep yeah same true confirmed confirm exactly agreed indeed definitely correct")
HEDGES = _words("maybe perhaps apparently allegedly reportedly possibly supposedly claims claim unclear")
DENIAL_PHRASES = (
    "not true", "isn't true", "is not true", "stop sharing", "fake news", "no evidence", "not the case",
    "not closing", "is open", "are open", "been debunked", "don't believe", "do not share", "it's false",
    "is false", "is wrong",
)
QUERY_PHRASES = ("is this true", "is it true", "any source", "source?", "a source", "confirmed?", "really?",
                 "is this confirmed", "where did you", "who told", "any link", "can anyone confirm", "proof?")

CUE_NAMES: tuple[str, ...] = (
    "question_mark", "question_marks", "ends_with_question", "question_opener", "query_phrase",
    "negation", "denial_word", "denial_phrase", "support_word", "agreement_opener", "hedge", "exclamation",
    "has_url", "mentions", "words_log", "caps_share", "overlap_claim", "overlap_parent", "replies_to_claim",
    "is_claim", "parent_question", "parent_denial", "no_words",
)


def normalise(text: str) -> str:
    """Lower case with links, mentions and numbers folded into single tokens."""
    text = _URL.sub(" urltoken ", text or "")
    text = _MENTION.sub(" mentiontoken ", text)
    text = _NUMBER.sub(" numbertoken ", text)
    return text.lower().replace("’", "'")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(normalise(text))


def ngrams(words: Sequence[str]) -> list[str]:
    """Unigrams and bigrams of a token list (mentions and links dropped from bigrams)."""
    kept = [w for w in words if w not in ("mentiontoken",)]
    return list(kept) + [f"{a} {b}" for a, b in itertools.pairwise(kept)]


def _content(words: Iterable[str]) -> set[str]:
    return {w for w in words if len(w) > 3 and w not in ("urltoken", "mentiontoken", "numbertoken")}


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def cues(text: str, target_text: str | None, parent_text: str | None) -> list[float]:
    """The stance cues of one reaction, in CUE_NAMES order."""
    raw = text or ""
    lowered = normalise(raw)
    words = _TOKEN.findall(lowered)
    plain = [w for w in words if w not in ("?", "!")]
    letters = [c for c in raw if c.isalpha()]
    own = _content(plain)
    claim = _content(tokens(target_text or ""))
    parent_words = tokens(parent_text or "") if parent_text is not None else []
    is_claim = target_text is not None and raw.strip() == (target_text or "").strip()
    first = next((w for w in plain if w not in ("mentiontoken", "urltoken")), "")
    values = {
        "question_mark": float("?" in raw),
        "question_marks": min(raw.count("?"), 3) / 3,
        "ends_with_question": float(raw.rstrip().rstrip("!").rstrip().endswith("?")),
        "question_opener": float(first in QUESTION_OPENERS),
        "query_phrase": float(any(p in lowered for p in QUERY_PHRASES)),
        "negation": float(any(w in NEGATION or w.endswith("n't") for w in plain)),
        "denial_word": float(any(w in DENIAL for w in plain)),
        "denial_phrase": float(any(p in lowered for p in DENIAL_PHRASES)),
        "support_word": float(any(w in SUPPORT for w in plain)),
        "agreement_opener": float(first in AGREEMENT),
        "hedge": float(any(w in HEDGES for w in plain)),
        "exclamation": float("!" in raw),
        "has_url": float("urltoken" in plain),
        "mentions": min(plain.count("mentiontoken"), 3) / 3,
        "words_log": float(np.log1p(len(plain)) / 4),
        "caps_share": (sum(c.isupper() for c in letters) / len(letters)) if letters else 0.0,
        "overlap_claim": _overlap(own, claim),
        "overlap_parent": _overlap(own, _content(parent_words)),
        "replies_to_claim": float(parent_text is None or (target_text is not None and parent_text == target_text)),
        "is_claim": float(is_claim),
        "parent_question": float(parent_text is not None and "?" in parent_text),
        "parent_denial": float(any(w in DENIAL for w in parent_words)),
        "no_words": float(not own),
    }
    return [values[name] for name in CUE_NAMES]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The n-grams a model knows, in column order."""

    terms: tuple[str, ...]

    @classmethod
    def fit(cls, texts: Iterable[str], min_count: int = 2, max_terms: int = 3000) -> Vocabulary:
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(set(ngrams(tokens(text))))
        kept = sorted((t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t))[:max_terms]
        return cls(tuple(sorted(kept)))


VECTOR_KINDS = ("none", "sentence", "contextual thread")


def thread_vectors(kind: str, texts: Sequence[str], targets: Sequence[str | None],
                   parents: Sequence[str | None]) -> np.ndarray:
    """Columns from sentence vectors, by `kind`: "sentence" is the reaction's averaged vector and it minus the
    claim's (sociable.text.embed); "contextual thread" is the transformer's vector of the reaction and its
    products with the claim's and the parent's (the claim's when it answers the claim), each text read once."""
    if kind == "none" or not len(texts):
        return np.zeros((len(texts), 0), dtype=np.float32)
    if kind == "sentence":
        own, claim = embed([t or "" for t in texts]), embed([t or "" for t in targets])
        return np.hstack([own, own - claim]).astype(np.float32)
    if kind != "contextual thread":
        raise ValueError(f"unknown stance vectors {kind!r}; expected one of {', '.join(VECTOR_KINDS)}")
    from sociable.text.contextual import embed_contextual

    claims = [t or "" for t in targets]
    answered = [p if p is not None else c for p, c in zip(parents, claims, strict=True)]
    distinct = list(dict.fromkeys([*(t or "" for t in texts), *claims, *answered]))
    row = {text: i for i, text in enumerate(distinct)}
    vectors = embed_contextual(distinct)
    own, claim, parent = (vectors[[row[t or ""] for t in group]] for group in (texts, claims, answered))
    return np.hstack([own, own * claim, own * parent]).astype(np.float32)


def featurise(vocabulary: Vocabulary, texts: Sequence[str], targets: Sequence[str | None],
              parents: Sequence[str | None], vectors: str = "none") -> np.ndarray:
    """One row per reaction: its n-grams (binary, L2-normalised), its cues, then `thread_vectors` of `vectors`;
    float32."""
    index = {term: i for i, term in enumerate(vocabulary.terms)}
    width = len(index)
    matrix = np.zeros((len(texts), width + len(CUE_NAMES)), dtype=np.float32)
    for row, (text, target, parent) in enumerate(zip(texts, targets, parents, strict=True)):
        columns = [index[g] for g in set(ngrams(tokens(text or ""))) if g in index]
        if columns:
            matrix[row, columns] = 1.0 / np.sqrt(len(columns))
        matrix[row, width:] = cues(text or "", target, parent)
    if vectors == "none":
        return matrix
    return np.hstack([matrix, thread_vectors(vectors, texts, targets, parents)])
