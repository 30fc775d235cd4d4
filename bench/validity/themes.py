"""Themes on tweets whose topic is known: do the groups find the topics, and do their names fit?

    PYTHONPATH=src python bench/validity/themes.py

Data: TweetEval's stance task (cardiffnlp/tweeteval, commit 4fbd22cd78421f05b1ecdb4fc5725bc7a7bd8f66):
every tweet of its five targets (abortion, atheism, climate, feminism, Hillary Clinton; train,
validation and test), each target a known topic. The dataset's own tag #SemST, on every tweet, is
removed first. sociable chooses k itself (its stated rule: the best silhouette for k = 2..8).

Measures (defined here, printed beside a reference measured in the same run):
* NMI: normalised mutual information between themes and the known topics (1 = the same grouping).
* purity: share of posts whose theme's most common topic is their own.
* silhouette: mean cosine silhouette of the grouping on the sentence vectors themes are made from
  (all-MiniLM-L6-v2 in context; separation, -1..1).
* name coverage: share of each theme's posts that use at least one of its name terms (do the names
  describe the posts?), averaged over posts.
* name overlap: share of name terms that name more than one theme (lower is better: distinct names).
Reference: TF-IDF (words and pairs) + k-means (scikit-learn) with the same k, named the same way.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from pathlib import Path

import numpy as np

from sociable.text import embed
from sociable.text import themes as themes_module
from sociable.text.contextual import embed_contextual
from sociable.text.themes import _NOISE, BASIC_STOPWORDS, _terms, find_themes, name_groups, silhouette

ROOT = Path(__file__).resolve().parents[2]
REPO, COMMIT = "cardiffnlp/tweeteval", "4fbd22cd78421f05b1ecdb4fc5725bc7a7bd8f66"
TARGETS = ("abortion", "atheism", "climate", "feminist", "hillary")
_TAG = re.compile(r"#semst\b", re.IGNORECASE)


def read_stance() -> tuple[list[str], list[str]]:
    folder = Path(os.environ.get("SOCIABLE_DATA", ROOT / ".data")) / "cardiffnlp+tweeteval" / "datasets" / "stance"
    if not folder.exists():
        raise SystemExit(f"{folder} is missing: clone https://github.com/{REPO} at {COMMIT} into {folder.parents[2]}")
    texts, topics = [], []
    for target in TARGETS:
        for split in ("train", "val", "test"):
            lines = (folder / target / f"{split}_text.txt").read_text(encoding="utf-8").splitlines()
            texts += [_TAG.sub(" ", line).strip() for line in lines]
            topics += [target] * len(lines)
    return texts, topics


def nmi(a: list[int] | np.ndarray, b: list[str]) -> float:
    from sklearn.metrics import normalized_mutual_info_score

    return float(normalized_mutual_info_score(b, list(a)))


def purity(assign: np.ndarray, topics: list[str]) -> float:
    right = 0
    for group in np.unique(assign):
        members = [topics[i] for i in np.flatnonzero(assign == group)]
        right += Counter(members).most_common(1)[0][1]
    return right / len(topics)


def name_scores(assign: np.ndarray, terms: list[set[str]], names: list[tuple[str, ...]]) -> tuple[float, float]:
    covered = sum(bool(set(names[g]) & terms[i]) for i, g in enumerate(assign)) / len(assign)
    used = Counter(t for name in names for t in name)
    overlap = sum(1 for n in used.values() if n > 1) / max(len(used), 1)
    return covered, overlap


def measure(assign: np.ndarray, topics: list[str], vectors: np.ndarray, terms: list[set[str]],
            names: list[tuple[str, ...]]) -> str:
    figures = (nmi(assign, topics), purity(assign, topics), silhouette(vectors, assign),
               *name_scores(assign, terms, names))
    return " | ".join(f"{v:.3f}" for v in figures)


def reference(texts: list[str], terms: list[set[str]], k: int) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    tfidf = TfidfVectorizer(ngram_range=(1, 2), min_df=2).fit_transform(texts)
    assign = KMeans(k, n_init=5, random_state=7).fit_predict(tfidf)
    return assign, name_groups(terms, assign, k)


def ours(texts: list[str], k: int | None, static: bool = False) -> tuple[np.ndarray, list[tuple[str, ...]], int,
                                                                       float | None, float]:
    """sociable's themes; static=True places posts by the averaged word-piece table instead (the earlier themes)."""
    saved = themes_module.embed_contextual
    if static:
        themes_module.embed_contextual = embed
    try:
        start = time.perf_counter()
        found = find_themes(texts, k=k)
        seconds = time.perf_counter() - start
    finally:
        themes_module.embed_contextual = saved
    assign = np.full(len(texts), -1)
    for theme in found.themes:
        assign[list(theme.members)] = theme.rank - 1
    return assign, [t.terms for t in found.themes], found.k, found.silhouette, len(texts) / seconds


def main() -> None:
    texts, topics = read_stance()
    print(f"{len(texts):,} tweets, {len(TARGETS)} known topics: {dict(Counter(topics))}\n")
    vectors = embed_contextual([_NOISE.sub(" ", t) for t in texts])  # silhouettes in the space themes are made in
    terms = [_terms(t, BASIC_STOPWORDS) for t in texts]
    assign, names, k, chosen_by, speed = ours(texts, None)
    print(f"k chosen by the rule: {k} (mean silhouette on the sample {chosen_by:.3f}); {speed:,.0f} posts/s\n")
    print("| grouping | k | NMI | purity | silhouette | name coverage | name overlap |")
    print("|---|---|---|---|---|---|---|")
    print(f"| sociable themes, k by its rule | {k} | {measure(assign, topics, vectors, terms, names)} |")
    ref, ref_names = reference(texts, terms, k)
    print(f"| TF-IDF + k-means, same k | {k} | {measure(ref, topics, vectors, terms, ref_names)} |")
    known = len(TARGETS)
    fixed, fixed_names, _, _, _ = ours(texts, known)
    print(f"| sociable themes, k = known topics | {known} | {measure(fixed, topics, vectors, terms, fixed_names)} |")
    ref5, ref5_names = reference(texts, terms, known)
    print(f"| TF-IDF + k-means, k = known topics | {known} | {measure(ref5, topics, vectors, terms, ref5_names)} |")
    old, old_names, old_k, _, old_speed = ours(texts, None, static=True)
    print(f"| earlier themes (averaged word pieces), k by the rule | {old_k} | "
          f"{measure(old, topics, vectors, terms, old_names)} |")
    old5, old5_names, _, _, _ = ours(texts, known, static=True)
    print(f"| earlier themes (averaged word pieces), k = known topics | {known} | "
          f"{measure(old5, topics, vectors, terms, old5_names)} |")
    print(f"\nspeed: {speed:,.0f} posts/s (earlier themes {old_speed:,.0f} posts/s), choice of k included")
    found = find_themes(texts)
    print("\nsociable's themes:")
    for theme in found.themes:
        mix = Counter(topics[i] for i in theme.members).most_common(2)
        print(f"  {theme.rank}. {theme.name!r}: {len(theme.members)} posts, mostly {mix}")
        for i in theme.examples[:2]:
            print(f"       e.g. {texts[i][:100]!r}")


if __name__ == "__main__":
    main()
