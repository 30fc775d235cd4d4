"""The truth sidecar: what was planted, so tests and benchmarks can measure what analyses recover.

It holds the accounts' true roles, sectors and behaviours, the organisations, and only the
planted items (chat sessions, the rumour, questions, risky posts) — never per-post data for
the whole corpus, so it stays small at any size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from sociable.simulate.cast import Cast
from sociable.simulate.plan import iso

TRUTH_VERSION = 1


def truth_path(output: Path) -> Path:
    """Where the truth sidecar of an output file goes: `<stem>.truth.json` beside it."""
    return output.with_name(f"{output.stem}.truth.json")


def accounts_of(cast: Cast, posted: list[int]) -> list[dict[str, Any]]:
    return [
        {"account_id": str(m.user_id), "handle": m.handle, "role": m.role, "subtype": m.subtype, "sector": m.sector,
         "behaviour": m.behaviour, "org": m.org, "bio_kind": m.bio_kind, "posts": posted[m.index]}
        for m in cast.members
    ]


def build_truth(*, cast: Cast, posted: list[int], seed: int, posts: int, start_ms: int, end_ms: int,
                scenes: dict[str, Any]) -> dict[str, Any]:
    """The whole truth record of one run."""
    ids = {m.index: str(m.user_id) for m in cast.members}
    return {
        "generator": "sociable.simulate", "version": TRUTH_VERSION, "format": "twitter-v1.1", "seed": seed,
        "posts": posts, "start": iso(start_ms), "end": iso(end_ms),
        "accounts": accounts_of(cast, posted),
        "organisations": {g.name: [ids[i] for i in g.members] for g in cast.groups},
        "organisation_styles": {g.name: g.style for g in cast.groups},
        "brokers": [ids[m.index] for m in cast.members if m.behaviour == "broker"],
        "conversers": [ids[m.index] for m in cast.members if m.behaviour == "converser"],
        **scenes,
    }


def write_truth(path: Path, truth: dict[str, Any]) -> None:
    path.write_bytes(orjson.dumps(truth, option=orjson.OPT_INDENT_2) + b"\n")


def organisation_file(truth: dict[str, Any], name: str | None = None) -> str:
    """An organisation file (docs/organisations.md) for one organisation of the sample.

    Without `name`, the conversing organisation with the most accounts (the demo's NHS trust).
    """
    groups: dict[str, list[str]] = truth["organisations"]
    styles: dict[str, str] = truth.get("organisation_styles", {})
    if name is None:
        name = max(groups, key=lambda group: (styles.get(group) == "converser", len(groups[group]), group))
    elif name not in groups:
        raise KeyError(name)
    handles = {account["account_id"]: account["handle"] for account in truth["accounts"]}
    lines = [f"# {name}: its accounts in the sample written by `sociable simulate --seed {truth['seed']}`.",
             f"name: {name}"]
    lines.extend(f"@{handles[account_id]}" for account_id in groups[name])
    return "\n".join(lines) + "\n"
