"""PHEME and RumourEval thread folders: rumour conversations on Twitter, one folder per thread.

A thread folder holds `source-tweet/<id>.json` (PHEME v9 says `source-tweets`), the
reactions as `reactions/*.json` (RumourEval: `replies/*.json`), each a v1.1 tweet, a
`structure.json` reply tree, and in PHEME an `annotation.json` (rumour, veracity) and a
`retweets.json` (one retweet of the source per line). A thread folder is one with a
source-tweet(s) folder holding a tweet and a structure.json. Import a thread folder, a folder
above it (an event such as `charliehebdo/rumours/...`), or a folder holding other files too:
a folder of thread folders and nothing else is read whole as PHEME; any other folder is
walked, so its thread folders are read as PHEME and each other file by its own reader.

Each raw record is `{"tweet": <v1.1 tweet>, "pheme": {...}}` where `pheme` says which
thread the tweet belongs to (`thread`, `folder`, and for PHEME's `<event>/rumours/<thread>`
layout `event` and `group`), its `kind` (source, reaction, retweet),
and its `parent` and `parent_account` in structure.json. The source tweet's record also
keeps the thread's `annotation` unchanged, for analyses that read stance and veracity.
Tweets map like twitter-v1; `root` is the source tweet, and structure.json gives the
reply target where a tweet's own in_reply_to fields are missing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

from sociable.errors import MappingError, UnreadableFile
from sociable.sources.base import (
    Format,
    Mapped,
    Options,
    RawRecord,
    Rejected,
    decode_text,
    iter_json_values,
    read_data,
)
from sociable.sources.twitter_fields import PLATFORM, dedupe, dumps, first_id, json_type, obj, opt_id
from sociable.sources.twitter_v1 import NO_THREAD, Thread, add_v1_tweet

NAME = "pheme"
SOURCE_FOLDERS = ("source-tweet", "source-tweets")
REACTION_FOLDERS = ("reactions", "replies")
RUMOUR_GROUPS = ("rumours", "non-rumours")
SNIFF_DEPTH = 4
READ_DEPTH = 8


# ---------------------------------------------------------------------------- finding threads


def _json_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix == ".json" and not p.name.startswith(".") and p.is_file())


def is_thread_folder(folder: Path) -> bool:
    """A real thread folder: a source-tweet(s) folder holding a tweet file, and the thread's structure.json.

    The reactions (`reactions/`, RumourEval's `replies/`) are read when there are any: a thread
    nobody answered has none (RumourEval's dev set has one).
    """
    return (folder / "structure.json").is_file() and any(_json_files(folder / name) for name in SOURCE_FOLDERS)


def _subfolders(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith("."))


def thread_folders(folder: Path, depth: int = READ_DEPTH) -> Iterator[Path]:
    """Thread folders at or below `folder`, in name order, not looking deeper than `depth` levels."""
    if is_thread_folder(folder):
        yield folder
        return
    if depth <= 0:
        return
    for child in _subfolders(folder):
        yield from thread_folders(child, depth - 1)


def holds_only_threads(folder: Path, depth: int = SNIFF_DEPTH) -> bool:
    """A thread folder, or a folder whose every entry (hidden ones aside) is such a folder, `depth` levels down.

    Only such a folder is read whole as PHEME: a folder that also holds other files (or folders of
    other files) is walked file by file, so each of its files is read by its own reader.
    """
    if is_thread_folder(folder):
        return True
    if depth <= 0:
        return False
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    return bool(entries) and all(
        p.is_dir() and not p.is_symlink() and holds_only_threads(p, depth - 1) for p in entries
    )


def sniff_pheme(path: Path, head: bytes) -> bool:
    """A thread folder, or a folder of thread folders and nothing else (an event, `rumours/`, a data split)."""
    if not path.is_dir():
        return False
    try:
        return holds_only_threads(path)
    except OSError:
        return False


# ---------------------------------------------------------------------------- reading


def _load(file: Path) -> Any:
    """A JSON file's value, or a Rejected saying why it could not be read."""
    data = read_data(file)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return Rejected(NAME, str(file), 1, decode_text(data), f"{file.name} is not JSON ({exc})")


def structure_parents(tree: Any) -> dict[str, str | None]:
    """{tweet id: parent id} from a structure.json tree ({id: {child id: {...}}, leaves [] or {})."""
    parents: dict[str, str | None] = {}
    stack: list[tuple[str | None, Any]] = [(None, tree)]
    while stack:
        parent, node = stack.pop()
        if isinstance(node, Mapping):
            for key, children in node.items():
                parents.setdefault(str(key), parent)
                stack.append((str(key), children))
        elif isinstance(node, list):
            for child in node:
                if isinstance(child, str | int) and not isinstance(child, bool):
                    parents.setdefault(str(child), parent)
                else:
                    stack.append((parent, child))
    return parents


def _tweet_files(thread: Path) -> list[tuple[str, Path]]:
    files = [("source", f) for name in SOURCE_FOLDERS for f in _json_files(thread / name)]
    return files + [("reaction", f) for name in REACTION_FOLDERS for f in _json_files(thread / name)]


def _structure(thread: Path) -> tuple[dict[str, str | None], Rejected | None]:
    file = thread / "structure.json"
    if not file.is_file():
        return {}, None
    tree = _load(file)
    if isinstance(tree, Rejected):
        return {}, tree
    if not isinstance(tree, Mapping):
        reason = f"{file.name} should hold an object (the reply tree), but holds {json_type(tree)}"
        return {}, Rejected(NAME, str(file), 1, dumps(tree), reason)
    return structure_parents(tree), None


def _annotation(thread: Path) -> tuple[Any, Rejected | None]:
    file = thread / "annotation.json"
    if not file.is_file():
        return None, None
    value = _load(file)
    return (None, value) if isinstance(value, Rejected) else (value, None)


def read_pheme(path: Path, options: Options) -> Iterator[RawRecord | Rejected]:
    """One raw record per tweet file (and per line of retweets.json), thread by thread."""
    base = path.parent
    for thread in thread_folders(path):
        yield from _thread_records(thread, base)


def _thread_records(thread: Path, base: Path) -> Iterator[RawRecord | Rejected]:
    parents, bad_structure = _structure(thread)
    annotation, bad_annotation = _annotation(thread)
    yield from (bad for bad in (bad_structure, bad_annotation) if bad is not None)
    loaded: list[tuple[str, Path, Any]] = []
    for kind, file in _tweet_files(thread):
        value = _load(file)
        if isinstance(value, Rejected) or not isinstance(value, Mapping):
            reason = f"{file.name} holds {json_type(value)}, not a tweet object"
            yield value if isinstance(value, Rejected) else Rejected(NAME, str(file), 1, dumps(value), reason)
        else:
            loaded.append((kind, file, value))
    source_id = next((_tweet_id(t) for kind, _, t in loaded if kind == "source"), None) or thread.name
    authors = {_tweet_id(t): first_id(t.get("user") or {}, "id_str", "id") for _, _, t in loaded}
    info = {"thread": source_id, "folder": thread.relative_to(base).as_posix()}
    if thread.parent.name in RUMOUR_GROUPS:  # <event>/rumours/<thread>: say so even when a thread is imported alone
        info.update(group=thread.parent.name, event=thread.parent.parent.name)
    for kind, file, tweet in loaded:
        tweet_id = _tweet_id(tweet)
        parent = parents.get(tweet_id or "") if kind == "reaction" else None
        context: dict[str, Any] = {**info, "kind": kind, "parent": parent, "parent_account": authors.get(parent)}
        if kind == "source" and annotation is not None:
            context["annotation"] = annotation
        yield RawRecord(NAME, str(file), 1, {"tweet": tweet, "pheme": context})
    yield from _retweet_records(thread / "retweets.json", info)


def _retweet_records(file: Path, info: Mapping[str, Any]) -> Iterator[RawRecord | Rejected]:
    if not file.is_file():
        return
    try:
        items = list(iter_json_values(file, NAME))
    except UnreadableFile as exc:
        yield Rejected(NAME, str(file), 1, "", str(exc))
        return
    for item in items:
        if isinstance(item, Rejected):
            yield item
            continue
        number, value = item
        context = {**info, "kind": "retweet", "parent": None, "parent_account": None}
        yield RawRecord(NAME, str(file), number, {"tweet": value, "pheme": context})


def _tweet_id(tweet: Mapping[str, Any]) -> str | None:
    value = tweet.get("id_str", tweet.get("id"))
    if isinstance(value, str) and value:
        return value
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else None


# ---------------------------------------------------------------------------- mapping


def map_pheme(raw: Any) -> Mapped:
    """Map one thread tweet like twitter-v1, with the thread's root and structure.json's parent."""
    if not isinstance(raw, Mapping):
        raise MappingError(f"expected a PHEME record object, got {json_type(raw)}")
    info = obj(raw, "pheme")
    root = opt_id(info.get("thread"), "pheme.thread")
    if info.get("kind") == "retweet":
        thread = NO_THREAD
    else:
        thread = Thread(
            root=root,
            parent=opt_id(info.get("parent"), "pheme.parent"),
            parent_account=opt_id(info.get("parent_account"), "pheme.parent_account"),
        )
    mapped = Mapped()
    add_v1_tweet(raw.get("tweet"), mapped, thread)
    # A retweet embeds the source tweet: that copy belongs to the thread as much as the source file does.
    mapped.posts = [replace(p, root=root) if p.post_id == root else p for p in mapped.posts]
    return dedupe(mapped)


FORMAT = Format(
    name=NAME,
    platform=PLATFORM,
    description="PHEME / RumourEval thread folders (source tweet, reactions, structure.json, annotation)",
    sniff=sniff_pheme,
    read=read_pheme,
    map=map_pheme,
    directory=True,
)

FORMATS: tuple[Format, ...] = (FORMAT,)
