"""Tried: what other labelled tweets know, as features for stance (out of fold only).

Denials on RumourEval are often sarcasm or insults, and 4,519 labelled reactions are few to learn
either from. TweetEval (cardiffnlp/tweeteval, in .data/) has thousands of tweets labelled for irony,
offensive language, hate, emotion (anger, joy, optimism, sadness) and stance towards a target (against,
favour, none). One logistic head per task is trained on those tweets' transformer vectors (the same
all-MiniLM-L6-v2 run in context that the stance model reads); its log-odds on the reaction, on its
parent and on the claim join the shipped candidate's features ("contextual thread vectors"), and both
are scored by `stance_candidates.py`'s rule: leave-one-event-out on train + dev, offsets with the
highest accuracy whose macro-F1 reaches 0.52. The test split is never read. Run:
`SOCIABLE_DATA=.data PYTHONPATH=src python bench/validity/stance_transfer.py`.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from rumoureval import data_folder, examples
from stance_candidates import context_blocks
from train_stance import MACRO_F1_FLOOR, labels_of, macro_f1, out_of_fold, tune_offsets

from sociable.text.contextual import embed_contextual

TASKS = ("irony", "offensive", "hate", "emotion", "stance")


def task_tweets(task: str) -> tuple[list[str], np.ndarray]:
    folder = Path(os.environ.get("SOCIABLE_DATA", ".data")) / "cardiffnlp+tweeteval" / "datasets" / task
    if task == "stance":
        texts: list[str] = []
        labels: list[str] = []
        for target in sorted(p for p in folder.iterdir() if p.is_dir()):
            texts += (target / "train_text.txt").read_text(encoding="utf-8").splitlines()
            labels += (target / "train_labels.txt").read_text(encoding="utf-8").splitlines()
    else:
        texts = (folder / "train_text.txt").read_text(encoding="utf-8").splitlines()
        labels = (folder / "train_labels.txt").read_text(encoding="utf-8").splitlines()
    keep = [i for i, t in enumerate(texts) if t.strip()]
    return [texts[i] for i in keep], np.array([int(labels[i]) for i in keep])


def task_heads() -> list[tuple[str, object]]:
    from sklearn.linear_model import LogisticRegression

    heads = []
    for task in TASKS:
        texts, y = task_tweets(task)
        started = time.perf_counter()
        model = LogisticRegression(C=1.0, max_iter=2000).fit(embed_contextual(texts), y)
        print(f"  {task}: {len(texts):,} tweets, {len(model.classes_)} classes ({time.perf_counter() - started:.0f} s)",
              flush=True)
        heads.append((task, model))
    return heads


def log_odds(heads: list[tuple[str, object]], vectors: np.ndarray) -> np.ndarray:
    columns = []
    for _, model in heads:
        p = np.clip(model.predict_proba(vectors), 1e-6, 1 - 1e-6)  # type: ignore[attr-defined]
        columns.append(np.log(p / (1 - p)) if p.shape[1] > 2 else np.log(p[:, 1:] / p[:, :1]))
    return np.hstack(columns)


def main() -> None:
    items = examples("train", data_folder()) + examples("dev", data_folder())
    y = labels_of(items)
    print(f"train + dev: {len(items)} labelled tweets; TweetEval heads:")
    heads = task_heads()
    thread = context_blocks(items)["contextual thread vectors"]
    targets = [e.target_text for e in items]
    parents = [e.parent_text if e.parent_text is not None else e.target_text for e in items]
    own = log_odds(heads, embed_contextual([e.text for e in items]))
    around = np.hstack([log_odds(heads, embed_contextual(texts)) for texts in (parents, targets)])
    scale = 0.1  # log-odds beside unit-length vectors
    for name, columns in (("+ contextual thread vectors (shipped)", thread),
                          ("+ those + the reaction's TweetEval scores", np.hstack([thread, scale * own])),
                          ("+ those + parent's and claim's scores too",
                           np.hstack([thread, scale * own, scale * around]))):
        logp = out_of_fold(items, 1e-3, 0.5, columns)
        offsets = tune_offsets(logp, y)
        p = np.argmax(logp + offsets, axis=1)
        accuracy, f1 = float(np.mean(p == y)), macro_f1(y, p)
        note = "" if f1 >= MACRO_F1_FLOOR else " (floor not reached)"
        print(f"  {name:<46} accuracy {accuracy:.3f}  macro-F1 {f1:.3f}{note}", flush=True)


if __name__ == "__main__":
    main()
