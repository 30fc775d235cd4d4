"""Authenticity on a hand-checked set: eleven accounts and nineteen tweets (fixtures/twitter/authenticity.jsonl).

Named: Jane Smith – Social Worker, Dr Amir Khan, Ruth Okafor RN. Pseudonymous: MysteriousSocialWorker,
Anon Nurse, The Secret Paramedic. One first-name account (Jen 🌸) and one organisation (Northvale NHS
Trust), each too small a group to show more than its size; two people (Bob, Cat) and one unlabelled account.
Every figure below is worked out by hand in the comments from the tweets.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from typer.testing import CliRunner

import sociable
from sociable.analyses.authenticity import classify, personal_name, registration_cues
from sociable.cli import app

FIXTURE = Path(__file__).parent.parent / "fixtures" / "twitter" / "authenticity.jsonl"
ROLES = {"JaneSmithSW": "professional", "dramirkhan": "professional", "RuthOkaforRN": "professional",
         "MysteriousSW": "professional", "AnonNurse": "professional", "SecretPara999": "professional",
         "Jen_RM": "professional", "NorthvaleNHS": "organisation", "bob_patient": "person", "cat_cares": "person"}


def _label(ws: Any) -> None:
    accounts = ws.query("SELECT platform, account_id, handle FROM accounts").to_pylist()
    rows = [{"platform": a["platform"], "account_id": a["account_id"], "role": ROLES[a["handle"]], "subtype": None,
             "sector": None, "role_source": "manual", "sector_source": "manual", "confidence": 1.0}
            for a in accounts if a["handle"] in ROLES]
    ws.save_labels(pa.Table.from_pylist(rows))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("authenticity") / "ws.duckdb"
    with sociable.open(path) as ws:
        ws.import_files([FIXTURE], collection="care")
        _label(ws)
    return path


@pytest.fixture()
def ws(workspace: Path) -> Iterator[Any]:
    with sociable.open(workspace, read_only=True) as opened:
        yield opened


def _groups(result: Any) -> dict[str, dict[str, Any]]:
    return {row["group_name"]: row for row in result.groups.to_pylist()}


# ---------------------------------------------------------------------- reading a profile


@pytest.mark.parametrize(("name", "handle", "bio", "role", "group"), [
    ("MysteriousSocialWorker", "MysteriousSW", "", "professional", "pseudonymous"),
    ("Anon Nurse", "AnonNurse", "", "professional", "pseudonymous"),
    ("The Secret Paramedic", "SecretPara999", "", "professional", "pseudonymous"),
    ("", "NurseOnNights", "", "professional", "pseudonymous"),
    ("Jane Smith – Social Worker", "JaneSmithSW", "", "professional", "named"),
    ("Dr Patel", "drpatel", "", "professional", "named"),
    ("Jen S", "jens", "", "professional", "named"),
    ("", "janesmith42", "", "professional", "named"),
    ("Jen 🌸", "Jen_RM", "", "professional", "first name"),
    ("Nurse Jen", "NurseJen", "", "professional", "first name"),
    ("Ward 7 Nursing Team", "Ward7Team", "", "professional", "organisational"),
    ("Jane Smith", "JaneSmith", "", "organisation", "organisational"),
    ("🌸", "xyz123", "", "professional", "unclear"),
])
def test_groups_read_from_name_and_handle(name: str, handle: str, bio: str, role: str, group: str) -> None:
    assert classify(name, handle, bio, role).group == group


def test_an_everyday_word_alone_is_not_a_first_name() -> None:
    assert personal_name("Grace") == (None, None)
    assert personal_name("Grace Okafor") == ("Grace Okafor", None)


def test_registration_is_read_from_the_bio_as_declared() -> None:
    assert registration_cues("RN (Adult), NMC registered") == (
        "NMC registered", "registered nurse (RN, RGN, RMN, RNLD, RSCN)")
    assert registration_cues("Physio. HCPC reg.") == ("HCPC registered",)
    assert registration_cues("Social Work England registered") == ("Social Work England registered",)
    assert registration_cues("learning to turn off the rn alarm") == ()  # lower case "rn" is not a post-nominal
    assert registration_cues(None) == ()
    assert classify("RN Jones", "rnjones", "", "professional").registration == ()  # the name is not read for it


# ---------------------------------------------------------------------- the analysis, by hand


def test_group_sizes_and_withheld_small_groups(ws: Any) -> None:
    result = ws.authenticity()
    assert result.accounts == 8
    assert result.by_group == {"named": 3, "first name": 1, "pseudonymous": 3, "organisational": 1, "unclear": 0}
    groups = _groups(result)
    assert list(groups) == ["named", "first name", "pseudonymous", "organisational"]
    for small in ("first name", "organisational"):  # one account each: its size and nothing else
        assert groups[small]["accounts"] == 1
        assert all(value is None for key, value in groups[small].items() if key not in ("group_name", "accounts"))
    assert any("Fewer than 3 accounts in: first name, organisational" in note for note in result.notes)


def test_dialogue_measures_per_group_by_hand(ws: Any) -> None:
    groups = _groups(ws.authenticity())
    named, alias = groups["named"], groups["pseudonymous"]
    # named wrote 6: Jane 3 (open day; reply to Bob; reply to MysteriousSW), Amir 2 (boosters; mention of Jane),
    # Ruth 1 (clinic). Replies: 2. Broadcasts: open day, boosters, clinic.
    assert (named["written"], named["reply_share"], named["broadcast_share"]) == (6, pytest.approx(2 / 6), 0.5)
    # pseudonymous wrote 8: MysteriousSW 4 (kitchen table; reply to Jane; reply to Bob; supervision),
    # Anon Nurse 2 (two replies to Cat), Secret Paramedic 2 (shift done; mention of the trust).
    assert (alias["written"], alias["reply_share"], alias["broadcast_share"]) == (8, 0.5, 3 / 8)
    # Jane and MysteriousSW answered each other in the thread of "kitchen table": Jane's reply is her one post
    # there (1 of 6); MysteriousSW wrote the thread's first post and the answer (2 of 8).
    assert named["conversation_share"] == pytest.approx(1 / 6)
    assert alias["conversation_share"] == pytest.approx(2 / 8)
    # partners: Jane has Bob (out), MysteriousSW (both), Amir (in); Amir has Jane (out): 1 of 4 both ways.
    # MysteriousSW has Jane (both), Bob (out); Anon Nurse has Cat; Secret Paramedic the trust: 1 of 4.
    assert named["reciprocity"] == 0.25 and alias["reciprocity"] == 0.25
    # named received Amir's mention of Jane and MysteriousSW's reply to her, and answered neither;
    # MysteriousSW received Jane's reply and answered it 40 minutes later.
    assert named["response_rate"] == 0.0 and named["median_response_hours"] is None
    assert alias["response_rate"] == 1.0 and alias["median_response_hours"] == pytest.approx(40 / 60)
    # exchanges with labelled accounts: named 5 (1 with Bob), pseudonymous 6 (Bob once, Cat twice)
    assert named["people_share"] == pytest.approx(1 / 5)
    assert alias["people_share"] == pytest.approx(3 / 6)


def test_who_each_group_talks_with(ws: Any) -> None:
    rows = {(r["group_name"], r["partner"]): (r["exchanges"], r["exchange_share"])
            for r in ws.authenticity().mixing.to_pylist()}
    people = "people (patients, carers, public)"
    # named addressed Bob, MysteriousSW and Jane (Amir's mention) once each
    assert rows[("named", "named")] == (1, pytest.approx(1 / 3))
    assert rows[("named", "pseudonymous")] == (1, pytest.approx(1 / 3))
    assert rows[("named", people)] == (1, pytest.approx(1 / 3))
    # pseudonymous addressed Jane once, Bob once, Cat twice and the trust once
    assert rows[("pseudonymous", "named")] == (1, 0.2)
    assert rows[("pseudonymous", people)] == (3, 0.6)
    assert rows[("pseudonymous", "organisational")] == (1, 0.2)
    assert len(rows) == 6  # nothing from the groups too small to show


def test_self_declared_registration(ws: Any) -> None:
    result = ws.authenticity()
    assert result.self_declared == 5  # Jane (SWE), Ruth (NMC), Anon Nurse (RN), Secret Paramedic (HCPC), Jen (RM)
    assert _groups(result)["named"]["self_declared"] == 2 and _groups(result)["pseudonymous"]["self_declared"] == 2
    assert result.registration.to_pylist() == [
        {"group_name": "named", "cue": "NMC registered", "accounts": 1},
        {"group_name": "named", "cue": "Social Work England registered", "accounts": 1},
        {"group_name": "pseudonymous", "cue": "HCPC registered", "accounts": 1},
        {"group_name": "pseudonymous", "cue": "registered nurse (RN, RGN, RMN, RNLD, RSCN)", "accounts": 1},
    ]
    assert any("no register was looked up" in note for note in result.notes)


def test_flagged_posts_per_thousand_after_screening(workspace: Path, tmp_path: Path) -> None:
    copy = tmp_path / "screened.duckdb"
    copy.write_bytes(workspace.read_bytes())
    with sociable.open(copy) as ws:
        assert _groups(ws.authenticity())["named"]["flagged_per_1000"] is None  # not screened yet
        ws.screen()
        flagged = ws.query("SELECT a.handle FROM safety_screened s JOIN posts p USING (platform, post_id) "
                           "JOIN accounts a ON a.platform = p.platform AND a.account_id = p.account_id "
                           "WHERE s.verdict IN ('think again', 'do not post')").column(0).to_pylist()
        assert flagged == ["AnonNurse"]  # "Mrs Patel in bed 4 ... discharged": a patient named in a care setting
        groups = _groups(ws.authenticity())
    assert (groups["pseudonymous"]["screened"], groups["pseudonymous"]["flagged"]) == (8, 1)
    assert groups["pseudonymous"]["flagged_per_1000"] == 125.0
    assert (groups["named"]["screened"], groups["named"]["flagged"], groups["named"]["flagged_per_1000"]) == (6, 0, 0.0)


def test_scope_narrows_the_groups(ws: Any) -> None:
    early = ws.authenticity(until="2024-05-06T10:15:00Z")  # up to MysteriousSW's reply to Jane (09:00-10:15)
    assert _groups(early)["named"]["written"] == 6 and _groups(early)["pseudonymous"]["accounts"] == 1
    assert ws.authenticity(platforms="mastodon").accounts == 0


def test_no_labels_says_to_run_roles(tmp_path: Path) -> None:
    with sociable.open(tmp_path / "bare.duckdb") as bare:
        bare.import_files([FIXTURE], collection="care")
        result = bare.authenticity()
    assert result.accounts == 0 and "sociable roles" in result.notes[0]


def test_command_line_json_has_groups_and_never_an_account(workspace: Path) -> None:
    output = CliRunner().invoke(app, ["--workspace", str(workspace), "authenticity", "--json"])
    assert output.exit_code == 0, output.output
    document = json.loads(output.stdout)
    assert document["facts"]["by_group"]["pseudonymous"] == 3
    text = output.stdout
    for handle in ROLES:
        assert handle not in text, handle
    assert "Jane Smith" not in text and "Anon Nurse" not in text
