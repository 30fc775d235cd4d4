"""Threads: the id that names the thread of each post, kept in `posts.thread` as posts are written.

A post's thread is its `root` when the platform gives one; otherwise the thread of the post it
replies to, when that post is stored; otherwise the id of the post it replies to (a reply whose
parent was never collected still shares a thread with the other replies to that parent); and a
post that replies to nothing starts its own thread. Resolving this once when posts are written
(rather than walking every reply chain in each analysis) keeps conversation measures a plain join.

Posts are written in batches, and a parent may arrive after its replies (another file, a later
capture): `SETTLE_SQL` then moves the replies, and the replies to them, into the parent's thread.
"""

from __future__ import annotations

MAX_SETTLE_PASSES = 64  # each pass moves one more level of replies whose parents arrived late

# Every stored post's thread, walking reply chains from their first stored post (the migration to schema 7).
ALL_THREADS_SQL = """
WITH RECURSIVE chain(platform, post_id, thread) AS (
    SELECT s.platform, s.post_id, coalesce(s.root, s.reply_to, s.post_id)
      FROM posts s
     WHERE s.root IS NOT NULL OR s.reply_to IS NULL
        OR NOT EXISTS (SELECT 1 FROM posts q WHERE q.platform = s.platform AND q.post_id = s.reply_to)
    UNION ALL
    SELECT s.platform, s.post_id, c.thread
      FROM posts s JOIN chain c ON s.platform = c.platform AND s.reply_to = c.post_id
     WHERE s.root IS NULL
)
SELECT p.platform, p.post_id, coalesce(c.thread, p.root, p.reply_to, p.post_id) AS thread
  FROM posts p LEFT JOIN chain c USING (platform, post_id)"""

# The threads of a batch of new posts (`_thread_keys`: i, platform, post_id, reply_to, root), in row order.
# A parent is looked for among the stored posts and in the batch itself.
BATCH_THREADS_SQL = """
WITH RECURSIVE stored AS (
    SELECT b.i, p.thread
      FROM _thread_keys b JOIN posts p ON p.platform = b.platform AND p.post_id = b.reply_to
     WHERE b.root IS NULL AND b.reply_to IS NOT NULL
),
chain(i, platform, post_id, thread) AS (
    SELECT b.i, b.platform, b.post_id, coalesce(b.root, s.thread, b.reply_to, b.post_id)
      FROM _thread_keys b LEFT JOIN stored s USING (i)
     WHERE b.root IS NOT NULL OR b.reply_to IS NULL
        OR NOT EXISTS (SELECT 1 FROM _thread_keys q WHERE q.platform = b.platform AND q.post_id = b.reply_to)
    UNION ALL
    SELECT b.i, b.platform, b.post_id, c.thread
      FROM _thread_keys b JOIN chain c ON b.platform = c.platform AND b.reply_to = c.post_id
     WHERE b.root IS NULL
)
SELECT b.i, coalesce(c.thread, b.root, b.reply_to, b.post_id) AS thread
  FROM _thread_keys b LEFT JOIN chain c USING (i) ORDER BY b.i"""

# Posts whose thread is named after a post that has since been stored (their parent, or an
# ancestor, arrived late) take that post's thread. `{written}` limits the late posts to those
# just written; run until nothing changes.
SETTLE_SQL = """
UPDATE posts SET thread = late.thread
  FROM (SELECT platform, post_id, thread FROM posts WHERE thread <> post_id AND {written}) late
 WHERE posts.platform = late.platform AND posts.thread = late.post_id AND posts.root IS NULL
   AND posts.thread <> late.thread"""
