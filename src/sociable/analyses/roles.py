"""Roles and sectors of accounts: who is an organisation, a professional or a person.

Every account gets a role (organisation, professional, person or unknown), a subtype and a
sector from its bio, display name and handle: a learned model (roles_model.py) reads sentence
vectors of the bio and name with the hits of the health-and-care vocabulary in lexicon/roles.yaml
as features; those hits, and the words that decided the model, are kept as evidence. Manual
labels (a CSV of handles or account ids) always win: the store keeps
them apart and its `labels` view applies them, so running the analysis again keeps them. The
analysis only reads; `sociable roles` saves its labels with `Workspace.save_labels`.
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pyarrow as pa

from sociable.analyses import roles_model
from sociable.analyses.base import Measure, Option, Result, analysis, fact, table
from sociable.analyses.roles_lexicon import (
    ROLES,
    SECTORS,
    SUBTYPES,
    CueGroup,
    Evidence,
    Lexicon,
    handle_words,
    load_lexicon,
)
from sociable.errors import UnreadableFile, WorkspaceError
from sociable.store.schema import LABEL_COLUMNS, LABEL_SCHEMA
from sociable.store.scope import Scope

if TYPE_CHECKING:
    from sociable.store import Workspace

__all__ = ["LABEL_COLUMNS", "LABEL_SCHEMA", "RoleLabel", "RolesResult", "assign_roles", "classify_account",
           "classify_accounts", "classify_profiles", "read_manual_labels", "resolve_manual_labels", "score_labels"]

TITLE = "Roles and sectors"
DESCRIPTION = "Who is an organisation, a professional or a person, and in which sector."
MEASURES = (
    Measure("role", "organisation, professional, person, or unknown when the profile says nothing the model can "
                    "be sure of (no bio, no cue, a name that places no one)."),
    Measure(
        "subtype", "the kind of organisation, profession or person (e.g. nhs_trust, nurse, carer); empty if unstated."
    ),
    Measure(
        "sector", "the sector an account belongs to or speaks for (health, social_care, ...); unknown if unstated."
    ),
    Measure("confidence", "for a vocabulary label, the combined weight of its cues, 1 - Π(1 - w); for a model "
                          "label, the model's probability of the role; manual labels have 1.0."),
    Measure("labelled share", "share of accounts whose role is not unknown."),
    Measure("manual labels", "accounts whose role was set from a manual label file; these always win over rules."),
)


@dataclass(frozen=True, slots=True)
class RoleLabel:
    """The role, subtype and sector given to one account, where they came from and why."""

    role: str
    subtype: str | None
    sector: str
    role_source: str  # rule | model | manual
    sector_source: str
    confidence: float
    evidence: tuple[str, ...] = ()


def classify_account(
    handle: str | None, display_name: str | None, bio: str | None, lexicon: Lexicon | None = None
) -> RoleLabel:
    """Label one account from its handle, display name and bio (the model, with the vocabulary's cues)."""
    return classify_profiles([handle], [display_name], [bio], lexicon)[0]


def classify_profiles(
    handles: Sequence[str | None], names: Sequence[str | None], bios: Sequence[str | None],
    lexicon: Lexicon | None = None,
) -> list[RoleLabel]:
    """Label many profiles at once: the vocabulary reads each, the model weighs everything together.

    The model decides organisation when P(organisation) >= 0.5, else the likelier of professional and
    person. A label the vocabulary is sure of (confidence >= RULE_TRUST) stands unless the model gives
    another role MODEL_OVERRULES or more. A profile with no bio and no cue is labelled from its name only
    when the model is sure: an organisation (NAME_ONLY), or an individual (below NAME_ONLY_INDIVIDUAL) whose
    name has a word that could be a name; otherwise it stays unknown.
    """
    lex = lexicon or load_lexicon()
    readings = [_read(h, n, b, lex) for h, n, b in zip(handles, names, bios, strict=True)]
    if not readings:
        return []
    x = _features(readings, lex)
    scores = roles_model.role_scores(x)
    vectors = roles_model.word_vectors([t for r in readings for t in (r.texts["bio"], r.texts["name"])])
    return [_decide(r, s, row, lex, vectors) for r, s, row in zip(readings, scores, x, strict=True)]


def profile_features(
    handles: Sequence[str | None], names: Sequence[str | None], bios: Sequence[str | None],
    lexicon: Lexicon | None = None,
) -> tuple[np.ndarray, list[RoleLabel]]:
    """The model's feature rows for many profiles, and the vocabulary's own labels (for training)."""
    lex = lexicon or load_lexicon()
    readings = [_read(h, n, b, lex) for h, n, b in zip(handles, names, bios, strict=True)]
    return _features(readings, lex), [_rule_label(r, lex) for r in readings]


def _features(readings: list[_Reading], lex: Lexicon) -> np.ndarray:
    return roles_model.features([r.texts["bio"] for r in readings],
                                [roles_model.profile_text(r.texts["handle"], r.texts["name"]) for r in readings],
                                np.array([_lexicon_features(r, lex) for r in readings], dtype=np.float32))


RULE_TRUST = 0.7  # a vocabulary label this sure stands...
MODEL_OVERRULES = 0.9  # ...unless the model gives another role at least this probability
NAME_ONLY = 0.9  # with nothing but a name, an organisation is labelled only this sure...
NAME_ONLY_INDIVIDUAL = 0.3  # ...and an individual only when the chance of an organisation is below this


@dataclass(frozen=True, slots=True)
class _Reading:
    """What the vocabulary finds in one profile."""

    texts: dict[str, str]
    cues: list[Evidence]
    markers: list[Evidence]
    corporate: float
    individual: float
    scores: dict[tuple[str, str], float]


# A display name that is a given name, alone or with an initial or a surname ("Debbie", "Sam O.", "Ann Walsh"):
# a person speaks, whatever the bio's "our NHS" suggests. Given names come from the checker's list of UK names.
GIVEN_NAME = CueGroup("marker", "individual", None, 0.6, None)
_NAME_WORDS = re.compile(r"[^\W\d_][\w'’.-]*")


@cache
def _given_names() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """UK given names, those that are also everyday words ("Hope", "Will"), and surnames: the checker's lists."""
    from sociable.safety.names import lexicon as name_lexicon

    names = name_lexicon()
    return names["given"], names.get("ambiguous", frozenset()), names.get("surname", frozenset())


def _given_name(display_name: str) -> Evidence | None:
    """The given-name marker for a display name that is one (an everyday word alone is not: "Hope")."""
    words = _NAME_WORDS.findall(display_name)
    given, ambiguous, surnames = _given_names()
    if not 1 <= len(words) <= 2 or (words[0] not in given and words[0] not in ambiguous):
        return None
    if (len(words) == 1 and words[0] in ambiguous) or (len(words) == 2 and not words[1][:1].isupper()):
        return None
    if len(words) == 2 and words[0] in ambiguous and len(words[1].rstrip(".")) > 1 and words[1] not in surnames:
        return None  # "Rose Cottage", "Grace Care": an everyday word, then not a surname
    return Evidence("name", words[0], GIVEN_NAME, GIVEN_NAME.weight, "given name")


# Styled letters: mathematical bold, italic, script... ("𝐌𝐃") and full-width forms ("ＮＨＳ"); not symbols such as
# "ℹ" or "Ⓘ", which NFKC would also turn into a letter.
_STYLED = re.compile("[\U0001D400-\U0001D7FF\uFF01-\uFF5E]+")


def _plain_letters(text: str) -> str:
    """Styled letters read as the plain ones they stand for (NFKC on those characters only)."""
    return _STYLED.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)


def _read(handle: str | None, display_name: str | None, bio: str | None, lex: Lexicon) -> _Reading:
    texts = {"bio": _plain_letters(bio or ""), "name": _plain_letters(display_name or ""),
             "handle": handle_words(handle)}
    cues = _distinct([e for field, text in texts.items() for e in lex.find("cue", field, text)])
    markers = _distinct([e for field, text in texts.items() for e in lex.find("marker", field, text)])
    given = _given_name(texts["name"])
    # "Marie Curie | Registered charity", "Rose Cottage | Nursing home": an organisation's own name, not a person's
    if given is not None and not any(e.group.role == "organisation" and e.modifier != "referenced" for e in cues):
        markers.append(given)
    corporate = _noisy_or(e.weight for e in markers if e.group.role == "corporate")
    individual = _noisy_or(e.weight for e in markers if e.group.role == "individual")
    return _Reading(texts, cues, markers, corporate, individual, _subtype_scores(cues))


def _lexicon_features(r: _Reading, lex: Lexicon) -> list[float]:
    """The vocabulary's view as numbers, in the order of roles_model.LEXICON_FEATURES."""
    _, org_best = _best(r.scores, "organisation", SUBTYPES["organisation"])
    _, pro_best = _best(r.scores, "professional", SUBTYPES["professional"])
    organisation = _noisy_or((org_best, r.corporate)) * (1.0 - lex.individual_damping * r.individual)
    self_described = any(e.modifier in _SELF for e in r.cues)
    return [organisation, pro_best, r.scores.get(("person", "patient"), 0.0), r.scores.get(("person", "carer"), 0.0),
            r.scores.get(("person", "public"), 0.0), r.corporate, r.individual, float(self_described),
            float(bool(_WORDS.search(r.texts["bio"]))), min(len(r.cues), 5) / 5]


def _rule_label(r: _Reading, lex: Lexicon) -> RoleLabel:
    """The vocabulary's own label: the best-scoring role if it reaches the threshold, else unknown."""
    scores = r.scores
    candidates = [
        (*_best(scores, "professional", SUBTYPES["professional"]), "professional"),
        (*_best(scores, "person", ("patient", "carer")), "person"),
    ]
    org_subtype, org_best = _best(scores, "organisation", SUBTYPES["organisation"])
    org_score = _noisy_or((org_best, r.corporate)) * (1.0 - lex.individual_damping * r.individual)
    candidates.append((org_subtype or "other_org", org_score, "organisation"))
    subtype, score, role = max(candidates, key=lambda c: c[1])  # ties keep the earlier candidate
    if score < lex.threshold:
        self_described = lex.self_description_weight if any(e.modifier in _SELF for e in r.cues) else 0.0
        public = _noisy_or((scores.get(("person", "public"), 0.0), r.individual, self_described))
        if public < lex.threshold:
            return RoleLabel("unknown", None, "unknown", "rule", "rule", 0.0)
        subtype, score, role = "public", public, "person"
    support = [e for e in r.cues if e.group.role == role and e.group.subtype == subtype and e.weight > 0]
    sector = _sector(lex, role, subtype or "unspecified", support, r.texts)
    return RoleLabel(role, None if subtype == "unspecified" else subtype, sector, "rule", "rule", round(score, 3))


def _decide(r: _Reading, scores: roles_model.RoleScores, x: np.ndarray, lex: Lexicon,
            vectors: dict[str, np.ndarray]) -> RoleLabel:
    rule = _rule_label(r, lex)
    role, probability = scores.best()
    if not r.cues and not _WORDS.search(r.texts["bio"]):
        # nothing said about the account but its name: label it only when the model is sure from the name
        if scores.organisation >= NAME_ONLY:
            role, probability = "organisation", scores.organisation
        else:
            named = _name_word(r) if scores.organisation < NAME_ONLY_INDIVIDUAL else None
            if named is None:
                return RoleLabel("unknown", None, "unknown", "rule", "rule", 0.0, _describe(r.cues + r.markers))
            return _individual_by_name(r, scores, lex, named)
    elif scores.organisation < 0.5 and role == "organisation":
        role, probability = max((scores.professional, "professional"), (scores.person, "person"))[::-1]
    elif scores.organisation >= 0.5:
        role, probability = "organisation", scores.organisation
    if rule.role != "unknown" and rule.confidence >= RULE_TRUST and (role == rule.role or
                                                                      probability < MODEL_OVERRULES):
        evidence = _evidence(r, rule.role, [])
        return RoleLabel(rule.role, rule.subtype, rule.sector, "rule", "rule", rule.confidence, evidence)
    words = roles_model.deciding_words(role, r.texts["bio"], r.texts["name"], vectors)
    evidence = _evidence(r, role, words)
    if rule.role == role:  # the vocabulary's subtype, none included ("Retired health worker": no subtype)
        return RoleLabel(role, rule.subtype, rule.sector, "model", rule.sector_source, round(probability, 3),
                         evidence)
    subtype, _ = roles_model.subtype(role, x)
    support = [e for e in r.cues if e.group.role == role and e.group.subtype == subtype and e.weight > 0]
    sector = _sector(lex, role, subtype, support, r.texts)
    return RoleLabel(role, None if subtype == "unspecified" else subtype, sector, "model", "model",
                     round(probability, 3), evidence)


def _individual_by_name(r: _Reading, scores: roles_model.RoleScores, lex: Lexicon,
                        named: tuple[str, str]) -> RoleLabel:
    """An account with nothing but a name, which the model is sure is an individual's."""
    title = _handle_title(r, lex)
    if title is not None:
        # a title in the handle ("Jas_RN", "DrJames"): a professional, less sure than a title in a bio
        subtype = title.group.subtype or "unspecified"
        return RoleLabel("professional", None if subtype == "unspecified" else subtype,
                         _sector(lex, "professional", subtype, [title], r.texts), "rule", "rule",
                         round((1 - scores.organisation) * title.weight, 3), (f'handle:"{title.text}"(name only)',))
    # a name says who is an individual, not their job or their kind: a person unless the model is sure
    # (MODEL_OVERRULES) the name is a professional's; no subtype beyond that, no sector
    role, probability = "person", scores.person
    if scores.professional >= MODEL_OVERRULES * (1 - scores.organisation):
        role, probability = "professional", scores.professional
    field_, word = named
    return RoleLabel(role, "public" if role == "person" else None, "unknown", "model", "model",
                     round(probability, 3), (f'{field_}:"{word}"(name only)',))


# Words in a display name that say nothing about who holds the account.
_PLACEHOLDER_NAMES = frozenset({"user", "account", "anon", "anonymous", "guest", "default", "profile", "test",
                                "twitter", "bluesky", "bsky", "mastodon", "social", "none", "null", "unknown"})


def _handle_title(r: _Reading, lex: Lexicon) -> Evidence | None:
    """A professional's short title in the handle ("RN" in "Jas_RN"), which alone is too ambiguous to count."""
    found = [e for e in lex.find("cue", "handle", r.texts["handle"], short_caps=True)
             if e.group.role == "professional" and e.modifier is None and e.weight > 0]  # not "exRN", "NotAnRN"
    return max(found, key=lambda e: e.weight) if found else None


def _name_word(r: _Reading) -> tuple[str, str] | None:
    """The field and first word of the display name (or, without one, the handle) that could be part of a
    name: letters, not a placeholder such as "user" in "user8372", not an acronym such as "QNI"."""
    field_ = "name" if r.texts["name"].strip() else "handle"
    for word in _WORDS.findall(r.texts[field_]):
        if word.lower() not in _PLACEHOLDER_NAMES and not word.isupper():
            return field_, word
    return None


# Markers too common to explain a label on their own ("we", "my"): they count, but are not shown.
_WEAK_MARKERS = frozenset({"we", "we're", "we are", "our", "us", "i", "i'm", "i am", "my", "me", "mine", "myself",
                           "i've", "live", "living"})
_WORDS = re.compile(r"[^\W\d_]{2,}")


def _evidence(r: _Reading, role: str | None, words: list[tuple[str, str]]) -> tuple[str, ...]:
    """The cues found (every one, with its modifier), the telling markers, and the model's deciding words."""
    markers = [e for e in r.markers if e.text.lower() not in _WEAK_MARKERS]
    shown = list(_describe(r.cues + markers))
    said = {e.text.lower() for e in r.cues + markers}
    shown += [f'{field}:"{word}"(model)' for field, word in words if word.lower() not in said]
    return tuple(dict.fromkeys(shown))


def classify_accounts(accounts: pa.Table, lexicon: Lexicon | None = None) -> pa.Table:
    """Label every row of an accounts table (platform, account_id, handle, display_name, bio).

    Returns the label columns plus `handle` and `evidence` (the matched cues, for review).
    """
    missing = [c for c in ("platform", "account_id") if c not in accounts.column_names]
    if missing:
        raise WorkspaceError(f"the accounts table has no {', '.join(missing)} column; pass the workspace's accounts.")
    n = accounts.num_rows
    columns = {
        name: accounts.column(name).to_pylist() if name in accounts.column_names else [None] * n
        for name in ("platform", "account_id", "handle", "display_name", "bio")
    }
    labels = classify_profiles(columns["handle"], columns["display_name"], columns["bio"], lexicon)
    return _labels_table(columns["platform"], columns["account_id"], columns["handle"], labels)


def read_manual_labels(path: Path | str) -> pa.Table:
    """Read a manual label CSV: handle or account_id, role, and optionally subtype, sector, platform.

    Headers are case-insensitive and a leading '@' on handles is optional. A blank sector
    means "keep the sector the rules give". Any bad row stops the read with its line number.
    """
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UnreadableFile(f"cannot read the label file {path} ({exc}); it should be a UTF-8 CSV.") from exc
    if not rows:
        raise UnreadableFile(f"the label file {path} is empty; it needs a header row with handle and role.")
    header = [h.strip().lower() for h in rows[0]]
    if "role" not in header or not ({"handle", "account_id"} & set(header)):
        raise UnreadableFile(
            f"the label file {path} needs a header with `role` and `handle` or `account_id` "
            f"(found: {', '.join(header)})."
        )
    records = [
        _manual_row(path, number, _cells(header, row))
        for number, row in enumerate(rows[1:], start=2)
        if any(cell.strip() for cell in row)
    ]
    return pa.Table.from_pylist(records, schema=_MANUAL_SCHEMA)


_MANUAL_SCHEMA = pa.schema(
    [(name, pa.string()) for name in ("platform", "handle", "account_id", "role", "subtype", "sector")]
    + [("line", pa.int64())]
)


def _cells(header: list[str], row: list[str]) -> dict[str, str]:
    """A CSV row by header name; short rows are padded with blanks, extra cells are ignored."""
    cells = [cell.strip() for cell in row] + [""] * max(0, len(header) - len(row))
    return dict(zip(header, cells[: len(header)], strict=True))


def _manual_row(path: Path, number: int, row: dict[str, str]) -> dict[str, Any]:
    where = f"line {number} of {path}"
    handle = (row.get("handle") or "").lstrip("@").lower() or None
    account_id = row.get("account_id") or None
    if handle is None and account_id is None:
        raise UnreadableFile(f"{where} has neither a handle nor an account_id; fill one in or delete the row.")
    role = (row.get("role") or "").lower()
    if role not in (*ROLES, "unknown"):
        raise UnreadableFile(f"{where}: role {role!r} is not one of {', '.join((*ROLES, 'unknown'))}.")
    subtype = (row.get("subtype") or "").lower() or None
    allowed = tuple(s for s in SUBTYPES.get(role, ()) if s != "unspecified")
    if subtype is not None and subtype not in allowed:
        choices = ", ".join(allowed) or "nothing (leave it blank)"
        raise UnreadableFile(f"{where}: subtype {subtype!r} does not fit role {role!r}; use {choices}.")
    sector = (row.get("sector") or "").lower() or None
    if sector is not None and sector not in SECTORS:
        raise UnreadableFile(f"{where}: sector {sector!r} is not one of {', '.join(SECTORS)}.")
    platform = (row.get("platform") or "").lower() or None
    return {
        "platform": platform,
        "handle": handle,
        "account_id": account_id,
        "role": role,
        "subtype": subtype,
        "sector": sector,
        "line": number,
    }


def resolve_manual_labels(manual: pa.Table, accounts: pa.Table) -> tuple[pa.Table, list[str]]:
    """Turn manual rows into label rows keyed by (platform, account_id); also return rows that matched nothing."""
    by_id: dict[str, list[tuple[str, str]]] = {}
    by_handle: dict[str, list[tuple[str, str]]] = {}
    for platform, account_id, handle in zip(
        accounts.column("platform").to_pylist(),
        accounts.column("account_id").to_pylist(),
        accounts.column("handle").to_pylist() if "handle" in accounts.column_names else [None] * accounts.num_rows,
        strict=True,
    ):
        by_id.setdefault(account_id, []).append((platform, account_id))
        if handle:
            by_handle.setdefault(handle.lstrip("@").lower(), []).append((platform, account_id))
    resolved: dict[tuple[str, str], dict[str, Any]] = {}
    unmatched: list[str] = []
    for row in manual.to_pylist():
        keys = by_id.get(row["account_id"], []) if row["account_id"] else by_handle.get(row["handle"], [])
        keys = [k for k in keys if row["platform"] in (None, k[0])]
        if not keys:
            unmatched.append(row["account_id"] or "@" + row["handle"])
        for platform, account_id in keys:  # later rows win
            resolved[(platform, account_id)] = {
                "platform": platform,
                "account_id": account_id,
                "role": row["role"],
                "subtype": row["subtype"],
                "sector": row["sector"],
                "role_source": "manual",
                "sector_source": "manual" if row["sector"] else "rule",
                "confidence": 1.0,
            }
    return pa.Table.from_pylist(list(resolved.values()), schema=LABEL_SCHEMA), unmatched


_COUNT_COLUMNS = {"accounts": "accounts", "share": "share"}


@dataclass(kw_only=True)
class RolesResult(Result):
    """Every account's role, subtype and sector (manual labels applied), and counts of them."""

    name: ClassVar[str] = "roles"
    title: ClassVar[str] = TITLE
    description: ClassVar[str] = DESCRIPTION
    measures: ClassVar[tuple[Measure, ...]] = MEASURES
    main: ClassVar[str | None] = "labels"

    accounts: int = fact("Accounts", 0)
    labelled: int = fact("Accounts with a role", 0, measure="labelled share")
    unknown: int = fact("Accounts without a role", 0)
    manual: int = fact("Accounts with a manual label", 0, measure="manual labels")
    manual_unmatched: int = fact("Manual labels that matched no account", 0)

    labels: pa.Table = table("Labels", {
        "platform": "platform", "account_id": "account id", "handle": "handle", "role": "role",
        "subtype": "subtype", "sector": "sector", "role_source": "role from", "sector_source": "sector from",
        "confidence": "confidence", "evidence": "evidence"}, cli=False)
    by_role: pa.Table = table("Roles", {"role": "role", **_COUNT_COLUMNS})
    by_subtype: pa.Table = table("Subtypes", {"role": "role", "subtype": "subtype", **_COUNT_COLUMNS})
    by_sector: pa.Table = table("Sectors", {"sector": "sector", **_COUNT_COLUMNS})
    # The labels read from the `manual` file, by account, for the store to keep (`sociable label`);
    # not a table of the result, so renderers do not show it.
    manual_labels: pa.Table = field(default_factory=LABEL_SCHEMA.empty_table, repr=False)


@analysis("roles", TITLE, DESCRIPTION, result=RolesResult, order=10, options=(
    Option("manual", "path", None, "CSV of manual labels (handle or account_id, role, subtype, sector); they win.",
           web=False),
))
def assign_roles(ws: Workspace, scope: Scope, *, manual: Path | None = None) -> RolesResult:
    """Label the accounts in scope (every account when the scope is everything) and count the labels.

    Manual labels win: those stored in the workspace, and over them those in `manual`, which
    the result carries in `manual_labels` for the store to keep. Nothing is written here.
    """
    accounts = _accounts_in(ws, scope)
    derived = classify_accounts(accounts)
    fresh: pa.Table = LABEL_SCHEMA.empty_table()
    unmatched: list[str] = []
    if manual is not None:
        everyone = accounts if scope.is_everything else ws.query("SELECT platform, account_id, handle FROM accounts")
        fresh, unmatched = resolve_manual_labels(read_manual_labels(manual), everyone)
    return summarise_labels(ws.labels_with_manual(derived, fresh), unmatched, fresh)


def _accounts_in(ws: Workspace, scope: Scope) -> pa.Table:
    """Every account, or with a narrower scope those that posted in it or were engaged with by its posts."""
    columns = "a.platform, a.account_id, a.handle, a.display_name, a.bio"
    if scope.is_everything:
        return ws.query(f"SELECT {columns} FROM accounts a ORDER BY 1, 2")
    return ws.query(
        f"WITH p AS (SELECT p.platform, p.post_id, p.account_id FROM posts p WHERE {scope.condition('p')}), "
        "ids AS (SELECT platform, account_id FROM p UNION SELECT i.platform, i.target FROM interactions i "
        "JOIN p ON p.platform = i.platform AND p.post_id = i.post_id) "
        f"SELECT {columns} FROM accounts a SEMI JOIN ids ON ids.platform = a.platform "
        "AND ids.account_id = a.account_id ORDER BY 1, 2",
        scope.params(),
    )


def summarise_labels(labels: pa.Table, unmatched: Iterable[str] = (), manual: pa.Table | None = None) -> RolesResult:
    """Counts by role, subtype and sector, with the facts and notes the report shows."""
    roles = labels.column("role").to_pylist()
    total = len(roles)
    known = sum(1 for r in roles if r != "unknown")
    manual_count = sum(1 for s in labels.column("role_source").to_pylist() if s == "manual")
    unmatched = list(unmatched)
    notes = [f"{known} of {total} accounts have a role ({_percent(known, total)}); the rest stay unknown."]
    if unmatched:
        notes.append(f"{len(unmatched)} manual labels matched no account: {', '.join(unmatched[:5])}.")
    return RolesResult(
        accounts=total,
        labelled=known,
        unknown=total - known,
        manual=manual_count,
        manual_unmatched=len(unmatched),
        labels=labels,
        by_role=_counts(labels, ["role"], total),
        by_subtype=_counts(labels, ["role", "subtype"], total),
        by_sector=_counts(labels, ["sector"], total),
        manual_labels=manual if manual is not None else LABEL_SCHEMA.empty_table(),
        notes=tuple(notes),
    )


def score_labels(truth: Iterable[str | None], predicted: Iterable[str | None]) -> pa.Table:
    """Precision, recall and F1 per class (classes taken from the truth), for checking labels against a truth set."""
    pairs = [(t or "", p or "") for t, p in zip(truth, predicted, strict=True)]
    classes = sorted({t for t, _ in pairs})
    rows = []
    for cls in classes:
        tp = sum(1 for t, p in pairs if t == cls and p == cls)
        support = sum(1 for t, _ in pairs if t == cls)
        chosen = sum(1 for _, p in pairs if p == cls)
        precision = tp / chosen if chosen else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append({"class": cls or "(none)", "support": support, "precision": precision, "recall": recall, "f1": f1})
    return pa.Table.from_pylist(rows)


_SELF = ("negated", "past", "relation")


def _distinct(evidence: list[Evidence]) -> list[Evidence]:
    """Count each phrase once (its strongest match), and a handle cue only when bio and name do not say it."""
    said = {(e.group.role, e.group.subtype) for e in evidence if e.field != "handle"}
    best: dict[tuple[str, str | None, str], Evidence] = {}
    for e in evidence:
        if e.group.role == "ignore" or (e.field == "handle" and (e.group.role, e.group.subtype) in said):
            continue
        key = (e.group.role, e.group.subtype, e.text.lower())
        if key not in best or e.weight > best[key].weight:
            best[key] = e
    return list(best.values())


def _subtype_scores(cues: list[Evidence]) -> dict[tuple[str, str], float]:
    weights: dict[tuple[str, str], list[float]] = {}
    for e in cues:
        weights.setdefault((e.group.role, e.group.subtype or ""), []).append(e.weight)
    return {key: _noisy_or(ws) for key, ws in weights.items()}


def _best(scores: dict[tuple[str, str], float], role: str, subtypes: Iterable[str]) -> tuple[str | None, float]:
    best: tuple[str | None, float] = (None, 0.0)
    for subtype in subtypes:
        score = scores.get((role, subtype), 0.0)
        if score > best[1]:
            best = (subtype, score)
    return best


def _sector(lex: Lexicon, role: str, subtype: str, support: list[Evidence], texts: dict[str, str]) -> str:
    fixed = [e for e in support if e.group.sector]
    if fixed:
        return max(fixed, key=lambda e: e.weight).group.sector or "unknown"
    default = lex.default_sectors.get(role, {}).get(subtype, "unknown")
    if default != "context":
        return default
    found = [e for field, text in texts.items() for e in lex.find("sector", field, text)]
    weights: dict[str, list[float]] = {}
    for e in found:
        weights.setdefault(e.group.role, []).append(e.weight)
    if not weights:
        return "unknown"
    sector, score = max(((s, _noisy_or(w)) for s, w in weights.items()), key=lambda x: (x[1], -SECTORS.index(x[0])))
    return sector if score >= lex.threshold else "unknown"


def _noisy_or(weights: Iterable[float]) -> float:
    return 1.0 - math.prod(1.0 - w for w in weights)


def _describe(evidence: list[Evidence]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(e.describe() for e in evidence))


def _labels_table(platforms: list[Any], ids: list[Any], handles: list[Any], labels: list[RoleLabel]) -> pa.Table:
    table = pa.table(
        {
            "platform": pa.array(platforms, pa.string()),
            "account_id": pa.array(ids, pa.string()),
            "role": [lab.role for lab in labels],
            "subtype": pa.array([lab.subtype for lab in labels], pa.string()),
            "sector": [lab.sector for lab in labels],
            "role_source": [lab.role_source for lab in labels],
            "sector_source": [lab.sector_source for lab in labels],
            "confidence": pa.array([lab.confidence for lab in labels], pa.float64()),
        },
        schema=LABEL_SCHEMA,
    )
    table = table.append_column("handle", pa.array(handles, pa.string()))
    return table.append_column("evidence", pa.array([list(lab.evidence) for lab in labels], pa.list_(pa.string())))


def _counts(labels: pa.Table, keys: list[str], total: int) -> pa.Table:
    counter = Counter(zip(*(labels.column(k).to_pylist() for k in keys), strict=True)) if labels.num_rows else Counter()
    rows = [
        {**dict(zip(keys, key, strict=True)), "accounts": n, "share": n / total if total else 0.0}
        for key, n in sorted(counter.items(), key=lambda kv: (-kv[1], [str(k) for k in kv[0]]))
    ]
    schema = pa.schema([*((k, pa.string()) for k in keys), ("accounts", pa.int64()), ("share", pa.float64())])
    return pa.Table.from_pylist(rows, schema=schema)


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "0%"
