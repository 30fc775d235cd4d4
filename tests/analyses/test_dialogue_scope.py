"""since and until change what dialogue, maturity and listening count, however they are run.

The web app once offered since/until on these three and ignored them; here each is run through
the registry in a narrower Scope (and the report and the commands likewise), and the numbers
must follow the window.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from sociable.analyses.base import get_analysis
from sociable.model import Account, Post
from sociable.reports.sections import ReportContext, Table, registered_sections
from sociable.reports.sections_dialogue import dialogue_section, listening_section, maturity_section
from sociable.sources.base import Mapped, RawRecord
from sociable.store import Workspace
from sociable.store.ingest import RESOLVE_MENTIONS_SQL, Batch, BatchWriter, FileSummary
from sociable.store.scope import Scope

T0 = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)
WEEK_TWO = T0 + timedelta(days=7)


def _post(pid: str, author: str, hours: float, text: str, **kw: Any) -> Post:
    return Post("twitter", pid, author, T0 + timedelta(hours=hours), text=text,
                uri=f"https://twitter.com/{author}/status/{pid}", **kw)


@pytest.fixture
def two_weeks(workspace: Workspace, tmp_path: Path) -> tuple[Workspace, Path]:
    """Week one: six broadcasts and an answered question. Week two: two broadcasts and an unanswered question."""
    posts = [_post(f"c{i}", "corp", i, f"Our new clinic opens soon, update {i}") for i in range(6)]
    posts += [
        _post("q1", "ann", 1, "@CityHosp how do I change my appointment?", mentions=("corp",)),
        _post("a1", "corp", 1.5, "@ann call the booking line", reply_to="q1", reply_to_account="ann"),
        _post("d0", "corp", 24 * 8, "Week two news"), _post("d1", "corp", 24 * 8 + 1, "More week two news"),
        _post("q2", "bob", 24 * 8 + 2, "@CityHosp is parking free for blue badge holders?", mentions=("corp",)),
    ]
    batch = Batch("test", "s.jsonl")
    for number, item in enumerate(posts, 1):
        handle = "CityHosp" if item.account_id == "corp" else item.account_id
        batch.add_mapped(RawRecord("test", "s.jsonl", number, {"n": number}),
                         Mapped([item], [Account("twitter", item.account_id, handle=handle)]))
    BatchWriter(workspace.con, 1, None).write(batch, FileSummary("s.jsonl", "test"))
    workspace.con.execute(RESOLVE_MENTIONS_SQL)
    city = tmp_path / "city.txt"
    city.write_text("@CityHosp\n", encoding="utf-8")
    return workspace, city


SCOPES = {"all": Scope(), "week one": Scope(until=WEEK_TWO), "week two": Scope(since=WEEK_TWO)}


def test_dialogue_follows_the_window(two_weeks: tuple[Workspace, Path]) -> None:
    ws, _ = two_weeks
    corp = {name: {row["account_id"]: row for row in get_analysis("dialogue").run(ws, scope).accounts.to_pylist()}
            ["corp"] for name, scope in SCOPES.items()}
    assert {name: row["posts"] for name, row in corp.items()} == {"all": 9, "week one": 7, "week two": 2}
    assert {name: (row["received"], row["response_rate"]) for name, row in corp.items()} == {
        "all": (2, 0.5), "week one": (1, 1.0), "week two": (1, 0.0)}
    totals = {name: get_analysis("dialogue").run(ws, scope).posts for name, scope in SCOPES.items()}
    assert totals == {"all": 11, "week one": 8, "week two": 3}


def test_maturity_follows_the_window(two_weeks: tuple[Workspace, Path]) -> None:
    ws, city = two_weeks
    rows = {name: get_analysis("maturity").run(ws, scope, organisations=[city]).organisations.to_pylist()[0]
            for name, scope in SCOPES.items()}
    assert {name: (row["active_accounts"], row["stage"]) for name, row in rows.items()} == {
        "all": (1, "coordinating"), "week one": (1, "coordinating"), "week two": (0, "dormant")}
    assert {name: row["response_rate"] for name, row in rows.items()} == {"all": 0.5, "week one": 1.0,
                                                                         "week two": 0.0}


def test_listening_follows_the_window(two_weeks: tuple[Workspace, Path]) -> None:
    ws, city = two_weeks
    results = {name: get_analysis("listening").run(ws, scope, organisations=[city])
               for name, scope in SCOPES.items()}
    assert {name: (r.posts, r.asked, r.answered) for name, r in results.items()} == {
        "all": (2, 2, 1), "week one": (1, 1, 1), "week two": (1, 1, 0)}
    assert results["week two"].queue.column("post_id").to_pylist() == ["q2"]
    assert results["week one"].queue.num_rows == 0


def test_results_say_their_scope_in_json(two_weeks: tuple[Workspace, Path]) -> None:
    ws, city = two_weeks
    for name in ("dialogue", "maturity", "listening"):
        document = orjson.loads(orjson.dumps(get_analysis(name).run(ws, SCOPES["week two"],
                                                                     organisations=[city]).to_json()))
        assert document["analysis"] == name
        assert document["scope"]["since"] == WEEK_TWO.isoformat() and document["scope"]["until"] is None
        assert document["options"]["organisations"] == [str(city)]
        assert document["notes"] and document["measures"]
    document = get_analysis("maturity").run(ws, SCOPES["all"], organisations=[city]).to_json()
    assert orjson.loads(orjson.dumps(document))["facts"]["placements"][0]["stage"] == "coordinating"


def test_report_sections_follow_the_report_scope(two_weeks: tuple[Workspace, Path]) -> None:
    ws, city = two_weeks
    receives = {spec.name: spec.analysis for spec in registered_sections()}
    assert {name: receives[name] for name in ("dialogue", "maturity", "listening")} == {
        "dialogue": "dialogue", "maturity": "maturity", "listening": "listening"}
    assert (get_analysis("listening").command, get_analysis("listening").method) == ("listen", "listen")
    texts = {}
    for name, scope in SCOPES.items():
        ctx = ReportContext(ws, scope, options={"organisations": [city]})
        built = [dialogue_section(ctx, ctx.result("dialogue")), maturity_section(ctx, ctx.result("maturity")),
                 listening_section(ctx, ctx.result("listening"))]
        texts[name] = " ".join(str(block) for section in built if section is not None for block in section.blocks)
    assert "city is at stage 3 of 5, coordinating" in texts["all"]
    assert "city is at stage 1 of 5, dormant" in texts["week two"]
    assert "1 posts about the target by 1 accounts" in texts["week two"]
    assert "2 posts about the target by 2 accounts" in texts["all"]


def test_the_dialogue_section_shows_the_chosen_grouping(two_weeks: tuple[Workspace, Path]) -> None:
    ws, city = two_weeks
    captions = {}
    for by in ("account", "role", "organisation"):
        ctx = ReportContext(ws, Scope(), options={"organisations": [city]}, overrides={"dialogue": {"by": by}})
        section = dialogue_section(ctx, ctx.result("dialogue"))
        assert section is not None
        captions[by] = [block.caption for block in section.blocks if isinstance(block, Table)]
    assert captions == {"account": ["By role", "By sector", "The 25 most active accounts"], "role": ["By role"],
                        "organisation": ["By organisation"]}


def test_commands_take_dates_as_utc(two_weeks: tuple[Workspace, Path]) -> None:
    import sociable.cli  # noqa: F401  (registers the commands)
    from sociable.cli import app

    ws, city = two_weeks
    path = ws.path
    ws.close()
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(app, ["-w", str(path), *args], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        return result.output

    week = WEEK_TWO.strftime("%Y-%m-%d")  # a date without a time zone means midnight UTC
    assert "1 posts about the target" in run("listen", "--org", str(city), "--since", week)
    assert "2 posts about the target" in run("listen", "--org", str(city))
    assert "stage 1 of 5, dormant" in run("maturity", "--org", str(city), "--since", week)
    assert "stage 3 of 5, coordinating" in run("maturity", "--org", str(city), "--until", week)
    everything, second = run("dialogue", "--limit", "0"), run("dialogue", "--since", week, "--limit", "0")
    assert "│ CityHosp " in everything and "│ ann " in everything
    assert "│ CityHosp " in second and "│ ann " not in second
