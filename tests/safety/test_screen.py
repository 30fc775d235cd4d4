"""Batch screening: stored findings per post, idempotent re-screening, the safety analysis, CSV and the CLI."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pytest
from staff_corpus import AMARA, BECKY, NHS_NUMBER, TRUST, build
from typer.testing import CliRunner

import sociable.safety.screen as screen_module
from sociable.analyses.base import get_analysis
from sociable.analyses.safety import NOT_SCREENED, SafetyResult
from sociable.errors import NoSuchCollection, SociableError, WorkspaceError
from sociable.reports.exports import export_findings
from sociable.safety.screen import screen, screening_scope
from sociable.store import Scope, Workspace
from sociable.store import open as open_workspace

runner = CliRunner()
AMARA_ID, BECKY_ID, TRUST_ID = AMARA["id_str"], BECKY["id_str"], TRUST["id_str"]


@pytest.fixture
def staff(workspace: Workspace, tmp_path: Path) -> Workspace:
    return build(workspace, tmp_path)


def stored(ws: Workspace) -> list[tuple[str, str, str, int, int]]:
    return [tuple(r.values()) for r in ws.query(
        'SELECT post_id, category, severity, "start", "end" FROM safety_findings ORDER BY post_id, "start"'
    ).to_pylist()]


def summarise(ws: Workspace, collection: str | None = None) -> SafetyResult:
    result: SafetyResult = get_analysis("safety").run(ws, ws.scope(collection))
    return result


def test_findings_are_stored_per_post_with_exact_spans(staff: Workspace) -> None:
    screen(staff, staff.scope("staff"))
    assert stored(staff) == [
        ("1764000000000000001", "R5", "think again", 0, 44),  # the head reads "refused her meds again" as R5
        ("1764000000000000001", "R1", "do not post", 8, 13),
        ("1764000000000000002", "R1", "do not post", 11, 23),
        ("1764000000000000005", "R5", "think again", 0, 11),
        ("1764000000000000006", "R9", "think again", 0, 45),
    ]
    text = staff.scalar("SELECT text FROM posts WHERE post_id = '1764000000000000002'")
    assert text[11:23] == NHS_NUMBER
    verdicts = {r["post_id"]: r["verdict"] for r in staff.query("SELECT post_id, verdict FROM safety_screened")
                .to_pylist()}
    assert verdicts == {
        "1764000000000000001": "do not post", "1764000000000000002": "do not post",
        "1764000000000000003": "ok", "1764000000000000004": "ok", "1764000000000000005": "think again",
        "1764000000000000006": "think again", "1764000000000000010": "ok",
    }


def test_reposts_and_other_collections_are_left_alone(staff: Workspace) -> None:
    screen(staff, staff.scope("staff"))
    ids = set(staff.query("SELECT post_id FROM safety_screened").column(0).to_pylist())
    assert "1764000000000000011" not in ids  # the repost
    assert "1764000000000000020" not in ids  # in 'other' only
    screen(staff, staff.scope("staff"), include_reposts=True)
    assert staff.scalar("SELECT verdict FROM safety_screened WHERE post_id = '1764000000000000011'") == "ok"


def test_reposts_are_screened_when_the_scope_names_them() -> None:
    assert screening_scope(Scope()).kinds == ("post", "reply", "quote")
    assert screening_scope(Scope(kinds=("reply", "repost"))).kinds == ("reply", "repost")
    assert screening_scope(Scope(kinds=("post", "quote"))).kinds == ("post", "quote")
    assert screening_scope(Scope(), include_reposts=True).kinds == ()


def test_rescreening_replaces_instead_of_adding(staff: Workspace) -> None:
    screen(staff, staff.scope("staff"))
    screen(staff)  # everything, overlapping the collection
    first = stored(staff)
    screen(staff, staff.scope("staff"))
    assert stored(staff) == first
    assert staff.scalar("SELECT count(*) FROM safety_screened") == 8
    assert staff.scalar("SELECT count(*) - count(DISTINCT (platform, post_id)) FROM safety_screened") == 0
    assert staff.scalar("SELECT count(*) FROM safety_findings") == 6


def test_summary_counts_by_verdict_category_severity_and_account(staff: Workspace) -> None:
    summary = screen(staff, staff.scope("staff"), chunk_size=3)
    assert isinstance(summary, SafetyResult) and summary.scope.collection == "staff"
    assert (summary.posts, summary.screened, summary.flagged, summary.findings) == (7, 7, 4, 5)
    assert summary.flagged_share == pytest.approx(4 / 7)
    assert summary.verdicts.to_pydict() == {"verdict": ["do not post", "think again", "advice", "ok"],
                                            "posts": [2, 2, 0, 3]}
    assert [(r["category"], r["title"], r["findings"], r["posts"], r["accounts"]) for r in
            summary.categories.to_pylist()] == [
        ("R1", "Direct identifiers", 2, 2, 1),
        ("R5", "Derogatory remarks about people in care", 2, 2, 1),
        ("R9", "Individual clinical advice or misinformation", 1, 1, 1),
    ]
    assert summary.severities.to_pydict() == {"severity": ["do not post", "think again", "advice"],
                                              "findings": [2, 3, 0], "posts": [2, 3, 0]}
    accounts = {r["account_id"]: (r["handle"], r["screened"], r["flagged"], r["findings"], r["categories"])
                for r in summary.accounts.to_pylist()}
    assert accounts == {
        AMARA_ID: ("wardsisteramara", 4, 4, 5, ["R1", "R5", "R9"]),
        BECKY_ID: ("carerbeckyh", 2, 0, 0, None),
        TRUST_ID: ("northtrustcomms", 1, 0, 0, None),
    }
    assert summary.accounts.column("account_id")[0].as_py() == AMARA_ID
    assert summary.headline() == ["Screened 7 of 7 posts in the collection 'staff': 4 flagged (57.1%), 5 findings."]
    assert summary.roles.num_rows == 0 and summary.notes == ()


def test_summary_of_the_whole_workspace_reads_stored_results(staff: Workspace) -> None:
    screen(staff)
    whole = summarise(staff)
    assert (whole.posts, whole.screened, whole.flagged) == (8, 8, 5)
    assert summarise(staff, "other").categories.column("category").to_pylist() == ["R1"]
    document = whole.to_json()
    assert document["analysis"] == "safety" and document["facts"]["flagged"] == 5
    assert [row["verdict"] for row in document["tables"]["verdicts"]] == ["do not post", "think again", "advice", "ok"]


def test_a_screened_repost_counts_and_an_unscreened_one_does_not(staff: Workspace) -> None:
    screen(staff, staff.scope("staff"))
    assert summarise(staff, "staff").posts == 7
    screen(staff, staff.scope("staff"), include_reposts=True)
    assert (summarise(staff, "staff").posts, summarise(staff, "staff").screened) == (8, 8)


def test_flagged_posts_by_role_come_from_role_labels(staff: Workspace) -> None:
    staff.save_labels(pa.Table.from_pylist([
        {"platform": "twitter", "account_id": AMARA_ID, "role": "professional", "subtype": "nurse", "sector": "health",
         "role_source": "rule", "sector_source": "rule", "confidence": 1.0},
        {"platform": "twitter", "account_id": TRUST_ID, "role": "organisation", "subtype": "NHS trust",
         "sector": "health", "role_source": "rule", "sector_source": "rule", "confidence": 1.0},
    ]))
    roles = screen(staff, staff.scope("staff")).roles.to_pylist()
    assert roles == [
        {"role": "professional", "accounts": 1, "screened": 4, "flagged": 4, "findings": 5},
        {"role": "unlabelled", "accounts": 1, "screened": 2, "flagged": 0, "findings": 0},
        {"role": "organisation", "accounts": 1, "screened": 1, "flagged": 0, "findings": 0},
    ]


def test_progress_is_reported_per_chunk(staff: Workspace) -> None:
    seen: list[tuple[int, int]] = []
    screen(staff, staff.scope("staff"), chunk_size=3, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(3, 7), (6, 7), (7, 7)]


def test_findings_csv_leaves_the_flagged_words_out_unless_asked(staff: Workspace, tmp_path: Path) -> None:
    screen(staff, staff.scope("staff"))
    plain, full = tmp_path / "findings.csv", tmp_path / "full.csv"
    assert export_findings(staff, plain, staff.scope("staff")) == 5
    rows = list(csv.DictReader(plain.open(encoding="utf-8")))
    assert [(r["post_id"], r["category"], r["severity"], r["verdict"]) for r in rows][2] == (
        "1764000000000000002", "R1", "do not post", "do not post")
    assert rows[1]["title"] == "Direct identifiers" and rows[1]["handle"] == "wardsisteramara"
    assert "flagged_text" not in rows[0] and NHS_NUMBER not in plain.read_text(encoding="utf-8")
    assert "Mrs K" not in plain.read_text(encoding="utf-8")
    export_findings(staff, full, staff.scope("staff"), include_text=True)
    assert [r["flagged_text"] for r in csv.DictReader(full.open(encoding="utf-8"))][:3] == [
        "Bay 4's Mrs K refused her meds again tonight", "Mrs K", NHS_NUMBER]


def test_before_any_screening_the_analysis_says_how_to_screen(staff: Workspace, tmp_path: Path) -> None:
    before = summarise(staff, "staff")
    assert (before.posts, before.screened, before.flagged, before.findings) == (7, 0, 0, 0)
    assert before.notes == (NOT_SCREENED,) and "sociable screen" in NOT_SCREENED
    assert before.verdicts.column("posts").to_pylist() == [0, 0, 0, 0] and before.categories.num_rows == 0
    with pytest.raises(SociableError, match="run `sociable screen` first"):
        export_findings(staff, tmp_path / "f.csv")


def test_bad_requests_raise_sociable_errors(staff: Workspace, tmp_path: Path) -> None:
    with pytest.raises(NoSuchCollection, match="the collections are: other, staff"):
        screen(staff, Scope.of("nope"))
    with pytest.raises(SociableError, match="profession"):
        screen(staff, profession="astronaut")
    with pytest.raises(SociableError, match="chunk size"):
        screen(staff, chunk_size=0)
    staff.close()
    read_only = open_workspace(tmp_path / "ws.duckdb", read_only=True)
    try:
        with pytest.raises(WorkspaceError, match="read-only"):
            screen(read_only)
    finally:
        read_only.close()


def test_screen_command_prints_summary_and_writes_csv(staff: Workspace, tmp_path: Path) -> None:
    from sociable.cli import app

    path = str(staff.path)
    staff.close()
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["--workspace", path, "screen", "--collection", "staff", "--csv", str(out)])
    assert result.exit_code == 0, result.output
    assert "Screened 7 of 7 posts in the collection 'staff': 4 flagged (57.1%), 5 findings." in result.output
    assert "Direct" in result.output and "wardsisteramara" in result.output
    assert "Wrote 5 findings to" in result.output and out.exists()
    assert "Mrs K" not in result.output and NHS_NUMBER not in result.output


def test_screen_command_takes_a_time_window(staff: Workspace) -> None:
    from sociable.cli import app

    path = str(staff.path)
    staff.close()
    result = runner.invoke(app, ["--workspace", path, "screen", "-c", "staff", "--since", "2024-03-05T21:04:00",
                                 "--until", "2024-03-05T21:06:00"])
    assert result.exit_code == 0, result.output
    assert "Screened 2 of 2 posts in the collection 'staff': 1 flagged (50.0%), 1 findings." in result.output


def test_screen_command_unknown_collection_is_one_sentence(staff: Workspace) -> None:
    from sociable.cli import app

    path = str(staff.path)
    staff.close()
    result = runner.invoke(app, ["--workspace", path, "screen", "--collection", "nope"])
    assert result.exit_code != 0
    assert isinstance(result.exception, NoSuchCollection)


def test_report_section_shows_counts_only(staff: Workspace) -> None:
    from sociable.reports.html import render_sections
    from sociable.reports.sections import Figures, ReportContext
    from sociable.reports.sections_safety import safety_section

    before = ReportContext(staff, staff.scope("staff"))
    unscreened = safety_section(before, before.result("safety"))
    assert unscreened is not None and "have not been screened yet" in unscreened.blocks[0].text  # type: ignore[union-attr]
    screen(staff, staff.scope("staff"))
    ctx = ReportContext(staff, staff.scope("staff"))
    built = safety_section(ctx, ctx.result("safety"))
    assert built is not None and built.title == "Safe practice"
    assert "the collection “staff”" in built.intro
    figures = next(b for b in built.blocks if isinstance(b, Figures))
    assert [value for _, value in figures.items] == ["7", "4", "57.1%", "5"]
    html = render_sections([built])
    assert "Direct identifiers" in html and "Individual clinical advice or misinformation" in html
    for secret in ("wardsisteramara", "Mrs K", NHS_NUMBER, "shingles", AMARA_ID):
        assert secret not in html


def test_the_safety_section_is_registered_for_the_safety_analysis() -> None:
    from sociable.reports.sections import registered_sections

    spec = next(spec for spec in registered_sections() if spec.name == "safety")
    assert (spec.title, spec.analysis, spec.order) == ("Safe practice", "safety", 80)


def test_worker_processes_store_what_one_process_stores(staff: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large scope is checked in worker processes; the stored rows are the same as checking in one."""
    stored = "SELECT * EXCLUDE (checked_at) FROM {} ORDER BY ALL"
    screen(staff, chunk_size=3)
    alone = {table: staff.query(stored.format(table)) for table in ("safety_screened", "safety_findings")}
    monkeypatch.setattr(screen_module, "PARALLEL_POSTS", 0)
    monkeypatch.setattr(screen_module, "MAX_WORKERS", 2)
    monkeypatch.setattr(screen_module.os, "cpu_count", lambda: 2)
    seen: list[int] = []
    screen(staff, chunk_size=3, progress=lambda done, total: seen.append(done))
    assert seen == sorted(seen) and seen[-1] == alone["safety_screened"].num_rows
    for table, rows in alone.items():
        assert staff.query(stored.format(table)).equals(rows), table
    assert alone["safety_findings"].num_rows > 0
