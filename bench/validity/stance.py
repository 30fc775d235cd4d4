"""Stance (support / deny / query / comment) on RumourEval 2017's test split, beside its baselines, and on ours.

The shipped model was trained and tuned on train + dev only (bench/validity/train_stance.py);
this script only reads the test split. References, printed beside our figures: the majority class
("comment", measured here on the same split), and the best SemEval-2017 Task 8 system (Turing,
accuracy 0.784; Derczynski et al. 2017). Then the same model on our own labelled health-and-care
reactions (bench/validity/stance_health.jsonl), written by the project, on the held-out halves of three
writings done apart (bench/validity/stance_health_apart.jsonl: their writers saw neither the model nor our other
reactions; second readers labelled the scored reactions blind, and the figures are also given on the reactions
both labelled alike), and the model's speed. Run:
`PYTHONPATH=src python bench/validity/stance.py`.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from rumoureval import COMMIT, data_folder, examples

from sociable.analyses.stance.model import STANCES, load_model

BEST_SEMEVAL_ACCURACY = 0.784
HEALTH = Path(__file__).with_name("stance_health.jsonl")
APART = Path(__file__).with_name("stance_health_apart.jsonl")  # three writings done apart, with second readings
SPEED_COPIES = 20  # the test split 20 times over, for a steady reactions/s (once when the transformer reads it:
# a model with sentence vectors reads each distinct text once, so copies would not be read again)


def scores(truth: list[str], predicted: list[str]) -> dict[str, float]:
    result = {"accuracy": sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth)}
    f1s = []
    for c in STANCES:
        tp = sum(t == c and p == c for t, p in zip(truth, predicted, strict=True))
        precision = tp / max(sum(p == c for p in predicted), 1)
        recall = tp / max(sum(t == c for t in truth), 1)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[f"f1_{c}"] = f1
        f1s.append(f1)
    result["macro_f1"] = sum(f1s) / len(f1s)
    return result


def line(name: str, s: dict[str, float]) -> str:
    per_class = "  ".join(f"{c} {s[f'f1_{c}']:.2f}" for c in STANCES)
    return f"  {name:<34} accuracy {s['accuracy']:.3f}  macro-F1 {s['macro_f1']:.3f}   F1: {per_class}"


def report(title: str, truth: list[str], texts: list[str], targets: list[str | None],
           parents: list[str | None]) -> None:
    predicted, _ = load_model().predict(texts, targets, parents)
    print(f"{title}: {len(truth):,} reactions ({', '.join(f'{n} {c}' for c, n in Counter(truth).most_common())})")
    print(line("majority class (comment)", scores(truth, ["comment"] * len(truth))))
    print(line("sociable stance model", scores(truth, predicted)))


def main() -> None:
    test = examples("test", data_folder())
    report(f"RumourEval 2017 test split (autoreleasefool/rumoureval @ {COMMIT[:7]})", [e.stance for e in test],
           [e.text for e in test], [e.target_text for e in test], [e.parent_text for e in test])
    print(f"  {'best SemEval-2017 system (Turing)':<34} accuracy {BEST_SEMEVAL_ACCURACY:.3f}  (published figure)")
    many = test * (SPEED_COPIES if load_model().vectors == "none" else 1)
    started = time.perf_counter()
    load_model().predict([e.text for e in many], [e.target_text for e in many], [e.parent_text for e in many])
    print(f"  speed: {len(many) / (time.perf_counter() - started):,.0f} reactions/s ({len(many):,} reactions)")
    for path in (HEALTH, APART):
        items = [json.loads(row) for row in path.read_text().splitlines() if row.strip()]
        report(f"Our health-and-care reactions (bench/validity/{path.name})", [i["stance"] for i in items],
               [i["text"] for i in items], [i["target_text"] for i in items],
               [i.get("parent_text") or i["target_text"] for i in items])
        parts = {f"  writing {w}": [i for i in items if i.get("writing") == w]
                 for w in sorted({i["writing"] for i in items if "writing" in i})}
        parts["  those a second reader labelled alike"] = [i for i in items if i.get("second_reading") == i["stance"]]
        for title, part in parts.items():
            if part and len(part) < len(items):
                report(title, [i["stance"] for i in part], [i["text"] for i in part], [i["target_text"] for i in part],
                       [i.get("parent_text") or i["target_text"] for i in part])


if __name__ == "__main__":
    main()
