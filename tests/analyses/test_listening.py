"""Listening: the question/complaint rules, the unanswered queue, voices, sentiment and themes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from sociable.analyses import listening_rules as rules
from sociable.analyses.base import OptionError, get_analysis
from sociable.analyses.listening import ListeningResult, Target, keyword_pattern, score_sentiment
from sociable.errors import SociableError
from sociable.model import Account, Post
from sociable.sources.base import Mapped, RawRecord
from sociable.store import Workspace
from sociable.store.ingest import RESOLVE_MENTIONS_SQL, Batch, BatchWriter, FileSummary
from sociable.store.scope import Scope

T0 = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)
FOLLOWERS = {"ann": 40, "bob": 12000, "cat": 300, "dan": 5, "eve": 80, "fay": 10, "corp": 9000, "nurse": 700}

ASKS = [
    ("@CityHosp how do I change my outpatient appointment", "question"),
    ("Does anyone know if the walk-in centre is open on Monday", "question"),
    ("@CityHosp is parking free for blue badge holders?", "question"),
    ("@CityHosp could you share the new visiting hours", "request"),
    ("@CityHosp please can someone ring me back about my dad", "request"),
    ("@CityHosp third time my mum's home visit has been missed this month", "complaint"),
    ("@CityHosp waited four hours for a call back today and nobody rang", "complaint"),
    ("@CityHosp still no reply to my email. Who is accountable for this?", "complaint"),
    ("@CityHosp your phone line rings out every time I try", "complaint"),
]
NEAR_MISSES = [
    "@CityHosp thank you for the lovely care my mum had",
    "Please share our new jobs board https://example.org/jobs?ref=abc",
    "What a brilliant team! Thanks @CityHosp",
    "Yes! More of this please.",
    "Can't complain, the clinic ran on time",
    "Proud to see our nurses recognised https://example.org/news?id=7",
]


@pytest.mark.parametrize(("text", "kind"), ASKS)
def test_asks_are_recognised(text: str, kind: str) -> None:
    assert rules.classify(text).kind == kind


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_stay_quiet(text: str) -> None:
    assert rules.classify(text).kind is None


def test_urgency_cues() -> None:
    urgent = rules.classify("@CityHosp urgent: mum has run out of medication, who can help?")
    assert urgent.urgent and urgent.kind == "question"
    assert {"urgent words", "needs help now", "question mark"} <= set(urgent.cues)
    assert not rules.classify("@CityHosp is the café open on Sunday?").urgent


def test_sql_rules_agree_with_python() -> None:
    texts = [text for text, _ in ASKS] + NEAR_MISSES + ["@CityHosp emergency!! help me", "", "What's up?"]
    con = duckdb.connect()
    plain = rules.plain_text_sql("t")
    rows = con.sql(f"SELECT t, {rules.kind_sql('p')} AS kind, {rules.urgent_sql('p')} AS urgent, "
                   f"{rules.cues_sql('p')} AS cues FROM (SELECT t, {plain} AS p FROM (SELECT unnest($texts) AS t))",
                   params={"texts": texts}).fetchall()
    for text, kind, urgent, cues in rows:
        expected = rules.classify(text)
        assert (kind, urgent, tuple(cues)) == (expected.kind, expected.urgent, expected.cues), text


def test_keyword_pattern_escapes_and_bounds() -> None:
    pattern = keyword_pattern(["City Hospital", "A&E (west)", " "])
    assert pattern == r"(?i)(?:\bCity\s+Hospital\b|\bA&E \(west\))".replace(" \\(", "\\s+\\(")
    assert keyword_pattern([]) is None


def _write(ws: Workspace, posts: list[Post]) -> None:
    batch = Batch("test", "l.jsonl")
    handles = {"corp": "CityHosp", "nurse": "CityNurseJo"}
    for number, item in enumerate(posts, 1):
        account = Account("twitter", item.account_id, handle=handles.get(item.account_id, item.account_id),
                          followers=FOLLOWERS.get(item.account_id))
        batch.add_mapped(RawRecord("test", "l.jsonl", number, {"n": number}), Mapped([item], [account]))
    BatchWriter(ws.con, 1, None).write(batch, FileSummary("l.jsonl", "test"))
    ws.con.execute(RESOLVE_MENTIONS_SQL)


def _post(pid: str, author: str, hours: float, text: str, **kw: Any) -> Post:
    uri = f"https://twitter.com/{author}/status/{pid}"
    return Post("twitter", pid, author, T0 + timedelta(hours=hours), text=text, uri=uri, **kw)


def listen(ws: Workspace, scope: Scope | None = None, **options: Any) -> ListeningResult:
    """The listening analysis, run the one way every caller runs it."""
    result: ListeningResult = get_analysis("listening").run(ws, scope, **options)
    return result


@pytest.fixture
def city(tmp_path: Path) -> Path:
    """The organisation file: the corporate account and a nurse, by account id."""
    path = tmp_path / "city.txt"
    path.write_text("corp\nnurse\n", encoding="utf-8")
    return path


@pytest.fixture
def listened(workspace: Workspace, city: Path) -> ListeningResult:
    _write(workspace, [
        _post("q1", "ann", 0, "@CityHosp how do I change my appointment?", mentions=("corp",)),
        _post("q2", "bob", 1, "@CityHosp my dad's visit was missed again. Not good enough", mentions=("corp",)),
        _post("a2", "corp", 1.5, "@bob sorry, we'll call you today", reply_to="q2", reply_to_account="bob"),
        _post("q3", "cat", 2, "@CityHosp please can someone call me back", mentions=("corp",)),
        _post("a3", "nurse", 62, "@cat I've passed this on", mentions=("cat",)),
        _post("q5", "eve", 3, "@CityHosp urgent: mum has run out of medication, what do we do?", mentions=("corp",)),
        _post("p6", "fay", 4, "@CityHosp thank you for the lovely care, wonderful staff", mentions=("corp",)),
        _post("c7", "corp", 5, "How are you all? Our new clinic is open"),
        _post("q8", "ann", 24 * 8, "Waiting at City Hospital again, does anyone know why it is so slow?"),
        _post("q4", "dan", 24 * 8 + 2, "Sat in City Hospital A&E for five hours, any idea how long now?"),
        _post("z9", "fay", 24 * 8 + 10, "nothing to see here"),
    ])
    return listen(workspace, organisations=[city], keywords=["City Hospital"], period="week")


def test_queue_statuses(listened: ListeningResult) -> None:
    asks = {row["post_id"]: row for row in listened.asks.to_pylist()}
    assert set(asks) == {"q1", "q2", "q3", "q5", "q8", "q4"}  # praise and the organisation's own post are not asks
    assert asks["q2"]["status"] == "answered" and asks["q2"]["answer_hours"] == pytest.approx(0.5)
    assert asks["q3"]["status"] == "answered late" and asks["q3"]["answer_hours"] == pytest.approx(60)
    assert asks["q1"]["status"] == asks["q5"]["status"] == "overdue"
    assert asks["q4"]["status"] == asks["q8"]["status"] == "open"  # younger than 48 hours at the end of the data
    assert asks["q2"]["kind"] == "complaint" and asks["q3"]["kind"] == "request"
    assert not asks["q4"]["addressed"] and asks["q1"]["addressed"]
    counts = (listened.asked, listened.answered, listened.answered_late, listened.overdue, listened.open)
    assert counts == (6, 1, 1, 2, 2)


def test_waiting_is_judged_as_of_a_time(workspace: Workspace, listened: ListeningResult, city: Path) -> None:
    later = listen(workspace, organisations=[city], keywords=["City Hospital"], period="week",
                   as_of=(T0 + timedelta(days=20)).isoformat())
    assert (later.asked, later.answered, later.answered_late, later.overdue, later.open) == (6, 1, 1, 4, 0)
    assert later.as_of == T0 + timedelta(days=20) and listened.as_of == T0 + timedelta(hours=24 * 8 + 10)
    with pytest.raises(SociableError, match="--as-of should be a date or time"):
        listen(workspace, organisations=[city], as_of="soon")


def test_queue_is_ranked_by_urgency_then_reach_and_age(listened: ListeningResult) -> None:
    queue = listened.queue.to_pylist()
    assert [row["post_id"] for row in queue][:2] == ["q5", "q1"]
    assert set(row["post_id"] for row in queue) == {"q5", "q1", "q8", "q4"}
    assert listened.main_table() is listened.queue and "queue" in listened.shown_tables()
    assert all(row["uri"].startswith("https://twitter.com/") for row in queue)
    assert queue[0]["urgent"] and "urgent words" in queue[0]["cues"]


def test_voices_new_and_returning(listened: ListeningResult) -> None:
    volume = listened.volume.to_pylist()
    assert [row["posts"] for row in volume] == [5, 2]  # the organisation's own posts are not counted
    assert (volume[1]["voices"], volume[1]["new_voices"], volume[1]["returning_voices"]) == (2, 1, 1)
    assert volume[1]["about"] == 2 and volume[0]["addressed"] == 5


def test_sentiment_and_its_limits(listened: ListeningResult) -> None:
    praise, complaint = score_sentiment(["thank you for the lovely care, wonderful staff",
                                         "missed again. Not good enough, awful"])
    assert praise > 0.5 and complaint < 0
    assert listened.sentiment.column("scored").to_pylist() == [5, 2]
    assert any("VADER" in note and "sarcasm" in note for note in listened.notes)


def test_keyword_only_and_since(workspace: Workspace) -> None:
    _write(workspace, [_post("k1", "ann", 0, "City Hospital car park is full"),
                       _post("k2", "ann", 50, "Cityhospitality is not a match"),
                       _post("k3", "bob", 60, "Lovely staff at CITY HOSPITAL today")])
    result = listen(workspace, workspace.scope(since=T0 + timedelta(hours=1)), keywords=["City Hospital"])
    assert result.posts == 1
    assert result.volume.to_pylist()[0]["new_voices"] == 1
    assert not result.queue_checked and result.asked is None and result.queue.num_rows == 0
    assert "queue" not in result.shown_tables() and result.main_table() is result.volume
    assert any("--org FILE" in note for note in result.notes)


def test_themes_have_examples(workspace: Workspace, tmp_path: Path) -> None:
    posts = [_post(f"t{i}", f"user{i}", i, f"@CityHosp the car park machines are broken {i}", mentions=("corp",))
             for i in range(4)]
    _write(workspace, [*posts, _post("o1", "corp", 0.5, "Welcome")])
    city = tmp_path / "city.txt"
    city.write_text("@CityHosp\n", encoding="utf-8")  # the nurse posts nothing here, so is not in the workspace
    result = listen(workspace, organisations=[city])
    themes = result.themes.to_pylist()
    assert len(themes) == 1 and result.grouped == 4  # too few posts to divide: one theme
    assert themes[0]["name"] == "car park, broken, machines" and themes[0]["posts"] == 4
    assert all(themes[0][f"example_{n}"].startswith("@user") for n in (1, 2, 3))


def test_nothing_to_listen_for(workspace: Workspace) -> None:
    with pytest.raises(SociableError, match="say what to listen for"):
        Target(keywords=(" ",))
    with pytest.raises(SociableError, match="no account is labelled as an organisation"):
        listen(workspace)
    result = listen(workspace, hashtags=["#CityHosp"])
    assert result.posts == 0
    assert result.notes[0] == "No posts about the target were found in scope."
    with pytest.raises(OptionError, match="period"):
        listen(workspace, hashtags=["x"], period="year")
    with pytest.raises(OptionError, match="--unanswered needs --org FILE"):
        listen(workspace, keywords=["x"], unanswered=True)


def test_commands(workspace: Workspace, tmp_path: Any) -> None:
    from typer.testing import CliRunner

    import sociable.cli  # noqa: F401  (registers the commands)
    from sociable.cli import app

    _write(workspace, [
        _post("q1", "ann", 0, "@CityHosp [bold]where[/bold] do I park?", mentions=("corp",)),
        *(_post(f"c{i}", "corp", i, f"News item {i}") for i in range(5)),
    ])
    path = workspace.path
    workspace.close()
    org = tmp_path / "city.txt"
    org.write_text("@CityHosp\n", encoding="utf-8")
    runner = CliRunner()
    queue = runner.invoke(app, ["-w", str(path), "listen", "--org", str(org), "--unanswered"], env={"COLUMNS": "200"})
    assert queue.exit_code == 0, queue.output
    assert "[bold]where[/bold]" in queue.output and "1 posts are waiting" in queue.output
    stage = runner.invoke(app, ["-w", str(path), "maturity", "--org", str(org)], env={"COLUMNS": "200"})
    assert "city is at stage 2 of 5, testing" in stage.output
    talk = runner.invoke(app, ["-w", str(path), "dialogue", "--by", "organisation", "--org", str(org)],
                         env={"COLUMNS": "200"})
    assert talk.exit_code == 0 and "broadcast share:" in talk.output
    missing = runner.invoke(app, ["-w", str(path), "listen", "--unanswered", "--keywords", "x"])
    assert isinstance(missing.exception, SociableError)
