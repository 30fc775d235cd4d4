"""The Roles section: how many accounts of each role and sector, then every account's label and why.

Counts and a chart come first; the labels table follows, searchable, by handle, with values in
words and the evidence shown as the words that decided each label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyarrow as pa

from sociable.analyses.base import Measure
from sociable.analyses.roles import RolesResult
from sociable.reports import charts, readable
from sociable.reports.sections import Block, Chart, Figures, Paragraph, ReportContext, Section, Table, section

LABEL_ROWS = 1_000
ROLE_WORDS = {"professional": "professionals", "person": "members of the public, patients and carers",
              "organisation": "organisations", "unknown": "without a role"}
SOURCE_WORDS = {"rule": "vocabulary", "model": "model", "manual": "manual label"}
MODIFIER_WORDS = {"referenced": "a place they name", "negated": "negated", "past": "in the past",
                  "retired": "retired", "aspiring": "aspiring", "relation": "a relative's",
                  "others": "about others", "background": "background"}
_EVIDENCE = re.compile(r'^(?P<field>\w+):"(?P<words>.*)"(?:\((?P<modifier>[^)]*)\))?$')

ACCOUNTS = Measure("Accounts", "Accounts that posted in scope or were replied to, mentioned, quoted or reposted.")
WITH_ROLE = Measure("Accounts with a role", "Accounts given a role (professional, person or organisation) by the "
                    "vocabulary or a manual label; the rest are unknown.")
MANUAL = Measure("Manual labels", "Accounts whose role was set by hand (`sociable label` or the account page); "
                 "a manual label always wins.")
SHARE_OF_ROLE = Measure("Share of the role", "The accounts of this role in this sector, as a share of the role.")
CONFIDENCE = Measure("Confidence", "How strongly the words found support the label (manual labels: 100%).")
DECIDED_BY = Measure("Decided by", "The words in the bio, display name or handle that decided the label, with "
                     "where each was found.")


@section("roles", "Roles", order=10, analysis="roles")
def roles_section(ctx: ReportContext, result: RolesResult) -> Section | None:
    """Counts by role and sector first, then the searchable labels table."""
    intro = ("Who is talking: each account's role (professional, person or organisation) and sector, read from "
             "bios, names and handles with a UK vocabulary; manual labels always win.")
    if not result.accounts:
        return None
    blocks: list[Block] = [Paragraph(role_sentence(result))]
    blocks.append(Figures((
        (ACCOUNTS, f"{result.accounts:,}"),
        (WITH_ROLE, f"{result.labelled:,} ({readable.percent(result.labelled / result.accounts)})"),
        (MANUAL, f"{result.manual:,}"),
    )))
    crossed = role_by_sector(result.labels)
    if crossed.num_rows:
        blocks.append(_crossed_chart(crossed))
        blocks.append(Table("Roles by sector", crossed, {"role": "Role", "sector": "Sector", "accounts": "Accounts",
                                                          "share": "Share of the role"},
                            reading="How each role divides between sectors.", measures=(ACCOUNTS, SHARE_OF_ROLE)))
    labels = labels_table(result.labels)
    blocks.append(Table(
        "Every account's label", labels,
        {"handle": "Account", "role": "Role", "subtype": "Kind", "sector": "Sector", "evidence": "Decided by",
         "role_source": "From", "confidence": "Confidence"},
        reading="One row per account, by role, sector and handle; type in the box to find an account, a role or a "
                "word.",
        measures=(DECIDED_BY, CONFIDENCE, MANUAL), max_rows=LABEL_ROWS, searchable=True,
    ))
    return Section("Roles", intro, blocks, key_points=(role_sentence(result),))


def role_sentence(result: RolesResult) -> str:
    """'Of 300 accounts, 281 (94%) have a role: 129 professionals (43%), ...'."""
    parts = []
    for row in result.by_role.to_pylist():
        if row["role"] == "unknown" or not row["accounts"]:
            continue
        parts.append(f"{row['accounts']:,} {ROLE_WORDS.get(row['role'], readable.words(row['role']))} "
                     f"({readable.percent(row['share'])})")
    share = readable.percent(result.labelled / result.accounts) if result.accounts else "–"
    listing = ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else "".join(parts)
    text = f"Of {readable.count(result.accounts, 'account')}, {result.labelled:,} ({share}) have a role"
    return f"{text}: {listing}." if listing else f"{text}."


def role_by_sector(labels: pa.Table) -> pa.Table:
    """Accounts by role and sector, with each as a share of its role; unknown roles left out."""
    counts: dict[tuple[str, str], int] = {}
    for role, sector in zip(labels.column("role").to_pylist(), labels.column("sector").to_pylist(), strict=True):
        if role == "unknown":
            continue
        key = (str(role), str(sector or "unknown"))
        counts[key] = counts.get(key, 0) + 1
    totals: dict[str, int] = {}
    for (role, _), number in counts.items():
        totals[role] = totals.get(role, 0) + number
    rows = sorted(counts.items(), key=lambda item: (-totals[item[0][0]], item[0][0], -item[1], item[0][1]))
    return pa.Table.from_pylist(
        [{"role": readable.words(role), "sector": readable.words(sector), "accounts": number,
          "share": number / totals[role]} for (role, sector), number in rows],
        schema=pa.schema([("role", pa.string()), ("sector", pa.string()), ("accounts", pa.int64()),
                          ("share", pa.float64())]),
    )


def _crossed_chart(crossed: pa.Table) -> Chart:
    shown = crossed.select(["role", "sector", "accounts"])
    spec = charts.stacked_bar_chart(shown, category="role", value="accounts", series="sector", category_label="Role",
                                    value_label="Accounts", series_label="Sector",
                                    description="Accounts of each role, split by sector.")
    biggest = max(crossed.to_pylist(), key=lambda row: row["accounts"])
    return Chart("Roles and sectors", spec,
                 reading=f"Each bar is a role, split by sector; the largest group is {biggest['role']} in "
                         f"{biggest['sector']} ({readable.count(biggest['accounts'], 'account')}).",
                 measures=(ACCOUNTS,), data=shown,
                 data_labels={"role": "Role", "sector": "Sector", "accounts": "Accounts"})


def labels_table(labels: pa.Table) -> pa.Table:
    """The labels by role, sector and handle, with handles first, values in words and evidence as words."""
    rows = sorted(labels.to_pylist(), key=lambda row: (row["role"] == "unknown", str(row["role"]),
                                                          str(row["sector"]), str(row["handle"] or "").lower()))
    shown = [{
        "handle": "@" + str(row["handle"]) if row["handle"] else str(row["account_id"]),
        "role": readable.words(str(row["role"])),
        "subtype": readable.words(str(row["subtype"])) if row["subtype"] else None,
        "sector": readable.words(str(row["sector"])),
        "evidence": evidence_words(row.get("evidence") or ()),
        "role_source": SOURCE_WORDS.get(str(row["role_source"]), str(row["role_source"])),
        "confidence": row["confidence"],
    } for row in rows]
    return pa.Table.from_pylist(shown, schema=pa.schema([
        ("handle", pa.string()), ("role", pa.string()), ("subtype", pa.string()), ("sector", pa.string()),
        ("evidence", pa.string()), ("role_source", pa.string()), ("confidence", pa.float64())]))


def evidence_words(evidence: Iterable[str]) -> str:
    """'bio:"Social worker"', 'name:"City Council"' -> '“Social worker” (bio); “City Council” (name)'."""
    by_field: dict[str, list[str]] = {}
    for item in evidence:
        match = _EVIDENCE.match(str(item))
        if match is None:
            by_field.setdefault("", []).append(str(item))
            continue
        words = f"“{match['words']}”"
        if match["modifier"]:
            words += f" ({MODIFIER_WORDS.get(match['modifier'], match['modifier'])})"
        by_field.setdefault(match["field"], []).append(words)
    return "; ".join(", ".join(items) + (f" in the {field}" if field else "") for field, items in by_field.items())


