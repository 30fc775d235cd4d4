"""Work two analyses need is done once within a report, and never reused outside one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from sociable.analyses import dialogue as dlg
from sociable.analyses.base import get_analysis, shared, sharing_work
from sociable.analyses.maturity import assess_maturity
from sociable.analyses.organisations import Organisation
from sociable.reports.html import write_report
from sociable.store import Workspace


def test_shared_work_is_kept_only_within_the_block() -> None:
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert shared(("k",), compute) == 1 and shared(("k",), compute) == 2  # outside: computed each time
    with sharing_work():
        assert shared(("k",), compute) == shared(("k",), compute) == 3
        assert shared(("other",), compute) == 4
        with sharing_work():  # a nested block starts empty
            assert shared(("k",), compute) == 5
        assert shared(("k",), compute) == 3
    assert shared(("k",), compute) == 6


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    calls: list[tuple[Any, ...]] = []
    real = dlg._account_counts

    def counting(ws: Workspace, scope: Any, window_hours: float) -> pa.Table:
        calls.append((scope, window_hours))
        return real(ws, scope, window_hours)

    monkeypatch.setattr(dlg, "_account_counts", counting)
    return calls


def test_a_report_counts_dialogue_once_for_dialogue_and_maturity(
    workspace: Workspace, tmp_path: Path, counted: list[tuple[Any, ...]]
) -> None:
    write_report(workspace, tmp_path / "report.html", workspace.scope())
    assert len(counted) == 1
    get_analysis("dialogue").run(workspace, workspace.scope())
    get_analysis("dialogue").run(workspace, workspace.scope())
    assert len(counted) == 3  # outside a report, each run counts afresh


def test_maturity_reads_the_counts_dialogue_made(workspace: Workspace, counted: list[tuple[Any, ...]]) -> None:
    organisations = [Organisation("@corp", (("twitter", "corp"),))]
    with sharing_work():
        get_analysis("dialogue").run(workspace, workspace.scope())
        placed = assess_maturity(workspace, workspace.scope(), organisations=organisations, window=48.0, rubric=False)
    assert len(counted) == 1 and placed.organisations.num_rows == 1


def test_different_windows_are_counted_apart(workspace: Workspace, counted: list[tuple[Any, ...]]) -> None:
    with sharing_work():
        dlg.account_counts(workspace, workspace.scope(), 48)
        dlg.account_counts(workspace, workspace.scope(), 24)
        dlg.account_counts(workspace, workspace.scope(), 48.0)
    assert [window for _, window in counted] == [48, 24]
