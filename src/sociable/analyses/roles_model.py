"""The learned part of roles: small heads over sentence vectors of the bio and the name, plus the
vocabulary's own scores as features.

Every head reads the same row: the two vectors, the vocabulary's scores and hashed words and pairs.
Two heads decide the role: ``roles-org`` (organisation or individual: trained on the public Humanizr
bios and our own) and ``roles-pro`` (professional or person, among individuals: trained on our own
labelled bios). Three more (``roles-subtype-<role>``) give a subtype when the vocabulary names none.
The weights are made by ``bench/train/roles.py`` and described in their data cards in
``sociable/text/models``. Inference is NumPy only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from sociable.text import Head, dimensions, embed, load_head
from sociable.text.hashing import hashed_words

LEXICON_FEATURES = ("organisation", "professional", "person_patient", "person_carer", "person_public",
                    "corporate", "individual", "self_described", "has_bio", "cue_count")
FEATURE_SCALE = 2.0  # the vocabulary's scores sit in [0, 1]; this keeps them as loud as the vectors
HASH_BUCKETS = 2048  # hashed words and word pairs, for the bio and for the name and handle each
ORG_HEAD, PRO_HEAD = "roles-org", "roles-pro"
SUBTYPE_HEADS = {"organisation": "roles-subtype-organisation", "professional": "roles-subtype-professional",
                 "person": "roles-subtype-person"}
# Words too common to explain a label on their own (the model may still weigh them).
_PLAIN = frozenset([
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "i", "i'm", "im", "in",
    "is", "it", "its", "live", "lives", "living", "me", "my", "mine", "of", "on", "or", "our", "ours", "own", "so",
    "that", "the", "their", "this", "to", "us", "was", "we", "we're", "were", "will", "with", "you", "your",
    "views", "opinions", "tweets", "rt", "rts", "not", "just", "all", "about", "more", "who", "what"
])
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")


@dataclass(frozen=True, slots=True)
class RoleScores:
    """The model's probabilities for one profile: the three roles, and how it got there."""

    organisation: float
    professional: float
    person: float

    def best(self) -> tuple[str, float]:
        ranked = sorted(((self.organisation, "organisation"), (self.professional, "professional"),
                         (self.person, "person")), reverse=True)
        return ranked[0][1], ranked[0][0]


def profile_text(handle_words: str, name: str) -> str:
    """The second text the model reads: the display name and the handle split into words."""
    return f"{name} {handle_words}".strip()


def features(bios: Sequence[str], names: Sequence[str], lexicon: np.ndarray) -> np.ndarray:
    """The feature rows: bio vector, name-and-handle vector, the vocabulary's scores (scaled), then the
    hashed words and pairs of the bio and of the name and handle (exact words the vectors blur: "inc",
    "official", "ltd", a first name)."""
    lexicon = np.asarray(lexicon, dtype=np.float32).reshape(len(bios), len(LEXICON_FEATURES))
    return np.hstack([embed(list(bios)), embed(list(names)), lexicon * FEATURE_SCALE,
                      hashed_words(list(bios), HASH_BUCKETS), hashed_words(list(names), HASH_BUCKETS)]
                     ).astype(np.float32)


@cache
def heads() -> tuple[Head, Head]:
    return load_head(ORG_HEAD), load_head(PRO_HEAD)


def role_scores(x: np.ndarray) -> list[RoleScores]:
    """Organisation = P(org); professional and person share the rest by the second head."""
    org_head, pro_head = heads()
    p_org = org_head.scores(x)[:, org_head.classes.index("organisation")]
    p_pro = pro_head.scores(x)[:, pro_head.classes.index("professional")]
    return [RoleScores(float(o), float((1 - o) * p), float((1 - o) * (1 - p))) for o, p in zip(p_org, p_pro,
                                                                                                strict=True)]


def subtype(role: str, x: np.ndarray) -> tuple[str, float]:
    """The most likely subtype of a role for one feature row."""
    head = load_head(SUBTYPE_HEADS[role])
    return head.predict(x.reshape(1, -1))[0]


def word_vectors(texts: Sequence[str]) -> dict[str, np.ndarray]:
    """The vector of every distinct telling word in the texts, from one call to `embed`."""
    words = list(dict.fromkeys(w for t in texts for w in _WORD.findall(t or "") if w.lower() not in _PLAIN))
    return dict(zip(words, embed(words), strict=True)) if words else {}


def deciding_words(role: str, bio: str, name: str, vectors: dict[str, np.ndarray] | None = None,
                   top: int = 3) -> list[tuple[str, str]]:
    """The words of the bio and name that pushed the model most towards `role`: (field, word) pairs.

    A text's vector is the normalised mean of its pieces, so a word's pull is its own vector times
    the head's weights for the role against the alternative; plain words are never shown alone.
    `vectors` (from `word_vectors`) saves embedding the words again for each profile.
    """
    org_head, pro_head = heads()
    if role == "organisation":
        head, chosen, other = org_head, "organisation", "individual"
    else:
        head, chosen, other = pro_head, role, "person" if role == "professional" else "professional"
    direction = head.weights[:, head.classes.index(chosen)] - head.weights[:, head.classes.index(other)]
    dims = dimensions()
    known = vectors if vectors is not None else word_vectors([bio, name])
    found: list[tuple[float, str, str]] = []
    for field, text, part in (("bio", bio, direction[:dims]), ("name", name, direction[dims: 2 * dims])):
        words = [w for w in dict.fromkeys(_WORD.findall(text or "")) if w in known]
        found += [(float(known[w] @ part), field, w) for w in words]
    found = [f for f in found if f[0] > 0]
    found.sort(key=lambda item: -item[0])
    return [(field, word) for _, field, word in found[:top]]
