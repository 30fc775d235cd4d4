"""Time hashtag chat detection, transcripts and a CPD record on one very busy hashtag, with peak memory.

    .venv/bin/python bench/chats.py                         # 1,000,000 posts over five years
    .venv/bin/python bench/chats.py --posts 200000 --years 2

The workspace is generated inside DuckDB (no import step): one hashtag, #bigchat, with a weekly
chat on Tuesdays 20:00–21:00 UK time (so 19:00 UTC in summer) holding `--session-share` of the
posts, the rest spread over every hour of the five years (the tag is also used all week). In each
session the host asks Q1–Q4 every quarter hour; participants answer with labels ("A2 ..."), a
fifth of them as replies to the question, from a pool of accounts with heavy-tailed activity.
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
from sociable.reports.chats import cpd_markdown, transcript_html, transcript_markdown

GENERATE_SQL = """
CREATE OR REPLACE TEMP TABLE sessions AS
SELECT s, timezone('Europe/London', (DATE '2019-01-01' + INTERVAL (7 * s) DAY + INTERVAL 20 HOUR)::TIMESTAMP) AS start
  FROM range({sessions}) t(s);
CREATE OR REPLACE TEMP TABLE gen AS
SELECT i AS n, random() AS draw, random() AS minute_draw, random() AS reply_draw,
       'u' || (floor(pow(random(), 2.5) * {accounts}))::BIGINT AS account_id
  FROM range({posts} - 4 * {sessions}) t(i);
INSERT INTO posts (platform, post_id, account_id, created_at, text, reply_to, reply_to_account, hashtags, mentions,
                   urls, uri)
SELECT 'bench', 'q' || s.s || '_' || k, 'host', s.start + INTERVAL (2 + 15 * (k - 1)) MINUTE,
       'Q' || k || ': what would you change in your service this year? #bigchat', NULL, NULL, ['bigchat'], [], [],
       'https://example.org/q' || s.s || '_' || k
  FROM sessions s, range(1, 5) q(k);
INSERT INTO posts (platform, post_id, account_id, created_at, text, reply_to, reply_to_account, hashtags, mentions,
                   urls, uri)
SELECT 'bench', 'p' || g.n, g.account_id,
       CASE WHEN g.draw < {share}
            THEN s.start + to_seconds((120 + g.minute_draw * 3420)::BIGINT)
            ELSE TIMESTAMPTZ '2019-01-01 00:00:00+00' + to_seconds((g.minute_draw * 86400 * 7 * {sessions})::BIGINT)
       END,
       CASE WHEN g.draw < {share}
            THEN 'A' || (1 + least(3, floor(g.minute_draw * 3420 / 900))::INT) || ' we started a peer support huddle '
                 || 'and it changed how the team talks #bigchat'
            ELSE 'Reading the #bigchat archive again today' END,
       CASE WHEN g.draw < {share} AND g.reply_draw < 0.2
            THEN 'q' || s.s || '_' || (1 + least(3, floor(g.minute_draw * 3420 / 900))::INT) END,
       CASE WHEN g.draw < {share} AND g.reply_draw < 0.2 THEN 'host' END,
       ['bigchat'], [], CASE WHEN g.reply_draw > 0.97 THEN ['https://example.org/guide/' || (g.n % 100)] ELSE [] END,
       'https://example.org/p' || g.n
  FROM gen g JOIN sessions s ON s.s = g.n % {sessions};
INSERT INTO accounts (platform, account_id, handle, followers)
SELECT DISTINCT 'bench', account_id, account_id, 100 FROM posts;
"""


def timed(label: str, step: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    value = step()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label:<44} {time.perf_counter() - started:8.2f} s   peak RSS so far {peak:8.0f} MB", flush=True)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--session-share", type=float, default=0.7, help="share of posts made during sessions")
    parser.add_argument("--folder", type=Path, default=None, help="where to keep the workspace (default: temporary)")
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="sociable-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    ws = sociable.open(folder / "chats.duckdb")
    sessions = args.years * 52
    if not ws.scalar("SELECT count(*) FROM posts"):
        sql = GENERATE_SQL.format(posts=int(args.posts), accounts=int(args.accounts), sessions=sessions,
                                  share=float(args.session_share))
        timed("generate workspace", lambda: ws.con.execute(sql))
    print(f"  {ws.scalar('SELECT count(*) FROM posts'):,} posts with #bigchat, {sessions} weekly sessions planted")
    result = timed("chats --tag bigchat (detect + every session)", lambda: ws.chats(tag="bigchat"))
    found = result.session_count
    posts = sum(len(s["posts"]) for s in result.sessions)
    print(f"  {found:,} sessions found ({result.schedule}, {result.rhythm}), {posts:,} posts in them, "
          f"{result.participant_count:,} participants, {result.questions_table.num_rows:,} questions")
    timed("chats (no --tag: find the chat hashtags)", lambda: ws.chats())
    day = result.sessions[len(result.sessions) // 2]["date"]
    transcript = timed(f"transcript of {day} (read)", lambda: ws.transcript(tag="bigchat", session=day))
    html = timed("  rendered as HTML", lambda: transcript_html(transcript))
    timed("  rendered as Markdown", lambda: transcript_markdown(transcript))
    print(f"  {len(transcript.session.posts):,} posts, {len(html) / 1e6:.1f} MB of HTML")
    record = timed("cpd for the busiest participant", lambda: ws.cpd(tag="bigchat", handle="u0"))
    text = timed("  rendered as Markdown", lambda: cpd_markdown(record))
    print(f"  {len(record.attended):,} sessions, {len(text) / 1e6:.1f} MB of Markdown")
    ws.close()


if __name__ == "__main__":
    main()
