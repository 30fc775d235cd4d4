"""The stance model's features and file: thread vectors of each kind, and files old and broken."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sociable.analyses.stance.features import CUE_NAMES, Vocabulary, featurise, thread_vectors
from sociable.analyses.stance.model import STANCES, StanceModel, StanceModelMissing, load_model, read_model

CLAIM = "Heard the minor injuries unit on Station Road is shutting for good next month"
REACTIONS = ["Is this true? Nothing on the trust's website", "The trust says it is staying open, stop sharing this",
             "Same, my neighbour works there and says staff were told"]


def test_no_vectors_add_no_columns() -> None:
    assert thread_vectors("none", REACTIONS, [CLAIM] * 3, [None] * 3).shape == (3, 0)
    vocabulary = Vocabulary(("true", "trust"))
    assert featurise(vocabulary, REACTIONS, [CLAIM] * 3, [None] * 3).shape == (3, 2 + len(CUE_NAMES))


def test_contextual_thread_vectors_read_the_claim_where_a_reaction_answers_it() -> None:
    answered_claim = thread_vectors("contextual thread", REACTIONS, [CLAIM] * 3, [None] * 3)
    assert answered_claim.shape == (3, 3 * 384) and answered_claim.dtype == np.float32
    own, with_claim, with_parent = np.split(answered_claim, 3, axis=1)
    assert np.allclose(np.linalg.norm(own, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(with_claim, with_parent)  # no parent: the parent is the claim
    parented = thread_vectors("contextual thread", REACTIONS, [CLAIM] * 3, [None, REACTIONS[0], REACTIONS[0]])
    assert np.array_equal(parented[0], answered_claim[0]) and not np.array_equal(parented[1], answered_claim[1])
    assert thread_vectors("contextual thread", [], [], []).shape == (0, 0)


def test_an_unknown_kind_of_vector_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown stance vectors"):
        thread_vectors("tfidf", REACTIONS, [CLAIM] * 3, [None] * 3)


def _saved(tmp_path: Path, **replace: object) -> Path:
    model = load_model()
    path = tmp_path / "stance.npz"
    model.save(path)
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files if key != "vectors"}
    arrays.update({key: np.array(value) for key, value in replace.items()})
    np.savez(path, **arrays)
    return path


def test_an_older_file_without_the_vector_kind_still_reads(tmp_path: Path) -> None:
    assert read_model(_saved(tmp_path)).vectors == "none"
    assert read_model(_saved(tmp_path, embedded=True)).vectors == "sentence"


def test_a_file_with_an_unknown_vector_kind_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StanceModelMissing, match="could not be read"):
        read_model(_saved(tmp_path, vectors="bag of words"))


def test_the_shipped_model_reads_the_thread_in_context() -> None:
    model = load_model()
    assert isinstance(model, StanceModel) and model.vectors == "contextual thread"
    assert model.weights.shape == (len(model.vocabulary.terms) + len(CUE_NAMES) + 3 * 384, len(STANCES))
    stances, confidences = model.predict(REACTIONS, [CLAIM] * 3, [None] * 3)
    assert stances[:2] == ["query", "deny"] and all(0.25 < c <= 1.0 for c in confidences)
