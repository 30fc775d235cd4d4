"""The twitter-v1 mapping written once more in SQL, for clean JSON Lines files of any size.

The Python mapper in twitter_v1.py is the reference; this is the same mapping expressed as
DuckDB SQL over a table of raw lines, so that a large, clean file is parsed and mapped
inside the database instead of record by record in Python. A test imports the simulated
sample both ways and requires identical posts, accounts and interactions.

The store runs, in order: STAGE_SQL (raw lines -> one row per tweet, embedded ones
included), BAD_ROWS_SQL (any row the mapper would reject: then the Python path is used
for the whole file, so every bad record gets its own reason), then POSTS_SQL and
ACCOUNTS_SQL. The input is a table `_bulk_raw(number BIGINT, raw JSON)`.
"""

from __future__ import annotations

import json

_USER = {
    "id": "UBIGINT",
    "id_str": "VARCHAR",
    "screen_name": "VARCHAR",
    "name": "VARCHAR",
    "description": "VARCHAR",
    "url": "VARCHAR",
    "location": "VARCHAR",
    "followers_count": "BIGINT",
    "friends_count": "BIGINT",
    "created_at": "VARCHAR",
    "entities": {"url": {"urls": [{"expanded_url": "VARCHAR"}]}},
}
_ENTITIES = {
    "hashtags": [{"text": "VARCHAR"}],
    "user_mentions": [{"id": "UBIGINT", "id_str": "VARCHAR", "screen_name": "VARCHAR"}],
    "urls": [{"url": "VARCHAR", "expanded_url": "VARCHAR"}],
    "media": [{"id_str": "VARCHAR"}],
}
_TWEET = {
    "id": "UBIGINT",
    "id_str": "VARCHAR",
    "created_at": "VARCHAR",
    "text": "VARCHAR",
    "full_text": "VARCHAR",
    "extended_tweet": {
        "full_text": "VARCHAR",
        "entities": _ENTITIES,
        "extended_entities": {"media": [{"id_str": "VARCHAR"}]},
    },
    "entities": _ENTITIES,
    "extended_entities": {"media": [{"id_str": "VARCHAR"}]},
    "in_reply_to_status_id": "UBIGINT",
    "in_reply_to_status_id_str": "VARCHAR",
    "in_reply_to_user_id": "UBIGINT",
    "in_reply_to_user_id_str": "VARCHAR",
    "quoted_status_id": "UBIGINT",
    "quoted_status_id_str": "VARCHAR",
    "lang": "VARCHAR",
    "favorite_count": "BIGINT",
    "retweet_count": "BIGINT",
    "reply_count": "BIGINT",
    "user": _USER,
}
_LEVEL2 = dict(_TWEET, quoted_status=_TWEET)
_TOP = dict(_TWEET, retweeted_status=_LEVEL2, quoted_status=_LEVEL2)
STRUCTURE = json.dumps(_TOP)

# The five entities Twitter escapes in tweet text; '&amp;' last so '&amp;lt;' stays '&lt;'.
_MACROS = """
CREATE OR REPLACE TEMP MACRO sociable_unescape(x) AS
    replace(replace(replace(replace(replace(
        x, '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#39;', ''''), '&amp;', '&');
CREATE OR REPLACE TEMP MACRO sociable_text(x) AS
    CASE WHEN trim(x) = '' THEN NULL ELSE sociable_unescape(x) END;
CREATE OR REPLACE TEMP MACRO sociable_id(s, n) AS coalesce(nullif(s, ''), CAST(n AS VARCHAR));
CREATE OR REPLACE TEMP MACRO sociable_unique(l) AS
    list_filter(l, lambda x, i: x IS NOT NULL AND x <> '' AND list_position(l, x) = i);
CREATE OR REPLACE TEMP MACRO sociable_time(x) AS
    CAST(try_strptime(x, '%a %b %d %H:%M:%S %z %Y') AS TIMESTAMPTZ);
CREATE OR REPLACE TEMP MACRO sociable_entities(tw) AS
    coalesce(tw.extended_tweet.entities, tw.entities);
"""

STAGE_SQL = (
    _MACROS
    + f"""
CREATE OR REPLACE TEMP TABLE _bulk_tweets AS
WITH parsed AS (
    SELECT number, json_transform(raw, '{STRUCTURE}') AS t FROM _bulk_raw
),
levels AS (
    SELECT number, 0 AS ord, t AS tw, t.retweeted_status AS rt, t.quoted_status AS qt FROM parsed
    UNION ALL
    SELECT number, 1, t.retweeted_status, NULL, NULL FROM parsed WHERE t.retweeted_status IS NOT NULL
    UNION ALL
    SELECT number, 2, t.retweeted_status.quoted_status, NULL, NULL FROM parsed
     WHERE t.retweeted_status.quoted_status IS NOT NULL
    UNION ALL
    SELECT number, 3, t.quoted_status, NULL, NULL FROM parsed WHERE t.quoted_status IS NOT NULL
    UNION ALL
    SELECT number, 4, t.quoted_status.quoted_status, NULL, NULL FROM parsed
     WHERE t.quoted_status.quoted_status IS NOT NULL
)
SELECT number, ord,
       sociable_id(tw.id_str, tw.id) AS post_id,
       sociable_id(tw.user.id_str, tw.user.id) AS account_id,
       sociable_time(tw.created_at) AS created_at,
       coalesce(tw.extended_tweet.full_text, tw.full_text, tw.text) AS raw_text,
       tw, rt
  FROM levels;
"""
)

BAD_ROWS_SQL = """
SELECT count(*) FROM _bulk_tweets
 WHERE post_id IS NULL OR account_id IS NULL OR created_at IS NULL OR raw_text IS NULL
"""

_POST_ROW = """
SELECT number, ord, 'twitter' AS platform, post_id,
       CASE WHEN sociable_text(tw.user.screen_name) IS NOT NULL
            THEN 'https://twitter.com/' || sociable_text(tw.user.screen_name) || '/status/' || post_id
            ELSE 'https://twitter.com/i/web/status/' || post_id END AS uri,
       account_id, created_at, sociable_unescape(raw_text) AS text,
       CASE WHEN tw.lang IS NULL OR tw.lang IN ('', 'und') THEN NULL ELSE tw.lang END AS lang,
       sociable_id(tw.in_reply_to_status_id_str, tw.in_reply_to_status_id) AS reply_to,
       sociable_id(tw.in_reply_to_user_id_str, tw.in_reply_to_user_id) AS reply_to_account,
       CAST(NULL AS VARCHAR) AS root,
       coalesce(sociable_id(tw.quoted_status_id_str, tw.quoted_status_id),
                sociable_id(tw.quoted_status.id_str, tw.quoted_status.id)) AS quote_of,
       sociable_id(tw.quoted_status.user.id_str, tw.quoted_status.user.id) AS quote_of_account,
       sociable_id(rt.id_str, rt.id) AS repost_of,
       sociable_id(rt.user.id_str, rt.user.id) AS repost_of_account,
       sociable_unique([lower(h.text) FOR h IN coalesce(sociable_entities(coalesce(rt, tw)).hashtags, [])])
           AS hashtags,
       [coalesce(sociable_id(m.id_str, m.id), lower(coalesce(m.screen_name, '')))
        FOR m IN coalesce(sociable_entities(tw).user_mentions, [])] AS mention_keys,
       sociable_unique([coalesce(sociable_text(u.expanded_url), sociable_text(u.url))
                        FOR u IN coalesce(sociable_entities(coalesce(rt, tw)).urls, [])]) AS urls,
       len(coalesce(nullif(tw.extended_tweet.extended_entities.media, []), nullif(tw.extended_entities.media, []),
                    sociable_entities(tw).media, [])) AS media,
       tw.favorite_count AS like_count, tw.retweet_count AS repost_count, tw.reply_count AS reply_count
  FROM _bulk_tweets
"""

# A retweet keeps the original's hashtags and links and has no mentions, media or counts of its own.
POSTS_SQL = f"""
WITH rows AS ({_POST_ROW}),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY number, post_id ORDER BY ord) AS copy FROM rows
)
SELECT number, ord, platform, post_id, uri, account_id, created_at, text, lang,
       CASE WHEN repost_of IS NULL THEN reply_to END AS reply_to,
       CASE WHEN repost_of IS NULL THEN reply_to_account END AS reply_to_account,
       root,
       CASE WHEN repost_of IS NULL THEN quote_of END AS quote_of,
       CASE WHEN repost_of IS NULL THEN quote_of_account END AS quote_of_account,
       repost_of, repost_of_account, hashtags,
       CASE WHEN repost_of IS NULL
            THEN list_filter(sociable_unique(mention_keys),
                             lambda m: m <> account_id AND m IS DISTINCT FROM reply_to_account)
            ELSE [] END AS mentions,
       urls,
       CAST(CASE WHEN repost_of IS NULL THEN media ELSE 0 END AS INTEGER) AS media_count,
       CASE WHEN repost_of IS NULL THEN like_count END AS like_count,
       CASE WHEN repost_of IS NULL THEN repost_count END AS repost_count,
       CASE WHEN repost_of IS NULL THEN reply_count END AS reply_count
  FROM ranked WHERE copy = 1
"""

ACCOUNTS_SQL = """
WITH primary_time AS (SELECT number, created_at AS seen_at FROM _bulk_tweets WHERE ord = 0),
rows AS (
    SELECT b.number, b.ord, 'twitter' AS platform, b.account_id,
           sociable_text(tw.user.screen_name) AS handle,
           sociable_text(tw.user.name) AS display_name,
           sociable_text(tw.user.description) AS bio,
           coalesce(list_filter([sociable_text(u.expanded_url) FOR u IN coalesce(tw.user.entities.url.urls, [])],
                                lambda x: x IS NOT NULL)[1],
                    sociable_text(tw.user.url)) AS url,
           sociable_text(tw.user.location) AS location,
           tw.user.followers_count AS followers,
           tw.user.friends_count AS following,
           sociable_time(tw.user.created_at) AS created_at,
           p.seen_at,
           row_number() OVER (PARTITION BY b.number, b.account_id ORDER BY b.ord) AS copy
      FROM _bulk_tweets b JOIN primary_time p USING (number)
)
SELECT platform, account_id, handle, display_name, bio, url, location, followers, following, created_at, seen_at
  FROM rows WHERE copy = 1
"""
