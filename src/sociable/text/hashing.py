"""Hashed words and word pairs: a bag of words that needs no vocabulary file and no fitting."""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Sequence

import numpy as np

_TOKEN = re.compile(r"[a-z][a-z'’]*|[!?]|[^\s\w]")


def hashed_words(texts: Sequence[str], buckets: int) -> np.ndarray:
    """Lower-cased words and word pairs hashed into buckets (crc32, stable across runs), each row scaled to
    unit length; an empty text gives a row of zeros."""
    out = np.zeros((len(texts), buckets), dtype=np.float32)
    for row, text in enumerate(texts):
        words = _TOKEN.findall(text.lower())
        grams = {zlib.crc32(g.encode("utf-8")) % buckets for g in words + [f"{a} {b}" for a, b in
                                                                          itertools.pairwise(words)]}
        if grams:
            out[row, list(grams)] = 1.0 / np.sqrt(len(grams))
    return out
