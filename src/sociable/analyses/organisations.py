"""Organisations: a named set of accounts (corporate, services, staff), read from a file of handles.

Dialogue, maturity and listening all take the same declared option, `organisations`: text files
of an organisation's handles or account ids, one a line, each resolved against the workspace's
accounts into an `Organisation`. A line `name: Leeds Teaching Hospitals` names it; without one it
is named after its file. The format is described in docs/organisations.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sociable.analyses.base import Option
from sociable.errors import SociableError

if TYPE_CHECKING:
    from sociable.store import Workspace


@dataclass(frozen=True, slots=True)
class Organisation:
    """A named set of accounts (corporate, services, staff) treated as one organisation."""

    name: str
    accounts: tuple[tuple[str, str], ...]  # (platform, account_id)
    handles: dict[tuple[str, str], str] = field(default_factory=dict)

    def membership(self) -> dict[str, list[str]]:
        """Parallel lists (org, platform, account_id) to pass to SQL as parameters."""
        return {"org_names": [self.name] * len(self.accounts), "org_platforms": [p for p, _ in self.accounts],
                "org_accounts": [a for _, a in self.accounts]}

    def to_dict(self) -> dict[str, Any]:
        """The organisation as JSON values: its name and its accounts."""
        return {"name": self.name, "accounts": [{"platform": p, "account_id": a, "handle": self.handles.get((p, a))}
                                                for p, a in self.accounts]}


def read_account_list(path: str | Path) -> list[str]:
    """Handles or account ids, one a line; blank lines, '#' comments and the `name:` line are skipped."""
    return read_organisation_file(path)[1]


def read_organisation_file(path: str | Path) -> tuple[str | None, list[str]]:
    """The organisation's name (from a `name:` line, if any) and its handles or account ids, one a line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SociableError(f"the organisation file {path} does not exist; give a text file of handles, one a line.")\
            from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SociableError(f"the organisation file {path} could not be read ({exc}).") from None
    name: str | None = None
    entries: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        if entry.lower().startswith("name:"):
            if name is not None:
                raise SociableError(f"the organisation file {path} names the organisation twice (line {number}); "
                                    "keep one `name:` line.")
            name = entry[5:].strip() or None
            continue
        if any(character.isspace() for character in entry):
            raise SociableError(f"line {number} of the organisation file {path} is “{entry}”: expected one handle or "
                                "account id a line (or `name: The organisation's name`).")
        entries.append(entry)
    if not entries:
        raise SociableError(f"the organisation file {path} lists no accounts; write one handle or account id a line.")
    return name, entries


def resolve_organisation(ws: Workspace, name: str, entries: Iterable[str]) -> Organisation:
    """Match handles (with or without '@', any case) or account ids to accounts in the workspace.

    A handle given without its server (`@leedscouncil`) matches a Mastodon-style handle
    (`leedscouncil@social.example`) when exactly one account has that name.
    """
    wanted = [entry.strip() for entry in entries if entry.strip()]
    keys = [entry.lstrip("@").lower() for entry in wanted]
    rows = ws.query(
        "SELECT platform, account_id, handle, lower(handle) AS key, split_part(lower(handle), '@', 1) AS local "
        "FROM accounts WHERE lower(handle) IN (SELECT unnest($keys)) OR account_id IN (SELECT unnest($ids)) "
        "OR split_part(lower(handle), '@', 1) IN (SELECT unnest($keys)) ORDER BY 1, 2",
        {"keys": keys, "ids": wanted},
    ).to_pylist()
    rows = _without_ambiguous_locals(rows, keys)
    found = {row["key"] for row in rows} | {row["account_id"] for row in rows} | {row["local"] for row in rows}
    missing = [entry for entry, key in zip(wanted, keys, strict=True) if key not in found and entry not in found]
    if missing:
        raise SociableError(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not an account in this workspace; "
            "check the spelling or import posts by or mentioning them first."
        )
    accounts = tuple(dict.fromkeys((row["platform"], row["account_id"]) for row in rows))
    handles = {(row["platform"], row["account_id"]): row["handle"] or row["account_id"] for row in rows}
    return Organisation(name, accounts, handles)


def _without_ambiguous_locals(rows: list[dict[str, Any]], keys: list[str]) -> list[dict[str, Any]]:
    """Rows matched by a whole handle or id, and those matched by a server-less name that only one account has."""
    exact = [row for row in rows if row["key"] in keys or row["local"] not in keys]
    by_local: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row not in exact:
            by_local.setdefault(row["local"], []).append(row)
    taken = {row["local"] for row in exact if row["key"] in keys}
    return exact + [group[0] for local, group in by_local.items() if len(group) == 1 and local not in taken]


LIST_PREFIX = "list:"


def load_organisation(ws: Workspace, path: str | Path) -> Organisation:
    """Read an organisation file and resolve its accounts; named by its `name:` line, else after the file.

    `list:NAME` takes the accounts of a curated list instead (`sociable lists import`).
    """
    if str(path).startswith(LIST_PREFIX):
        return list_organisation(ws, str(path)[len(LIST_PREFIX):])
    name, entries = read_organisation_file(path)
    return resolve_organisation(ws, name or Path(path).stem, entries)


def list_organisation(ws: Workspace, name: str) -> Organisation:
    """The workspace's accounts in a curated list, as an organisation named after the list."""
    from sociable.store.followup import LIST_ACCOUNTS_SQL

    if name not in ws.list_names():
        raise SociableError(f"there is no curated list called '{name}'; import it with `sociable lists import FILE`.")
    rows = ws.query(f"SELECT platform, account_id, handle FROM ({LIST_ACCOUNTS_SQL}) WHERE list = $name "
                    "ORDER BY 1, 2", {"name": name}).to_pylist()
    if not rows:
        raise SociableError(f"no member of the list '{name}' is an account in this workspace yet; import their "
                            "posts first.")
    return Organisation(name, tuple((r["platform"], r["account_id"]) for r in rows),
                        {(r["platform"], r["account_id"]): r["handle"] or r["account_id"] for r in rows})


def load_organisations(ws: Workspace, paths: Iterable[str | Path]) -> tuple[Organisation, ...]:
    """Every organisation file read and resolved, in the order given (the `organisations` option's resolver)."""
    return tuple(load_organisation(ws, path) for path in paths)


def membership_params(organisations: Sequence[Organisation]) -> dict[str, list[str]]:
    """The members of every organisation as parallel lists, the parameters of ORG_MEMBERS_SQL."""
    merged: dict[str, list[str]] = {"org_names": [], "org_platforms": [], "org_accounts": []}
    for organisation in organisations:
        for key, values in organisation.membership().items():
            merged[key].extend(values)
    return merged


ORG_MEMBERS_SQL = ("SELECT unnest($org_names::VARCHAR[]) AS org, unnest($org_platforms::VARCHAR[]) AS platform, "
                   "unnest($org_accounts::VARCHAR[]) AS account_id")
"""One row per (organisation, platform, account_id), from `membership_params`."""


ORGANISATIONS = Option(
    "organisations", "paths", (),
    "A text file of an organisation's handles or account ids, one a line, or list:NAME for a curated list "
    "(repeatable).",
    short="--org", web=False, resolve=load_organisations,
)
"""The option dialogue, maturity and listening share: files in, resolved organisations out."""
ORG_FLAG = ORGANISATIONS.short or ORGANISATIONS.flag
"""How messages name the option: `--org`, as the docs and the README write it."""
