"""The reactions of chosen cascades: their texts, authors' roles, stance, and the corrections among them.

Stance is predicted, never read from annotations: the stance model reads each reaction's words
against the thread's claim (the root) and against its parent. A repost has no words of its own:
towards its parent it is support, and towards the claim it takes the stance of the post it
reposts (a repost of a denial denies; a repost of the claim supports it).

A correction is a reaction that denies or queries the claim, written by an authoritative account:
by role (police, NHS organisations and GP practices, councils, regulators; fact-checkers by their
name or bio) or named by the user.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from sociable.analyses.cascades.spread import EDGE_KINDS, Spread
from sociable.analyses.roles import classify_account
from sociable.analyses.stance.model import load_model

if TYPE_CHECKING:
    from sociable.store import Workspace

AUTHORITY_SUBTYPES: dict[str, str] = {
    "police": "police", "nhs_trust": "NHS organisation", "gp_practice": "NHS organisation",
    "council": "council", "regulator": "regulator",
}
FACT_CHECKER = re.compile(r"fact[\s_-]?check|full[\s_-]?fact|\bdebunk|verif(?:y|ication) (?:desk|team)", re.I)
CORRECTING = ("deny", "query")

READ_SQL = """
SELECT w.i, p.text, p.created_at, a.handle, a.display_name, a.bio, l.role, l.subtype
FROM wanted w
JOIN posts p ON p.platform = w.platform AND p.post_id = w.post_id
LEFT JOIN accounts a ON a.platform = p.platform AND a.account_id = p.account_id
LEFT JOIN labels l ON l.platform = p.platform AND l.account_id = p.account_id
QUALIFY row_number() OVER (PARTITION BY w.i ORDER BY p.created_at) = 1
"""


@dataclass(frozen=True, slots=True)
class Authorities:
    """Who counts as authoritative: accounts the user named (handles, lower case, no '@'), and roles."""

    named: frozenset[str] = frozenset()

    @classmethod
    def of(cls, handles: Iterable[str]) -> Authorities:
        return cls(frozenset(h.strip().lstrip("@").lower() for h in handles if h.strip()))

    def kind(self, handle: str | None, name: str | None, bio: str | None, subtype: str | None) -> str | None:
        """Why an account is authoritative ('named', 'police', 'fact-checker'...), or None."""
        if handle and handle.lstrip("@").lower() in self.named:
            return "named"
        if subtype in AUTHORITY_SUBTYPES:
            return AUTHORITY_SUBTYPES[subtype]
        if FACT_CHECKER.search(" ".join(filter(None, (handle, name, bio)))):
            return "fact-checker"
        return None


def read_reactions(ws: Workspace, spread: Spread, slots: Sequence[int], authorities: Authorities) -> pa.Table:
    """One row per post of the chosen trees (roots included), with stance toward the claim and the parent."""
    forest, roots = spread.forest, spread.measures.roots
    chosen_roots = roots[np.asarray(slots, dtype=np.int64)] if len(slots) else np.zeros(0, np.int64)
    members = np.flatnonzero(np.isin(forest.tree, chosen_roots)) if chosen_roots.size else np.zeros(0, np.int64)
    members = members[np.lexsort((spread.ms[members], forest.depth[members]))]  # parents before children
    wanted = pa.table({"i": pa.array(members, pa.int64()),
                       "platform": spread.posts.column("platform").take(pa.array(members, pa.int64())),
                       "post_id": spread.posts.column("post_id").take(pa.array(members, pa.int64()))})
    read = ws.query_with({"wanted": wanted}, READ_SQL)
    info = {row["i"]: row for row in read.to_pylist()}
    rows = [_row(int(i), spread, info, authorities) for i in members.tolist()]
    _add_stances(rows)
    return pa.Table.from_pylist(rows, schema=REACTION_SCHEMA)


def _row(i: int, spread: Spread, info: dict[int, dict[str, Any]], authorities: Authorities) -> dict[str, Any]:
    forest = spread.forest
    row = info.get(i, {})
    parent = int(forest.parent[i])
    subtype, role = row.get("subtype"), row.get("role")
    if role is None and row:
        label = classify_account(row.get("handle"), row.get("display_name"), row.get("bio"))
        subtype, role = label.subtype, label.role
    posts = spread.posts
    return {
        "i": i, "root_i": int(forest.tree[i]), "parent_i": parent,
        "platform": posts.column("platform")[i].as_py(), "post_id": posts.column("post_id")[i].as_py(),
        "cascade": posts.column("post_id")[int(forest.tree[i])].as_py(),
        "parent": posts.column("post_id")[parent].as_py() if parent >= 0 else None,
        "account_id": posts.column("account_id")[i].as_py(), "handle": row.get("handle"),
        "kind": EDGE_KINDS[int(spread.kind[i])] if parent >= 0 else "root",
        "attached_to_root": bool(spread.attached_to_root[i]), "depth": int(forest.depth[i]),
        "created_at": row.get("created_at"), "text": row.get("text") or "",
        "role": role, "subtype": subtype,
        "authority": authorities.kind(row.get("handle"), row.get("display_name"), row.get("bio"), subtype),
    }


def _add_stances(rows: list[dict[str, Any]]) -> None:
    """Stance of every reaction toward its claim and its parent (rows come parents first)."""
    by_i = {row["i"]: row for row in rows}
    worded = [row for row in rows if row["kind"] not in ("root", "repost")]
    model = load_model()
    claims = [by_i[row["root_i"]]["text"] for row in worded]
    parents = [by_i[row["parent_i"]]["text"] if row["parent_i"] in by_i else None for row in worded]
    texts = [r["text"] for r in worded]
    # One call for both targets: the model reads each distinct text (with the transformer) once.
    stances, confidences = model.predict(texts + texts, claims + parents, parents + parents)
    n = len(worded)
    to_claim, claim_conf, to_parent, parent_conf = stances[:n], confidences[:n], stances[n:], confidences[n:]
    for row, s, c, ps, pc in zip(worded, to_claim, claim_conf, to_parent, parent_conf, strict=True):
        row.update(stance=s, confidence=round(c, 3), stance_to_parent=ps, parent_confidence=round(pc, 3))
    for row in rows:
        if row["kind"] == "root":
            row.update(stance=None, confidence=None, stance_to_parent=None, parent_confidence=None)
        elif row["kind"] == "repost":
            source = by_i.get(row["parent_i"])
            if source is None or source["kind"] == "root":
                row.update(stance="support", confidence=1.0)
            else:
                row.update(stance=source["stance"], confidence=source["confidence"])
            row.update(stance_to_parent="support", parent_confidence=1.0)
        row["correction"] = bool(row["authority"] and row["kind"] != "repost" and row["stance"] in CORRECTING)


REACTION_SCHEMA = pa.schema([
    ("i", pa.int64()), ("root_i", pa.int64()), ("parent_i", pa.int64()), ("platform", pa.string()),
    ("post_id", pa.string()), ("cascade", pa.string()), ("parent", pa.string()), ("account_id", pa.string()),
    ("handle", pa.string()), ("kind", pa.string()), ("attached_to_root", pa.bool_()), ("depth", pa.int64()),
    ("created_at", pa.timestamp("us", "UTC")), ("text", pa.string()), ("role", pa.string()),
    ("subtype", pa.string()), ("authority", pa.string()), ("stance", pa.string()), ("confidence", pa.float64()),
    ("stance_to_parent", pa.string()), ("parent_confidence", pa.float64()), ("correction", pa.bool_()),
])
