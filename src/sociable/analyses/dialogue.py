"""Being sociable: does an account converse or only broadcast?

Every measure is counted in DuckDB over the posts in scope (a collection and a time window).
A *turn addressed to someone* is a reply to their post or a post that mentions them; an
*exchange* is a reply, mention or quote between two different accounts (reposts amplify, they
do not converse, so they are left out of dialogue measures).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import pyarrow as pa

from sociable.analyses.base import Measure, Option, OptionError, Result, analysis, fact, shared, table
from sociable.analyses.organisations import (
    ORG_FLAG,
    ORG_MEMBERS_SQL,
    ORGANISATIONS,
    Organisation,
    load_organisation,
    membership_params,
    read_account_list,
    resolve_organisation,
)
from sociable.store.scope import Scope

if TYPE_CHECKING:
    from sociable.store import Workspace

__all__ = [  # the organisation helpers are also reachable from here, where they used to live
    "ORG_MEMBERS_SQL", "DialogueResult", "Organisation", "account_counts", "load_organisation", "measure_dialogue",
    "membership_params", "read_account_list", "resolve_organisation", "summarise",
]

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
                          "account each addressed the other at least once (an exchange of 2+ turns). A thread is "
                          "followed through every stored post, also those outside the scope.")
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


# ---------------------------------------------------------------------- options

GROUPINGS = ("account", "role", "sector", "organisation")
WINDOW = Option("window", "float", DEFAULT_WINDOW_HOURS, "Hours within which an answer counts as a response.",
                above=0)
"""The response window, shared by dialogue, maturity and listening."""
BY = Option("by", "choice", "account", "Show the measures per account, role, sector or organisation.",
            choices=GROUPINGS)


def check_window(window: float) -> float:
    """The window in hours, checked again for callers that bypass the declaration (above zero)."""
    if window <= 0:
        raise OptionError(f"{WINDOW.flag}: the response window must be a positive number of hours, not {window:g}.")
    return float(window)



def has_labels(ws: Workspace) -> bool:
    """Whether any account has a known role (from `sociable roles` or manual labels)."""
    return bool(ws.query("SELECT count(*) AS n FROM labels WHERE role IS NOT NULL AND role <> 'unknown'")
                .column(0)[0].as_py())


# ---------------------------------------------------------------------- SQL

SCOPED_SQL = """
scoped AS (
    SELECT p.platform, p.post_id, p.account_id, p.created_at, p.reply_to, p.reply_to_account, p.repost_of,
           coalesce(p.thread, p.root, p.reply_to, p.post_id) AS thread
      FROM posts p WHERE {where}
),
ties AS (
    SELECT i.platform, i.source, i.target, i.kind, i.post_id, i.created_at
      FROM interactions i JOIN scoped s ON s.platform = i.platform AND s.post_id = i.post_id
     WHERE i.kind IN ('reply', 'mention', 'quote') AND i.source <> i.target
)"""

ACCOUNT_SQL = """
WITH {scoped},
written AS (
    SELECT p.platform, p.account_id, p.post_id,
           p.reply_to IS NOT NULL AND p.reply_to_account IS DISTINCT FROM p.account_id AS is_reply,
           p.post_id IN (SELECT t.post_id FROM ties t WHERE t.platform = p.platform) AS engages,
           (len(coalesce(p.urls, [])) > 0 OR coalesce(p.text, '') ILIKE '%http%')
           AND len(regexp_extract_all(regexp_replace(coalesce(p.text, ''), 'https?://\\S+|[@#]\\w+', ' ', 'g'),
                                      '\\p{{L}}+')) <= 3 AS link_only
      FROM posts p WHERE {where} AND p.repost_of IS NULL
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
    SELECT t.platform, s.thread, least(t.source, t.target) AS a, greatest(t.source, t.target) AS b
      FROM ties t JOIN scoped s ON s.platform = t.platform AND s.post_id = t.post_id
     WHERE t.kind IN ('reply', 'mention')
     GROUP BY ALL HAVING count(DISTINCT t.source) = 2
),
talkers AS (SELECT platform, thread, a AS account_id FROM pairs UNION ALL SELECT platform, thread, b FROM pairs),
conversations AS (SELECT platform, account_id, count(*) AS conversations FROM talkers GROUP BY ALL),
conversation_posts AS (
    SELECT s.platform, s.account_id, count(*) AS conversation_posts
      FROM scoped s JOIN (SELECT DISTINCT platform, thread, account_id FROM talkers) k
        ON k.platform = s.platform AND k.thread = s.thread AND k.account_id = s.account_id
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
    SELECT p.platform, p.account_id, date_trunc('hour', timezone('UTC', p.created_at)) AS hour,
           unnest(p.hashtags) AS tag
      FROM posts p WHERE {where} AND len(p.hashtags) > 0
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


def account_counts(ws: Workspace, scope: Scope, window_hours: float = DEFAULT_WINDOW_HOURS) -> pa.Table:
    """One row per account that posted in scope, with the raw counts behind every dialogue measure.

    Maturity reads the same counts: within a report (`sharing_work`) they are counted once.
    """
    return shared(("dialogue.account_counts", id(ws), scope, float(window_hours)),
                  lambda: _account_counts(ws, scope, window_hours))


def _account_counts(ws: Workspace, scope: Scope, window_hours: float) -> pa.Table:
    sql = ACCOUNT_SQL.format(
        scoped=SCOPED_SQL.strip().format(where=scope.condition("p")), where=scope.condition("p"),
        chat_posts=CHAT_MIN_POSTS, chat_accounts=CHAT_MIN_ACCOUNTS, chat_burst=CHAT_BURST,
    )
    return ws.query(sql, {**scope.params(), "window_hours": float(window_hours)})


def summarise(
    ws: Workspace, counts: pa.Table, organisations: Sequence[Organisation] = (), labelled: bool = True
) -> dict[str, pa.Table]:
    """Measures per account and per role, sector and organisation, from the per-account counts.

    Group ratios pool the counts of their accounts (a group's reply share is all its replies over
    all its written posts), so a busy account weighs more than a quiet one, as in the conversation.
    The counts are read on the workspace's own connection.
    """
    tables = {"counts": counts}
    params: dict[str, Any] = {"labelled": labelled}
    summary = {
        "accounts": ws.query_with(tables, f"SELECT *, {STYLE_SQL} FROM (SELECT platform, account_id, handle, "
                                          f"display_name, role, subtype, sector, followers, {MEASURES_SQL} FROM counts "
                                          "GROUP BY ALL) ORDER BY posts DESC, handle", params),
        "overall": ws.query_with(tables, f"SELECT count(*) AS accounts, {MEASURES_SQL} FROM counts", params),
    }
    for dimension in ("role", "sector"):
        summary[dimension] = ws.query_with(
            tables, f"SELECT {dimension} AS group_name, count(*) AS accounts, {MEASURES_SQL} FROM counts "
                    "GROUP BY ALL ORDER BY posts DESC, group_name", params)
    summary["organisation"] = ws.query_with(
        tables, f"SELECT m.org AS group_name, count(*) AS accounts, {MEASURES_SQL} FROM counts c "
                f"JOIN ({ORG_MEMBERS_SQL}) m USING (platform, account_id) GROUP BY ALL ORDER BY group_name",
        {**params, **membership_params(organisations)},
    ) if organisations else summary["role"].schema.empty_table()
    summary["response_times"] = ws.query_with(tables, _RESPONSE_BINS_SQL)
    return summary


def _response_bins_sql() -> str:
    cases = " ".join(f"WHEN hours < {limit} THEN {i}" for i, (_, limit) in enumerate(RESPONSE_BINS[:-1]))
    names = "[" + ", ".join(f"'{name}'" for name, _ in RESPONSE_BINS) + "]"
    return f"""
        SELECT {names}[bin + 1] AS bucket, bin, role, count(*) AS responses
          FROM (SELECT role, CASE {cases} ELSE {len(RESPONSE_BINS) - 1} END AS bin
                  FROM (SELECT role, unnest(response_hours) AS hours FROM counts))
         GROUP BY ALL ORDER BY bin, role"""


_RESPONSE_BINS_SQL = _response_bins_sql()


# ---------------------------------------------------------------------- the result

DIALOGUE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("posts", "posts"), ("broadcast_share", "broadcasts"), ("reply_share", "replies"),
    ("conversation_share", "in conversation"), ("link_only_share", "link only"), ("reciprocity", "reciprocity"),
    ("received", "received"), ("response_rate", "answered"), ("median_response_hours", "median answer"),
    ("people_share", "with people"), ("chat_sessions", "chat hours"),
)
"""The measures every dialogue table shows, with their column headers."""
STYLE_READING = "Style: " + "; ".join(f"{name}: {rule}" for name, rule in STYLE_RULES) + "."
POOLED_READING = "Pooled over the group's accounts: a busy account weighs more than a quiet one."


def _group_columns(group: str) -> dict[str, str]:
    return {"group_name": group, **dict(DIALOGUE_COLUMNS)}


@dataclass(kw_only=True)
class DialogueResult(Result):
    """Dialogue measures per account and per role, sector and organisation, and how long answers take."""

    name: ClassVar[str] = "dialogue"
    title: ClassVar[str] = "Being sociable"
    description: ClassVar[str] = "Broadcasting or conversing: per account and per role, sector and organisation."
    measures: ClassVar[tuple[Measure, ...]] = (*ACCOUNT_MEASURES, RESPONSE_TIMES)
    main: ClassVar[str | None] = "accounts"

    accounts: pa.Table = table("Accounts", {"handle": "account", "style": "style", **dict(DIALOGUE_COLUMNS)},
                               reading=STYLE_READING)
    role: pa.Table = table("By role", _group_columns("role"), reading=POOLED_READING)
    sector: pa.Table = table("By sector", _group_columns("sector"), reading=POOLED_READING)
    organisation: pa.Table = table("By organisation", _group_columns("organisation"), reading=POOLED_READING)
    response_times: pa.Table = table("How long answers take", {"bucket": "time to answer", "role": "role",
                                                               "responses": "answers"}, cli=False)

    account_count: int = fact("Accounts", 0, measure="accounts")
    labelled: bool = fact("Roles labelled", False)
    window_hours: float = fact("Response window (hours)", DEFAULT_WINDOW_HOURS)
    styles: dict[str, int] = fact("Accounts by style", {}, measure="style")
    posts: int = fact("Posts", 0)
    written: int = fact("Written posts", 0)
    broadcast_share: float | None = fact("Broadcasts", None)
    reply_share: float | None = fact("Replies", None)
    conversation_share: float | None = fact("In conversation", None)
    conversations: int = fact("Conversations", 0)
    link_only_share: float | None = fact("Link only", None)
    repost_share: float | None = fact("Reposts", None)
    reciprocity: float | None = fact("Reciprocity", None)
    received: int = fact("Received", 0)
    response_rate: float | None = fact("Answered", None)
    median_response_hours: float | None = fact("Median answer (hours)", None)
    people_share: float | None = fact("With people", None)
    chat_sessions: int = fact("Chat hours", 0)

    @property
    def by(self) -> str:
        """The grouping chosen with the `by` option: account, role, sector or organisation."""
        return str(self.options.get("by") or "account")

    def grouped(self) -> pa.Table:
        """The table for the chosen grouping: what the CLI prints and `-o FILE` writes."""
        chosen: pa.Table = getattr(self, self._grouped_name())
        return chosen

    def shown_tables(self) -> list[str]:
        return [self._grouped_name()]

    def main_table(self) -> pa.Table:
        return self.grouped()

    def _grouped_name(self) -> str:
        return "accounts" if self.by == "account" else self.by


OVERALL_FACTS = ("posts", "written", "broadcast_share", "reply_share", "conversation_share", "conversations",
                 "link_only_share", "repost_share", "reciprocity", "received", "response_rate",
                 "median_response_hours", "people_share", "chat_sessions")


# ---------------------------------------------------------------------- the analysis


@analysis("dialogue", "Being sociable",
          "Per account and per role, sector and organisation: broadcasting or conversing?",
          result=DialogueResult, options=(ORGANISATIONS, BY, WINDOW), order=40)
def measure_dialogue(
    ws: Workspace, scope: Scope, *, organisations: Sequence[Organisation], by: str, window: float,
) -> DialogueResult:
    """Dialogue measures per account and group, with notes on who broadcasts and who converses."""
    window = check_window(window)
    if by == "organisation" and not organisations:
        raise OptionError(f"{BY.flag} organisation needs at least one {ORG_FLAG} FILE listing an "
                          "organisation's accounts.")
    labelled = has_labels(ws)
    tables = summarise(ws, account_counts(ws, scope, window), organisations, labelled)
    overall = tables.pop("overall").to_pylist()[0]
    styles = _style_counts(tables["accounts"])
    return DialogueResult(
        **tables, **{name: overall[name] for name in OVERALL_FACTS}, account_count=tables["accounts"].num_rows,
        labelled=labelled, window_hours=window, styles=styles,
        notes=tuple(dialogue_notes(tables, labelled, styles)), options={"by": by, "window": window},
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
