"""Reading the lists out of a Bluesky repository export (a CAR file), in CPU and wall time.

    .venv/bin/python bench/lists.py                    # 100,000 posts, 10,000 list items
    .venv/bin/python bench/lists.py --records 300000

The repository is written the way `getRepo` answers (tests/followup/repo_export.py: DAG-CBOR
blocks, the protocol's Merkle search tree, CAR v1) with posts of 200 characters, one list and a
tenth as many list items as posts. The read checks every block's sha-256 and walks only the parts
of the tree that hold lists.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests" / "followup"))

OWNER = "did:plc:benchowner222222222222222"
LIST = f"at://{OWNER}/app.bsky.graph.list/3kaaaaaaaaa2a"
WHEN = "2024-01-01T00:00:00.000Z"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000, help="posts in the repository")
    args = parser.parse_args()
    from repo_export import RepoExport

    from sociable.sources.lists import read_lists

    repo = RepoExport(OWNER)
    repo.add("app.bsky.graph.list/3kaaaaaaaaa2a", {"$type": "app.bsky.graph.list", "name": "Big",
                                                    "purpose": "app.bsky.graph.defs#curatelist", "createdAt": WHEN})
    for n in range(args.records):
        repo.add(f"app.bsky.feed.post/3k{n:011d}", {"$type": "app.bsky.feed.post", "text": "x" * 200,
                                                     "createdAt": WHEN})
    for n in range(args.records // 10):
        repo.add(f"app.bsky.graph.listitem/3k{n:011d}", {"$type": "app.bsky.graph.listitem",
                                                          "subject": f"did:plc:member{n}", "list": LIST,
                                                          "createdAt": WHEN})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "repo.car"
        path.write_bytes(repo.car())
        wall, cpu = time.perf_counter(), time.process_time()
        found = read_lists(path)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        size = path.stat().st_size
    records = len(repo.records)
    print(f"records {records:,}  file {size / 1e6:,.1f} MB  tree nodes {repo.tree_nodes:,}  "
          f"members {len(found.lists[0].members):,}")
    print(f"read_lists: {wall:.2f} s wall, {cpu:.2f} s CPU, {records / cpu:,.0f} records/s, "
          f"{size / 1e6 / cpu:,.0f} MB/s (CPU)")


if __name__ == "__main__":
    main()
