"""Question and answer labels in chat posts: "Q1", "Q1:", "q1.", "Q1)"; "A1", "a1:", "A2 & A3".

A label is a Q or A (either case) followed by one or two digits, standing on its own: not inside
a word, a handle, a hashtag or a link ("#A1", "@q1bot", "HbA1c" and "example.com/q1" are not
labels), and followed by the end of the post, a space or punctuation.
"""

from __future__ import annotations

import re

_EDGE_BEFORE = r"(?<![\w/#@.&-])"
_EDGE_AFTER = r"(?=$|[\s:.)\]\-–—,;!?/&+])"
QUESTION_LABEL = re.compile(_EDGE_BEFORE + r"[Qq](\d{1,2})" + _EDGE_AFTER)
ANSWER_LABEL = re.compile(_EDGE_BEFORE + r"[Aa](\d{1,2})" + _EDGE_AFTER)
# "A2 & 3", "A2/3", "A2+3": further numbers joined to an answer label
_JOINED = re.compile(r"\s*[&/+,]\s*(?:and\s+)?[Aa]?(\d{1,2})" + _EDGE_AFTER)
MAX_LABEL = 30


def question_label(text: str | None) -> int | None:
    """The number of the first question label in a post ("Q3: ..." is 3), or None."""
    if not text:
        return None
    match = QUESTION_LABEL.search(text)
    if match is None:
        return None
    number = int(match.group(1))
    return number if 1 <= number <= MAX_LABEL else None


def answer_labels(text: str | None) -> tuple[int, ...]:
    """Every question number a post answers by label ("A2 & A3 both..." is (2, 3)), in order, once each."""
    if not text:
        return ()
    found: list[int] = []
    for match in ANSWER_LABEL.finditer(text):
        found.append(int(match.group(1)))
        position = match.end()
        while (joined := _JOINED.match(text, position)) is not None:
            found.append(int(joined.group(1)))
            position = joined.end()
    return tuple(dict.fromkeys(n for n in found if 1 <= n <= MAX_LABEL))


def without_label(text: str) -> str:
    """A question's text without the label it opens with ("Q1: What helps?" is "What helps?")."""
    match = QUESTION_LABEL.search(text)
    if match is None or text[: match.start()].strip():
        return text
    return text[match.end():].lstrip(" :.)-–—").strip() or text
