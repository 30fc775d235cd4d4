"""Reading the posts in a Scope into spread trees: who reacted to what, and the measures of each tree.

A reaction's parent is the post it reposts, else the post it replies to, else the post it quotes
(a reply that also quotes hangs under the post it replies to). Reposts name the post reposted, not
the repost they were seen through, so they sit directly under that post. A reaction whose parent
is not among the posts read is an orphan: when its thread's root is there it is attached to the
root (and counted), otherwise it starts a tree of its own (and is counted). A post stored twice is
read once (and counted); a cycle in bad data is cut at its earliest post (and counted).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from sociable.analyses.base import shared
from sociable.analyses.cascades.trees import Forest, TreeMeasures, build_forest, measure_trees
from sociable.store.scope import Scope

if TYPE_CHECKING:
    from sociable.store import Workspace

EDGE_KINDS: tuple[str, ...] = ("post", "reply", "quote", "repost")

SPREAD_SQL = """
WITH p AS (
    SELECT p.platform, p.post_id, p.account_id, p.created_at, p.root,
           COALESCE(p.repost_of, p.reply_to, p.quote_of) AS parent_id,
           CASE WHEN p.repost_of IS NOT NULL THEN 3 WHEN p.reply_to IS NOT NULL THEN 1
                WHEN p.quote_of IS NOT NULL THEN 2 ELSE 0 END AS kind
    FROM posts p WHERE {condition}
), once AS (
    SELECT *, count(*) OVER (PARTITION BY platform, post_id) AS copies FROM p
    QUALIFY row_number() OVER (PARTITION BY platform, post_id ORDER BY created_at, parent_id NULLS LAST) = 1
), numbered AS (
    SELECT *, (row_number() OVER (ORDER BY platform, created_at, post_id) - 1)::BIGINT AS i FROM once
)
SELECT n.i, n.platform, n.post_id, n.account_id, n.kind, n.copies - 1 AS duplicates,
       epoch_ms(n.created_at) AS ms,
       dense_rank() OVER (ORDER BY n.platform, n.account_id) - 1 AS account_code,
       n.parent_id IS NOT NULL AS has_parent,
       direct.i AS parent_i,
       CASE WHEN n.root IS NOT NULL AND n.root <> n.post_id THEN thread.i END AS root_i
FROM numbered n
LEFT JOIN numbered direct ON direct.platform = n.platform AND direct.post_id = n.parent_id
LEFT JOIN numbered thread ON thread.platform = n.platform AND thread.post_id = n.root
ORDER BY n.i
"""


@dataclass(slots=True)
class Spread:
    """The posts read (in time order), their forest and each tree's measures, with what was repaired."""

    posts: pa.Table  # i, platform, post_id, account_id, kind, ms, account_code
    forest: Forest
    measures: TreeMeasures
    kind: np.ndarray  # 0 post, 1 reply, 2 quote, 3 repost
    ms: np.ndarray
    attached_to_root: np.ndarray  # bool: an orphan hung under its thread's root
    orphan_roots: np.ndarray  # bool: an orphan that starts a tree of its own
    duplicates: int

    @property
    def cycles(self) -> int:
        return len(self.forest.cycles_cut)


def read_spread(ws: Workspace, scope: Scope) -> Spread:
    """Every post in scope as spread trees, measured."""
    table = ws.query(SPREAD_SQL.format(condition=scope.condition("p")), scope.params())
    n = table.num_rows
    ms = np.asarray(table.column("ms").to_numpy(zero_copy_only=False), dtype=np.int64) if n else np.zeros(0, np.int64)
    kind = np.asarray(table.column("kind").to_numpy(zero_copy_only=False), dtype=np.int64) if n else ms.copy()
    has_parent = np.asarray(table.column("has_parent").to_numpy(zero_copy_only=False), dtype=bool) if n \
        else np.zeros(0, bool)
    direct = _indices(table, "parent_i")
    thread = _indices(table, "root_i")
    missing = has_parent & (direct < 0)
    attached = missing & (thread >= 0)
    parent = np.where(direct >= 0, direct, np.where(attached, thread, -1))
    forest = build_forest(parent, ms)
    duplicates = int(np.asarray(table.column("duplicates").to_numpy(zero_copy_only=False)).sum()) if n else 0
    return Spread(table.drop_columns(["has_parent", "parent_i", "root_i", "duplicates"]), forest,
                  measure_trees(forest, ms), kind, ms, attached, missing & ~attached, duplicates)


def shared_spread(ws: Workspace, scope: Scope) -> Spread:
    """`read_spread`, done once for cascades and stance when a report builds both (read it, never change it)."""
    return shared(("cascades.spread", id(ws), scope), lambda: read_spread(ws, scope))


def largest_first(spread: Spread, min_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Trees of at least `min_size` posts (slots of `spread.measures`), and the same largest first, then earliest."""
    m = spread.measures
    eligible = np.flatnonzero(m.size >= min_size)
    return eligible, eligible[np.lexsort((spread.ms[m.roots[eligible]], -m.size[eligible]))]


def _indices(table: pa.Table, column: str) -> np.ndarray:
    if not table.num_rows:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(table.column(column).fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
