"""How much our health-and-care reactions should count in training, out of fold (STANCE_CARD.md, "Tried").

Our reactions (stance_health_train.jsonl and stance_health_apart_train.jsonl) repeated 1, 2 and 4 times in
training. RumourEval train + dev is scored leave-one-event-out with our reactions always in training, and the
offsets chosen by train_stance's rule; our reactions are scored by claim in five folds with RumourEval always in
training, under those offsets, whole and for the part written apart. One vocabulary over all the training
text (the words of the held-out fold included, which flatters every row alike). The test split and the scored
halves (stance_health_apart.jsonl) are never read. About 10 minutes. Run:
`PYTHONPATH=src python bench/validity/stance_weights.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from rumoureval import data_folder, examples
from train_stance import labels_of, macro_f1, matrix, our_examples, tune_offsets, vectors_of

from sociable.analyses.stance.features import Vocabulary
from sociable.analyses.stance.model import STANCES, softmax, train

FOLDS = 5


def scored(x: np.ndarray, y: np.ndarray, fit: np.ndarray, held: np.ndarray) -> np.ndarray:
    w, b = train(x[fit], y[fit], l2=1e-3, class_power=0.5)
    return np.log(softmax(x[held] @ w + b) + 1e-12)


def main() -> None:
    items = examples("train", data_folder()) + examples("dev", data_folder())
    ours = our_examples()
    everything = items + ours
    x = np.hstack([matrix(Vocabulary.fit(e.text for e in everything), everything),
                   vectors_of(everything)]).astype(np.float32)
    y = labels_of(everything)
    n = len(items)
    mine = np.arange(n, len(everything))
    claims = sorted({e.thread for e in ours})
    np.random.default_rng(7).shuffle(claims)
    fold = np.array([claims.index(e.thread) % FOLDS for e in ours])
    apart = np.array([not e.id.startswith("t") for e in ours])
    print(f"RumourEval train + dev {n:,}; our reactions {len(ours):,} ({int(apart.sum())} written apart)")
    for times in (1, 2, 4):
        rumours = np.zeros((n, len(STANCES)))
        for event in sorted({e.event for e in items}):
            held = np.array([e.event == event for e in items])
            rumours[held] = scored(x, y, np.concatenate([np.where(~held)[0], np.repeat(mine, times)]),
                                   np.where(held)[0])
        offsets = tune_offsets(rumours, y[:n])
        health = np.zeros((len(ours), len(STANCES)))
        for k in range(FOLDS):
            held = fold == k
            health[held] = scored(x, y, np.concatenate([np.arange(n), np.repeat(mine[~held], times)]), mine[held])
        p, q, truth = np.argmax(rumours + offsets, 1), np.argmax(health + offsets, 1), y[n:]
        print(f"  counted {times}x: RumourEval accuracy {np.mean(p == y[:n]):.3f} macro-F1 {macro_f1(y[:n], p):.3f} "
              f"(offsets {offsets[:3].round(1).tolist()}); ours {np.mean(q == truth):.3f} / {macro_f1(truth, q):.3f}; "
              f"written apart {np.mean(q[apart] == truth[apart]):.3f} / {macro_f1(truth[apart], q[apart]):.3f}",
              flush=True)


if __name__ == "__main__":
    main()
