"""Listening: what people say about an organisation, and which of their questions went unanswered.

A target is an organisation's accounts, keywords and hashtags. A post *about* the target is any
post (reposts excepted) by someone outside the organisation that replies to, mentions or quotes
one of its accounts, contains a keyword, or carries a hashtag. The workspace finds those posts
in one pass; the follow-up counts run on that (much smaller) set, on the workspace's own
connection; the sentiment model and the themes read their text in Python (sociable.text).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sociable.analyses import dialogue as dlg
from sociable.analyses import listening_rules as rules
from sociable.analyses.base import Measure, Option, OptionError, Result, analysis, fact, table
from sociable.analyses.organisations import ORG_FLAG, ORG_MEMBERS_SQL, ORGANISATIONS, Organisation, membership_params
from sociable.errors import SociableError
from sociable.store.scope import Scope, to_utc
from sociable.text.sentiment import classify_sentiment
from sociable.text.sentiment import measured as sentiment_measured
from sociable.text.themes import find_themes

if TYPE_CHECKING:
    from sociable.store import Workspace

# At most this many posts are scored (the transformer reads each, about two hundred a second); a larger set is
# sampled (seeded): a share over 20,000 posts is within a point of the whole window's, 19 times in 20.
SENTIMENT_LIMIT = 20_000
THEMES_LIMIT = 3_000  # at most this many posts are grouped (the transformer reads each); a larger set is sampled
MAX_THEMES = 8
QUEUE_STATUSES = ("overdue", "open")

MEASURES: tuple[Measure, ...] = (
    Measure("posts", "Posts about the target in the period: replies to, mentions or quotes of its accounts, or "
                     "posts containing a keyword or hashtag, by accounts outside the organisation (reposts left out)."),
    Measure("addressed", "Of those, posts that reply to, mention or quote one of the organisation's accounts."),
    Measure("about", "Of those, posts that contain a keyword or one of the hashtags."),
    Measure("voices", "Distinct accounts that wrote those posts."),
    Measure("new_voices", "Voices talking about the target for the first time in the data (no earlier post about it)."),
    Measure("returning_voices", "Voices that had talked about the target in an earlier period."),
    Measure("mean_sentiment", "Mean sentiment score of the posts: the model's probability of positive minus its "
                              "probability of negative (−1 most negative, +1 most positive); at most 20,000 posts, "
                              "a seeded sample of a larger window."),
    Measure("positive_share", "Share of posts the sentiment model reads as positive (its most likely class)."),
    Measure("negative_share", "Share of posts the sentiment model reads as negative (its most likely class)."),
    Measure("theme", "A group of posts with similar meaning (all-MiniLM-L6-v2 sentence vectors grouped by "
                     "k-means; k from 2 to 8 chosen by the best silhouette), named by its most distinctive words "
                     "and word pairs (c-TF-IDF); at most 3,000 posts, a seeded sample of a larger window."),
    Measure("theme_posts", "Posts in the window (or its sample) that belong to the theme."),
    Measure("theme_share", "Share of the grouped posts that belong to the theme."),
    Measure("cohesion", "Mean cosine similarity of the theme's posts to its centre (1 = all say the same thing)."),
    Measure("asks", "Posts about the target that ask a question, make a request or complain, found by the "
                    "listening rules' cue words."),
    Measure("answered_in_window", "Asks that an account of the organisation answered within the window: a reply to "
                                  "the post, or a reply to or mention of its author, from the time it was posted."),
    Measure("answer_hours", "Hours from the ask to the organisation's first answer."),
    Measure("age_hours", "Hours from the ask to the end of the data (or the time given as 'as of')."),
    Measure("score", "Queue rank: the sum of the weights for urgency cues, kind, direct address, the author's reach "
                     "(log10 of followers) and how many windows it has waited, as the listening rules set them."),
)
SENTIMENT_LIMITS = (
    "Sentiment is read by a model trained on about 50,000 labelled tweets (SemEval-2017), over sentence vectors "
    "(the transformer's among them), VADER's lexicon scores and word pairs; on tweets it never saw it scored "
    "{measured}. It misses sarcasm and irony, may read clinical words by their everyday sense ('positive test', "
    "'critical care'), and reads only English; read it as a trend over many posts, never as the mood of one post."
)

KEYWORDS = Option("keywords", "list", (), "Words or phrases to listen for, whole words in any case (comma-separated "
                                          "or repeated).", short="-k")
HASHTAGS = Option("hashtags", "list", (), "Hashtags to listen for (comma-separated or repeated).")
UNANSWERED = Option("unanswered", "bool", False, "Show only the queue of unanswered posts (sentiment is not scored).")
SENTIMENT = Option("sentiment", "bool", True, "Score the sentiment of the posts (a trained model; see "
                                              "docs/validity.md).")
PERIOD = Option("period", "choice", None, "Count per day, week or month (default: days for up to a month of posts, "
                                          "weeks up to a year, months beyond).", choices=("day", "week", "month"))
AS_OF = Option("as_of", "str", None, "Judge waiting times at this date or time (UTC; default: the last post in the "
                                     "workspace).", web=False, resolve=lambda _ws, value: to_utc(value, "--as-of"))


@dataclass(frozen=True, slots=True)
class Target:
    """What to listen for: an organisation's accounts, keywords and hashtags (any may be empty, not all)."""

    organisations: tuple[Organisation, ...] = ()
    keywords: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not (self.organisations or any(k.strip() for k in self.keywords) or any(h.strip("# ") for h in
                                                                                     self.hashtags)):
            raise SociableError(f"say what to listen for: an organisation's accounts ({ORG_FLAG} FILE), "
                                f"{KEYWORDS.flag} or {HASHTAGS.flag}.")

    @property
    def tags(self) -> list[str]:
        return [tag.strip().lstrip("#").lower() for tag in self.hashtags if tag.strip().lstrip("#")]


# ---------------------------------------------------------------------- SQL

MATCHED_SQL = """
WITH members AS ({members}),
addressed AS (
    SELECT i.platform, i.post_id, list(DISTINCT m.org ORDER BY m.org) AS orgs
      FROM interactions i JOIN members m ON m.platform = i.platform AND m.account_id = i.target
     WHERE i.kind IN ('reply', 'mention', 'quote')
     GROUP BY ALL
),
found AS (
    SELECT p.platform, p.post_id, p.account_id, p.created_at, p.text, p.uri,
           coalesce(p.like_count, 0) + coalesce(p.repost_count, 0) AS engagement,
           ad.orgs, ad.orgs IS NOT NULL AS addressed, {keyword_hit} AS keyword_hit, {hashtag_hit} AS hashtag_hit,
           {in_window} AS in_window
      FROM posts p LEFT JOIN addressed ad USING (platform, post_id)
     WHERE {where} AND p.repost_of IS NULL
       AND NOT EXISTS (SELECT 1 FROM members m WHERE m.platform = p.platform AND m.account_id = p.account_id)
)
SELECT f.*, coalesce(a.handle, f.account_id) AS handle, a.display_name, a.followers,
       coalesce(l.role, 'unknown') AS role, coalesce(l.sector, 'unknown') AS sector
  FROM found f
  LEFT JOIN accounts a USING (platform, account_id)
  LEFT JOIN labels l USING (platform, account_id)
 WHERE f.addressed OR f.keyword_hit OR f.hashtag_hit
 ORDER BY f.created_at, f.platform, f.post_id
"""

ANSWERS_SQL = """
WITH members AS ({members}),
asks AS (
    SELECT unnest($ask_platforms::VARCHAR[]) AS platform, unnest($ask_posts::VARCHAR[]) AS post_id,
           unnest($ask_authors::VARCHAR[]) AS account_id, unnest($ask_times::TIMESTAMPTZ[]) AS created_at,
           unnest($ask_orgs::VARCHAR[]) AS org
),
direct AS (
    SELECT a.platform, a.post_id, a.org, o.created_at, o.post_id AS answer_id
      FROM asks a JOIN posts o ON o.platform = a.platform AND o.reply_to = a.post_id
      JOIN members m ON m.org = a.org AND m.platform = o.platform AND m.account_id = o.account_id
),
to_author AS (
    SELECT a.platform, a.post_id, a.org, i.created_at, i.post_id AS answer_id
      FROM asks a JOIN interactions i ON i.platform = a.platform AND i.target = a.account_id
      JOIN members m ON m.org = a.org AND m.platform = i.platform AND m.account_id = i.source
     WHERE i.kind IN ('reply', 'mention') AND i.created_at >= a.created_at
)
SELECT platform, post_id, org, min(created_at) AS answered_at, arg_min(answer_id, created_at) AS answer_id
  FROM (SELECT * FROM direct UNION ALL SELECT * FROM to_author)
 GROUP BY ALL
"""

VOLUME_SQL = """
WITH firsts AS (
    SELECT platform, account_id, min(date_trunc('{unit}', timezone('UTC', created_at))) AS first_period
      FROM matched GROUP BY ALL
),
counted AS (
    SELECT date_trunc('{unit}', timezone('UTC', w.created_at)) AS bucket, count(*) AS posts,
           count(*) FILTER (WHERE w.addressed) AS addressed,
           count(*) FILTER (WHERE w.keyword_hit OR w.hashtag_hit) AS about,
           count(DISTINCT (w.platform, w.account_id)) AS voices,
           count(DISTINCT (w.platform, w.account_id))
               FILTER (WHERE f.first_period = date_trunc('{unit}', timezone('UTC', w.created_at))) AS new_voices
      FROM win w JOIN firsts f USING (platform, account_id)
     GROUP BY bucket
)
SELECT bucket::DATE AS period, posts, addressed, about, voices, new_voices, voices - new_voices AS returning_voices
  FROM counted ORDER BY period
"""

VOICES_SQL = """
SELECT 'role' AS dimension, role AS group_name, count(*) AS posts,
       count(DISTINCT (platform, account_id)) AS accounts
  FROM win GROUP BY ALL
UNION ALL
SELECT 'sector', sector, count(*), count(DISTINCT (platform, account_id)) FROM win GROUP BY ALL
ORDER BY dimension, posts DESC, group_name
"""

_REGEX_SPECIAL = re.compile(r"([\\.^$|?*+()\[\]{}])")


def keyword_pattern(keywords: Sequence[str]) -> str | None:
    """One case-insensitive pattern for all keywords, whole words where a keyword starts or ends with one."""
    parts = []
    for keyword in (k.strip() for k in keywords):
        if not keyword:
            continue
        escaped = _REGEX_SPECIAL.sub(r"\\\1", keyword)
        escaped = re.sub(r"\s+", r"\\s+", escaped)
        start = r"\b" if re.match(r"\w", keyword) else ""
        end = r"\b" if re.search(r"\w$", keyword) else ""
        parts.append(f"{start}{escaped}{end}")
    return "(?i)(?:" + "|".join(parts) + ")" if parts else None


THEMES_SCHEMA = pa.schema([("theme", pa.int64()), ("name", pa.string()), ("posts", pa.int64()),
                           ("share", pa.float64()), ("cohesion", pa.float64()), ("example_1", pa.string()),
                           ("example_2", pa.string()), ("example_3", pa.string())])


def themes(ws: Workspace, win: pa.Table, cues: rules.Cues, max_themes: int = MAX_THEMES) -> tuple[pa.Table, int]:
    """Topics of the posts in the window: groups of posts by meaning, named by their distinctive words,
    each with up to three example posts (the nearest its centre). Returns the table and posts grouped."""
    rows = sample_window(win.select(["handle", "text"]), THEMES_LIMIT).to_pylist()
    texts = [r["text"] for r in rows]
    found = find_themes(texts, stopwords=cues.stopwords, max_themes=max_themes)

    def example(i: int) -> str:
        return f"@{rows[i]['handle']}: {texts[i]}"

    records = []
    for t in found.themes:
        shown = [example(i) for i in t.examples] + [None] * (3 - len(t.examples))
        records.append({"theme": t.rank, "name": t.name, "posts": len(t.members),
                        "share": len(t.members) / found.grouped if found.grouped else 0.0,
                        "cohesion": round(t.cohesion, 3), "example_1": shown[0], "example_2": shown[1],
                        "example_3": shown[2]})
    return pa.Table.from_pylist(records, schema=THEMES_SCHEMA), found.grouped


# ---------------------------------------------------------------------- finding the posts


def matched_posts(ws: Workspace, target: Target, scope: Scope) -> pa.Table:
    """Every post about the target up to `scope.until` (earlier ones mark known voices), with in_window set."""
    before = scope.replace(since=None)
    keywords = keyword_pattern(target.keywords)
    sql = MATCHED_SQL.format(
        members=ORG_MEMBERS_SQL, where=before.condition("p"),
        keyword_hit="regexp_matches(coalesce(p.text, ''), $keywords)" if keywords else "FALSE",
        hashtag_hit="list_has_any(p.hashtags, $tags::VARCHAR[])" if target.tags else "FALSE",
        in_window="p.created_at >= $window_start" if scope.since is not None else "TRUE",
    )
    params: dict[str, Any] = {**before.params(), **membership_params(target.organisations)}
    if scope.since is not None:
        params["window_start"] = scope.since
    if keywords:
        params["keywords"] = keywords
    if target.tags:
        params["tags"] = target.tags
    return ws.query(sql, params)


def period_unit(first: datetime | None, last: datetime | None) -> str:
    """Days for up to a month, weeks for up to a year, months beyond."""
    if first is None or last is None:
        return "day"
    span = (last - first).days
    return "day" if span <= 31 else "week" if span <= 366 else "month"


# ---------------------------------------------------------------------- sentiment


def sample_window(win: pa.Table, limit: int, seed: int = 7) -> pa.Table:
    """At most `limit` of the window's posts, drawn at random with a fixed seed, in their order.

    The window is already in memory, so it is sampled here rather than in SQL: the same posts on
    DuckDB and on Spark (whose TABLESAMPLE reads its first rows and cannot take a seed).
    """
    if win.num_rows <= limit:
        return win
    return win.take(np.sort(np.random.default_rng(seed).choice(win.num_rows, size=limit, replace=False)))


def score_sentiment(texts: Sequence[str | None]) -> list[float]:
    """Sentiment scores in [-1, 1] (the model's P(positive) - P(negative)), links and @handles left out."""
    return [s.score for s in classify_sentiment(texts)]


def sentiment_by_period(ws: Workspace, win: pa.Table, unit: str) -> tuple[pa.Table, int, bool]:
    """Mean score and shares of each label per period; returns the table, posts scored, and whether sampled."""
    sampled = win.num_rows > SENTIMENT_LIMIT
    picked = sample_window(win.select(["created_at", "text"]), SENTIMENT_LIMIT)
    rows = ws.query_with({"win": picked}, f"SELECT date_trunc('{unit}', timezone('UTC', created_at))::DATE AS period, "
                                          "text FROM win")
    read = classify_sentiment(rows.column("text").to_pylist())
    scores = pa.table({"period": rows.column("period"), "score": pa.array([r.score for r in read], pa.float64()),
                       "label": pa.array([r.label for r in read], pa.string())})
    table = ws.query_with({"scores": scores}, """
        SELECT period, count(*) AS scored, avg(score) AS mean_sentiment,
               avg((label = 'positive')::INT) AS positive_share, avg((label = 'negative')::INT) AS negative_share
          FROM scores GROUP BY period ORDER BY period""")
    return table, rows.num_rows, sampled


def sentiment_limits() -> str:
    """What the sentiment model is and how well it measured, for the notes and the report."""
    return SENTIMENT_LIMITS.format(measured=sentiment_measured() or "as docs/validity.md reports")


# ---------------------------------------------------------------------- the queue


def classify_asks(ws: Workspace, win: pa.Table, cues: rules.Cues, org_names: Sequence[str]) -> pa.Table:
    """Posts in the window that ask, request or complain: one row per organisation that owes an answer.

    A post addressed to some of the organisations is owed by those; one found only by keyword or
    hashtag is owed by every organisation of the target.
    """
    return ws.query_with({"win": win}, f"""
        SELECT w.platform, w.post_id, w.account_id, w.created_at, w.text, w.uri, w.handle, w.display_name,
               w.followers, w.addressed, unnest(coalesce(w.orgs, $org_names::VARCHAR[])) AS org,
               k.kind, k.urgent, k.cues
          FROM win w JOIN (
              SELECT platform, post_id, {rules.kind_sql('plain', cues)} AS kind,
                     {rules.urgent_sql('plain', cues)} AS urgent, {rules.cues_sql('plain', cues)} AS cues
                FROM (SELECT platform, post_id, {rules.plain_text_sql('text')} AS plain FROM win)) k
            USING (platform, post_id)
         WHERE k.kind IS NOT NULL""", {"org_names": list(org_names)})


def find_answers(ws: Workspace, asks: pa.Table, target: Target) -> pa.Table:
    """The first answer from the owing organisation to each ask, looked for in the whole workspace."""
    columns = {
        "ask_platforms": asks.column("platform").to_pylist(), "ask_posts": asks.column("post_id").to_pylist(),
        "ask_authors": asks.column("account_id").to_pylist(), "ask_times": asks.column("created_at").to_pylist(),
        "ask_orgs": asks.column("org").to_pylist(),
    }
    return ws.query(ANSWERS_SQL.format(members=ORG_MEMBERS_SQL), {**columns, **membership_params(target.organisations)})


def build_queue(
    ws: Workspace, asks: pa.Table, answers: pa.Table, cues: rules.Cues, window_hours: float, as_of: datetime
) -> pa.Table:
    """Every ask with its status (answered, answered late, overdue, open) and its rank score."""
    weights = cues.ranking
    score = (
        f"{weights.get('urgent', 0)} * urgent::INT"
        f" + CASE kind WHEN 'complaint' THEN {weights.get('complaint', 0)} WHEN 'question' THEN "
        f"{weights.get('question', 0)} ELSE {weights.get('request', 0)} END"
        f" + {weights.get('addressed', 0)} * addressed::INT"
        f" + {weights.get('reach', 0)} * log10(1 + coalesce(followers, 0))"
        f" + {weights.get('age', 0)} * least(age_hours / $window, {weights.get('age_cap', 4)})"
    )
    return ws.query_with({"asks": asks, "answers": answers}, f"""
        SELECT *, {score} AS score FROM (
            SELECT a.*, n.answered_at, n.answer_id,
                   greatest(0, epoch(n.answered_at) - epoch(a.created_at)) / 3600.0 AS answer_hours,
                   greatest(0, epoch($as_of::TIMESTAMPTZ) - epoch(a.created_at)) / 3600.0 AS age_hours,
                   CASE WHEN n.answered_at IS NULL THEN
                            CASE WHEN epoch($as_of::TIMESTAMPTZ) - epoch(a.created_at) >= $window * 3600
                                 THEN 'overdue' ELSE 'open' END
                        WHEN epoch(n.answered_at) - epoch(a.created_at) <= $window * 3600 THEN 'answered'
                        ELSE 'answered late' END AS status
              FROM asks a LEFT JOIN answers n
                ON n.platform = a.platform AND n.post_id = a.post_id AND n.org = a.org)
         ORDER BY status IN ('overdue', 'open') DESC, score DESC, created_at, post_id""",
                         {"window": float(window_hours), "as_of": as_of})


# ---------------------------------------------------------------------- the result

QUEUE_COLUMNS = {"status": "status", "kind": "kind", "urgent": "urgent", "org": "asked of", "handle": "from",
                 "age_hours": "waiting", "text": "post", "uri": "link"}


@dataclass(kw_only=True)
class ListeningResult(Result):
    """Volume, voices, sentiment and themes of the posts about a target, and the asks nobody answered."""

    name: ClassVar[str] = "listening"
    title: ClassVar[str] = "Listening"
    description: ClassVar[str] = "What people say about the target, and what went unanswered."
    measures: ClassVar[tuple[Measure, ...]] = MEASURES
    main: ClassVar[str | None] = "queue"

    volume: pa.Table = table("Posts per period", {
        "period": "period", "posts": "posts", "addressed": "to them", "about": "about them", "voices": "voices",
        "new_voices": "new voices"})
    voices: pa.Table = table("Who is talking", {"dimension": "by", "group_name": "group", "posts": "posts",
                                                "accounts": "accounts"})
    sentiment: pa.Table = table("Sentiment", {
        "period": "period", "scored": "posts scored", "mean_sentiment": "mean sentiment",
        "positive_share": "positive", "negative_share": "negative"},
        reading="Read by a trained model; its measured accuracy is in the notes and docs/validity.md.")
    themes: pa.Table = table("Themes", {"theme": "#", "name": "theme", "posts": "posts", "share": "share",
                                        "example_1": "example", "example_2": "example", "example_3": "example"},
                             reading="Posts grouped by meaning, named by their most distinctive words; the "
                                     "examples are the posts nearest each theme's centre.")
    queue: pa.Table = table("Unanswered", QUEUE_COLUMNS, reading="Ranked by urgency cues, kind, reach and time "
                                                                 "waited; overdue means older than the window.")
    asks: pa.Table = table("Every ask, with its status", {**QUEUE_COLUMNS, "answer_hours": "answered after"},
                           cli=False)

    posts: int = fact("Posts", 0)
    accounts: int = fact("Voices", 0, measure="voices")
    unit: str = fact("Period", "day")
    window_hours: float = fact("Response window (hours)", dlg.DEFAULT_WINDOW_HOURS)
    as_of: datetime | None = fact("Waiting judged at", None)
    first: datetime | None = fact("First post", None)
    last: datetime | None = fact("Last post", None)
    labelled: bool = fact("Roles labelled", False)
    scored: int | None = fact("Posts scored for sentiment", None)
    grouped: int = fact("Posts grouped into themes", 0, measure="theme")
    asked: int | None = fact("Asks", None, measure="asks")  # None when no organisation's answers were looked for
    answered: int | None = fact("Answered", None, measure="answered_in_window")
    answered_late: int | None = fact("Answered late", None)
    overdue: int | None = fact("Overdue", None)
    open: int | None = fact("Open", None)
    median_answer_hours: float | None = fact("Median answer (hours)", None, measure="answer_hours")

    @property
    def queue_checked(self) -> bool:
        """Whether answers were looked for (an organisation's accounts were known)."""
        return self.asked is not None

    def main_table(self) -> pa.Table:
        """The queue when answers were looked for; otherwise the volume per period."""
        return self.queue if self.queue_checked else self.volume

    def headline(self) -> list[str]:
        if not self.queue_checked or not self.options.get("unanswered"):
            return []
        if not self.queue.num_rows:
            return ["No unanswered posts: every ask found was answered within the window."]
        return [f"{self.queue.num_rows:,} posts are waiting for an answer."]

    def shown_tables(self) -> list[str]:
        if self.options.get("unanswered"):
            return ["queue"]
        shown = ["volume", "voices", "sentiment", "themes"]
        return [name for name in shown if name != "sentiment" or self.scored is not None] + \
            ["queue"] * self.queue_checked


# ---------------------------------------------------------------------- the analysis


@analysis("listening", "Listening",
          "What people say about an organisation, who says it, how it feels, and what went unanswered.",
          result=ListeningResult, options=(ORGANISATIONS, KEYWORDS, HASHTAGS, dlg.WINDOW, UNANSWERED, SENTIMENT,
                                           PERIOD, AS_OF), order=50, command="listen", method="listen")
def listen(
    ws: Workspace, scope: Scope, *, organisations: Sequence[Organisation], keywords: Sequence[str],
    hashtags: Sequence[str], window: float, unanswered: bool, sentiment: bool, period: str | None,
    as_of: datetime | None,
) -> ListeningResult:
    """Volume, voices, sentiment, themes and the unanswered queue for a target.

    Without a target, every account labelled as an organisation is listened for, each as its own
    organisation (so an answer must come from the account that was asked).
    """
    window = dlg.check_window(window)
    given = Target(tuple(organisations), tuple(keywords), tuple(hashtags)) \
        if organisations or keywords or hashtags else None
    if unanswered and given is not None and not given.organisations:
        raise OptionError(f"{UNANSWERED.flag} needs {ORG_FLAG} FILE: the accounts whose answers count.")
    target = given or labelled_organisations(ws)
    cues = rules.load_cues()
    matched = matched_posts(ws, target, scope)
    win = matched.filter(pc.equal(matched.column("in_window"), True))
    as_of = as_of or _latest(ws)
    result = _measure(ws, matched, win, target, cues, window, as_of, period, sentiment and not unanswered)
    result.options = {"unanswered": unanswered}
    return result


def labelled_organisations(ws: Workspace) -> Target:
    """Every account labelled as an organisation, each as an organisation of its own."""
    rows = ws.query("SELECT l.platform, l.account_id, coalesce(a.handle, l.account_id) AS handle FROM labels l "
                    "LEFT JOIN accounts a USING (platform, account_id) WHERE l.role = 'organisation' "
                    "ORDER BY handle").to_pylist()
    if not rows:
        raise SociableError(f"no account is labelled as an organisation (roles are {dlg.RUN_ROLES}); or give "
                            f"the organisation's accounts with {ORG_FLAG} FILE.")
    return Target(tuple(Organisation("@" + r["handle"], ((r["platform"], r["account_id"]),)) for r in rows))


def _latest(ws: Workspace) -> datetime:
    value = ws.query("SELECT max(created_at) AS latest FROM posts").column(0)[0].as_py()
    return value if value is not None else datetime.now().astimezone()


def _measure(
    ws: Workspace, matched: pa.Table, win: pa.Table, target: Target, cues: rules.Cues, window_hours: float,
    as_of: datetime, period: str | None, sentiment: bool,
) -> ListeningResult:
    span = ws.query_with({"win": win}, "SELECT min(created_at) AS first, max(created_at) AS last, count(*) AS posts, "
                                       "count(DISTINCT (platform, account_id)) AS voices FROM win").to_pylist()[0]
    unit = period or period_unit(span["first"], span["last"])
    result = ListeningResult(
        volume=ws.query_with({"matched": matched, "win": win}, VOLUME_SQL.format(unit=unit)),
        voices=ws.query_with({"win": win}, VOICES_SQL),
        posts=int(span["posts"]), accounts=int(span["voices"]), unit=unit, window_hours=window_hours, as_of=as_of,
        first=span["first"], last=span["last"], labelled=dlg.has_labels(ws),
    )
    notes: list[str] = []
    if result.posts:
        result.themes, result.grouped = themes(ws, win, cues)
    if sentiment and result.posts:
        result.sentiment, result.scored, sampled = sentiment_by_period(ws, win, unit)
        notes.append(sentiment_limits() + (f" {result.scored:,} of {result.posts:,} posts were scored (a seeded "
                                           "random sample)." if sampled else ""))
    if target.organisations:
        asks = classify_asks(ws, win, cues, [org.name for org in target.organisations])
        result.asks = build_queue(ws, asks, find_answers(ws, asks, target), cues, window_hours, as_of)
        result.queue = result.asks.filter(pc.is_in(result.asks.column("status"), pa.array(QUEUE_STATUSES)))
        _count_queue(result)
    else:
        notes.append(f"Give the organisation's accounts ({ORG_FLAG} FILE) to find the posts none of them "
                     "answered.")
    result.notes = (*listening_notes(result), *notes)
    return result


def _count_queue(result: ListeningResult) -> None:
    statuses = result.asks.column("status").to_pylist()
    hours = sorted(h for h, s in zip(result.asks.column("answer_hours").to_pylist(), statuses, strict=True)
                   if s == "answered")
    result.asked = len(statuses)
    result.answered, result.answered_late = statuses.count("answered"), statuses.count("answered late")
    result.overdue, result.open = statuses.count("overdue"), statuses.count("open")
    result.median_answer_hours = hours[len(hours) // 2] if hours else None


def listening_notes(result: ListeningResult) -> list[str]:
    """Plain-language findings: how much was said, and how many asks were answered."""
    if not result.posts:
        return ["No posts about the target were found in scope."]
    notes = [f"{result.posts:,} posts about the target by {result.accounts:,} accounts."]
    if result.asked is not None:
        waiting = (result.overdue or 0) + (result.open or 0)
        notes.append(f"{result.asked:,} asked, requested or complained; {result.answered:,} were answered within "
                     f"{result.window_hours:g} hours, {result.answered_late:,} later, and {waiting:,} are waiting "
                     f"({result.overdue:,} overdue).")
    return notes
