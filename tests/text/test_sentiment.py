"""Sentiment: the shipped model on posts whose feeling is plain, and its features."""

from __future__ import annotations

import numpy as np
import pytest

from sociable.text.sentiment import CLASSES, HASH_BUCKETS, classify_sentiment, features, hashed_words, measured, model


def test_plain_feelings_are_read() -> None:
    read = classify_sentiment([
        "Thank you so much to the midwives, they were wonderful 💕",
        "Three hours on hold to the GP surgery and then cut off. Useless.",
        "The pharmacy opens at 9am on Saturday.",
        "Not happy at all with how my mum was treated",
    ])
    assert [r.label for r in read] == ["positive", "negative", "neutral", "negative"]
    for r in read:
        assert r.negative + r.neutral + r.positive == pytest.approx(1.0, abs=1e-5)
        assert -1.0 <= r.score <= 1.0 and r.probability == max(r.negative, r.neutral, r.positive)


def test_empty_and_link_only_posts_are_neutral() -> None:
    read = classify_sentiment(["", None, "https://t.co/abc @someone"])
    assert [(r.label, r.score) for r in read] == [("neutral", 0.0)] * 3


def test_features_match_the_model() -> None:
    head = model()
    assert head.classes == CLASSES or set(head.classes) == set(CLASSES)
    x = features(["good", "bad"])
    assert x.shape == (2, head.dims) and x.dtype == np.float32


def test_hashed_words_are_unit_rows_and_see_word_order() -> None:
    a, b = hashed_words(["not good at all", "good, not at all"], HASH_BUCKETS)
    assert float(np.linalg.norm(a)) == pytest.approx(1.0)
    assert not np.array_equal(a, b)  # the pairs differ even though the words are the same


def test_batches_give_the_same_answer() -> None:
    texts = [f"post number {i}, lovely staff" if i % 2 else f"post {i}: awful wait" for i in range(30)]
    whole = [r.label for r in classify_sentiment(texts)]
    assert whole == [r.label for r in classify_sentiment(texts, batch=7)]


def test_the_measured_accuracy_travels_with_the_model() -> None:
    sentence = measured()
    assert "TweetEval" in sentence and "VADER" in sentence
