"""Maturity: where an organisation (a set of accounts) stands, from dormant to empowering.

The rubric lives in lexicon/maturity.yaml: each stage lists conditions over the measures below.
An organisation is at the highest stage whose conditions hold, together with those of every
stage beneath it. The result says which stage, why (each measure and its value), and what
would move it up a stage.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pyarrow as pa
import yaml

from sociable.analyses import dialogue as dlg
from sociable.analyses.base import Measure, Option, Result, analysis, fact, table
from sociable.analyses.organisations import ORG_FLAG, ORG_MEMBERS_SQL, ORGANISATIONS, Organisation, membership_params
from sociable.errors import SociableError
from sociable.store.scope import Scope

if TYPE_CHECKING:
    from sociable.store import Workspace

RUBRIC_PATH = Path(__file__).with_name("lexicon") / "maturity.yaml"
ACTIVE_MIN_POSTS = 4
DEFAULT_REPORT_ORGANISATIONS = 15

MEASURES: dict[str, Measure] = {m.name: m for m in (
    Measure("accounts_listed", "Accounts listed for the organisation and found in the workspace."),
    Measure("active_accounts", f"Listed accounts that wrote {ACTIVE_MIN_POSTS} or more posts (reposts excluded) in "
                               "scope."),
    Measure("internal_share", "Share of the active accounts that replied to, mentioned, quoted or reposted another "
                              "of the organisation's accounts, or were engaged by one (needs 2+ active accounts)."),
    Measure("cross_sector_share", "Share of the organisation's exchanges with labelled outside accounts whose "
                                  "sector differs from the organisation's own (its accounts' most common sector)."),
    Measure("people_share", dlg.PEOPLE_SHARE.definition),
    Measure("staff_accounts", "Active listed accounts labelled as professionals (staff posting as themselves)."),
    Measure("reciprocity", dlg.RECIPROCITY.definition),
    Measure("response_rate", dlg.RESPONSE_RATE.definition),
    Measure("median_response_hours", dlg.MEDIAN_RESPONSE.definition),
    Measure("broadcast_share", dlg.BROADCAST_SHARE.definition),
    Measure("stage", "The highest rubric stage whose conditions, and those of every lower stage, all hold."),
)}
LABELS = {
    "accounts_listed": "number of accounts listed", "active_accounts": "number of active accounts", "internal_share":
    "share of active accounts linked to each other", "cross_sector_share": "share of exchanges across sectors",
    "people_share": "share of exchanges with people", "staff_accounts": "number of active staff accounts",
    "reciprocity": "reciprocity", "response_rate": "response rate", "median_response_hours": "median response time",
    "broadcast_share": "share of broadcasts",
}
UNKNOWN_REASONS = {
    "internal_share": "does not apply with fewer than 2 active accounts",
    "cross_sector_share": "is " + dlg.RUN_ROLES,
    "people_share": "is " + dlg.RUN_ROLES,
    "staff_accounts": "is " + dlg.RUN_ROLES,
    "median_response_hours": "is unknown (nothing received was answered)",
    "response_rate": "is unknown (nothing was received)",
    "reciprocity": "is unknown (no exchanges)",
}


class RubricError(SociableError, ValueError):
    """The maturity rubric file is not shaped as documented."""


@dataclass(frozen=True, slots=True)
class Condition:
    measure: str
    threshold: float
    at_most: bool
    unknown_met: bool
    advice: str

    def holds(self, value: float | None) -> bool:
        if value is None:
            return self.unknown_met
        return value <= self.threshold if self.at_most else value >= self.threshold


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    summary: str
    conditions: tuple[Condition, ...]


@lru_cache(maxsize=4)
def load_rubric(path: Path = RUBRIC_PATH) -> tuple[Stage, ...]:
    """The stages of the rubric, lowest first, checked against the measures this module computes."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RubricError(f"the maturity rubric {path} could not be read ({exc}).") from None
    try:
        return tuple(_stage(item, path) for item in data["stages"])
    except (KeyError, TypeError) as exc:
        raise RubricError(f"the maturity rubric {path} lacks {exc}; see the comments at its top.") from None


def _stage(item: dict[str, Any], path: Path) -> Stage:
    conditions = []
    for raw in item.get("conditions") or ():
        if raw["measure"] not in LABELS:
            raise RubricError(f"the maturity rubric {path} uses an unknown measure '{raw['measure']}'.")
        at_most = "at_most" in raw
        conditions.append(Condition(raw["measure"], float(raw["at_most"] if at_most else raw["at_least"]), at_most,
                                    raw.get("unknown", "not met") == "met", str(raw["advice"])))
    return Stage(str(item["name"]), str(item["summary"]), tuple(conditions))


# ---------------------------------------------------------------------- measures

ORG_TIES_SQL = """
WITH members AS ({members}),
ties AS (
    SELECT i.platform, i.source, i.target, i.kind FROM interactions i
      JOIN posts p ON p.platform = i.platform AND p.post_id = i.post_id
     WHERE {where} AND i.source <> i.target
),
both_ways AS (SELECT platform, source AS account_id, target AS partner, kind FROM ties
              UNION ALL SELECT platform, target, source, kind FROM ties),
own AS (
    SELECT m.org, m.platform, m.account_id, l.role, l.sector FROM members m
      LEFT JOIN labels l USING (platform, account_id)
),
home AS (
    SELECT org, first(sector ORDER BY n DESC, sector) AS sector FROM (
        SELECT org, sector, count(*) AS n FROM own
         WHERE sector IS NOT NULL AND sector <> 'unknown' GROUP BY ALL) GROUP BY org
),
linked AS (
    SELECT DISTINCT a.org, a.platform, a.account_id FROM both_ways e
      JOIN own a ON a.platform = e.platform AND a.account_id = e.account_id
      JOIN own b ON b.org = a.org AND b.platform = e.platform AND b.account_id = e.partner
),
outside AS (
    SELECT a.org, l.sector FROM both_ways e
      JOIN own a ON a.platform = e.platform AND a.account_id = e.account_id
      LEFT JOIN labels l ON l.platform = e.platform AND l.account_id = e.partner
     WHERE e.kind IN ('reply', 'mention', 'quote')
       AND NOT EXISTS (SELECT 1 FROM own b WHERE b.org = a.org AND b.platform = e.platform
                                              AND b.account_id = e.partner)
)
SELECT own.org, own.platform, own.account_id, own.role,
       (own.org, own.platform, own.account_id) IN (SELECT (org, platform, account_id) FROM linked) AS linked,
       h.sector AS home_sector,
       (SELECT count(*) FROM outside o WHERE o.org = own.org AND o.sector IS NOT NULL AND o.sector <> 'unknown')
           AS labelled_outside,
       (SELECT count(*) FROM outside o WHERE o.org = own.org AND o.sector IS NOT NULL AND o.sector <> 'unknown'
                                         AND o.sector <> h.sector) AS crossing
  FROM own LEFT JOIN home h USING (org)
"""

ORG_MEASURES_SQL = f"""
SELECT t.org AS organisation, count(*) AS accounts_listed,
       count(*) FILTER (WHERE coalesce(c.written, 0) >= {ACTIVE_MIN_POSTS}) AS active_accounts,
       CASE WHEN count(*) FILTER (WHERE coalesce(c.written, 0) >= {ACTIVE_MIN_POSTS}) >= 2 THEN
            count(*) FILTER (WHERE coalesce(c.written, 0) >= {ACTIVE_MIN_POSTS} AND t.linked)
            / count(*) FILTER (WHERE coalesce(c.written, 0) >= {ACTIVE_MIN_POSTS}) END AS internal_share,
       CASE WHEN $labelled THEN max(t.crossing) / nullif(max(t.labelled_outside), 0) END AS cross_sector_share,
       CASE WHEN $labelled THEN sum(c.people_exchanges) / nullif(sum(c.labelled_exchanges), 0) END AS people_share,
       CASE WHEN $labelled THEN count(*) FILTER (WHERE coalesce(c.written, 0) >= {ACTIVE_MIN_POSTS}
                                                 AND t.role = 'professional') END AS staff_accounts,
       sum(c.reciprocated) / nullif(sum(c.partners), 0) AS reciprocity,
       sum(c.answered) / nullif(sum(c.received), 0) AS response_rate,
       list_median(flatten(list(c.response_hours))) AS median_response_hours,
       sum(c.broadcasts) / nullif(sum(c.written), 0) AS broadcast_share,
       max(t.home_sector) AS home_sector, sum(coalesce(c.posts, 0))::BIGINT AS posts
  FROM org_ties t LEFT JOIN counts c USING (platform, account_id)
 GROUP BY t.org ORDER BY t.org
"""


def organisation_measures(
    ws: Workspace, organisations: Sequence[Organisation], scope: Scope, window_hours: float = dlg.DEFAULT_WINDOW_HOURS,
) -> pa.Table:
    """One row per organisation with every measure the rubric reads."""
    labelled = dlg.has_labels(ws)
    counts = dlg.account_counts(ws, scope, window_hours)
    ties = ws.query(ORG_TIES_SQL.format(members=ORG_MEMBERS_SQL, where=scope.condition("p")),
                    {**scope.params(), **membership_params(organisations)})
    return ws.query_with({"counts": counts, "org_ties": ties}, ORG_MEASURES_SQL, {"labelled": labelled})


# ---------------------------------------------------------------------- placing on the rubric


@dataclass(frozen=True, slots=True)
class Placement:
    """An organisation's stage, the reasons, and what would move it up."""

    organisation: str
    stage: str
    stage_number: int  # 1 = dormant ... 5 = empowering
    reasons: tuple[str, ...]
    blockers: tuple[str, ...]
    next_steps: tuple[str, ...]
    summary: str


def place(measures: dict[str, Any], rubric: Sequence[Stage] | None = None) -> Placement:
    """Walk the rubric upwards and stop at the first stage whose conditions do not all hold."""
    stages = tuple(rubric or load_rubric())
    reached, reasons = 0, list[str]()
    for index, stage in enumerate(stages):
        if not all(c.holds(measures.get(c.measure)) for c in stage.conditions):
            break
        reached = index
        reasons.extend(_describe(c, measures.get(c.measure)) for c in stage.conditions)
    blockers: list[str] = []
    steps: list[str] = []
    if reached + 1 < len(stages):
        failing = [c for c in stages[reached + 1].conditions if not c.holds(measures.get(c.measure))]
        blockers = [_describe(c, measures.get(c.measure)) for c in failing]
        steps = [c.advice for c in failing]
    stage = stages[reached]
    summary = _summary(str(measures.get("organisation", "")), stage, reached, stages, reasons, blockers, steps)
    return Placement(str(measures.get("organisation", "")), stage.name, reached + 1, tuple(_unique(reasons)),
                     tuple(blockers), tuple(steps), summary)


def _summary(name: str, stage: Stage, reached: int, stages: Sequence[Stage], reasons: list[str],
             blockers: list[str], steps: list[str]) -> str:
    text = f"{name} is at stage {reached + 1} of {len(stages)}, {stage.name}: {stage.summary[0].lower()}" \
           f"{stage.summary[1:]}"
    if reasons:
        text += f" It is {stage.name} because {_join(_unique(reasons))}."
    if blockers:
        following = stages[reached + 1].name
        text += f" It is not yet {following} because {_join(blockers)}. To move up: {'; '.join(steps)}."
    else:
        text += " This is the highest stage."
    return text


def _describe(condition: Condition, value: float | None) -> str:
    label = LABELS[condition.measure]
    limit = ("at most " if condition.at_most else "at least ") + _format(condition.measure, condition.threshold)
    if value is None:
        return f"the {label} {UNKNOWN_REASONS.get(condition.measure, 'is unknown')}"
    return f"the {label} is {_format(condition.measure, value)} ({limit} needed)"


def _format(measure: str, value: float) -> str:
    if measure.endswith("_share") or measure in ("reciprocity", "response_rate"):
        return f"{value:.0%}"
    if measure.endswith("_hours"):
        return f"{value:.1f} hours"
    return f"{int(value):,}" if math.isclose(value, round(value)) else f"{value:.1f}"


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


# ---------------------------------------------------------------------- the result

ORGANISATION_COLUMNS = {
    "organisation": "organisation", "stage": "stage", "active_accounts": "active accounts", "internal_share": "linked",
    "response_rate": "answered", "reciprocity": "reciprocity", "cross_sector_share": "across sectors",
    "people_share": "with people", "median_response_hours": "median answer",
}
RUBRIC_COLUMNS = {"stage_number": "#", "stage": "stage", "summary": "what it means",
                  "conditions": "conditions (with those of every lower stage)"}
RUBRIC = Option("rubric", "bool", False, "Also show the rubric the stages come from.")


@dataclass(kw_only=True)
class MaturityResult(Result):
    """Each organisation's stage with its measures, the sentences that say why, and (when asked) the rubric."""

    name: ClassVar[str] = "maturity"
    title: ClassVar[str] = "Maturity"
    description: ClassVar[str] = "Where each organisation stands, from dormant to empowering, and why."
    measures: ClassVar[tuple[Measure, ...]] = tuple(MEASURES.values())
    main: ClassVar[str | None] = "organisations"

    organisations: pa.Table = table("Stage of each organisation", ORGANISATION_COLUMNS)
    rubric: pa.Table = table("The rubric", RUBRIC_COLUMNS,
                             reading="The stages and their conditions; the rubric is kept as data, so it can be "
                                     "changed without changing code.")

    placements: list[Placement] = fact("Placements", [], measure="stage")
    window_hours: float = fact("Response window (hours)", dlg.DEFAULT_WINDOW_HOURS)

    def shown_tables(self) -> list[str]:
        shown = ["organisations"] if self.organisations.num_rows else []
        return shown + ["rubric"] * bool(self.rubric.num_rows)


# ---------------------------------------------------------------------- the analysis


@analysis("maturity", "Maturity", "Where each organisation stands, from dormant to empowering, and why.",
          result=MaturityResult, options=(ORGANISATIONS, dlg.WINDOW, RUBRIC), order=45)
def assess_maturity(
    ws: Workspace, scope: Scope, *, organisations: Sequence[Organisation], window: float, rubric: bool,
) -> MaturityResult:
    """Place each organisation on the rubric. Without organisations, each organisation account stands alone."""
    window = dlg.check_window(window)
    notes: list[str] = []
    if not organisations:
        organisations = single_account_organisations(ws, scope)
        notes.append("No organisation file was given, so each of the most active organisation accounts is placed on "
                     f"its own; give `sociable maturity {ORG_FLAG} FILE` a list of an organisation's "
                     "accounts to place it as a whole.")
    shown_rubric = rubric_table() if rubric else pa.table({})
    if not organisations:
        notes.append(f"No accounts labelled as organisations posted in scope; roles may be {dlg.RUN_ROLES}.")
        return MaturityResult(rubric=shown_rubric, window_hours=window, notes=tuple(notes))
    measured = organisation_measures(ws, organisations, scope, window)
    placements = [place(row) for row in measured.to_pylist()]
    measured = measured.append_column("stage", pa.array([p.stage for p in placements], pa.string()))
    measured = measured.append_column("stage_number", pa.array([p.stage_number for p in placements], pa.int64()))
    notes.extend(p.summary for p in placements)
    return MaturityResult(organisations=measured, rubric=shown_rubric, placements=placements, window_hours=window,
                          notes=tuple(notes))


def single_account_organisations(
    ws: Workspace, scope: Scope, limit: int = DEFAULT_REPORT_ORGANISATIONS
) -> list[Organisation]:
    """The most active accounts labelled as organisations, each as an organisation of one."""
    rows = ws.query(
        f"SELECT p.platform, p.account_id, coalesce(a.handle, p.account_id) AS handle, count(*) AS posts "
        f"FROM posts p JOIN labels l USING (platform, account_id) LEFT JOIN accounts a USING (platform, account_id) "
        f"WHERE {scope.condition('p')} AND l.role = 'organisation' GROUP BY ALL ORDER BY posts DESC, handle "
        f"LIMIT {int(limit)}", scope.params(),
    ).to_pylist()
    return [Organisation("@" + row["handle"], ((row["platform"], row["account_id"]),)) for row in rows]


def rubric_table(rubric: Sequence[Stage] | None = None) -> pa.Table:
    """The rubric as rows (stage, summary, condition), for the CLI, report and docs."""
    rows = []
    for number, stage in enumerate(rubric or load_rubric(), 1):
        conditions = [f"{LABELS[c.measure]} {'≤' if c.at_most else '≥'} {_format(c.measure, c.threshold)}"
                      for c in stage.conditions]
        rows.append({"stage_number": number, "stage": stage.name, "summary": stage.summary,
                     "conditions": "; ".join(conditions) or "none (the starting point)"})
    return pa.Table.from_pylist(rows)
