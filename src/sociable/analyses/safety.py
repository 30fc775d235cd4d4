"""Safe practice: what screening found in the posts of a scope, as counts (read from the store).

`sociable screen` checks posts and stores one row per post and one per finding; this analysis
only reads them back: posts screened and flagged, by verdict, category, severity, role and
account. Reposts count only when they were screened (by default they are not: their words belong
to the post they share), so a scope with reposts and one without give the same figures unless
reposts were screened on purpose.

It lives with the other analyses so the registry finds it like any other (the report, the web
app, `--json` and docs/analyses.md all come from the registration); the checker itself stays in
sociable.safety.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from sociable.analyses.base import Measure, Result, analysis, fact, table
from sociable.store.scope import Scope

if TYPE_CHECKING:
    from sociable.store import Workspace

SEVERITIES = ("do not post", "think again", "advice")
VERDICTS = ("do not post", "think again", "advice", "ok")
FLAGGING = ("think again", "do not post")

SCREENED = Measure("Posts screened", "Posts in scope checked by `sociable screen` (reposts are not screened).")
FLAGGED = Measure("Flagged posts", "Screened posts whose verdict is 'think again' or 'do not post'.")
FLAGGED_SHARE = Measure("Flagged share", "Flagged posts divided by posts screened.")
FINDINGS = Measure("Findings", "Things the checker pointed out; one post can have several, in several categories.")
VERDICT = Measure("Verdict", "The most severe finding of a post: ok, advice, think again or do not post.")
CATEGORY_POSTS = Measure("Posts with the category", "Screened posts with at least one finding in the category.")
CATEGORY_ACCOUNTS = Measure("Accounts", "Distinct accounts that wrote those posts.")
SEVERITY = Measure("Severity", "How serious a finding is: advice, think again (rewrite) or do not post (serious).")
ROLE_SHARE = Measure("Flagged share by role", "Flagged posts divided by posts screened, for accounts of each role.")

NOT_SCREENED = ("These posts have not been screened yet; run `sociable screen` (with --collection to screen one "
                "collection) to see how many are flagged and why.")

_CATEGORY_COLUMNS = {"category": "Code", "title": "What it means", "findings": "Findings",
                     "posts": "Posts with the category", "accounts": "Accounts", "do_not_post": "Do not post",
                     "think_again": "Think again", "advice": "Advice"}
_ACCOUNT_SCHEMA = pa.schema([("platform", pa.string()), ("account_id", pa.string()), ("handle", pa.string()),
                             ("screened", pa.int64()), ("flagged", pa.int64()), ("findings", pa.int64()),
                             ("categories", pa.list_(pa.string()))])
_ROLE_SCHEMA = pa.schema([("role", pa.string()), ("accounts", pa.int64()), ("screened", pa.int64()),
                          ("flagged", pa.int64()), ("findings", pa.int64())])


@dataclass(kw_only=True)
class SafetyResult(Result):
    """Screening results for the posts in scope, as counts: never the text of a post."""

    name = "safety"
    title = "Safe practice"
    description = "How many posts the safe-practice checker flagged, by verdict, category, severity and account."
    measures = (SCREENED, FLAGGED, FLAGGED_SHARE, FINDINGS, VERDICT, CATEGORY_POSTS, CATEGORY_ACCOUNTS, SEVERITY,
                ROLE_SHARE)
    main = "accounts"

    posts: int = fact("Posts in scope", 0)
    screened: int = fact("Posts screened", 0, measure="Posts screened")
    flagged: int = fact("Flagged posts", 0, measure="Flagged posts")
    flagged_share: float | None = fact("Flagged share", None, measure="Flagged share")
    findings: int = fact("Findings", 0, measure="Findings")
    verdicts: pa.Table = table("Posts by verdict", {"verdict": "Verdict", "posts": "Posts"},
                               reading="Each screened post counted once, under its most severe finding.")
    categories: pa.Table = table("Findings by category", _CATEGORY_COLUMNS,
                                 reading="Each category with its meaning, the posts and accounts it touches, and "
                                         "how serious its findings were.")
    severities: pa.Table = table("Findings by severity", {"severity": "Severity", "findings": "Findings",
                                                          "posts": "Posts"}, cli=False,
                                 reading="The levels of finding, most serious first, and how many posts have each.")
    roles: pa.Table = table("Flagged posts by role", {"role": "Role", "accounts": "Accounts",
                                                      "screened": "Posts screened", "flagged": "Flagged posts",
                                                      "findings": "Findings"}, cli=False,
                            reading="Screened and flagged posts by the role label of their author (empty when "
                                    "no account has a role label).")
    accounts: pa.Table = table("Accounts", {"platform": "Platform", "account_id": "Account id", "handle": "Handle",
                                            "screened": "Screened", "flagged": "Flagged", "findings": "Findings",
                                            "categories": "Categories"},
                               reading="Per account: posts screened and flagged, findings and the categories "
                                       "found, most flagged first.")

    def headline(self) -> list[str]:
        where = f"the collection '{self.scope.collection}'" if self.scope.collection else "the workspace"
        share = f"{100 * self.flagged_share:.1f}%" if self.flagged_share is not None else "–"
        return [f"Screened {self.screened:,} of {self.posts:,} posts in {where}: {self.flagged:,} flagged "
                f"({share}), {self.findings:,} findings."]


@analysis("safety", "Safe practice",
          "What screening found: posts screened and flagged, by verdict, category, severity, role and account.",
          result=SafetyResult, order=80)
def safe_practice(ws: Workspace, scope: Scope) -> SafetyResult:
    """The stored screening results of the posts in scope, counted (nothing is checked again here)."""
    if not ws.has_screening():
        return _unscreened(ws, scope)
    where, params = screened_condition(scope), scope.params()
    totals = ws.query(
        f"""SELECT count(*) AS posts, count(s.post_id) AS screened,
                   count(*) FILTER (WHERE s.verdict IN ('think again', 'do not post')) AS flagged,
                   coalesce(sum(s.findings), 0) AS findings
              FROM posts p LEFT JOIN safety_screened s ON s.platform = p.platform AND s.post_id = p.post_id
             WHERE {where}""",
        params,
    ).to_pylist()[0]
    screened = int(totals["screened"])
    flagged = int(totals["flagged"])
    return SafetyResult(
        posts=int(totals["posts"]),
        screened=screened,
        flagged=flagged,
        flagged_share=flagged / screened if screened else None,
        findings=int(totals["findings"]),
        verdicts=verdict_counts(ws, where, params),
        categories=category_counts(ws, where, params),
        severities=severity_counts(ws, where, params),
        roles=role_counts(ws, where, params),
        accounts=account_counts(ws, where, params),
        notes=() if screened else (NOT_SCREENED,),
    )


def screened_condition(scope: Scope, alias: str = "p") -> str:
    """The scope's condition on posts, keeping a repost only when it was screened."""
    return (f"{scope.condition(alias)} AND ({alias}.repost_of IS NULL OR EXISTS (SELECT 1 FROM safety_screened ss "
            f"WHERE ss.platform = {alias}.platform AND ss.post_id = {alias}.post_id))")


def _unscreened(ws: Workspace, scope: Scope) -> SafetyResult:
    """The result before any screening: the posts that could be screened, and zero everywhere else."""
    posts = ws.query(f"SELECT count(*) AS n FROM posts p WHERE {scope.condition('p')} AND p.repost_of IS NULL",
                     scope.params()).column(0)[0].as_py()
    return SafetyResult(
        posts=int(posts),
        verdicts=_verdict_table({}),
        categories=_category_table([]),
        severities=_severity_table({}),
        roles=_ROLE_SCHEMA.empty_table(),
        accounts=_ACCOUNT_SCHEMA.empty_table(),
        notes=(NOT_SCREENED,),
    )


_SCREENED_IN_SCOPE = (
    "(SELECT s.* FROM safety_screened s JOIN posts p ON p.platform = s.platform AND p.post_id = s.post_id "
    "WHERE {where})"
)
_FINDINGS_IN_SCOPE = (
    "(SELECT f.* FROM safety_findings f JOIN posts p ON p.platform = f.platform AND p.post_id = f.post_id "
    "WHERE {where})"
)


def verdict_counts(ws: Workspace, where: str, params: dict[str, Any]) -> pa.Table:
    """Screened posts by verdict, every verdict listed (most severe first), zero where none."""
    found = ws.query(
        f"SELECT verdict, count(*) AS posts FROM {_SCREENED_IN_SCOPE.format(where=where)} s GROUP BY verdict",
        params,
    ).to_pylist()
    return _verdict_table({row["verdict"]: int(row["posts"]) for row in found})


def _verdict_table(counts: dict[str, int]) -> pa.Table:
    return pa.table({"verdict": list(VERDICTS), "posts": pa.array([counts.get(v, 0) for v in VERDICTS], pa.int64())})


def severity_counts(ws: Workspace, where: str, params: dict[str, Any]) -> pa.Table:
    """Findings by severity, and how many posts have at least one finding of that severity."""
    found = ws.query(
        f"SELECT severity, count(*) AS findings, count(DISTINCT (platform, post_id)) AS posts "
        f"FROM {_FINDINGS_IN_SCOPE.format(where=where)} f GROUP BY severity",
        params,
    ).to_pylist()
    return _severity_table({row["severity"]: row for row in found})


def _severity_table(counts: dict[str, dict[str, Any]]) -> pa.Table:
    return pa.table({
        "severity": list(SEVERITIES),
        "findings": pa.array([int(counts.get(s, {}).get("findings", 0)) for s in SEVERITIES], pa.int64()),
        "posts": pa.array([int(counts.get(s, {}).get("posts", 0)) for s in SEVERITIES], pa.int64()),
    })


def category_counts(ws: Workspace, where: str, params: dict[str, Any]) -> pa.Table:
    """Findings by category (with its title), the posts and accounts involved, and findings per severity."""
    rows = ws.query(
        f"""SELECT category, count(*) AS findings, count(DISTINCT (platform, post_id)) AS posts,
                   count(DISTINCT (platform, account_id)) AS accounts,
                   count(*) FILTER (WHERE severity = 'do not post') AS do_not_post,
                   count(*) FILTER (WHERE severity = 'think again') AS think_again,
                   count(*) FILTER (WHERE severity = 'advice') AS advice
              FROM {_FINDINGS_IN_SCOPE.format(where=where)} f GROUP BY category""",
        params,
    ).to_pylist()
    return _category_table(rows)


def _category_table(rows: list[dict[str, Any]]) -> pa.Table:
    # The guidance catalogue is loaded only when there is something to title (it is read from YAML).
    from sociable.safety.guidance import catalogue

    titles = catalogue().titles if rows else {}
    rows.sort(key=lambda row: _category_number(row["category"]))
    for row in rows:
        row["title"] = titles.get(row["category"], row["category"])
    names = tuple(_CATEGORY_COLUMNS)
    schema = pa.schema([(n, pa.string() if n in ("category", "title") else pa.int64()) for n in names])
    return pa.Table.from_pylist([{n: row[n] for n in names} for row in rows], schema=schema)


def _category_number(category: str) -> tuple[int, str]:
    digits = category[1:]
    return (int(digits), category) if digits.isdigit() else (10_000, category)


def role_counts(ws: Workspace, where: str, params: dict[str, Any]) -> pa.Table:
    """Screened and flagged posts by their author's role label; empty when nobody has a role label."""
    roles = ws.query(
        f"""SELECT coalesce(l.role, 'unlabelled') AS role, count(DISTINCT (s.platform, s.account_id)) AS accounts,
                   count(*) AS screened,
                   count(*) FILTER (WHERE s.verdict IN ('think again', 'do not post')) AS flagged,
                   CAST(sum(s.findings) AS BIGINT) AS findings
              FROM safety_screened s
              JOIN posts p ON p.platform = s.platform AND p.post_id = s.post_id
              LEFT JOIN labels l ON l.platform = s.platform AND l.account_id = s.account_id
             WHERE {where}
             GROUP BY ALL ORDER BY screened DESC, role""",
        params,
    )
    names = roles.column("role").to_pylist()
    if not names or names == ["unlabelled"]:
        return _ROLE_SCHEMA.empty_table()
    return roles.cast(_ROLE_SCHEMA)


def account_counts(ws: Workspace, where: str, params: dict[str, Any]) -> pa.Table:
    """Per account: posts screened, posts flagged, findings, and the categories found (most flagged first)."""
    accounts = ws.query(
        f"""WITH s AS {_SCREENED_IN_SCOPE.format(where=where)},
                 f AS {_FINDINGS_IN_SCOPE.format(where=where)},
                 cats AS (SELECT platform, account_id,
                                 list(DISTINCT category ORDER BY length(category), category) AS categories
                            FROM f GROUP BY ALL)
            SELECT s.platform, s.account_id, a.handle, count(*) AS screened,
                   count(*) FILTER (WHERE s.verdict IN ('think again', 'do not post')) AS flagged,
                   CAST(sum(s.findings) AS BIGINT) AS findings, any_value(c.categories) AS categories
              FROM s
              LEFT JOIN accounts a ON a.platform = s.platform AND a.account_id = s.account_id
              LEFT JOIN cats c ON c.platform = s.platform AND c.account_id = s.account_id
             GROUP BY s.platform, s.account_id, a.handle
             ORDER BY flagged DESC, findings DESC, s.platform, coalesce(a.handle, s.account_id)""",
        params,
    )
    return accounts.cast(_ACCOUNT_SCHEMA)
