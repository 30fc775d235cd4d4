"""Time the cascades analysis over a million posts, with peak memory.

    .venv/bin/python bench/cascades.py                        # 1,000,000 posts
    .venv/bin/python bench/cascades.py --posts 200000

The workspace is generated inside DuckDB (no import step): a fifth of the posts are originals;
every other post reacts to an earlier post (a reply, quote or repost, 5:1:4), choosing a recent
original most of the time and otherwise an earlier reaction, so trees have heavy-tailed sizes
and real depth. Reposts point at the post they repost. Two things are timed: reading and
measuring every tree (`read_spread`), and the whole `cascades` analysis with its default 20
largest cascades described in full (text, roles, stance, corrections).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sociable
from sociable.analyses.cascades.spread import read_spread

GENERATE_SQL = """
CREATE OR REPLACE TEMP TABLE gen AS
SELECT i AS n, random() AS kind_draw, random() AS target_draw, random() AS depth_draw,
       'u' || (floor(pow(random(), 2.0) * {accounts}))::BIGINT AS account_id
  FROM range({posts}) t(i);
INSERT INTO posts (platform, post_id, account_id, created_at, text, reply_to, quote_of, repost_of, root, hashtags,
                   mentions, urls, uri)
SELECT 'bench', 'p' || n, account_id, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(n * 30),
       CASE WHEN n % 5 = 0 THEN 'Heard the walk-in centre is closing next month, share'
            WHEN kind_draw < 0.5 THEN 'Is this true? not what the council said'
            WHEN kind_draw < 0.6 THEN 'Worth reading this thread'
            ELSE NULL END,
       CASE WHEN n % 5 <> 0 AND kind_draw < 0.5 THEN 'p' || target END,
       CASE WHEN n % 5 <> 0 AND kind_draw >= 0.5 AND kind_draw < 0.6 THEN 'p' || target END,
       CASE WHEN n % 5 <> 0 AND kind_draw >= 0.6 THEN 'p' || target END,
       NULL, [], [], [], NULL
  FROM (SELECT *, CASE WHEN n % 5 = 0 THEN NULL
                       WHEN depth_draw < 0.7 THEN 5 * greatest(0, floor((n - 1 - floor(pow(target_draw, 3) * 4000))
                                                                         / 5))::BIGINT
                       ELSE greatest(0, n - 1 - floor(pow(target_draw, 2) * 500)::BIGINT) END AS target
        FROM gen);
INSERT INTO accounts (platform, account_id, handle, followers)
SELECT DISTINCT 'bench', account_id, account_id, 100 FROM posts;
"""


def timed(label: str, step: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    value = step()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label:<52} {time.perf_counter() - started:8.2f} s   peak RSS so far {peak:8.0f} MB", flush=True)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--folder", type=Path, default=None, help="where to keep the workspace (default: temporary)")
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="sociable-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    ws = sociable.open(folder / "cascades.duckdb")
    try:
        with ws.transaction() as con:
            timed(f"generate {args.posts:,} posts", lambda: con.execute(
                GENERATE_SQL.format(posts=args.posts, accounts=args.accounts)))
        spread = timed("read and measure every tree (read_spread)", lambda: read_spread(ws, ws.scope()))
        sizes = spread.measures.size
        print(f"  {sizes.shape[0]:,} trees; {(sizes >= 2).sum():,} of 2+ posts; largest {sizes.max():,}; "
              f"deepest {spread.measures.depth.max():,}")
        result = timed("cascades (20 largest in full: stance, corrections)", lambda: ws.cascades())
        print(f"  {result.headline()[0]}")
    finally:
        ws.close()


if __name__ == "__main__":
    main()
