"""Cascade measures on RumourEval 2017's 325 threads, imported through the PHEME reader, against networkx.

For every thread, the reference is computed independently from its structure.json with networkx:
the tree of the tweets that have a file (a tweet listed in structure.json without a file was
deleted before collection; its replies hang under the thread's root, as sociable hangs orphans, and
so do the tweets of any second top-level entry that one thread's structure.json has),
then size, depth, maximum breadth and the mean shortest-path distance over all pairs. The script
prints how many threads agree on every measure and lists any that do not. Run:
`PYTHONPATH=src python bench/validity/cascades_rumoureval.py`.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import networkx as nx

sys.path.insert(0, str(Path(__file__).parent))

from rumoureval import COMMIT, SPLITS, data_folder, thread_folders

import sociable


def reference(thread: Path) -> dict[str, Any]:
    present = {p.stem for sub in ("source-tweet", "replies") for p in (thread / sub).glob("*.json")}
    root = next((thread / "source-tweet").glob("*.json")).stem
    graph = nx.DiGraph()
    graph.add_node(root)
    # every top-level entry is walked: a thread whose structure.json has more than one (some do) has
    # its other entries' tweets hung under the root, like any tweet whose parent has no file
    stack: list[tuple[Any, str]] = [(json.loads((thread / "structure.json").read_text()), root)]
    while stack:
        children, parent = stack.pop()
        if not isinstance(children, dict):
            continue
        for child, below in children.items():
            if child in present and child != root:
                graph.add_edge(parent if parent in present else root, child)
            stack.append((below, child))
    lengths = nx.single_source_shortest_path_length(graph, root)
    levels = list(lengths.values())
    return {"size": graph.number_of_nodes(), "depth": max(levels),
            "max_breadth": max(levels.count(d) for d in set(levels)),
            "structural_virality": round(nx.average_shortest_path_length(graph.to_undirected()), 4)
            if len(graph) > 1 else None,
            "complete": all(node in present for node in _ids(json.loads((thread / "structure.json").read_text())))}


def _ids(tree: Any) -> list[str]:
    found: list[str] = []
    if isinstance(tree, dict):
        for key, below in tree.items():
            found.append(str(key))
            found += _ids(below)
    return found


def main() -> None:
    folder = data_folder()
    threads = [t for split in SPLITS for t in thread_folders(folder / split)]
    with tempfile.TemporaryDirectory() as scratch:
        ws = sociable.open(Path(scratch) / "ws.duckdb")
        try:
            for split in SPLITS:
                ws.import_files([folder / split], collection="rumoureval")
            started = time.perf_counter()
            result = ws.cascades(top=len(threads) * 2, min_size=1)
            seconds = time.perf_counter() - started
        finally:
            ws.close()
    found = {row["root"]: row for row in result.cascade_table.to_pylist()}
    measures = ("size", "depth", "max_breadth", "structural_virality")
    wrong = []
    for thread in threads:
        expected = reference(thread)
        row = found.get(thread.name)
        if row is None or any(row[m] != expected[m] for m in measures):
            wrong.append((thread.name, expected, row and {m: row[m] for m in measures}))
    complete = sum(reference(t)["complete"] for t in threads)
    print(f"RumourEval 2017 (autoreleasefool/rumoureval @ {COMMIT[:7]}): {len(threads)} threads, "
          f"{result.posts:,} posts imported through the PHEME reader; cascades analysis {seconds:.2f} s")
    print(f"  threads whose size, depth, max breadth and structural virality equal networkx on structure.json: "
          f"{len(threads) - len(wrong)} of {len(threads)}")
    print(f"  threads whose structure.json lists only tweets with a file: {complete}; "
          f"orphans hung under their root: {result.orphans}, starting their own tree: {result.orphan_roots}; "
          f"cycles cut: {result.cycles}")
    for name, expected, row in wrong[:10]:
        print(f"  differs: {name}: networkx {expected}, sociable {row}")


if __name__ == "__main__":
    main()
