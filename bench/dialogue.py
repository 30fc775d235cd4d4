"""Time dialogue, maturity and listening on a large synthetic workspace, with peak memory.

    .venv/bin/python bench/dialogue.py                      # 1,000,000 posts
    .venv/bin/python bench/dialogue.py --posts 10000000 --accounts 500000

The workspace is generated inside DuckDB (no import step, which bench/ingest.py times): accounts
with heavy-tailed activity, 35% replies to earlier posts, 10% reposts, 15% posts mentioning
someone, an organisation of five accounts that is mentioned often, and questions to it.
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
from sociable.analyses.base import get_analysis

GENERATE_SQL = """
CREATE OR REPLACE TEMP TABLE gen AS
SELECT i AS n, 'u' || (floor(pow(random(), 2.5) * {accounts}))::BIGINT AS account_id,
       TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds((i * 86400.0 * 60 / {posts})::BIGINT) AS created_at,
       random() AS kind_draw, random() AS target_draw
  FROM range({posts}) t(i);
INSERT INTO posts (platform, post_id, account_id, created_at, text, reply_to, reply_to_account, repost_of,
                   repost_of_account, hashtags, mentions, urls, uri)
SELECT 'bench', 'p' || g.n, g.account_id, g.created_at,
       CASE WHEN g.target_draw < 0.02 THEN '@org0 how do I book an appointment at Riverside Hospital?'
            WHEN g.target_draw < 0.03 THEN 'Riverside Hospital was lovely today, thank you'
            WHEN g.kind_draw < 0.35 THEN 'Thanks, that is a good point about staffing'
            ELSE 'Our update on community care https://example.org/' || g.n END,
       CASE WHEN g.kind_draw < 0.35 AND g.n > 0
            THEN 'p' || (g.n - 1 - floor(g.target_draw * least(g.n, 500)))::BIGINT END,
       NULL,
       CASE WHEN g.kind_draw >= 0.35 AND g.kind_draw < 0.45 AND g.n > 0 THEN 'p' || (g.n - 1) END, NULL,
       CASE WHEN g.kind_draw > 0.9 THEN ['carechat'] ELSE [] END,
       CASE WHEN g.target_draw < 0.02 THEN ['org' || (g.n % 5)]
            WHEN g.kind_draw >= 0.45 AND g.kind_draw < 0.6 THEN ['u' || (floor(g.target_draw * {accounts}))::BIGINT]
            ELSE [] END,
       [], 'https://example.org/p' || g.n
  FROM gen g;
UPDATE posts SET reply_to_account = parent.account_id FROM posts parent
 WHERE posts.reply_to = parent.post_id;
UPDATE posts SET repost_of_account = parent.account_id FROM posts parent
 WHERE posts.repost_of = parent.post_id;
INSERT INTO accounts (platform, account_id, handle, followers)
SELECT DISTINCT 'bench', account_id, account_id, 100 FROM posts
UNION SELECT 'bench', 'org' || i, 'org' || i, 5000 FROM range(5) t(i);
INSERT INTO interactions
SELECT platform, account_id, reply_to_account, 'reply', post_id, created_at FROM posts
 WHERE reply_to_account IS NOT NULL AND reply_to_account <> account_id
UNION ALL
SELECT platform, account_id, repost_of_account, 'repost', post_id, created_at FROM posts
 WHERE repost_of_account IS NOT NULL AND repost_of_account <> account_id
UNION ALL
SELECT platform, account_id, m, 'mention', post_id, created_at
  FROM (SELECT platform, account_id, post_id, created_at, unnest(mentions) AS m FROM posts)
 WHERE m <> account_id;
"""


def timed(label: str, step: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    value = step()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label:<38} {time.perf_counter() - started:8.2f} s   peak RSS so far {peak:8.0f} MB", flush=True)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--folder", type=Path, default=None, help="where to keep the workspace (default: temporary)")
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="sociable-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    ws = sociable.open(folder / "bench.duckdb")
    if not ws.scalar("SELECT count(*) FROM posts"):
        sql = GENERATE_SQL.format(posts=int(args.posts), accounts=int(args.accounts))
        timed("generate workspace", lambda: ws.con.execute(sql))
    print(f"  {ws.scalar('SELECT count(*) FROM posts'):,} posts, {ws.scalar('SELECT count(*) FROM accounts'):,} "
          f"accounts, {ws.scalar('SELECT count(*) FROM interactions'):,} interactions")
    org = folder / "riverside.txt"
    org.write_text("".join(f"org{i}\n" for i in range(5)), encoding="utf-8")
    result = timed("dialogue (all accounts and groups)",
                   lambda: get_analysis("dialogue").run(ws, organisations=[org]))
    print(f"  {result.accounts.num_rows:,} accounts measured")
    timed("maturity (one organisation)", lambda: get_analysis("maturity").run(ws, organisations=[org]))
    heard = timed("listening (org + keyword, with VADER)",
                  lambda: get_analysis("listening").run(ws, organisations=[org], keywords=["Riverside Hospital"]))
    print(f"  {heard.posts:,} posts about the target, {heard.scored or 0:,} scored, "
          f"{heard.queue.num_rows:,} in the queue")
    ws.close()


if __name__ == "__main__":
    main()
