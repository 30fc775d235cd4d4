"""Judgements on records from any source: roles of profiles, sentiment and safe practice of texts.

`classify_lines(kind, lines, source)` reads JSON Lines (`{"id", ...fields}` per line: `handle`,
`name`, `bio` for roles; `text` for sentiment and safety) and yields one result per line, in order.
A line that cannot be read gives an error row (its line number and what was expected) and the rest
go on: researchers can run sociable's judgement on their own data, and check its accuracy from outside.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from sociable.errors import SociableError, UnreadableFile

KINDS = ("roles", "sentiment", "safety")
FIELDS = {"roles": ("handle", "name", "bio"), "sentiment": ("text",), "safety": ("text",)}
BATCH = 1000


class UnknownKind(SociableError):
    """A judgement sociable does not make."""


@dataclass
class Tally:
    """How many lines were read, judged and refused."""

    lines: int = 0
    classified: int = 0
    errors: int = 0


@dataclass(frozen=True, slots=True)
class _Item:
    line: int
    id: str
    fields: dict[str, str]


def expected(kind: str) -> str:
    if kind == "roles":
        return 'one JSON object per line with "id" and at least one of "handle", "name", "bio" (text)'
    return 'one JSON object per line with "id" and "text" (text)'


def read_lines(path: Path) -> Iterator[str]:
    """The lines of a UTF-8 file, read lazily; a missing or unreadable file is one clear error."""
    try:
        with path.open(encoding="utf-8") as handle:
            yield from handle
    except FileNotFoundError as exc:
        raise UnreadableFile(f"there is no file at {path}; check the path.") from exc
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"{path} is not UTF-8 text ({exc.reason}); save it as UTF-8 JSON Lines.") from exc
    except OSError as exc:
        raise UnreadableFile(f"cannot read {path} ({exc.strerror or exc}).") from exc


def _parse(kind: str, number: int, line: str, source: str) -> _Item | dict[str, Any]:
    where = f"line {number} of {source}"

    def error(what: str, item_id: Any = None) -> dict[str, Any]:
        return {"id": None if item_id is None else str(item_id), "line": number,
                "error": f"{where} {what}; expected {expected(kind)}"}

    try:
        item = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return error(f"is not JSON (at column {exc.colno})")
    if not isinstance(item, dict):
        return error(f"is a JSON {type(item).__name__}, not an object")
    item_id = item.get("id")
    if item_id is None or isinstance(item_id, bool) or not isinstance(item_id, str | int | float):
        return error('has no "id" (a string or a number)')
    fields: dict[str, str] = {}
    for name in FIELDS[kind]:
        value = item.get(name)
        if value is not None and not isinstance(value, str):
            return error(f'has "{name}" as {type(value).__name__}, not text', item_id)
        fields[name] = value or ""
    if kind != "roles" and "text" not in item:
        return error('has no "text"', item_id)
    if kind == "roles" and not any(name in item for name in FIELDS["roles"]):
        return error('has none of "handle", "name", "bio"', item_id)
    return _Item(number, str(item_id), fields)


def classify_lines(kind: str, lines: Iterable[str], source: str, *, profession: str | None = None,
                   tally: Tally | None = None, review: bool = False) -> Iterator[dict[str, Any]]:
    """One result (or one error) per non-blank line, in order; `tally` counts them as they go. `review`
    checks safety in review mode (`sociable.safety.check`)."""
    if kind not in KINDS:
        raise UnknownKind(f"sociable cannot classify {kind!r}; choose one of {', '.join(KINDS)}.")
    if review and kind != "safety":
        raise UnknownKind(f"review mode is for safety, not {kind}.")
    count = tally if tally is not None else Tally()
    pending: list[_Item | dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        count.lines += 1
        pending.append(_parse(kind, number, line, source))
        if len(pending) >= BATCH:
            yield from _judge(kind, pending, profession, count, review)
            pending = []
    yield from _judge(kind, pending, profession, count, review)


def _judge(kind: str, batch: list[_Item | dict[str, Any]], profession: str | None,
           tally: Tally, review: bool) -> Iterator[dict[str, Any]]:
    items = [b for b in batch if isinstance(b, _Item)]
    results = iter(_results(kind, items, profession, review))
    for entry in batch:
        if isinstance(entry, _Item):
            tally.classified += 1
            yield next(results)
        else:
            tally.errors += 1
            yield entry


def _results(kind: str, items: list[_Item], profession: str | None, review: bool) -> list[dict[str, Any]]:
    if not items:
        return []
    if kind == "roles":
        from sociable.analyses.roles import classify_profiles

        labels = classify_profiles([i.fields["handle"] for i in items], [i.fields["name"] for i in items],
                                   [i.fields["bio"] for i in items])
        return [{"id": i.id, "role": lab.role, "subtype": lab.subtype, "sector": lab.sector,
                 "confidence": lab.confidence, "source": lab.role_source, "evidence": list(lab.evidence)}
                for i, lab in zip(items, labels, strict=True)]
    if kind == "sentiment":
        from sociable.text.sentiment import classify_sentiment

        read = classify_sentiment([i.fields["text"] for i in items])
        return [{"id": i.id, **r.to_dict()} for i, r in zip(items, read, strict=True)]
    from sociable.safety import check_many

    return [r.to_dict() | {"scores": dict(r.scores)}
            for r in check_many(((i.id, i.fields["text"]) for i in items), profession, review=review)]
