"""`redact(text)`: replace direct identifiers with placeholders, for research exports."""

from __future__ import annotations

from sociable.safety.checker import placeholder
from sociable.safety.names import person_names
from sociable.safety.recognisers import Hit, drop_overlaps, identifiers


def _spans(text: str) -> list[Hit]:
    hits = identifiers(text)
    hits += person_names(text, strict=False)
    return drop_overlaps(hits)


def redact(text: str) -> str:
    """The text with every identifier ([NHS NUMBER], [POSTCODE], [NAME]…) replaced, service numbers kept."""
    out: list[str] = []
    position = 0
    for hit in _spans(text):
        if hit.kind in {"phone", "email"} and not hit.personal:
            continue
        out.append(text[position : hit.start])
        out.append(placeholder(hit.kind))
        position = hit.end
    out.append(text[position:])
    return "".join(out)
