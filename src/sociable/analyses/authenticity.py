"""Authenticity: do professionals post under their own names, and does it change how they talk?

The accounts compared are those labelled professional or organisation (by `sociable roles` or by
hand). Each is put in one group, read from its display name, handle and bio:

* **organisational**: labelled organisation, or its name or handle names an organisation;
* **named**: a plausible personal name, a given name followed by a surname or an initial
  ("Jane Smith - Social Worker", "Jen S", handle "JaneSmithRN"), or a title and a surname
  ("Dr Patel");
* **first name**: a given name alone ("Jen 🌸", "Nurse Jen");
* **pseudonymous**: no personal name, and a role-word or alias name ("MysteriousSocialWorker",
  "AnonNurse", "The Secret Paramedic");
* **unclear**: none of these ("J.", "🌸").

Registration a bio declares ("RN", "NMC registered", "HCPC reg") is read and shown as
self-declared: no register is looked up. The groups are compared on the dialogue measures
(analyses/dialogue.py, pooled over the group's accounts), on who their turns are addressed to,
and on flagged posts per 1,000 screened posts. Only groups are shown, never an account, and a
group of fewer than `MIN_GROUP` accounts shows its size only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pyarrow as pa
import yaml

from sociable.analyses.base import Measure, Result, analysis, fact, table
from sociable.analyses.dialogue import (
    ACCOUNTS,
    BROADCAST_SHARE,
    CONVERSATION_SHARE,
    DEFAULT_WINDOW_HOURS,
    MEDIAN_RESPONSE,
    PEOPLE_SHARE,
    RECIPROCITY,
    REPLY_SHARE,
    RESPONSE_RATE,
    WINDOW,
    WRITTEN,
    account_counts,
    check_window,
    has_labels,
)
from sociable.analyses.roles_lexicon import handle_words, load_lexicon
from sociable.analyses.safety import FLAGGING, screened_condition
from sociable.safety.names import lexicon as name_lexicon
from sociable.store.scope import Scope

if TYPE_CHECKING:
    from sociable.store import Workspace

LEXICON = Path(__file__).parent / "lexicon" / "authenticity.yaml"
GROUPS = ("named", "first name", "pseudonymous", "organisational", "unclear")
COMPARED_ROLES = ("professional", "organisation")
MIN_GROUP = 3  # a group with fewer accounts shows how many, and nothing else
PEOPLE, OTHERS = "people (patients, carers, public)", "other accounts"

GROUP = Measure("group", "Named, first name, pseudonymous, organisational or unclear, read from the display name, "
                         "handle and bio by the rule in the method notes.")
SELF_DECLARED = Measure("self_declared", "Accounts whose bio declares a professional registration (RN, NMC "
                                         "registered, HCPC reg...); what the account says, not checked against "
                                         "any register.")
SCREENED = Measure("screened", "Posts of the group's accounts in scope checked by `sociable screen`.")
FLAGGED = Measure("flagged", "Screened posts whose verdict is 'think again' or 'do not post'.")
FLAGGED_RATE = Measure("flagged_per_1000", "Flagged posts per 1,000 screened posts of the group's accounts.")
EXCHANGES = Measure("exchanges", "Replies, mentions and quotes the group's accounts addressed to another account, by "
                                 "the group of the account addressed (people and other accounts by their role "
                                 "label).")
EXCHANGE_SHARE = Measure("exchange_share", "The partner group's share of the group's exchanges.")
WITHHELD = Measure("withheld", f"A group of fewer than {MIN_GROUP} accounts shows its size only: its measures would "
                               "describe one or two people.")

MEASURES: tuple[Measure, ...] = (GROUP, ACCOUNTS, WRITTEN, BROADCAST_SHARE, REPLY_SHARE, CONVERSATION_SHARE,
                                 RECIPROCITY, RESPONSE_RATE, MEDIAN_RESPONSE, PEOPLE_SHARE, SELF_DECLARED, SCREENED,
                                 FLAGGED, FLAGGED_RATE, EXCHANGES, EXCHANGE_SHARE, WITHHELD)

GROUP_COLUMNS = {"group_name": "group", "accounts": "accounts", "written": "written posts",
                 "broadcast_share": "broadcasts", "reply_share": "replies", "conversation_share": "in conversation",
                 "reciprocity": "reciprocity", "response_rate": "answered", "median_response_hours": "median answer",
                 "people_share": "with people", "self_declared": "self-declared registration",
                 "screened": "screened", "flagged": "flagged", "flagged_per_1000": "flagged per 1,000"}
RULE_READING = ("Groups, first rule that holds: organisational (labelled organisation); named (a given name with "
                "a surname or initial, or a title with a surname); organisational (an organisation word in the "
                "name or handle); first name (a given name alone); pseudonymous (a role word or an alias word "
                "such as anon, secret, mysterious); unclear. "
                f"Groups of fewer than {MIN_GROUP} accounts show their size only.")


# ---------------------------------------------------------------------- reading a profile


@dataclass(frozen=True, slots=True)
class Vocabulary:
    alias: re.Pattern[str]
    registration: tuple[tuple[str, re.Pattern[str]], ...]
    given: frozenset[str]  # given names that are not everyday words: alone, they still read as a name
    ambiguous: frozenset[str]  # given names that are words too ("Grace", "Will"): a name only with a surname
    surnames: frozenset[str]
    not_surname: frozenset[str]


@cache
def vocabulary() -> Vocabulary:
    data = yaml.safe_load(LEXICON.read_text(encoding="utf-8"))
    alias = re.compile(r"\b(?:" + "|".join(data["alias"]) + r")\b", re.I)
    registration = tuple((entry["cue"], re.compile(entry["pattern"], 0 if entry.get("case_sensitive") else re.I))
                         for entry in data["registration"])
    names = name_lexicon()
    ambiguous = names.get("ambiguous", frozenset())
    given = (names["given"] | frozenset(data["given"].split())) - ambiguous
    return Vocabulary(alias, registration, given, ambiguous, names.get("surname", frozenset()),
                      names.get("not_surname", frozenset()))


@dataclass(frozen=True, slots=True)
class Identity:
    """How one account presents itself: its group, the words that decided it, its self-declared registration."""

    group: str
    because: str
    registration: tuple[str, ...] = ()


_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*\.?")
_TITLE = frozenset({"Dr", "Prof", "Professor", "Mr", "Mrs", "Ms", "Miss", "Mx"})


def _is_cue(word: str, roles: Iterable[str]) -> bool:
    """Whether the word is a profession, person or organisation term of the roles vocabulary."""
    wanted = set(roles)
    return any(e.group.role in wanted for e in load_lexicon().find("cue", "name", word))


def _surname_like(word: str, surnames: frozenset[str], not_surname: frozenset[str]) -> bool:
    bare = word.rstrip(".")
    if re.fullmatch(r"[A-Z]\.?", word):
        return True  # an initial: "Jen S", "Jen S."
    if bare in surnames:
        return True
    return (bool(re.fullmatch(r"[A-Z][a-z]+(?:['’-][A-Z][a-z]+)*", bare)) and bare not in not_surname
            and not vocabulary().alias.fullmatch(bare)
            and not _is_cue(bare, ("professional", "person", "organisation", "ignore")))


def personal_name(text: str) -> tuple[str | None, str | None]:
    """(a full personal name, a given name alone) found in a name or a handle read as words."""
    words = vocabulary()
    tokens = _TOKEN.findall(text or "")
    first_only = None
    for index, token in enumerate(tokens):
        bare = token.rstrip(".")
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        full = following is not None and _surname_like(following, words.surnames, words.not_surname)
        if full and (bare in _TITLE or bare in words.given or bare in words.ambiguous):
            return f"{bare} {following.rstrip('.')}" if following else bare, None
        if bare in words.given:
            first_only = first_only or bare
    return None, first_only


def _lowercase_handle_name(handle: str | None) -> str | None:
    """A full name run together in a lower-case handle: "janesmith42" -> "jane smith"."""
    letters = re.sub(r"[^a-z]", "", (handle or "").lower()) if handle and handle.lower() == handle else ""
    if not letters:
        return None
    words = vocabulary()
    for name in sorted((g.lower() for g in words.given | words.ambiguous), key=len, reverse=True):
        if len(name) >= 3 and letters.startswith(name):
            rest = letters[len(name):]
            for surname in (s.lower() for s in words.surnames):
                if len(surname) >= 3 and rest.startswith(surname):
                    return f"{name} {surname}"
    return None


def registration_cues(bio: str | None) -> tuple[str, ...]:
    """The registrations a bio declares, as the vocabulary names them (self-declared, never checked)."""
    return tuple(cue for cue, pattern in vocabulary().registration if bio and pattern.search(bio))


def classify(display_name: str | None, handle: str | None, bio: str | None, role: str | None) -> Identity:
    """The group of one account, by the first rule that holds (see RULE_READING)."""
    registered = registration_cues(bio)
    name, handle_text = handle_words((display_name or "").strip()), handle_words(handle)
    if role == "organisation":
        return Identity("organisational", "labelled organisation", registered)
    for field, text in (("name", name), ("handle", handle_text)):
        full, _ = personal_name(text)
        if full:
            return Identity("named", f'{field}:"{full}"', registered)
    run_together = _lowercase_handle_name(handle)
    if run_together:
        return Identity("named", f'handle:"{run_together}"', registered)
    lexicon = load_lexicon()
    for field, text in (("name", name), ("handle", handle_text)):
        found = [e for e in lexicon.find("cue", field, text) if e.group.role == "organisation"]
        if found:
            return Identity("organisational", f'{field}:"{found[0].text}"', registered)
    for field, text in (("name", name), ("handle", handle_text)):
        _, first = personal_name(text)
        if first:
            return Identity("first name", f'{field}:"{first}"', registered)
    for field, text in (("name", name), ("handle", handle_text)):
        alias = vocabulary().alias.search(text)
        role_word = [e for e in lexicon.find("cue", field, text) if e.group.role == "professional"]
        if alias or role_word:
            return Identity("pseudonymous", f'{field}:"{alias.group(0) if alias else role_word[0].text}"',
                            registered)
    return Identity("unclear", "no name, organisation or role word", registered)


# ---------------------------------------------------------------------- the result


@dataclass(kw_only=True)
class AuthenticityResult(Result):
    """Named, first-name, pseudonymous and organisational accounts compared, as groups only."""

    name: ClassVar[str] = "authenticity"
    title: ClassVar[str] = "Named and pseudonymous"
    description: ClassVar[str] = ("Professionals posting under their names or under an alias, and organisations: "
                                  "how each group converses, who it talks with, how often its posts are flagged.")
    measures: ClassVar[tuple[Measure, ...]] = MEASURES
    main: ClassVar[str | None] = "groups"

    groups: pa.Table = table("By group", GROUP_COLUMNS, reading=RULE_READING)
    mixing: pa.Table = table("Who each group talks with", {"group_name": "group", "partner": "addressed to",
                                                           "exchanges": "exchanges", "exchange_share": "share"},
                             reading="Replies, mentions and quotes by the group's accounts, by the group of the "
                                     "account addressed.")
    registration: pa.Table = table("Self-declared registration", {"group_name": "group", "cue": "says in bio",
                                                                  "accounts": "accounts"},
                                   reading="What bios say; no register was looked up.")

    accounts: int = fact("Accounts compared", 0, measure="accounts")
    by_group: dict[str, int] = fact("Accounts by group", {}, measure="group")
    self_declared: int = fact("Self-declared registration", 0, measure="self_declared")
    labelled: bool = fact("Roles labelled", False)
    screened: bool = fact("Posts screened", False)
    window_hours: float = fact("Response window (hours)", DEFAULT_WINDOW_HOURS)

    def headline(self) -> list[str]:
        if not self.accounts:
            return ["No professional or organisation accounts in scope" +
                    ("." if self.labelled else "; run `sociable roles` to label them.")]
        counts = ", ".join(f"{self.by_group.get(group, 0):,} {group}" for group in GROUPS)
        return [f"{self.accounts:,} professional and organisation accounts: {counts}."]


# ---------------------------------------------------------------------- the analysis

_MEASURES_SQL = """
    count(*)::BIGINT AS accounts, coalesce(sum(written), 0)::BIGINT AS written,
    sum(broadcasts) / nullif(sum(written), 0) AS broadcast_share,
    sum(replies) / nullif(sum(written), 0) AS reply_share,
    sum(conversation_posts) / nullif(sum(written), 0) AS conversation_share,
    sum(reciprocated) / nullif(sum(partners), 0) AS reciprocity,
    sum(answered) / nullif(sum(received), 0) AS response_rate,
    list_median(flatten(list(response_hours))) AS median_response_hours,
    CASE WHEN $labelled THEN sum(people_exchanges) / nullif(sum(labelled_exchanges), 0) END AS people_share,
    count(*) FILTER (WHERE len(registration) > 0)::BIGINT AS self_declared,
    coalesce(sum(screened), 0)::BIGINT AS screened, coalesce(sum(flagged), 0)::BIGINT AS flagged"""

_GROUP_SCHEMA = pa.schema([
    ("group_name", pa.string()), ("accounts", pa.int64()), ("written", pa.int64()),
    ("broadcast_share", pa.float64()), ("reply_share", pa.float64()), ("conversation_share", pa.float64()),
    ("reciprocity", pa.float64()), ("response_rate", pa.float64()), ("median_response_hours", pa.float64()),
    ("people_share", pa.float64()), ("self_declared", pa.int64()), ("screened", pa.int64()),
    ("flagged", pa.int64()), ("flagged_per_1000", pa.float64()),
])
_MIXING_SCHEMA = pa.schema([("group_name", pa.string()), ("partner", pa.string()), ("exchanges", pa.int64()),
                            ("exchange_share", pa.float64())])
_REGISTRATION_SCHEMA = pa.schema([("group_name", pa.string()), ("cue", pa.string()), ("accounts", pa.int64())])
_IDENTITY_SCHEMA = pa.schema([("platform", pa.string()), ("account_id", pa.string()), ("group_name", pa.string()),
                              ("registration", pa.list_(pa.string()))])


@analysis("authenticity", "Named and pseudonymous",
          "Professionals under their names or an alias, and organisations: how each group converses, who it talks "
          "with, how often its posts are flagged (groups only).",
          result=AuthenticityResult, options=(WINDOW,), order=45)
def authenticity(ws: Workspace, scope: Scope, *, window: float) -> AuthenticityResult:
    """Group the professional and organisation accounts in scope and compare the groups."""
    window = check_window(window)
    labelled = has_labels(ws)
    counts = account_counts(ws, scope, window)
    roles = ws.query_with({"counts": counts}, """
        SELECT c.platform, c.account_id, c.display_name, c.handle, a.bio, c.role
          FROM counts c LEFT JOIN accounts a USING (platform, account_id)
         WHERE c.role IN ('professional', 'organisation')""").to_pylist()
    identities = [(row, classify(row["display_name"], row["handle"], row["bio"], row["role"])) for row in roles]
    known = pa.Table.from_pylist(
        [{"platform": row["platform"], "account_id": row["account_id"], "group_name": who.group,
          "registration": list(who.registration)} for row, who in identities], schema=_IDENTITY_SCHEMA)
    screened = ws.has_screening()
    flags = _flags(ws, scope) if screened else pa.table({"platform": pa.array([], pa.string()),
                                                         "account_id": pa.array([], pa.string()),
                                                         "screened": pa.array([], pa.int64()),
                                                         "flagged": pa.array([], pa.int64())})
    tables = {"counts": counts, "known": known, "flags": flags}
    rows = ws.query_with(tables, f"""
        SELECT k.group_name, {_MEASURES_SQL}
          FROM counts c JOIN known k USING (platform, account_id) LEFT JOIN flags f USING (platform, account_id)
         GROUP BY k.group_name""", {"labelled": labelled}).to_pylist()
    by_group = {group: 0 for group in GROUPS}
    for row in rows:
        by_group[row["group_name"]] = row["accounts"]
    result = AuthenticityResult(
        groups=_group_table(rows, screened), mixing=_mixing(ws, scope, known, by_group),
        registration=_registration(known, by_group), accounts=known.num_rows, by_group=by_group,
        self_declared=sum(bool(who.registration) for _, who in identities), labelled=labelled, screened=screened,
        window_hours=window,
    )
    result.notes = tuple(_notes(result))
    return result


def _flags(ws: Workspace, scope: Scope) -> pa.Table:
    flagging = ", ".join(f"'{verdict}'" for verdict in FLAGGING)
    return ws.query(f"""
        SELECT p.platform, p.account_id, count(*)::BIGINT AS screened,
               count(*) FILTER (WHERE s.verdict IN ({flagging}))::BIGINT AS flagged
          FROM posts p JOIN safety_screened s ON s.platform = p.platform AND s.post_id = p.post_id
         WHERE {screened_condition(scope)} GROUP BY ALL""", scope.params())


def _group_table(rows: list[dict[str, Any]], screened: bool) -> pa.Table:
    out = []
    for group in GROUPS:
        row = next((r for r in rows if r["group_name"] == group), None)
        if row is None:
            continue
        if row["accounts"] < MIN_GROUP:
            out.append({"group_name": group, "accounts": row["accounts"]})
            continue
        rate = 1000 * row["flagged"] / row["screened"] if screened and row["screened"] else None
        out.append({**row, "flagged_per_1000": rate,
                    **({} if screened else {"screened": None, "flagged": None})})
    return pa.Table.from_pylist(out, schema=_GROUP_SCHEMA)


def _mixing(ws: Workspace, scope: Scope, known: pa.Table, by_group: dict[str, int]) -> pa.Table:
    shown = [group for group in GROUPS if by_group.get(group, 0) >= MIN_GROUP]
    if not shown:
        return _MIXING_SCHEMA.empty_table()
    rows = ws.query_with({"known": known}, f"""
        WITH ties AS (
            SELECT i.platform, i.source, i.target
              FROM interactions i JOIN posts p ON p.platform = i.platform AND p.post_id = i.post_id
             WHERE i.kind IN ('reply', 'mention', 'quote') AND i.source <> i.target AND {scope.condition('p')}
        )
        SELECT g.group_name,
               coalesce(h.group_name, CASE WHEN l.role = 'person' THEN $people ELSE $others END) AS partner,
               count(*)::BIGINT AS exchanges
          FROM ties t
          JOIN known g ON g.platform = t.platform AND g.account_id = t.source
          LEFT JOIN known h ON h.platform = t.platform AND h.account_id = t.target
          LEFT JOIN labels l ON l.platform = t.platform AND l.account_id = t.target
         WHERE list_contains($shown, g.group_name)
         GROUP BY ALL""", {**scope.params(), "people": PEOPLE, "others": OTHERS, "shown": shown}).to_pylist()
    order = {name: index for index, name in enumerate((*GROUPS, PEOPLE, OTHERS))}
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["group_name"]] = totals.get(row["group_name"], 0) + row["exchanges"]
    for row in rows:
        row["exchange_share"] = row["exchanges"] / totals[row["group_name"]]
    rows.sort(key=lambda row: (order[row["group_name"]], order[row["partner"]]))
    return pa.Table.from_pylist(rows, schema=_MIXING_SCHEMA)


def _registration(known: pa.Table, by_group: dict[str, int]) -> pa.Table:
    counts: dict[tuple[str, str], int] = {}
    for row in known.to_pylist():
        if by_group.get(row["group_name"], 0) < MIN_GROUP:
            continue
        for cue in row["registration"]:
            counts[(row["group_name"], cue)] = counts.get((row["group_name"], cue), 0) + 1
    cues = [cue for cue, _ in vocabulary().registration]
    rows = [{"group_name": group, "cue": cue, "accounts": n} for (group, cue), n in
            sorted(counts.items(), key=lambda item: (GROUPS.index(item[0][0]), cues.index(item[0][1])))]
    return pa.Table.from_pylist(rows, schema=_REGISTRATION_SCHEMA)


def _notes(result: AuthenticityResult) -> list[str]:
    if not result.labelled:
        return ["No account has a role label yet: run `sociable roles` (or label accounts by hand) so the "
                "professional and organisation accounts can be compared."]
    if not result.accounts:
        return ["No professional or organisation account posted in scope."]
    notes = []
    small = [group for group, n in result.by_group.items() if 0 < n < MIN_GROUP]
    if small:
        notes.append(f"Fewer than {MIN_GROUP} accounts in: {', '.join(small)}; only their size is shown.")
    if not result.screened:
        notes.append("Posts have not been screened, so flagged rates are not shown; run `sociable screen`.")
    rows = {row["group_name"]: row for row in result.groups.to_pylist()}
    named, alias = rows.get("named"), rows.get("pseudonymous")
    if named and alias and named["reply_share"] is not None and alias["reply_share"] is not None:
        notes.append(f"Pseudonymous accounts reply in {alias['reply_share']:.0%} of their written posts, named "
                     f"accounts in {named['reply_share']:.0%}.")
    notes.append("Registration is as bios declare it: no register was looked up.")
    return notes
