"""Train the sentiment head (deterministic: the same data gives the same weights).

    PYTHONPATH=src python bench/train/sentiment.py       # writes src/sociable/text/models/sentiment.npz

Training data: the SemEval-2017 Task 4A English training tweets (2013-2016 train, dev and test
sets: the tweets TweetEval's sentiment train and validation splits were drawn from). Our copy of
cardiffnlp/tweeteval lacks `train_text.txt`, so the same tweets are read from the task's GOLD
release kept in BaiqingL/Language-Model-Benchmarks (data/2017_English_final/GOLD/Subtask_A, commit
0c4ada65c521ab32c6f47e8d2d400b694ec7fb05), under $SOCIABLE_DATA (default .data/). Duplicates are
dropped (the task's README asks for it), and so is any tweet also in TweetEval's test split (none
are). The regularisation is chosen on TweetEval's validation split (held out for the choice, then
trained on too); the test split is only read to leave out any tweet that is also in it.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
from pathlib import Path

import numpy as np

from sociable.text import Head, save_head
from sociable.text.sentiment import CLASSES, HEAD, features
from sociable.text.static import MODEL_DIR

ROOT = Path(__file__).resolve().parents[2]
SEMEVAL_REPO = "BaiqingL/Language-Model-Benchmarks"
SEMEVAL_COMMIT = "0c4ada65c521ab32c6f47e8d2d400b694ec7fb05"
SEMEVAL = Path("BaiqingL+Language-Model-Benchmarks") / "data" / "2017_English_final" / "GOLD" / "Subtask_A"
TWEETEVAL_REPO = "cardiffnlp/tweeteval"
TWEETEVAL_COMMIT = "4fbd22cd78421f05b1ecdb4fc5725bc7a7bd8f66"
TWEETEVAL = Path("cardiffnlp+tweeteval") / "datasets" / "sentiment"
C = 1.0
_HANDLE = re.compile(r"@\w+")


def data_folder() -> Path:
    return Path(os.environ.get("SOCIABLE_DATA", ROOT / ".data"))


def _missing(path: Path, repo: str, commit: str) -> SystemExit:
    return SystemExit(f"{path} is missing: clone https://github.com/{repo} at {commit} into {data_folder()}")


def key(text: str) -> str:
    """Tweets compared as TweetEval writes them: handles as @user, no surrounding quotes, any case."""
    return _HANDLE.sub("@user", text).strip().strip('"').strip().lower()


def read_tweeteval(split: str) -> tuple[list[str], list[str]]:
    folder = data_folder() / TWEETEVAL
    text, labels = folder / f"{split}_text.txt", folder / f"{split}_labels.txt"
    if not text.exists() or not labels.exists():
        raise _missing(folder, TWEETEVAL_REPO, TWEETEVAL_COMMIT)
    texts = text.read_text(encoding="utf-8").split("\n")[: -1]
    names = [CLASSES[int(v)] for v in labels.read_text(encoding="utf-8").split()]
    if len(texts) != len(names):
        raise SystemExit(f"{text} has {len(texts)} lines but {labels} has {len(names)} labels")
    return texts, names


def read_semeval() -> list[tuple[str, str]]:
    """Every distinct (tweet, label) of the Task 4A GOLD files, first label kept, in file order."""
    folder = data_folder() / SEMEVAL
    files = sorted(folder.glob("twitter-*-A.txt"))
    if not files:
        raise _missing(folder, SEMEVAL_REPO, SEMEVAL_COMMIT)
    seen: dict[str, tuple[str, str]] = {}
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) >= 3 and parts[1] in CLASSES:
                seen.setdefault(key(parts[2]), (parts[2], parts[1]))
    return list(seen.values())


def macro_recall(truth: list[str], got: list[str]) -> float:
    return float(np.mean([np.mean([g == c for t, g in zip(truth, got, strict=True) if t == c]) for c in CLASSES]))


def sparse_features(texts: list[str], batch: int = 4096):  # type: ignore[no-untyped-def]
    """The head's features, kept sparse (most of the hashed columns are zero)."""
    from scipy import sparse

    return sparse.vstack([sparse.csr_matrix(features(texts[i: i + batch])) for i in range(0, len(texts), batch)])


def fit(x, labels: list[str], meta: dict[str, object]) -> Head:  # type: ignore[no-untyped-def]
    """Multinomial logistic regression, classes balanced (as `train_head`, on a sparse matrix)."""
    from sklearn.linear_model import LogisticRegression

    y = np.array([CLASSES.index(label) for label in labels])
    model = LogisticRegression(C=C, max_iter=3000, class_weight="balanced").fit(x, y)
    return Head(HEAD, CLASSES, model.coef_.T.astype(np.float32), model.intercept_.astype(np.float32), "softmax",
                None, meta)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=MODEL_DIR / f"{HEAD}.npz")
    args = parser.parse_args()
    from scipy import sparse

    test_keys = {key(t) for t in read_tweeteval("test")[0]}
    val_texts, val_labels = read_tweeteval("val")
    val_keys = {key(t) for t in val_texts}
    rows = [(t, y) for t, y in read_semeval() if key(t) not in test_keys]
    outside = [(t, y) for t, y in rows if key(t) not in val_keys]
    print(f"{len(rows):,} distinct training tweets; {len(outside):,} outside the validation split", flush=True)
    x_outside, x_val = sparse_features([t for t, _ in outside]), sparse_features(val_texts)
    check = fit(x_outside, [y for _, y in outside], {})
    score = macro_recall(val_labels, [CLASSES[i] for i in np.argmax(x_val @ check.weights + check.bias, axis=1)])
    print(f"validation macro-recall {score:.4f} (trained without the validation split)", flush=True)
    x = sparse.vstack([x_outside, x_val]).tocsr()  # the validation tweets with TweetEval's own labels
    labels = [y for _, y in outside] + val_labels
    meta = {"trained_on": f"{len(labels):,} tweets: SemEval-2017 Task 4A GOLD ({SEMEVAL_REPO}@{SEMEVAL_COMMIT[:12]}) "
                          f"and TweetEval's sentiment validation split ({TWEETEVAL_REPO}@{TWEETEVAL_COMMIT[:12]})",
            "c": C, "validation_macro_recall": round(score, 4)}
    head = fit(x, labels, meta)
    save_head(head, args.output)
    digest = hashlib.sha256(head.weights.tobytes() + head.bias.tobytes()).hexdigest()[:16]
    print(f"wrote {args.output} ({head.dims} features, weights sha256 {digest})")


if __name__ == "__main__":
    sys.exit(main())
