"""The guidance catalogue: principles with ids, the bodies behind them, and which apply to whom."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from sociable.errors import SociableError

MAX_PRINCIPLES = 3


class UnknownProfession(SociableError, ValueError):
    """A profession was named that the guidance catalogue does not know."""


@dataclass(frozen=True, slots=True)
class Principle:
    """One paraphrased principle from a professional body's guidance."""

    id: str
    body: str
    body_name: str
    text: str
    secondary: bool


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Principles by id, the principles each risk category touches, and profession → bodies."""

    principles: dict[str, Principle]
    categories: dict[str, tuple[str, ...]]
    titles: dict[str, str]
    professions: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]

    def bodies_for(self, profession: str | None) -> tuple[str, ...] | None:
        """The bodies that speak to a profession; None means no profession was given."""
        if profession is None or not profession.strip():
            return None
        wanted = " ".join(profession.lower().replace("-", " ").replace("_", " ").split())
        for names, bodies in self.professions:
            if wanted in names or any(re.search(rf"\b{re.escape(n)}\b", wanted) for n in names):
                return bodies
        known = sorted({names[0] for names, _ in self.professions})
        raise UnknownProfession(
            f"the profession {profession!r} is not in the guidance catalogue; use one of {', '.join(known)} "
            "(or leave it out to get the most relevant principles across all bodies)."
        )

    def principles_for(self, category: str, profession: str | None = None) -> tuple[str, ...]:
        """Up to three principle ids for a category, from the profession's own bodies when given."""
        ordered = self.categories.get(category, ())
        bodies = self.bodies_for(profession)
        if bodies is None:
            return _spread(ordered, self.principles)
        own = [pid for pid in ordered if self.principles[pid].body in bodies]
        if own:
            return tuple(own[:MAX_PRINCIPLES])
        return _spread(ordered, self.principles)


def _spread(ordered: tuple[str, ...], principles: dict[str, Principle]) -> tuple[str, ...]:
    """The most relevant principles, one per body, so a reader sees the range of bodies agreeing."""
    chosen: list[str] = []
    seen: set[str] = set()
    for pid in ordered:
        body = principles[pid].body
        if body not in seen:
            chosen.append(pid)
            seen.add(body)
        if len(chosen) == MAX_PRINCIPLES:
            break
    return tuple(chosen)


def _body_of(pid: str) -> str:
    return pid.rsplit("-", 1)[0]


def _build(data: dict[str, Any]) -> Catalogue:
    bodies = {key: str(value["name"]) for key, value in data["bodies"].items()}
    principles = {
        pid: Principle(
            id=pid,
            body=_body_of(pid),
            body_name=bodies[_body_of(pid)],
            text=str(item["text"]),
            secondary=bool(item.get("secondary", False)),
        )
        for pid, item in data["principles"].items()
    }
    categories = {key: tuple(value["principles"]) for key, value in data["categories"].items()}
    for key, ids in categories.items():
        missing = [pid for pid in ids if pid not in principles]
        if missing:
            raise SociableError(
                f"the guidance catalogue lists unknown principles {missing} under {key}; fix guidance.yaml."
            )
    titles = {key: str(value["title"]) for key, value in data["categories"].items()}
    professions = tuple(
        (tuple(str(n).lower() for n in row["names"]), tuple(row["bodies"])) for row in data["professions"]
    )
    return Catalogue(principles, categories, titles, professions)


@cache
def catalogue() -> Catalogue:
    """The catalogue shipped with sociable (read once)."""
    text = resources.files("sociable.safety").joinpath("data/guidance.yaml").read_text(encoding="utf-8")
    return _build(yaml.safe_load(text))
