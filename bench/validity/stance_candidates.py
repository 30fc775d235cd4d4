"""Stance candidates compared out of fold on RumourEval 2017 train + dev, by the rule fixed beforehand.

Each candidate is the shipped logistic regression (bench/validity/train_stance.py) over the words and
cues of `sociable.analyses.stance.features`, alone or with thread context in the spirit of the best
SemEval-2017 systems: sentence vectors (`sociable.text.embed`) of the reaction and their difference
from, or product with, the claim's and the parent's; the transformer's vector of the reaction read together
with its parent, and with the claim, as one text ("pair vectors"); the parent's and the claim's own cues and the
reaction's cosine similarity to each. Every candidate is scored by leave-one-event-out
cross-validation; its offsets are those with the highest out-of-fold accuracy among those with
out-of-fold macro-F1 >= 0.52 (`train_stance.tune_offsets`). The rule, fixed before any candidate was
scored: ship the candidate with the highest such accuracy, and within 0.005 of it the one with the
fewest features. The test split is never read here. Run:
`PYTHONPATH=src python bench/validity/stance_candidates.py`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from rumoureval import Example, data_folder, examples
from train_stance import MACRO_F1_FLOOR, labels_of, macro_f1, out_of_fold, tune_offsets

from sociable.analyses.stance.features import CUE_NAMES, cues
from sociable.text import embed

CONTEXT_CUES = ("question_mark", "query_phrase", "negation", "denial_word", "denial_phrase", "support_word",
                "hedge", "has_url", "exclamation", "question_opener")
TIE = 0.005


def context_blocks(items: list[Example]) -> dict[str, np.ndarray]:
    """Columns that do not depend on the fold's vocabulary, by name."""
    targets = [e.target_text for e in items]
    parents = [e.parent_text if e.parent_text is not None else e.target_text for e in items]
    chosen = [CUE_NAMES.index(name) for name in CONTEXT_CUES]
    parent_cues = np.array([cues(p, t, None) for p, t in zip(parents, targets, strict=True)])[:, chosen]
    claim_cues = np.array([cues(t, None, None) for t in targets])[:, chosen]
    own, claim, parent = embed([e.text for e in items]), embed(targets), embed(parents)
    similarity = np.column_stack([(own * claim).sum(axis=1), (own * parent).sum(axis=1)])
    blocks = {"context": np.hstack([parent_cues, claim_cues, similarity]),
              "vectors": np.hstack([own, own - claim]),
              "thread vectors": np.hstack([own, own * claim, own * parent])}
    try:  # the transformer itself, where the static table knows no word order (sociable.text.contextual)
        from sociable.text.contextual import embed_contextual
    except ImportError:
        return blocks
    own, claim, parent = (embed_contextual(texts) for texts in ([e.text for e in items], targets, parents))
    blocks["contextual vectors"] = np.hstack([own, own - claim])
    blocks["contextual thread vectors"] = np.hstack([own, own * claim, own * parent])
    # the reaction read together with its parent, and with the claim, as one text: the transformer sees both
    paired = [embed_contextual([f"{e.text} [SEP] {other}" for e, other in zip(items, others, strict=True)])
              for others in (parents, targets)]
    blocks["contextual pair vectors"] = np.hstack(paired)
    blocks["contextual pair differences"] = np.hstack([p - own for p in paired])
    return blocks


CANDIDATES: tuple[tuple[str, tuple[str, ...], float, float], ...] = (
    ("words + cues (shipped before December 2026)", (), 1e-3, 0.5),
    ("words + cues, no class weighting", (), 1e-3, 0.0),
    ("+ sentence vectors", ("vectors",), 1e-3, 0.5),
    ("+ thread vectors", ("thread vectors",), 1e-3, 0.5),
    ("+ thread vectors, L2 3e-3", ("thread vectors",), 3e-3, 0.5),
    ("+ thread vectors, balanced", ("thread vectors",), 1e-3, 1.0),
    ("+ parent and claim cues", ("context",), 1e-3, 0.5),
    ("+ parent and claim cues + sentence vectors", ("context", "vectors"), 1e-3, 0.5),
    ("+ parent and claim cues + thread vectors", ("context", "thread vectors"), 1e-3, 0.5),
    ("+ contextual vectors", ("contextual vectors",), 1e-3, 0.5),
    ("+ contextual thread vectors", ("contextual thread vectors",), 1e-3, 0.5),
    ("+ parent and claim cues + contextual thread vectors", ("context", "contextual thread vectors"), 1e-3, 0.5),
    ("+ contextual thread vectors + pair vectors", ("contextual thread vectors", "contextual pair vectors"), 1e-3, 0.5),
    ("+ contextual thread vectors + pair differences", ("contextual thread vectors", "contextual pair differences"),
     1e-3, 0.5),
)


def main() -> None:
    items = examples("train", data_folder()) + examples("dev", data_folder())
    y = labels_of(items)
    blocks = context_blocks(items)
    print(f"train + dev: {len(items)} labelled tweets; leave-one-event-out; offsets: highest accuracy with "
          f"macro-F1 >= {MACRO_F1_FLOOR}")
    scored = []
    for name, extra, l2, power in CANDIDATES:
        if any(b not in blocks for b in extra):
            print(f"  {name:<44} skipped: the contextual model is not installed")
            continue
        started = time.perf_counter()
        columns = np.hstack([blocks[b] for b in extra]) if extra else None
        logp = out_of_fold(items, l2, power, columns)
        offsets = tune_offsets(logp, y)
        p = np.argmax(logp + offsets, axis=1)
        accuracy, f1 = float(np.mean(p == y)), macro_f1(y, p)
        met = f1 >= MACRO_F1_FLOOR
        width = 0 if columns is None else columns.shape[1]
        scored.append((accuracy if met else -1.0, width, name))
        print(f"  {name:<44} accuracy {accuracy:.3f}  macro-F1 {f1:.3f}  "
              f"{'' if met else '(floor not reached) '}offsets {offsets[:3].round(1).tolist()}  "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
    best = max(s[0] for s in scored)
    chosen = min((s for s in scored if s[0] >= best - TIE), key=lambda s: s[1])
    print(f"by the rule: {chosen[2]}")


if __name__ == "__main__":
    main()
