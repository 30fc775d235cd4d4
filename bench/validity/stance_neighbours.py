"""Tried: what the thread's other reactions are taken to say, read back as columns (two-pass stacking).

A first pass of the shipped features (words, cues and the transformer's thread vectors) scores every
tweet out of fold, leave one event out. A second pass adds, for each tweet, the first pass's
probabilities of its parent, the mean of its replies' and of its siblings' (other replies to the same
parent), each with a column saying whether there were any. A reaction whose own replies ask
"source?" is likely a claim; one under a denial is likely a comment on it. Our reactions (no thread
around them) get zeros in every neighbour column, as a post with no known neighbours. Scored out of
fold, leave one event out, with offsets by the shipped rule
(highest accuracy with macro-F1 >= 0.52). The test split is never read.
Run: `PYTHONPATH=src python bench/validity/stance_neighbours.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from rumoureval import data_folder, examples, threads
from train_stance import GRID_L2, GRID_POWER, candidate_line, labels_of, our_examples, out_of_fold, vectors_of


def neighbour_columns(ids: list[str], probability: dict[str, np.ndarray],
                      parents: dict[str, str | None]) -> np.ndarray:
    """Parent's probabilities, mean of replies', mean of siblings', each followed by a presence column."""
    children: dict[str, list[str]] = {}
    for child, parent in parents.items():
        if parent:
            children.setdefault(parent, []).append(child)
    rows = []
    for tweet_id in ids:
        parent = parents.get(tweet_id)
        blocks = []
        for group in ([parent] if parent else [],
                      children.get(tweet_id, []),
                      [s for s in children.get(parent or "", []) if s != tweet_id]):
            known = [probability[g] for g in group if g in probability]
            blocks.append(np.append(np.mean(known, axis=0), 1.0) if known else np.zeros(5))
        rows.append(np.concatenate(blocks))
    return np.array(rows, dtype=np.float32)


def main() -> None:
    folder = data_folder()
    items = examples("train", folder) + examples("dev", folder)
    ours = our_examples()
    y = labels_of(items)
    parents: dict[str, str | None] = {}
    for split in ("train", "dev"):
        for thread in threads(folder / split):
            parents.update(thread.parents)
    vectors, our_vectors = vectors_of(items), vectors_of(ours)
    first = out_of_fold(items, GRID_L2[0], GRID_POWER[0], vectors, ours, our_vectors)
    probability = {e.id: np.exp(row) for e, row in zip(items, first, strict=True)}
    print(f"train + dev: {len(items)} labelled tweets, {sum(e.id in parents for e in items)} placed in a thread")
    print(candidate_line("first pass (shipped)", first, y), flush=True)
    around = neighbour_columns([e.id for e in items], probability, parents)
    our_around = np.zeros((len(ours), around.shape[1]), dtype=np.float32)
    for name, keep in (("+ parent, replies, siblings", slice(None)), ("+ replies only", slice(5, 10)),
                       ("+ parent only", slice(0, 5))):
        logp = out_of_fold(items, GRID_L2[0], GRID_POWER[0], np.hstack([vectors, around[:, keep]]), ours,
                           np.hstack([our_vectors, our_around[:, keep]]))
        print(candidate_line(name, logp, y), flush=True)


if __name__ == "__main__":
    main()
