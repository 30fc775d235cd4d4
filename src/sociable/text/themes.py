"""Themes: posts grouped by meaning, each group named by its distinctive words.

Posts are placed by their sentence vectors and grouped by spherical k-means (k-means++ starts,
seeded, so the same posts give the same themes). The vectors are all-MiniLM-L6-v2's own, the
transformer read in context (``embed_contextual``): on public tweets of five known topics they
recover the topics far better than the averaged word-piece table (normalised mutual information
0.38 against 0.14 at k = 5, docs/validity.md), at a few hundred posts a second, so callers group a
seeded sample of a large set. The number of themes k is chosen by a
stated rule: every k from 2 to ``max_themes`` (and at most one theme per ``MIN_THEME_POSTS`` posts)
is tried on a seeded sample of at most ``SAMPLE`` posts, and the k with the highest mean silhouette
(cosine) wins. A theme is named by its most distinctive words and word pairs, scored as in
c-TF-IDF: the share of the theme's posts that use a term times log(1 + posts per theme / posts using
the term anywhere), among the terms the theme uses more than the posts as a whole. Its examples are
the posts nearest its centre.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from sociable.text.contextual import embed_contextual

MIN_THEME_POSTS = 10  # a theme needs at least this many posts on average
FEW_POSTS = 20  # below this, all posts form one theme (there is too little to divide)
SAMPLE = 2000
ITERATIONS = 25
NAME_TERMS = 3
_WORD = re.compile(r"[a-z][a-z0-9'’-]*[a-z0-9]")
_NOISE = re.compile(r"https?://\S+|@\w+|&amp;")
BASIC_STOPWORDS = frozenset([
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "because",
    "been", "before", "being", "but", "by", "can", "could", "did", "do", "does", "doing", "don't", "for", "from",
    "get", "got", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i", "i'm",
    "if", "in", "into", "is", "it", "it's", "its", "just", "let's", "like", "me", "more", "most", "my", "no", "not",
    "now", "of", "off", "on", "once", "one", "only", "or", "other", "our", "out", "over", "own", "really", "said",
    "same", "she", "should", "so", "some", "still", "such", "than", "that", "that's", "the", "their", "them",
    "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "us", "very",
    "was", "we", "we're", "were", "what", "when", "where", "which", "while", "who", "why", "will", "with", "would",
    "you", "you're", "your", "yours", "amp", "rt", "via"
])


@dataclass(frozen=True, slots=True)
class Theme:
    """One group of posts: its name (distinctive terms), members and examples (indices into the texts)."""

    rank: int
    terms: tuple[str, ...]
    members: tuple[int, ...]
    examples: tuple[int, ...]
    cohesion: float  # mean cosine similarity of the members to the theme's centre

    @property
    def name(self) -> str:
        return ", ".join(self.terms) if self.terms else "(no shared words)"


@dataclass(frozen=True, slots=True)
class Themes:
    """The themes found, the k chosen and the silhouette that chose it (None when k was not chosen)."""

    themes: tuple[Theme, ...]
    k: int
    silhouette: float | None
    grouped: int  # posts that had words to place


def find_themes(texts: Sequence[str | None], *, stopwords: Collection[str] = (), max_themes: int = 8,
                examples: int = 3, seed: int = 7, k: int | None = None) -> Themes:
    """Group posts into themes (largest first); posts without words are left out.

    `k` fixes the number of themes instead of choosing it (for comparisons with a known number).
    """
    cleaned = [_NOISE.sub(" ", t or "") for t in texts]
    placed = np.array([i for i, text in enumerate(cleaned) if _WORD.search(text.lower())], dtype=int)
    if len(placed) < 3:
        return Themes((), 0, None, len(placed))
    x = embed_contextual([cleaned[int(i)] for i in placed])
    rng = np.random.default_rng(seed)
    if k is None:
        k, silhouette = choose_k(x, max_themes, rng)
    else:
        k, silhouette = max(1, min(k, len(x))), None
    centres = _kmeans(x, k, rng)[1] if k > 1 else x.mean(0, keepdims=True)
    assign = np.argmax(x @ centres.T, axis=1) if k > 1 else np.zeros(len(x), dtype=int)
    stop = BASIC_STOPWORDS | {w.lower() for w in stopwords}
    terms = [_terms(texts[int(i)] or "", stop) for i in placed]
    names = name_groups(terms, assign, k)
    themes = []
    for group in range(k):
        rows = np.flatnonzero(assign == group)
        if not len(rows):
            continue
        centre = x[rows].mean(0)
        centre /= max(float(np.linalg.norm(centre)), 1e-9)
        closeness = x[rows] @ centre
        nearest = _distinct_examples([int(placed[r]) for r in rows[np.argsort(-closeness)]], texts, examples)
        themes.append(Theme(0, names[group], tuple(int(placed[r]) for r in rows), nearest, float(closeness.mean())))
    themes.sort(key=lambda t: (-len(t.members), t.members[0]))
    ranked = tuple(Theme(i + 1, t.terms, t.members, t.examples, t.cohesion) for i, t in enumerate(themes))
    return Themes(ranked, k, silhouette, len(placed))


def choose_k(x: np.ndarray, max_themes: int, rng: np.random.Generator) -> tuple[int, float | None]:
    """The k in 2..max_themes with the best mean silhouette on a sample; 1 when there are too few posts."""
    top = min(max_themes, len(x) // MIN_THEME_POSTS)
    if len(x) < FEW_POSTS or top < 2:
        return 1, None
    sample = x[rng.choice(len(x), SAMPLE, replace=False)] if len(x) > SAMPLE else x
    best = (1, -1.0)
    for k in range(2, top + 1):
        labels, _ = _kmeans(sample, k, rng)
        score = silhouette(sample, labels)
        if score > best[1] + 1e-9:
            best = (k, score)
    return best[0], best[1]


def silhouette(x: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette with cosine distance (rows are unit vectors); 0 for points alone in their group."""
    distance = 1.0 - x @ x.T
    groups = np.unique(labels)
    if len(groups) < 2:
        return 0.0
    mean_to = np.stack([distance[:, labels == g].mean(1) for g in groups], axis=1)
    sizes = np.array([(labels == g).sum() for g in groups])
    own = np.searchsorted(groups, labels)
    n_own = sizes[own]
    a = np.where(n_own > 1, mean_to[np.arange(len(x)), own] * n_own / np.maximum(n_own - 1, 1), 0.0)
    mean_to[np.arange(len(x)), own] = np.inf
    b = mean_to.min(1)
    s = np.where(n_own > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0)
    return float(s.mean())


def _kmeans(x: np.ndarray, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Spherical k-means with k-means++ starts: labels and unit-length centres."""
    centres = [x[rng.integers(len(x))]]
    closest = 1.0 - x @ centres[0]
    for _ in range(1, k):
        weights = np.maximum(closest, 0) ** 2
        total = weights.sum()
        pick = rng.choice(len(x), p=weights / total) if total > 0 else rng.integers(len(x))
        centres.append(x[pick])
        closest = np.minimum(closest, 1.0 - x @ x[pick])
    c = np.stack(centres)
    labels = np.zeros(len(x), dtype=int)
    for _ in range(ITERATIONS):
        new = np.argmax(x @ c.T, axis=1)
        if _ > 0 and np.array_equal(new, labels):
            break
        labels = new
        for j in range(k):
            members = x[labels == j]
            if len(members):
                centre = members.sum(0)
                c[j] = centre / max(float(np.linalg.norm(centre)), 1e-9)
    return labels, c


def _terms(text: str, stop: frozenset[str]) -> set[str]:
    words = _WORD.findall(_NOISE.sub(" ", text.lower()).replace("#", " "))
    singles = {w for w in words if len(w) >= 3 and w not in stop}
    pairs = {f"{a} {b}" for a, b in itertools.pairwise(words) if a not in stop and b not in stop
             and len(a) >= 3 and len(b) >= 3}
    return singles | pairs


def name_groups(terms: Sequence[set[str]], assign: np.ndarray, k: int, top: int = NAME_TERMS) -> list[tuple[str, ...]]:
    """Each group's most distinctive terms (c-TF-IDF over posts); a pair hides the words inside it.

    A term names a group only when the group uses it more than the posts as a whole do, and (in a
    group of four posts or more) when at least two of its posts use it.
    """
    overall: Counter[str] = Counter()
    per_group: list[Counter[str]] = [Counter() for _ in range(k)]
    for found, group in zip(terms, assign, strict=True):
        overall.update(found)
        per_group[int(group)].update(found)
    average = len(terms) / max(k, 1)
    names = []
    for group, counts in enumerate(per_group):
        size = int((assign == group).sum())
        share = len(terms)  # a name term must be used more in its theme than across all posts
        scored = sorted(((n / max(size, 1) * np.log(1 + average / overall[t]), t) for t, n in counts.items()
                         if (n >= 2 or size < 4) and (k == 1 or n / max(size, 1) > overall[t] / share)),
                        key=lambda item: (-item[0], -item[1].count(" "), item[1]))
        chosen: list[str] = []
        for _, term in scored:
            if any(set(term.split(" ")) & set(c.split(" ")) for c in chosen):
                continue
            chosen.append(term)
            if len(chosen) == top:
                break
        names.append(tuple(chosen))
    return names


def _distinct_examples(order: list[int], texts: Sequence[str | None], count: int) -> tuple[int, ...]:
    seen: set[str] = set()
    picked = []
    for i in order:
        key = " ".join((texts[i] or "").lower().split())
        if key in seen:
            continue
        seen.add(key)
        picked.append(i)
        if len(picked) == count:
            break
    return tuple(picked)
