"""Being sociable: does an account converse or only broadcast?

Every measure is counted in DuckDB over the posts in scope (a collection and a time window).
A *turn addressed to someone* is a reply to their post or a post that mentions them; an
*exchange* is a reply, mention or quote between two different accounts (reposts amplify, they
do not converse, so they are left out of dialogue measures).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa

from sociable.analyses.base import AnalysisResult, Measure, analysis
from sociable.errors import NoSuchCollection, SociableError

DEFAULT_WINDOW_HOURS = 48.0
MIN_WRITTEN_FOR_STYLE = 5  # fewer written posts than this: too quiet to call broadcaster or converser
CHAT_MIN_POSTS, CHAT_MIN_ACCOUNTS, CHAT_BURST = 10, 5, 5.0
PEOPLE_ROLES = ("person",)
KNOWN_ROLES = ("organisation", "professional", "person")
UNKNOWN = "unknown"
RUN_ROLES = "unknown (run `sociable roles`)"

# The style rule, in order: the first row whose test holds names the account's style.
STYLE_RULES: tuple[tuple[str, str], ...] = (
    ("quiet", f"fewer than {MIN_WRITTEN_FOR_STYLE} written posts"),
    ("converser", "receives 3 or more replies and mentions and answers at least 40% of them within the window"),
    ("broadcaster", "at least 60% of its posts are broadcasts and it answers fewer than 20% of what it receives"),
    ("mixed", "anything else"),
)

POSTS = Measure("posts", "Posts the account wrote in scope, reposts included.")
WRITTEN = Measure("written", "Posts the account wrote itself: every post except reposts.")
BROADCAST_SHARE = Measure(
    "broadcast_share", "Share of written posts that address nobody else: no reply to another account, no mention, "
                       "no quote (a self-reply continuing one's own thread is a broadcast).")
REPLY_SHARE = Measure("reply_share", "Share of written posts that reply to another account's post.")
CONVERSATION_SHARE = Measure(
    "conversation_share", "Share of written posts made in conversations: threads where the account and another "
                          "account each addressed the other at least once (an exchange of 2+ turns).")
CONVERSATIONS = Measure(
    "conversations", "Conversations taken part in: distinct (thread, partner) pairs in which each of the two "
                     "accounts replied to or mentioned the other.")
LINK_ONLY_SHARE = Measure(
    "link_only_share", "Share of written posts that carry a link and at most three words of their own "
                       "(links, mentions and hashtags removed).")
REPOST_SHARE = Measure("repost_share", "Share of all the account's posts that are reposts.")
RECIPROCITY = Measure(
    "reciprocity", "Share of partners (accounts it replied to, mentioned or quoted, or that did so to it) with "
                   "whom the engagement went both ways.")
RECEIVED = Measure("received", "Replies to the account's posts and posts mentioning it, by other accounts, in scope.")
RESPONSE_RATE = Measure(
    "response_rate", "Share of replies and mentions received that the account answered with a direct reply within "
                     "the response window (48 hours unless chosen otherwise).")
MEDIAN_RESPONSE = Measure(
    "median_response_hours", "Median time, in hours, from a reply or mention received to the account's first "
                             "direct reply to it, over every one it answered.")
PEOPLE_SHARE = Measure(
    "people_share", "Share of the account's exchanges (both directions) with accounts labelled as people "
                    "(patients, service users, carers, public), among exchanges with labelled accounts.")
CHAT_SESSIONS = Measure(
    "chat_sessions", f"Hashtag chat hours joined: hours in which a hashtag had {CHAT_MIN_POSTS}+ posts from "
                     f"{CHAT_MIN_ACCOUNTS}+ accounts and {CHAT_BURST:g}× its usual hourly rate, and the account "
                     "posted with it.")
STYLE = Measure("style", "Broadcaster, converser, mixed or quiet, by the rule in the method notes.")
ACCOUNTS = Measure("accounts", "Accounts in the group that wrote at least one post in scope.")

ACCOUNT_MEASURES: tuple[Measure, ...] = (
    POSTS, WRITTEN, BROADCAST_SHARE, REPLY_SHARE, CONVERSATION_SHARE, CONVERSATIONS, LINK_ONLY_SHARE, REPOST_SHARE,
    RECIPROCITY, RECEIVED, RESPONSE_RATE, MEDIAN_RESPONSE, PEOPLE_SHARE, CHAT_SESSIONS, STYLE, ACCOUNTS,
)
RESPONSE_BINS: tuple[tuple[str, float], ...] = (
    ("under 1 hour", 1), ("1–4 hours", 4), ("4–24 hours", 24), ("1–2 days", 48), ("over 2 days", float("inf")),
)
RESPONSE_TIMES = Measure("responses", "Direct replies to received replies and mentions, by how long they took.")


class Queryable(Protocol):
    def query(self, sql: str, params: Any = None) -> pa.Table: ...


# ---------------------------------------------------------------------- scope and organisations


@dataclass(frozen=True, slots=True)
class Scope:
    """Which posts are counted: a collection and a time window, as a SQL condition with named parameters."""

    collection: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def condition(self, alias: str = "p") -> str:
        clauses = ["TRUE"]
        if self.collection is not None:
            clauses.append(f"EXISTS (SELECT 1 FROM collections c WHERE c.name = $collection "
                           f"AND c.platform = {alias}.platform AND c.post_id = {alias}.post_id)")
        if self.since is not None:
            clauses.append(f"{alias}.created_at >= $since")
        if self.until is not None:
            clauses.append(f"{alias}.created_at < $until")
        return " AND ".join(clauses)

    def params(self) -> dict[str, Any]:
        values = {"collection": self.collection, "since": self.since, "until": self.until}
        return {name: value for name, value in values.items() if value is not None}

    def check(self, ws: Queryable) -> None:
        """Raise NoSuchCollection when the collection is not in the workspace."""
        if self.collection is None:
            return
        known = [str(v) for v in ws.query("SELECT DISTINCT name FROM collections ORDER BY 1").column(0).to_pylist()]
        if self.collection not in known:
            hint = f"the collections are: {', '.join(known)}" if known else "there are no collections yet"
            raise NoSuchCollection(f"there is no collection called '{self.collection}'; {hint}.")


@dataclass(frozen=True, slots=True)
class Organisation:
    """A named set of accounts (corporate, services, staff) treated as one organisation."""

    name: str
    accounts: tuple[tuple[str, str], ...]  # (platform, account_id)
    handles: dict[tuple[str, str], str] = field(default_factory=dict)

    def membership(self) -> dict[str, list[str]]:
        """Parallel lists (org, platform, account_id) to pass to SQL as parameters."""
        return {"org_names": [self.name] * len(self.accounts), "org_platforms": [p for p, _ in self.accounts],
                "org_accounts": [a for _, a in self.accounts]}


def read_account_list(path: str | Path) -> list[str]:
    """Handles or account ids, one a line; blank lines and '#' comments are skipped."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SociableError(f"the organisation file {path} does not exist; give a text file of handles, one a line.")\
            from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SociableError(f"the organisation file {path} could not be read ({exc}).") from None
    entries = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    entries = [entry for entry in entries if entry]
    if not entries:
        raise SociableError(f"the organisation file {path} lists no accounts; write one handle or account id a line.")
    return entries


def resolve_organisation(ws: Queryable, name: str, entries: Iterable[str]) -> Organisation:
    """Match handles (with or without '@', any case) or account ids to accounts in the workspace."""
    wanted = [entry.strip() for entry in entries if entry.strip()]
    keys = [entry.lstrip("@").lower() for entry in wanted]
    rows = ws.query(
        "SELECT platform, account_id, handle, lower(handle) AS key FROM accounts "
        "WHERE lower(handle) IN (SELECT unnest($keys)) OR account_id IN (SELECT unnest($ids)) ORDER BY 1, 2",
        {"keys": keys, "ids": wanted},
    ).to_pylist()
    found = {row["key"] for row in rows} | {row["account_id"] for row in rows}
    missing = [entry for entry, key in zip(wanted, keys, strict=True) if key not in found and entry not in found]
    if missing:
        raise SociableError(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not an account in this workspace; "
            "check the spelling or import posts by or mentioning them first."
        )
    accounts = tuple(dict.fromkeys((row["platform"], row["account_id"]) for row in rows))
    handles = {(row["platform"], row["account_id"]): row["handle"] or row["account_id"] for row in rows}
    return Organisation(name, accounts, handles)


def load_organisation(ws: Queryable, path: str | Path) -> Organisation:
    """Read an organisation file and resolve its accounts; the organisation is named after the file."""
    return resolve_organisation(ws, Path(path).stem, read_account_list(path))


def membership_params(organisations: Sequence[Organisation]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {"org_names": [], "org_platforms": [], "org_accounts": []}
    for organisation in organisations:
        for key, values in organisation.membership().items():
            merged[key].extend(values)
    return merged


ORG_MEMBERS_SQL = ("SELECT unnest($org_names::VARCHAR[]) AS org, unnest($org_platforms::VARCHAR[]) AS platform, "
                   "unnest($org_accounts::VARCHAR[]) AS account_id")


def has_labels(ws: Queryable) -> bool:
    return bool(ws.query("SELECT count(*) AS n FROM labels WHERE role IS NOT NULL AND role <> 'unknown'")
                .column(0)[0].as_py())


# ---------------------------------------------------------------------- SQL

THREADS_SQL = """
chain(platform, post_id, thread) AS (
    SELECT s.platform, s.post_id, coalesce(s.root, s.reply_to, s.post_id)
      FROM scoped s
     WHERE s.root IS NOT NULL OR s.reply_to IS NULL
        OR NOT EXISTS (SELECT 1 FROM scoped q WHERE q.platform = s.platform AND q.post_id = s.reply_to)
    UNION ALL
    SELECT s.platform, s.post_id, c.thread
      FROM scoped s JOIN chain c ON s.platform = c.platform AND s.reply_to = c.post_id
     WHERE s.root IS NULL
)"""

SCOPED_SQL = """
scoped AS (
    SELECT p.platform, p.post_id, p.account_id, p.created_at, p.text, p.reply_to, p.reply_to_account, p.root,
           p.repost_of, p.hashtags, p.urls
      FROM posts p WHERE {where}
),
ties AS (
    SELECT i.platform, i.source, i.target, i.kind, i.post_id, i.created_at
      FROM interactions i JOIN scoped s ON s.platform = i.platform AND s.post_id = i.post_id
     WHERE i.kind IN ('reply', 'mention', 'quote') AND i.source <> i.target
)"""

ACCOUNT_SQL = """
WITH RECURSIVE {scoped},
{threads},
written AS (
    SELECT s.platform, s.account_id, s.post_id,
           s.reply_to IS NOT NULL AND s.reply_to_account IS DISTINCT FROM s.account_id AS is_reply,
           s.post_id IN (SELECT t.post_id FROM ties t WHERE t.platform = s.platform) AS engages,
           (len(coalesce(s.urls, [])) > 0 OR coalesce(s.text, '') ILIKE '%http%')
           AND len(regexp_extract_all(regexp_replace(coalesce(s.text, ''), 'https?://\\S+|[@#]\\w+', ' ', 'g'),
                                      '[[:alpha:]]+')) <= 3 AS link_only
      FROM scoped s WHERE s.repost_of IS NULL
),
authored AS (
    SELECT platform, account_id, count(*) AS posts, count(*) FILTER (WHERE repost_of IS NOT NULL) AS reposts
      FROM scoped GROUP BY ALL
),
kinds AS (
    SELECT platform, account_id, count(*) AS written,
           count(*) FILTER (WHERE NOT is_reply AND NOT engages) AS broadcasts,
           count(*) FILTER (WHERE is_reply) AS replies,
           count(*) FILTER (WHERE link_only) AS link_only
      FROM written GROUP BY ALL
),
pairs AS (
    SELECT t.platform, c.thread, least(t.source, t.target) AS a, greatest(t.source, t.target) AS b
      FROM ties t JOIN chain c ON c.platform = t.platform AND c.post_id = t.post_id
     WHERE t.kind IN ('reply', 'mention')
     GROUP BY ALL HAVING count(DISTINCT t.source) = 2
),
talkers AS (SELECT platform, thread, a AS account_id FROM pairs UNION ALL SELECT platform, thread, b FROM pairs),
conversations AS (SELECT platform, account_id, count(*) AS conversations FROM talkers GROUP BY ALL),
conversation_posts AS (
    SELECT s.platform, s.account_id, count(*) AS conversation_posts
      FROM scoped s JOIN chain c ON c.platform = s.platform AND c.post_id = s.post_id
      JOIN (SELECT DISTINCT platform, thread, account_id FROM talkers) k
        ON k.platform = s.platform AND k.thread = c.thread AND k.account_id = s.account_id
     WHERE s.repost_of IS NULL GROUP BY ALL
),
links AS (SELECT DISTINCT platform, source, target FROM ties),
partners AS (
    SELECT platform, account_id, count(*) AS partners, count(*) FILTER (WHERE o AND i) AS reciprocated
      FROM (SELECT platform, account_id, partner, bool_or(o) AS o, bool_or(i) AS i
              FROM (SELECT platform, source AS account_id, target AS partner, TRUE AS o, FALSE AS i FROM links
                    UNION ALL SELECT platform, target, source, FALSE, TRUE FROM links)
             GROUP BY ALL)
     GROUP BY ALL
),
received AS (SELECT platform, target AS account_id, post_id, created_at FROM ties WHERE kind IN ('reply', 'mention')),
answers AS (
    SELECT r.platform, r.account_id, r.post_id,
           greatest(0, epoch(min(s.created_at)) - epoch(min(r.created_at))) / 3600.0 AS hours
      FROM received r
      JOIN scoped s ON s.platform = r.platform AND s.reply_to = r.post_id AND s.account_id = r.account_id
     GROUP BY ALL
),
responses AS (
    SELECT r.platform, r.account_id, count(*) AS received,
           count(*) FILTER (WHERE a.hours <= $window_hours) AS answered,
           list(a.hours ORDER BY a.hours) FILTER (WHERE a.hours IS NOT NULL) AS response_hours
      FROM received r LEFT JOIN answers a USING (platform, account_id, post_id)
     GROUP BY ALL
),
exchanges AS (
    SELECT e.platform, e.account_id,
           count(*) FILTER (WHERE l.role IN ('organisation', 'professional', 'person')) AS labelled_exchanges,
           count(*) FILTER (WHERE l.role = 'person') AS people_exchanges
      FROM (SELECT platform, source AS account_id, target AS partner FROM ties
            UNION ALL SELECT platform, target, source FROM ties) e
      LEFT JOIN labels l ON l.platform = e.platform AND l.account_id = e.partner
     GROUP BY ALL
),
tagged AS (
    SELECT platform, account_id, date_trunc('hour', timezone('UTC', created_at)) AS hour, unnest(hashtags) AS tag
      FROM scoped WHERE len(hashtags) > 0
),
span AS (SELECT greatest(1, date_diff('hour', min(created_at), max(created_at)) + 1) AS hours FROM scoped),
sessions AS (
    SELECT t.platform, t.tag, t.hour FROM tagged t,
           (SELECT platform, tag, count(*) AS n FROM tagged GROUP BY ALL) usual, span
     WHERE usual.platform = t.platform AND usual.tag = t.tag
     GROUP BY t.platform, t.tag, t.hour, usual.n, span.hours
    HAVING count(*) >= {chat_posts} AND count(DISTINCT t.account_id) >= {chat_accounts}
       AND count(*) >= {chat_burst} * usual.n / span.hours
),
chats AS (
    SELECT t.platform, t.account_id, count(DISTINCT (t.tag, t.hour)) AS chat_sessions
      FROM tagged t JOIN sessions s USING (platform, tag, hour) GROUP BY ALL
)
SELECT au.platform, au.account_id, coalesce(ac.handle, au.account_id) AS handle, ac.display_name,
       coalesce(lb.role, 'unknown') AS role, coalesce(lb.subtype, 'unknown') AS subtype,
       coalesce(lb.sector, 'unknown') AS sector, ac.followers,
       au.posts, au.reposts, coalesce(k.written, 0) AS written, coalesce(k.broadcasts, 0) AS broadcasts,
       coalesce(k.replies, 0) AS replies, coalesce(cp.conversation_posts, 0) AS conversation_posts,
       coalesce(cv.conversations, 0) AS conversations, coalesce(k.link_only, 0) AS link_only,
       coalesce(pa.partners, 0) AS partners, coalesce(pa.reciprocated, 0) AS reciprocated,
       coalesce(rs.received, 0) AS received, coalesce(rs.answered, 0) AS answered,
       coalesce(rs.response_hours, []) AS response_hours,
       coalesce(ex.labelled_exchanges, 0) AS labelled_exchanges, coalesce(ex.people_exchanges, 0) AS people_exchanges,
       coalesce(ch.chat_sessions, 0) AS chat_sessions
  FROM authored au
  LEFT JOIN kinds k USING (platform, account_id)
  LEFT JOIN conversation_posts cp USING (platform, account_id)
  LEFT JOIN conversations cv USING (platform, account_id)
  LEFT JOIN partners pa USING (platform, account_id)
  LEFT JOIN responses rs USING (platform, account_id)
  LEFT JOIN exchanges ex USING (platform, account_id)
  LEFT JOIN chats ch USING (platform, account_id)
  LEFT JOIN accounts ac USING (platform, account_id)
  LEFT JOIN labels lb USING (platform, account_id)
"""

# Ratios and the style rule, computed from summed counts: the same SQL serves accounts and groups.
MEASURES_SQL = """
    coalesce(sum(posts), 0)::BIGINT AS posts, coalesce(sum(written), 0)::BIGINT AS written,
    sum(broadcasts) / nullif(sum(written), 0) AS broadcast_share,
    sum(replies) / nullif(sum(written), 0) AS reply_share,
    sum(conversation_posts) / nullif(sum(written), 0) AS conversation_share,
    coalesce(sum(conversations), 0)::BIGINT AS conversations,
    sum(link_only) / nullif(sum(written), 0) AS link_only_share,
    sum(reposts) / nullif(sum(posts), 0) AS repost_share,
    sum(reciprocated) / nullif(sum(partners), 0) AS reciprocity,
    coalesce(sum(received), 0)::BIGINT AS received,
    sum(answered) / nullif(sum(received), 0) AS response_rate,
    list_median(flatten(list(response_hours))) AS median_response_hours,
    CASE WHEN $labelled THEN sum(people_exchanges) / nullif(sum(labelled_exchanges), 0) END AS people_share,
    coalesce(sum(chat_sessions), 0)::BIGINT AS chat_sessions"""

STYLE_SQL = f"""
    CASE WHEN written < {MIN_WRITTEN_FOR_STYLE} THEN 'quiet'
         WHEN received >= 3 AND response_rate >= 0.4 THEN 'converser'
         WHEN broadcast_share >= 0.6 AND coalesce(response_rate, 0) < 0.2 THEN 'broadcaster'
         ELSE 'mixed' END AS style"""


def account_counts(ws: Queryable, scope: Scope, window_hours: float = DEFAULT_WINDOW_HOURS) -> pa.Table:
    """One row per account that posted in scope, with the raw counts behind every dialogue measure."""
    sql = ACCOUNT_SQL.format(
        scoped=SCOPED_SQL.strip().format(where=scope.condition("p")), threads=THREADS_SQL.strip(),
        chat_posts=CHAT_MIN_POSTS, chat_accounts=CHAT_MIN_ACCOUNTS, chat_burst=CHAT_BURST,
    )
    return ws.query(sql, {**scope.params(), "window_hours": float(window_hours)})


def summarise(
    counts: pa.Table, organisations: Sequence[Organisation] = (), labelled: bool = True
) -> dict[str, pa.Table]:
    """Measures per account and per role, sector and organisation, from the per-account counts.

    Group ratios pool the counts of their accounts (a group's reply share is all its replies over
    all its written posts), so a busy account weighs more than a quiet one, as in the conversation.
    """
    con = duckdb.connect()
    try:
        con.register("counts", counts)
        params: dict[str, Any] = {"labelled": labelled}
        accounts = con.sql(
            f"SELECT *, {STYLE_SQL} FROM (SELECT platform, account_id, handle, display_name, role, subtype, sector, "
            f"followers, {MEASURES_SQL} FROM counts GROUP BY ALL) ORDER BY posts DESC, handle", params=params,
        ).to_arrow_table()
        tables = {"accounts": accounts, "overall": con.sql(
            f"SELECT count(*) AS accounts, {MEASURES_SQL} FROM counts", params=params).to_arrow_table()}
        for dimension in ("role", "sector"):
            tables[dimension] = con.sql(
                f"SELECT {dimension} AS group_name, count(*) AS accounts, {MEASURES_SQL} FROM counts "
                "GROUP BY ALL ORDER BY posts DESC, group_name", params=params,
            ).to_arrow_table()
        members = membership_params(organisations)
        tables["organisation"] = con.sql(
            f"SELECT m.org AS group_name, count(*) AS accounts, {MEASURES_SQL} FROM counts c "
            f"JOIN ({ORG_MEMBERS_SQL}) m USING (platform, account_id) GROUP BY ALL ORDER BY group_name",
            params={**params, **members},
        ).to_arrow_table() if organisations else _empty_groups(tables["role"])
        tables["response_times"] = _response_bins(con)
        return tables
    finally:
        con.close()


def _empty_groups(like: pa.Table) -> pa.Table:
    return like.schema.empty_table()


def _response_bins(con: duckdb.DuckDBPyConnection) -> pa.Table:
    cases = " ".join(f"WHEN hours < {limit} THEN {i}" for i, (_, limit) in enumerate(RESPONSE_BINS[:-1]))
    names = "[" + ", ".join(f"'{name}'" for name, _ in RESPONSE_BINS) + "]"
    return con.sql(f"""
        SELECT {names}[bin + 1] AS bucket, bin, role, count(*) AS responses
          FROM (SELECT role, CASE {cases} ELSE {len(RESPONSE_BINS) - 1} END AS bin
                  FROM (SELECT role, unnest(response_hours) AS hours FROM counts))
         GROUP BY ALL ORDER BY bin, role""").to_arrow_table()


# ---------------------------------------------------------------------- the analysis


@analysis("dialogue", "Being sociable",
          "Per account and per role, sector and organisation: broadcasting or conversing?", order=40)
def measure_dialogue(
    ws: Queryable, collection: str | None = None, since: datetime | None = None, until: datetime | None = None,
    organisations: Sequence[Organisation] = (), window_hours: float = DEFAULT_WINDOW_HOURS,
) -> AnalysisResult:
    """Dialogue measures per account and group, with notes on who broadcasts and who converses."""
    if window_hours <= 0:
        raise SociableError("the response window must be a positive number of hours.")
    scope = Scope(collection, since, until)
    scope.check(ws)
    labelled = has_labels(ws)
    tables = summarise(account_counts(ws, scope, window_hours), organisations, labelled)
    accounts = tables["accounts"]
    styles = _style_counts(accounts)
    facts: dict[str, Any] = {"accounts": accounts.num_rows, "labelled": labelled, "window_hours": window_hours,
                             "styles": styles, "style_rule": STYLE_RULES}
    facts.update(tables["overall"].to_pylist()[0])
    return AnalysisResult(
        "dialogue", "Being sociable", "Broadcasting or conversing: per account and per role, sector and organisation.",
        measures=(*ACCOUNT_MEASURES, RESPONSE_TIMES), tables=tables, facts=facts,
        notes=tuple(dialogue_notes(tables, labelled, styles)),
    )


def _style_counts(accounts: pa.Table) -> dict[str, int]:
    counts = {name: 0 for name, _ in STYLE_RULES}
    for value in accounts.column("style").to_pylist() if accounts.num_rows else []:
        counts[value] += 1
    return counts


def dialogue_notes(tables: Mapping[str, pa.Table], labelled: bool, styles: Mapping[str, int]) -> list[str]:
    """Plain-language findings: how many broadcast and converse, and which role broadcasts most."""
    accounts = tables["accounts"]
    if accounts.num_rows == 0:
        return ["No posts in scope, so there is nothing to measure."]
    notes = [f"{styles.get('broadcaster', 0):,} accounts mostly broadcast and {styles.get('converser', 0):,} "
             f"converse; {styles.get('mixed', 0):,} do a bit of both and {styles.get('quiet', 0):,} posted too "
             f"little to say ({MIN_WRITTEN_FOR_STYLE}+ written posts needed)."]
    if not labelled:
        notes.append(f"Roles and sectors are {RUN_ROLES}, so the share of exchanges with people is not shown.")
        return notes
    roles = [row for row in tables["role"].to_pylist() if row["group_name"] != UNKNOWN and row["written"]]
    if roles:
        top = max(roles, key=lambda row: row["broadcast_share"] or 0)
        notes.append(f"{top['group_name'].capitalize()} accounts broadcast the most: "
                     f"{(top['broadcast_share'] or 0):.0%} of their written posts address nobody.")
    return notes
