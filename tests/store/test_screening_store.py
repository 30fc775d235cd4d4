"""The store's screening tables and methods: in every workspace's schema, saved and forgotten by scope."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

import sociable
from sociable.errors import SociableError
from sociable.store import Workspace
from sociable.store.screening import FINDINGS_SCHEMA, SCREENED_SCHEMA

sys.path.insert(0, str(Path(__file__).parents[1] / "safety"))
from staff_corpus import AMARA, build

WHEN = datetime(2024, 3, 6, tzinfo=UTC)


def rows(post_ids: list[str], verdict: str = "ok") -> tuple[pa.Table, pa.Table]:
    screened = pa.Table.from_pylist([
        {"platform": "twitter", "post_id": p, "account_id": AMARA["id_str"], "verdict": verdict,
         "findings": 1, "profession": None, "checked_at": WHEN} for p in post_ids], schema=SCREENED_SCHEMA)
    findings = pa.Table.from_pylist([
        {"platform": "twitter", "post_id": p, "account_id": AMARA["id_str"], "category": "R1",
         "severity": "do not post", "kind": "name", "start": 0, "end": 3, "principles": ["NMC-2"],
         "checked_at": WHEN} for p in post_ids], schema=FINDINGS_SCHEMA)
    return screened, findings


def test_every_new_workspace_has_the_screening_tables(workspace: Workspace) -> None:
    names = set(workspace.query("SELECT table_name FROM information_schema.tables").column(0).to_pylist())
    assert {"safety_screened", "safety_findings"} <= names
    assert not workspace.has_screening()


def test_an_older_workspace_without_them_gets_them_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    sociable.open(path).close()
    with duckdb.connect(str(path)) as con:
        con.execute("DROP TABLE safety_screened; DROP TABLE safety_findings")
    read_only = sociable.open(path, read_only=True)
    try:
        assert not read_only.has_screening()  # read-only: nothing is created, and nothing breaks
    finally:
        read_only.close()
    with sociable.open(path) as ws:
        assert ws.query("SELECT count(*) AS n FROM safety_findings").column(0).to_pylist() == [0]


def test_saved_rows_are_forgotten_by_scope_only(workspace: Workspace, tmp_path: Path) -> None:
    staff = build(workspace, tmp_path)
    with staff.transaction():
        staff.save_screening(*rows(["1764000000000000001", "1764000000000000020"]))
    assert staff.has_screening()
    with staff.transaction():
        staff.forget_screening(staff.scope("staff"))
    assert staff.query("SELECT post_id FROM safety_screened").column(0).to_pylist() == ["1764000000000000020"]
    assert staff.query("SELECT post_id FROM safety_findings").column(0).to_pylist() == ["1764000000000000020"]


def test_a_failed_screening_transaction_keeps_the_earlier_results(workspace: Workspace, tmp_path: Path) -> None:
    staff = build(workspace, tmp_path)
    staff.save_screening(*rows(["1764000000000000001"]))
    with pytest.raises(RuntimeError), staff.transaction():
        staff.forget_screening()
        staff.save_screening(*rows(["1764000000000000002"]))
        raise RuntimeError("checker crashed")
    assert staff.query("SELECT post_id FROM safety_screened").column(0).to_pylist() == ["1764000000000000001"]


def test_rows_missing_a_column_are_refused(workspace: Workspace) -> None:
    screened, findings = rows(["1"])
    with pytest.raises(SociableError, match="safety_screened rows need the columns verdict"):
        workspace.save_screening(screened.drop_columns(["verdict"]), findings)


def test_post_chunks_stream_the_scope_in_key_order(workspace: Workspace, tmp_path: Path) -> None:
    staff = build(workspace, tmp_path)
    chunks = list(staff.post_chunks(staff.scope("staff"), ("post_id",), size=3))
    assert [chunk.num_rows for chunk in chunks] == [3, 3, 2]
    ids = [i for chunk in chunks for i in chunk.column("post_id").to_pylist()]
    assert ids == sorted(ids) and len(set(ids)) == 8 and "1764000000000000020" not in ids
    by_time = [c for chunk in staff.post_chunks(by=("created_at", "platform", "post_id"), size=2)
               for c in chunk.column("created_at").to_pylist()]
    assert by_time == sorted(by_time) and len(by_time) == 9
    with pytest.raises(SociableError, match="chunk size"):
        list(staff.post_chunks(size=0))
