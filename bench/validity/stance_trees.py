"""Gradient-boosted trees for stance, against the shipped logistic regression, out of fold on RumourEval 2017.

A tried-and-not-kept candidate (src/sociable/analyses/stance/STANCE_CARD.md): trees can combine a cue with a
vector dimension ("a question mark, in a reply to the claim") where the regression can only add them.
scikit-learn's HistGradientBoostingClassifier (300 rounds, learning rate 0.05, 15 leaves, L2 1, class weights
(n / (k·count))^0.5 as the regression's) over the stance cues and the transformer's thread vectors; leave-one-
event-out on train + dev, the offsets by the rule of train_stance.py (highest accuracy with macro-F1 >= 0.52),
and the average of the two models' log-probabilities. The test split is never read. About 25 minutes on two
cores. Run: `PYTHONPATH=src python bench/validity/stance_trees.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

sys.path.insert(0, str(Path(__file__).parent))

from rumoureval import data_folder, examples
from stance_candidates import context_blocks
from train_stance import MACRO_F1_FLOOR, labels_of, macro_f1, out_of_fold, tune_offsets

from sociable.analyses.stance.features import cues
from sociable.analyses.stance.model import STANCES


def main() -> None:
    items = examples("train", data_folder()) + examples("dev", data_folder())
    y = labels_of(items)
    vectors = context_blocks(items)["contextual thread vectors"]
    logistic = out_of_fold(items, 1e-3, 0.5, vectors)
    x = np.hstack([np.array([cues(e.text, e.target_text, e.parent_text) for e in items]), vectors]).astype(np.float32)
    weight = (len(y) / (len(STANCES) * np.bincount(y, minlength=len(STANCES)))) ** 0.5
    trees = np.zeros_like(logistic)
    for event in sorted({e.event for e in items}):
        held = np.array([e.event == event for e in items])
        model = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, max_leaf_nodes=15,
                                               l2_regularization=1.0, random_state=7)
        model.fit(x[~held], y[~held], sample_weight=weight[y[~held]])
        trees[held] = np.log(model.predict_proba(x[held]) + 1e-12)
        print(f"  {event} done", flush=True)
    print(f"out of fold on train + dev ({len(items):,} tweets); offsets: highest accuracy with macro-F1 >= "
          f"{MACRO_F1_FLOOR}")
    for name, logp in (("logistic regression (shipped)", logistic), ("boosted trees", trees),
                       ("the two averaged", (logistic + trees) / 2)):
        raw = np.argmax(logp, axis=1)
        tuned = np.argmax(logp + tune_offsets(logp, y), axis=1)
        print(f"  {name:<30} no offsets: accuracy {np.mean(raw == y):.3f} macro-F1 {macro_f1(y, raw):.3f}; "
              f"offsets: accuracy {np.mean(tuned == y):.3f} macro-F1 {macro_f1(y, tuned):.3f}")


if __name__ == "__main__":
    main()
