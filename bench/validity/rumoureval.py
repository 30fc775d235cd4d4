"""RumourEval 2017 (SemEval-2017 Task 8) thread folders: where they are, and their labelled reactions.

The data is public and never committed: clone https://github.com/autoreleasefool/rumoureval at
commit 042e2a01142391c32f6c3c67f51316ec3fac39e0 into `$SOCIABLE_DATA/autoreleasefool+rumoureval`
(SOCIABLE_DATA defaults to `.data/`). Each labelled tweet becomes one example: its text, the
thread's source tweet (the claim) and the tweet it replies to (from structure.json).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = "autoreleasefool/rumoureval"
COMMIT = "042e2a01142391c32f6c3c67f51316ec3fac39e0"
SPLITS = ("train", "dev", "test")


def data_folder() -> Path:
    """The RumourEval data folder, or exit with a sentence saying how to get it."""
    base = Path(os.environ.get("SOCIABLE_DATA", ".data"))
    folder = base / "autoreleasefool+rumoureval" / "data"
    if not (folder / "train-annotations" / "subtaskA.json").is_file():
        sys.exit(f"RumourEval 2017 is not at {folder}: clone https://github.com/{REPOSITORY} (commit {COMMIT}) "
                 f"into {base}/autoreleasefool+rumoureval, or set SOCIABLE_DATA to the folder that holds it.")
    return folder


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    text: str
    target_text: str
    parent_text: str | None  # None when the example is the source tweet itself
    stance: str
    thread: str
    event: str


def thread_folders(split_folder: Path) -> Iterator[Path]:
    """Thread folders (those with a source-tweet folder) at any depth below a split's folder."""
    for structure in sorted(split_folder.rglob("structure.json")):
        if (structure.parent / "source-tweet").is_dir():
            yield structure.parent


def parents_of(tree: object, parent: str | None = None) -> dict[str, str | None]:
    """{tweet id: parent id} from a structure.json tree."""
    found: dict[str, str | None] = {}
    if isinstance(tree, dict):
        for key, children in tree.items():
            found.setdefault(str(key), parent)
            found.update({k: v for k, v in parents_of(children, str(key)).items() if k not in found})
    return found


@dataclass(frozen=True, slots=True)
class Thread:
    """One thread folder read whole: its tweets (Twitter's JSON objects) by id, the source's id and each tweet's
    parent id (from structure.json)."""

    folder: Path
    tweets: dict[str, dict]
    source: str
    parents: dict[str, str | None]


def threads(split_folder: Path) -> Iterator[Thread]:
    """Every thread below a split's folder, read whole."""
    for thread in thread_folders(split_folder):
        tweets = {}
        for sub in ("source-tweet", "replies"):
            for file in sorted((thread / sub).glob("*.json")):
                tweet = json.loads(file.read_text())
                tweets[str(tweet["id_str"])] = tweet
        source = next(p.stem for p in (thread / "source-tweet").glob("*.json"))
        yield Thread(thread, tweets, source, parents_of(json.loads((thread / "structure.json").read_text())))


def examples(split: str, folder: Path | None = None) -> list[Example]:
    """Every labelled tweet of a split (train, dev or test) with its claim and parent texts."""
    folder = folder or data_folder()
    labels: dict[str, str] = json.loads((folder / f"{split}-annotations" / "subtaskA.json").read_text())
    found: list[Example] = []
    for thread in threads(folder / split):
        texts = {tweet_id: tweet["text"] for tweet_id, tweet in thread.tweets.items()}
        event = thread.folder.parent.name if split != "test" else "test"
        for tweet_id, text in texts.items():
            if tweet_id not in labels:
                continue
            parent = thread.parents.get(tweet_id)
            parent_text = None if tweet_id == thread.source else texts.get(parent or "", texts[thread.source])
            found.append(Example(tweet_id, text, texts[thread.source], parent_text, labels[tweet_id],
                                 thread.folder.name, event))
    return found
