"""Tried: scoring each sentence of a post as well as the whole post, for the checker's categories.

The head reads a post whole; in a long post the clause that breaches the guidance is one voice among
several. Here the shipped head (trained on whole posts) also scores every sentence of a post of two
or more, and a post's score is its whole score or its best sentence's, out of fold on the corpus's
train and dev posts (the same five folds as `sociable.safety.train`). Compared at the post level, as
`safety_heads.py` does: a post's score is its highest category probability; for each share of near
misses allowed to be flagged, the cut that allows it and the flag precision, recall and F1 there.
The held-out part is never read.
Needs scikit-learn (`pip install -e '.[train]'`). Run:
`SOCIABLE_DATA=.data PYTHONPATH=src python bench/validity/safety_sentences.py`.
"""

from __future__ import annotations

import numpy as np
from safety_heads import NEAR_SHARES, curve, logistic

from sociable.safety import train
from sociable.safety.corpus import Example, corpus
from sociable.safety.semantic import sentence_spans


def main() -> None:
    data = train.prepare_corpus(corpus(), train.background_tweets())
    spec = train._spec(1.0)
    x = train._features(data, spec)
    pooled = (data.split == "train") | (data.split == "dev")
    owners: list[int] = []
    sentences: list[Example] = []
    for i, (e, keep) in enumerate(zip(data.examples, pooled, strict=True)):
        spans = sentence_spans(e.text) if keep else []
        if len(spans) > 1:
            for start, end in spans:
                owners.append(i)
                sentences.append(Example(f"{e.id}#{start}", e.text[start:end], (), e.profession, "", e.source))
    parts = train.prepare_corpus(sentences)
    x_parts = train._features(parts, spec)
    owner = np.array(owners)
    folds = np.array([train._fold_of(e.id) if keep else -1 for e, keep in zip(data.examples, pooled, strict=True)])
    background = data.split == "background"
    whole = np.zeros(data.truth.shape)
    best = np.zeros(data.truth.shape)
    for fold in range(train.FOLDS):
        held = folds == fold
        rows = (pooled & ~held) | background
        mine = held[owner]
        proba = logistic(x[rows], data.truth[rows], np.vstack([x[held], x_parts[mine]]))
        whole[held] = proba[: int(held.sum())]
        for k, p in zip(owner[mine], proba[int(held.sum()):], strict=True):
            best[k] = np.maximum(best[k], p)
    whole, best = whole[pooled], best[pooled]
    wanted = data.truth[pooled].any(axis=1)
    near = np.array([e.kind == "near miss" for e, keep in zip(data.examples, pooled, strict=True) if keep])
    long_posts = best.max(axis=1) > 0
    print(f"{int(pooled.sum()):,} train + dev posts scored out of fold ({int(near.sum()):,} near misses; "
          f"{int(long_posts.sum()):,} of two or more sentences, {len(sentences):,} sentences); flag F1 "
          "(precision/recall) with this share of near misses flagged:")
    print("| post score | " + " | ".join(f"{share:.0%}" for share in NEAR_SHARES) + " |")
    print("|---|" + "---|" * len(NEAR_SHARES))
    for name, scores in (("whole post (shipped)", whole),
                         ("whole or best sentence, the higher", np.maximum(whole, best)),
                         ("mean of whole and best sentence", np.where(long_posts[:, None], (whole + best) / 2, whole)),
                         ("whole, or best sentence at 0.8 of its weight", np.maximum(whole, 0.8 * best))):
        print(f"| {name} | {curve(scores.max(axis=1), wanted, near)} |")


if __name__ == "__main__":
    main()
