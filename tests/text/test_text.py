"""The text layer: sentence vectors from the shipped static embedding, and trained heads."""

from __future__ import annotations

import numpy as np
import pytest

from sociable.errors import SociableError
from sociable.text import Head, dimensions, embed, load_head, read_head, save_head, train_head


def test_vectors_are_normalised_rows_one_per_text() -> None:
    vectors = embed(["Handover went well on the ward today", "", "#NHSsm chat tonight at 8pm"])
    assert vectors.shape == (3, dimensions())
    assert vectors.dtype == np.float32
    norms = np.linalg.norm(vectors, axis=1)
    assert norms[0] == pytest.approx(1.0, abs=1e-5)
    assert norms[1] == 0.0  # nothing to read: a zero row, not NaN
    assert norms[2] == pytest.approx(1.0, abs=1e-5)


def test_meaning_is_closer_than_unrelated_text() -> None:
    a, b, c = embed(
        [
            "the nurses on night shift were exhausted",
            "night-shift nursing staff are worn out",
            "council approves new bus lanes for the high street",
        ]
    )
    assert float(a @ b) > float(a @ c) + 0.1


def test_case_and_accents_do_not_change_the_vector() -> None:
    a, b = embed(["Social Care Funding", "social care funding"])
    assert float(a @ b) == pytest.approx(1.0, abs=1e-5)


def test_a_head_round_trips_through_its_file(tmp_path) -> None:
    texts = ["I love this", "great work team", "this is awful", "terrible service", "ok then", "it is tuesday"]
    labels = ["positive", "positive", "negative", "negative", "neutral", "neutral"]
    head = train_head("toy", embed(texts), labels, ["negative", "neutral", "positive"], meta={"data": "toy"})
    save_head(head, tmp_path / "toy.npz")
    again = read_head(tmp_path / "toy.npz")
    assert again.classes == head.classes
    assert again.meta == {"data": "toy"}
    np.testing.assert_allclose(again.scores(embed(texts)), head.scores(embed(texts)), rtol=1e-5)
    assert [label for label, _ in again.predict(embed(texts))] == labels


def test_a_sigmoid_head_returns_every_label_over_its_threshold() -> None:
    head = Head(
        "pair",
        ("a", "b"),
        weights=np.zeros((2, 2), dtype=np.float32),
        bias=np.array([2.0, -2.0], dtype=np.float32),
        kind="sigmoid",
        thresholds=np.array([0.5, 0.1], dtype=np.float32),
    )
    (labels,) = head.labels(np.zeros((1, 2)))
    assert [label for label, _ in labels] == ["a", "b"]


def test_wrong_sized_features_and_missing_models_are_one_sentence() -> None:
    head = Head("x", ("a", "b"), np.zeros((3, 2), dtype=np.float32), np.zeros(2, dtype=np.float32))
    with pytest.raises(SociableError, match="takes 3 features, was given 2"):
        head.scores(np.zeros((1, 2)))
    with pytest.raises(SociableError, match="no model named 'nope'"):
        load_head("nope")


def test_a_damaged_model_file_is_reported_not_raised_raw(tmp_path) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(SociableError, match="not a sociable model file"):
        read_head(bad)


def test_sample_weights_count_some_rows_more() -> None:
    """A row counted many times pulls the head its way; weights of one change nothing."""
    x = np.array([[0.0], [1.0], [2.0], [3.0], [1.4], [1.6]])
    labels = [[], [], ["flag"], ["flag"], ["flag"], []]
    plain = train_head("toy", x, labels, ["flag"], kind="sigmoid", c=100.0)
    ones = train_head("toy", x, labels, ["flag"], kind="sigmoid", c=100.0, sample_weight=np.ones(len(x)))
    assert np.allclose(plain.scores(x), ones.scores(x))
    heavy = train_head("toy", x, labels, ["flag"], kind="sigmoid", c=100.0,
                       sample_weight=np.array([1.0, 1.0, 1.0, 1.0, 1.0, 20.0]))  # the negative at 1.6, twenty times
    assert heavy.scores(x[5:])[0, 0] < plain.scores(x[5:])[0, 0]
    softmax = train_head("toy", x, ["no", "no", "yes", "yes", "yes", "no"], ["no", "yes"],
                         sample_weight=np.array([1.0, 1.0, 1.0, 1.0, 1.0, 20.0]))
    assert softmax.scores(x[5:])[0, 1] < train_head("toy", x, ["no", "no", "yes", "yes", "yes", "no"],
                                                    ["no", "yes"]).scores(x[5:])[0, 1]
