"""Two additions to the network exports: when each tie happened, and the hashtag co-occurrence network.

`edge_times(ws, scope)` gives every (platform, source, target, kind) its first and last
interaction in scope, so the GEXF file can be opened in Gephi's dynamic mode and its timeline
played. `hashtag_network(ws, scope)` counts, for every pair of hashtags, the posts that carry
both; `write_hashtag_gexf` writes it as GEXF for Gephi (node size: posts with the hashtag;
edge weight: posts with both).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
from lxml import etree

from sociable import __version__
from sociable.errors import SociableError
from sociable.store.scope import Scope

if TYPE_CHECKING:
    from sociable.store import Workspace

GEXF_NS = "http://gexf.net/1.3"
GEXF_TIME = "%Y-%m-%dT%H:%M:%S"  # GEXF's `datetime` time format: ISO 8601, in UTC, to the second


def edge_times(ws: Workspace, scope: Scope) -> pa.Table:
    """First and last interaction time of every tie in scope (the interactions made by the posts in scope).

    One row per (platform, source, target, kind) with `first` and `last`, kept as Arrow columns
    (a Python object per tie would not fit in memory for millions of ties).
    """
    where, params = scope.condition("p"), scope.params()
    return ws.query(f"""
        SELECT i.platform, i.source, i.target, i.kind, min(i.created_at) AS first, max(i.created_at) AS last
          FROM interactions i JOIN posts p ON p.platform = i.platform AND p.post_id = i.post_id
         WHERE {where} AND i.source <> i.target
         GROUP BY ALL""", params)


def hashtag_network(ws: Workspace, scope: Scope, min_weight: int = 2) -> tuple[pa.Table, pa.Table]:
    """Hashtags (with posts and accounts using them) and pairs used together in `min_weight`+ posts.

    Hashtags are compared in lower case; a hashtag appears as a node only when it is in a kept pair.
    """
    if min_weight < 1:
        raise SociableError("--min-weight should be at least 1 (posts that carry both hashtags).")
    where, params = scope.condition("p"), scope.params()
    edges = ws.query(f"""
        WITH tags AS (SELECT DISTINCT p.platform, p.post_id, lower(t.tag) AS tag
                        FROM posts p, unnest(p.hashtags) AS t(tag) WHERE {where})
        SELECT a.tag AS source, b.tag AS target, count(*) AS weight
          FROM tags a JOIN tags b ON a.platform = b.platform AND a.post_id = b.post_id AND a.tag < b.tag
         GROUP BY ALL HAVING count(*) >= $min_weight ORDER BY weight DESC, source, target""",
                     {**params, "min_weight": min_weight})
    kept = sorted(set(edges.column("source").to_pylist()) | set(edges.column("target").to_pylist()))
    nodes = ws.query(f"""
        SELECT lower(t.tag) AS hashtag, count(DISTINCT (p.platform, p.post_id)) AS posts,
               count(DISTINCT (p.platform, p.account_id)) AS accounts
          FROM posts p, unnest(p.hashtags) AS t(tag)
         WHERE {where} AND lower(t.tag) IN (SELECT unnest($kept::VARCHAR[]))
         GROUP BY ALL ORDER BY posts DESC, hashtag""", {**params, "kept": kept})
    return nodes, edges


def write_hashtag_gexf(nodes: pa.Table, edges: pa.Table, path: Path, description: str = "") -> Path:
    """The hashtag network as GEXF 1.3: undirected, node attributes posts and accounts, edges weighted."""
    root = etree.Element(f"{{{GEXF_NS}}}gexf", nsmap={None: GEXF_NS}, version="1.3")
    meta = etree.SubElement(root, "meta", lastmodifieddate=datetime.now(UTC).date().isoformat())
    etree.SubElement(meta, "creator").text = f"sociable {__version__}"
    etree.SubElement(meta, "description").text = description or "Hashtags used together in the same posts."
    graph = etree.SubElement(root, "graph", defaultedgetype="undirected", mode="static")
    attributes = etree.SubElement(graph, "attributes", {"class": "node", "mode": "static"})
    etree.SubElement(attributes, "attribute", id="posts", title="posts", type="long")
    etree.SubElement(attributes, "attribute", id="accounts", title="accounts", type="long")
    parent = etree.SubElement(graph, "nodes")
    for row in nodes.to_pylist():
        node = etree.SubElement(parent, "node", id=row["hashtag"], label="#" + row["hashtag"])
        values = etree.SubElement(node, "attvalues")
        etree.SubElement(values, "attvalue", {"for": "posts", "value": str(row["posts"])})
        etree.SubElement(values, "attvalue", {"for": "accounts", "value": str(row["accounts"])})
    parent = etree.SubElement(graph, "edges")
    for index, row in enumerate(edges.to_pylist()):
        etree.SubElement(parent, "edge", id=str(index), source=row["source"], target=row["target"],
                         weight=str(float(row["weight"])))
    try:
        etree.ElementTree(root).write(str(path), xml_declaration=True, encoding="UTF-8", pretty_print=True)
    except OSError as exc:
        raise SociableError(f"could not write {path} ({exc.strerror or exc}); check the path and permissions.") from exc
    return path
