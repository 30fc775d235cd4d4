"""The labelled corpus the semantic categories learn from: short staff posts written for sociable.

Each line of ``data/corpus/*.jsonl`` is one invented post::

    {"id": "s1a2b3c4d5", "text": "...", "labels": ["R7"], "profession": "nurse", "note": "flag: ..."}

``labels`` names the categories R3–R13 the post should raise (empty for a near miss or an ordinary
post); ``note`` starts with ``flag``, ``near miss`` or ``ordinary`` and says what the post is an
example of. The split is fixed by a hash of the id (``split_of``), so adding posts never moves an
old one from training to the held-out part.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import orjson

from sociable.errors import SociableError

CATEGORIES: tuple[str, ...] = tuple(f"R{n}" for n in range(3, 14))
Split = Literal["train", "dev", "heldout"]
Kind = Literal["flag", "near miss", "ordinary"]
SPLITS: tuple[Split, ...] = ("train", "dev", "heldout")


class CorpusError(SociableError, ValueError):
    """A corpus line that is not a labelled post in the expected shape."""


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled post."""

    id: str
    text: str
    labels: tuple[str, ...]
    profession: str
    note: str
    source: str

    @property
    def kind(self) -> Kind:
        """flag (it has labels), near miss (it must stay quiet though it is close) or ordinary."""
        if self.labels:
            return "flag"
        return "near miss" if self.note.startswith("near miss") else "ordinary"

    @property
    def split(self) -> Split:
        return split_of(self.id)


def split_of(example_id: str) -> Split:
    """train (70 %), dev (15 %) or heldout (15 %), fixed by a hash of the id."""
    bucket = int.from_bytes(hashlib.sha256(example_id.encode("utf-8")).digest()[:4], "big") % 20
    if bucket < 14:
        return "train"
    return "dev" if bucket < 17 else "heldout"


def _example(raw: bytes, where: str) -> Example:
    try:
        row = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise CorpusError(f"{where} is not JSON ({exc}).") from exc
    if not isinstance(row, dict):
        raise CorpusError(f"{where} is not a JSON object; expected {{\"id\", \"text\", \"labels\", ...}}.")
    missing = [key for key in ("id", "text", "labels", "profession", "note") if key not in row]
    if missing:
        raise CorpusError(f"{where} lacks {', '.join(missing)}; every post needs id, text, labels, profession, note.")
    labels = row["labels"]
    if not isinstance(labels, list) or any(label not in CATEGORIES for label in labels):
        raise CorpusError(f"{where} has labels {labels!r}; use a list of {', '.join(CATEGORIES)} (or []).")
    note = str(row["note"])
    if not note.startswith(("flag", "near miss", "ordinary")):
        raise CorpusError(f"{where} has the note {note[:40]!r}; start it with 'flag', 'near miss' or 'ordinary'.")
    if bool(labels) != note.startswith("flag"):
        raise CorpusError(f"{where}: a 'flag' note needs labels, and a near miss or ordinary post has none.")
    return Example(str(row["id"]), str(row["text"]), tuple(labels), str(row["profession"]), note, where)


def read_corpus(paths: Iterable[Path]) -> tuple[Example, ...]:
    """Every post in the given JSON Lines files, checked; ids must be unique."""
    examples: list[Example] = []
    seen: dict[str, str] = {}
    for path in sorted(paths):
        for number, raw in enumerate(path.read_bytes().splitlines(), 1):
            if not raw.strip():
                continue
            example = _example(raw, f"line {number} of {path.name}")
            if example.id in seen:
                raise CorpusError(f"{example.source} repeats the id {example.id} (first at {seen[example.id]}).")
            seen[example.id] = example.source
            examples.append(example)
    return tuple(examples)


def corpus_folder() -> Path:
    """Where the shipped corpus lives (sociable/safety/data/corpus)."""
    return Path(str(resources.files("sociable.safety").joinpath("data/corpus")))


@cache
def corpus() -> tuple[Example, ...]:
    """The shipped corpus, read once."""
    return read_corpus(corpus_folder().glob("*.jsonl"))


def part(split: Split | None = None) -> tuple[Example, ...]:
    """The examples of one split (all of them for None)."""
    return tuple(e for e in corpus() if split is None or e.split == split)
