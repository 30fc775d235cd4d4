"""Sentence vectors from a static embedding: each word piece has a vector, a text is their mean.

The table is distilled from all-MiniLM-L6-v2 (``python -m sociable.text.distill``; the method and
its data card are in ``models/minilm-static.md``). Word pieces come from the same uncased WordPiece
vocabulary as the sentence model, so spelling variants, hashtags and typos split into pieces that
still carry meaning. Loaded once, on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from sociable.errors import SociableError

MODEL_DIR = Path(__file__).parent / "models"
STATIC_MODEL = "minilm-static.npz"
MAX_PIECES = 256  # pieces read per text: a post is far shorter; a pasted essay is cut here


class StaticEmbedding:
    """A word-piece tokenizer and a vector per piece; ``encode`` gives L2-normalised rows."""

    def __init__(self, path: Path) -> None:
        try:
            data = np.load(path)
            self.vectors = data["vectors"].astype(np.float32)
            vocab = [str(v) for v in data["vocab"]]
        except (OSError, KeyError, ValueError) as exc:
            raise SociableError(f"{path}: not a sociable embedding table ({exc})") from exc
        from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

        tokenizer = Tokenizer(models.WordPiece({p: i for i, p in enumerate(vocab)}, unk_token="[UNK]"))
        tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=None, clean_text=True)
        tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        tokenizer.enable_truncation(MAX_PIECES)
        self.tokenizer = tokenizer
        self.dims = int(self.vectors.shape[1])
        self.unknown = vocab.index("[UNK]")

    def pieces(self, text: str) -> list[str]:
        return list(self.tokenizer.encode(text).tokens)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch([t or "" for t in texts])
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        if lengths.sum() == 0:
            return out
        ids = np.fromiter((i for e in encodings for i in e.ids), dtype=np.int64, count=int(lengths.sum()))
        # Each text's pieces are contiguous, so one reduceat sums them (much faster than np.add.at).
        filled = np.flatnonzero(lengths)
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))[filled]
        out[filled] = np.add.reduceat(self.vectors[ids], starts, axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _static() -> StaticEmbedding:
    with _lock:
        return StaticEmbedding(MODEL_DIR / STATIC_MODEL)


def embed(texts: Sequence[str]) -> np.ndarray:
    """Sentence vectors (one L2-normalised float32 row per text; an empty text is a zero row)."""
    return _static().encode(list(texts))


def dimensions() -> int:
    return _static().dims
