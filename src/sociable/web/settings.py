"""What the web app listens for: organisations, keywords and hashtags, kept beside the workspace.

They live in a folder named after the workspace (`ws.duckdb` keeps them in `ws.duckdb.listening/`):
one organisation file a organisation (the format of docs/organisations.md, so
`sociable report --org ws.duckdb.listening/organisations/northbridge.txt` reads the same file)
and `listening.json` for the keywords and hashtags. The app's views give them to every analysis
that declares the option of the same name (`organisations`, `keywords`, `hashtags`).
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from sociable.analyses.organisations import read_organisation_file
from sociable.errors import SociableError

MAX_WORDS = 200
_SLUG = re.compile(r"[^a-z0-9]+")


class BadSetting(SociableError):
    """A setting could not be saved as given (an empty name, a handle that is not an account...)."""


@dataclass(slots=True)
class Organisation:
    name: str
    file: str  # the file's name inside the organisations folder
    entries: list[str]


@dataclass(slots=True)
class Listening:
    organisations: list[Organisation] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    folder: Path | None = None

    def options(self) -> dict[str, Any]:
        """The report-wide options these settings give the analyses that declare them."""
        chosen: dict[str, Any] = {}
        if self.organisations and self.folder is not None:
            chosen["organisations"] = [self.folder / "organisations" / org.file for org in self.organisations]
        if self.keywords:
            chosen["keywords"] = tuple(self.keywords)
        if self.hashtags:
            chosen["hashtags"] = tuple(self.hashtags)
        return chosen


def folder_of(workspace: Path) -> Path:
    return workspace.with_name(workspace.name + ".listening")


def load(workspace: Path) -> Listening:
    """The saved settings (none saved: empty ones)."""
    folder = folder_of(workspace)
    settings = Listening(folder=folder)
    words = folder / "listening.json"
    if words.is_file():
        try:
            data = orjson.loads(words.read_bytes())
        except orjson.JSONDecodeError:
            raise SociableError(f"the listening settings in {words.name} could not be read; save them again on the "
                                "Settings page.") from None
        settings.keywords = [str(word) for word in data.get("keywords", [])]
        settings.hashtags = [str(tag) for tag in data.get("hashtags", [])]
    orgs = folder / "organisations"
    if orgs.is_dir():
        for path in sorted(orgs.glob("*.txt")):
            name, entries = read_organisation_file(path)
            settings.organisations.append(Organisation(name or path.stem, path.name, entries))
    return settings


def words(text: str, hashtags: bool = False) -> list[str]:
    """Words or phrases, one a line or separated by commas; hashtags lose their '#'."""
    found: list[str] = []
    for part in re.split(r"[,\n]", text):
        item = part.strip()
        if hashtags:
            item = item.lstrip("#").strip()
            if item and not re.fullmatch(r"\w+", item):
                raise BadSetting(f"“{item}” is not a hashtag: a hashtag is one word of letters, digits or _.")
        if item and item.lower() not in {f.lower() for f in found}:
            found.append(item)
    if len(found) > MAX_WORDS:
        raise BadSetting(f"at most {MAX_WORDS} keywords or hashtags can be listened for; keep the ones that matter.")
    return found


def save_words(workspace: Path, keywords: str, hashtags: str) -> Listening:
    folder = folder_of(workspace)
    folder.mkdir(exist_ok=True)
    body = orjson.dumps({"keywords": words(keywords), "hashtags": words(hashtags, hashtags=True)},
                        option=orjson.OPT_INDENT_2)
    _write(folder / "listening.json", body)
    return load(workspace)


def organisation_text(name: str, entries: list[str]) -> str:
    return f"name: {name}\n" + "".join(f"{entry}\n" for entry in entries)


def save_organisation(workspace: Path, name: str, accounts: str) -> Path:
    """Write (or replace) one organisation's file; the caller has checked its accounts exist."""
    name = " ".join(name.split())
    if not name:
        raise BadSetting("give the organisation a name, such as Leeds Teaching Hospitals.")
    entries = [entry for line in re.split(r"[,\n]", accounts) for entry in line.split() if entry.strip()]
    if not entries:
        raise BadSetting(f"list at least one account of {name}, one handle a line.")
    slug = _SLUG.sub("-", name.lower()).strip("-")[:60] or "organisation"
    folder = folder_of(workspace) / "organisations"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug}.txt"
    _write(path, organisation_text(name, entries).encode("utf-8"))
    return path


def remove_organisation(workspace: Path, file: str) -> None:
    folder = folder_of(workspace) / "organisations"
    path = folder / Path(file).name
    if path.parent != folder or not path.is_file() or path.suffix != ".txt":
        raise BadSetting(f"there is no organisation file called {Path(file).name}.")
    path.unlink()


def _write(path: Path, body: bytes) -> None:
    """Replace a file whole (never half-written)."""
    handle, staged = tempfile.mkstemp(prefix=".saving-", dir=path.parent)
    with os.fdopen(handle, "wb") as out:
        out.write(body)
    os.replace(staged, path)
