"""The maturity rubric: each stage reached by measures built for it, and sentences that say why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from sociable.analyses import maturity as mat
from sociable.analyses.base import get_analysis
from sociable.model import Account, Post
from sociable.sources.base import Mapped, RawRecord
from sociable.store import Workspace
from sociable.store.ingest import RESOLVE_MENTIONS_SQL, Batch, BatchWriter, FileSummary

T0 = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)

EMPOWERING: dict[str, Any] = {
    "organisation": "Riverside Trust", "accounts_listed": 4, "active_accounts": 4, "internal_share": 0.75,
    "cross_sector_share": 0.3, "people_share": 0.45, "staff_accounts": 2, "reciprocity": 0.5, "response_rate": 0.8,
    "median_response_hours": 3.0, "broadcast_share": 0.4,
}


def with_(**changes: Any) -> dict[str, Any]:
    return {**EMPOWERING, **changes}


@pytest.mark.parametrize(("changes", "stage"), [
    ({}, "empowering"),
    ({"median_response_hours": 30.0}, "scaling"),
    ({"people_share": None}, "scaling"),  # roles unknown: cannot show people are in the conversation
    ({"active_accounts": 2}, "coordinating"),
    ({"cross_sector_share": 0.1}, "coordinating"),
    ({"response_rate": 0.1}, "testing"),
    ({"internal_share": 0.25}, "testing"),
    ({"active_accounts": 0, "response_rate": None, "reciprocity": None}, "dormant"),
])
def test_stages(changes: dict[str, Any], stage: str) -> None:
    assert mat.place(with_(**changes)).stage == stage


def test_single_account_is_not_held_back_by_coordination() -> None:
    placement = mat.place(with_(active_accounts=1, internal_share=None))
    assert placement.stage == "coordinating"
    assert "does not apply with fewer than 2 active accounts" in placement.summary
    assert placement.next_steps == ("bring services and staff accounts in, so that at least 3 of its accounts are "
                                    "active",)


def test_sentences_name_measures_values_and_the_way_up() -> None:
    placement = mat.place(with_(response_rate=0.1, reciprocity=0.05))
    assert placement.stage == "testing" and placement.stage_number == 2
    assert "the number of active accounts is 4 (at least 1 needed)" in placement.reasons
    assert placement.blockers == ("the response rate is 10% (at least 25% needed)",
                                  "the reciprocity is 5% (at least 15% needed)")
    assert "It is not yet coordinating because the response rate is 10%" in placement.summary
    assert "To move up: answer at least a quarter" in placement.summary


def test_top_stage_says_so() -> None:
    assert mat.place(EMPOWERING).summary.endswith("This is the highest stage.")


def test_unknown_roles_are_named_as_such() -> None:
    placement = mat.place(with_(people_share=None, staff_accounts=None))
    assert "the share of exchanges with people is unknown (run `sociable roles`)" in placement.blockers


def test_rubric_file_is_checked(tmp_path: Path) -> None:
    stages = mat.load_rubric()
    assert [s.name for s in stages] == ["dormant", "testing", "coordinating", "scaling", "empowering"]
    assert mat.rubric_table().num_rows == 5
    bad = tmp_path / "rubric.yaml"
    bad.write_text("stages:\n  - name: x\n    summary: y\n    conditions:\n      - measure: likes\n"
                   "        at_least: 1\n        advice: z\n", encoding="utf-8")
    with pytest.raises(mat.RubricError, match="unknown measure 'likes'"):
        mat.load_rubric(bad)
    bad.write_text("levels: []\n", encoding="utf-8")
    with pytest.raises(mat.RubricError, match="lacks"):
        mat.load_rubric(bad)


def _write(ws: Workspace, posts: list[Post]) -> None:
    batch = Batch("test", "m.jsonl")
    for number, item in enumerate(posts, 1):
        account = Account("twitter", item.account_id, handle=item.account_id)
        batch.add_mapped(RawRecord("test", "m.jsonl", number, {"n": number}), Mapped([item], [account]))
    BatchWriter(ws.con, 1, None).write(batch, FileSummary("m.jsonl", "test"))
    ws.con.execute(RESOLVE_MENTIONS_SQL)


def save_labels(ws: Workspace, rows: list[dict[str, Any]]) -> None:
    """Store derived labels with the store's method (save_labels; replace_labels before labels had a view)."""
    store = getattr(ws, "save_labels", None) or ws.replace_labels
    store(pa.Table.from_pylist(rows))


def _post(pid: str, author: str, minutes: int, **kw: Any) -> Post:
    return Post("twitter", pid, author, T0 + timedelta(minutes=minutes), text=f"text {pid}", **kw)


def test_assess_a_workspace(workspace: Workspace, tmp_path: Path) -> None:
    posts = [_post(f"c{i}", "trust_main", i * 30) for i in range(5)]
    posts += [_post(f"w{i}", "trust_wards", i * 30 + 5, mentions=("trust_main",)) for i in range(5)]
    posts += [_post(f"q{i}", "member_public", 400 + i, mentions=("trust_main",)) for i in range(4)]
    posts += [_post(f"a{i}", "trust_main", 430 + i, reply_to=f"q{i}", reply_to_account="member_public")
              for i in range(2)]
    posts += [_post("old", "trust_jobs", 10)]
    _write(workspace, posts)
    rows = [{"platform": "twitter", "account_id": a, "role": r, "subtype": None, "sector": s, "role_source": "rule",
             "sector_source": "rule", "confidence": 1.0}
            for a, r, s in (("trust_main", "organisation", "health"), ("trust_wards", "organisation", "health"),
                            ("member_public", "person", "unknown"))]
    workspace.save_labels(pa.Table.from_pylist(rows))
    trust, dormant = tmp_path / "trust.txt", tmp_path / "quiet.txt"
    trust.write_text("trust_main\ntrust_wards\ntrust_jobs\n", encoding="utf-8")
    dormant.write_text("trust_jobs\n", encoding="utf-8")
    result = get_analysis("maturity").run(workspace, None, organisations=[trust, dormant])
    table = {row["organisation"]: row for row in result.organisations.to_pylist()}
    assert (table["trust"]["accounts_listed"], table["trust"]["active_accounts"]) == (3, 2)
    assert table["trust"]["internal_share"] == 1.0  # the wards account mentions the main one
    assert table["trust"]["response_rate"] == pytest.approx(2 / 9)  # 2 of 4 public mentions + 5 internal ones
    assert table["trust"]["stage"] == "testing"
    assert table["quiet"]["stage"] == "dormant"
    assert any(note.startswith("trust is at stage 2 of 5, testing") for note in result.notes)
    assert {m.name for m in result.measures} >= set(mat.LABELS)
    assert [p.stage for p in result.placements] == ["dormant", "testing"]  # in the order of the table
    assert result.rubric.num_rows == 0 and result.shown_tables() == ["organisations"]
    asked = get_analysis("maturity").run(workspace, None, organisations=[trust], rubric=True)
    assert asked.rubric.num_rows == 5 and asked.shown_tables() == ["organisations", "rubric"]


def test_without_organisations_each_organisation_account_stands_alone(workspace: Workspace) -> None:
    _write(workspace, [_post(f"c{i}", "trust_main", i * 30) for i in range(5)])
    result = get_analysis("maturity").run(workspace)
    assert result.organisations.num_rows == 0
    assert result.notes[-1].startswith("No accounts labelled as organisations posted in scope")
    rows = [{"platform": "twitter", "account_id": "trust_main", "role": "organisation", "subtype": None,
             "sector": "health", "role_source": "rule", "sector_source": "rule", "confidence": 1.0}]
    workspace.save_labels(pa.Table.from_pylist(rows))
    result = get_analysis("maturity").run(workspace)
    assert result.organisations.column("organisation").to_pylist() == ["@trust_main"]
    assert "--org FILE" in result.notes[0]
