"""Sentiment of short social posts: negative, neutral or positive.

A trained head (``sentiment``) reads four kinds of feature: the post's averaged sentence vector, the
transformer's own sentence vector (all-MiniLM-L6-v2 run in context, which reads word order: "not
bad at all" is not "bad"), VADER's four scores (a lexicon with rules for negation, intensifiers,
emoji and capitals), and hashed words and word pairs. It was trained on the SemEval-2017 Task 4A
training tweets (the data TweetEval's sentiment task is made from) by ``bench/train/sentiment.py``;
its measured accuracy is in the data card ``models/sentiment.md`` and in docs/validity.md.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from sociable.text.contextual import embed_contextual
from sociable.text.hashing import hashed_words
from sociable.text.heads import Head, load_head
from sociable.text.static import embed

HEAD = "sentiment"
CLASSES = ("negative", "neutral", "positive")
HASH_BUCKETS = 1 << 13
VADER_SCALE = 2.0
# What users are told about the model, measured once on TweetEval's test split (docs/validity.md).
MEASURED = ("macro-averaged recall {recall:.2f} and accuracy {accuracy:.2f} on the 12,284 tweets of TweetEval's "
            "sentiment test split (VADER: {vader_recall:.2f} and {vader_accuracy:.2f})")

_CLEAN = re.compile(r"https?://\S+|@\w+")


@dataclass(frozen=True, slots=True)
class Sentiment:
    """One post's label, its probability, and a score in [-1, 1]: P(positive) - P(negative)."""

    label: str
    probability: float
    score: float
    negative: float
    neutral: float
    positive: float

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "probability": round(self.probability, 4), "score": round(self.score, 4),
                "negative": round(self.negative, 4), "neutral": round(self.neutral, 4),
                "positive": round(self.positive, 4)}


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    with _lock:
        return SentimentIntensityAnalyzer()


def clean(text: str | None) -> str:
    """Links and @handles removed: they carry no feeling."""
    return _CLEAN.sub(" ", text or "")


def vader_scores(texts: Sequence[str]) -> np.ndarray:
    """VADER's negative, neutral, positive and compound scores, one row per (cleaned) text."""
    analyser = _vader()
    rows = [analyser.polarity_scores(t) for t in texts]
    return np.array([[r["neg"], r["neu"], r["pos"], r["compound"]] for r in rows], dtype=np.float32).reshape(-1, 4)


def features(texts: Sequence[str | None]) -> np.ndarray:
    """The head's feature rows: averaged and contextual sentence vectors, VADER's scores (scaled), hashed
    words and pairs."""
    cleaned = [clean(t) for t in texts]
    return np.hstack([embed(cleaned), embed_contextual(cleaned), vader_scores(cleaned) * VADER_SCALE,
                      hashed_words(cleaned, HASH_BUCKETS)])


def model() -> Head:
    return load_head(HEAD)


def classify_sentiment(texts: Sequence[str | None], batch: int = 4096) -> list[Sentiment]:
    """The sentiment of each text, in order (an empty text is neutral)."""
    head = model()
    order = [head.classes.index(c) for c in CLASSES]
    out: list[Sentiment] = []
    for start in range(0, len(texts), batch):
        chunk = texts[start: start + batch]
        proba = head.scores(features(chunk))[:, order]
        for text, (neg, neu, pos) in zip(chunk, proba.tolist(), strict=True):
            if not clean(text).strip():
                neg, neu, pos = 0.0, 1.0, 0.0
            best = int(np.argmax((neg, neu, pos)))
            out.append(Sentiment(CLASSES[best], (neg, neu, pos)[best], pos - neg, neg, neu, pos))
    return out


def measured() -> str:
    """The model's measured accuracy as a sentence fragment, from its file (empty if it carries none)."""
    figures = model().meta.get("test")
    return MEASURED.format(**figures) if isinstance(figures, dict) else ""
