"""Alerts (a small condition language, exit status 1) and the digest (600 px wide, self-contained)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sociable.analyses.alerts import BadCondition, parse_condition, parse_period
from sociable.cli import app
from sociable.library import alert_figures, make_digest
from sociable.reports.digest import render_digest
from sociable.store import Workspace

AS_OF = datetime(2024, 3, 10, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("unanswered_overdue > 0", True), ("unanswered_overdue > 1", False), ("posts >= 4 and not asks == 0", True),
    ("(answered + unanswered) == asks", True), ("voices - 5 < 0 or flagged > 0", True), ("posts == 3", False),
])
def test_conditions(text: str, expected: bool) -> None:
    figures = {"posts": 4, "voices": 3, "asks": 2, "answered": 0, "unanswered": 2, "unanswered_overdue": 1,
               "flagged": 0}
    assert parse_condition(text).evaluate(figures) is expected


@pytest.mark.parametrize(("text", "message"), [
    ("__import__('os')", "cannot be read"), ("overdue > 0", "not a figure"), ("posts >", "ends too soon"),
    ("(posts > 1", "ends too soon"), ("posts > 1 2", "where it should end"), ("", "empty"),
])
def test_bad_conditions_are_refused(text: str, message: str) -> None:
    with pytest.raises(BadCondition, match=message):
        parse_condition(text)


def test_periods() -> None:
    assert (parse_period("7d"), parse_period("24h"), parse_period("2w")) == (168, 24, 336)
    with pytest.raises(BadCondition):
        parse_period("7 days")


def test_alert_figures(trust: tuple[Workspace, Path]) -> None:
    ws, org = trust
    figures, queue = alert_figures(ws, [org], 7 * 24, AS_OF)
    # 3 March 09:00 to 10 March 09:00: posts 4 (9 March) only (5 is at the end, excluded) -> one post, no asks
    assert (figures["posts"], figures["asks"]) == (1, 0)
    figures, queue = alert_figures(ws, [org], 10 * 24, datetime(2024, 3, 10, 10, 0, tzinfo=UTC))
    assert (figures["posts"], figures["asks"], figures["answered"]) == (4, 3, 1)
    assert (figures["unanswered_overdue"], figures["unanswered_open"]) == (1, 1)
    assert sorted(queue.column("post_id").to_pylist()) == ["3", "5"]


def test_alert_command_exits_non_zero_and_prints_the_items(trust: tuple[Workspace, Path]) -> None:
    ws, org = trust
    path = ws.path
    ws.close()
    args = ["--workspace", str(path), "alert", "--org", str(org), "--since", "10d", "--as-of", "2024-03-10T10:00"]
    fired = CliRunner().invoke(app, [*args, "--if", "unanswered_overdue > 0"])
    assert fired.exit_code == 1, fired.output
    assert "ALERT: unanswered_overdue > 0 (unanswered_overdue = 1)." in fired.output
    assert "why is the car park closed?" in fired.output
    quiet = CliRunner().invoke(app, [*args, "--if", "unanswered_overdue > 5"])
    assert quiet.exit_code == 0 and "No alert" in quiet.output


def test_digest_compares_periods_and_escapes(trust: tuple[Workspace, Path]) -> None:
    ws, org = trust
    digest = make_digest(ws, [org], 5 * 24, datetime(2024, 3, 10, 10, 0, tzinfo=UTC))
    # 5-10 March: posts 4 and 5; 28 Feb-5 March: 1 and 3 (2 is the trust's own answer, not a post about it)
    assert (digest.current.posts, digest.previous.posts) == (2, 2)
    page = render_digest(digest)
    assert "<script" not in page and "http" not in page.split("<body>")[0]
    assert "call me back about my referral" in page and "Oldest unanswered" in page


def test_digest_text_is_escaped(trust: tuple[Workspace, Path]) -> None:
    ws, org = trust
    digest = make_digest(ws, [org], 10 * 24, datetime(2024, 3, 10, 10, 0, tzinfo=UTC))
    digest.oldest[0]["text"] = "<img src=x onerror=alert(1)>"
    assert "&lt;img src=x onerror=alert(1)&gt;" in render_digest(digest)
