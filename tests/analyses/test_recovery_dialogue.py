"""On the simulated sample: planted broadcasters and conversers told apart, planted unanswered asks queued."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

import sociable
from sociable.analyses import dialogue as dlg
from sociable.analyses.listening import Target, listen
from sociable.analyses.maturity import assess_maturity
from sociable.simulate import simulate
from sociable.store import Workspace

POSTS = 20000


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, dict[str, Any]]]:
    folder = tmp_path_factory.mktemp("sim")
    result = simulate(folder / "sample.jsonl", posts=POSTS, seed=7)
    ws = sociable.open(folder / "ws.duckdb")
    ws.import_files([folder / "sample.jsonl"])
    yield ws, orjson.loads(Path(result.truth).read_bytes())
    ws.close()


def _organisations(truth: dict[str, Any]) -> dict[str, dlg.Organisation]:
    return {name: dlg.Organisation(name, tuple(("twitter", a) for a in ids))
            for name, ids in truth["organisations"].items()}


def test_broadcasters_and_conversers_told_apart(sample: tuple[Workspace, dict[str, Any]]) -> None:
    ws, truth = sample
    styles = {row["account_id"]: (row["style"], row["written"])
              for row in dlg.measure_dialogue(ws).tables["accounts"].to_pylist()}
    planted = {a["account_id"]: a["behaviour"] for a in truth["accounts"]}
    for behaviour in ("broadcaster", "converser"):
        judged = [styles[a][0] for a, b in planted.items() if b == behaviour and a in styles
                  and styles[a][1] >= dlg.MIN_WRITTEN_FOR_STYLE]
        assert len(judged) >= 5
        assert judged.count(behaviour) / len(judged) >= 0.9, (behaviour, judged)


def test_planted_unanswered_asks_are_queued(sample: tuple[Workspace, dict[str, Any]]) -> None:
    ws, truth = sample
    organisations = _organisations(truth)
    queued: set[str] = set()
    for name in {q["organisation"] for q in truth["questions"]}:
        queue = listen(ws, Target((organisations[name],)), sentiment=False).tables["queue"]
        queued |= set(queue.column("post_id").to_pylist())
    unanswered = set(truth["unanswered"])
    answered = set(truth["answered"])
    recall = len(queued & unanswered) / len(unanswered)
    precision = len(queued & unanswered) / len(queued)
    # A later post by the organisation that @-mentions the asker counts as an answer; on this sample one
    # unrelated mention-back lands within the window, so recall is 34/35 rather than perfect.
    assert recall >= 0.95, recall
    assert not queued & answered
    # The rest of the queue is background replies to the organisations that ask something ("How did you
    # measure it?") and were not answered: real asks, not planted ones, so precision against the plant is low.
    assert precision >= 0.2, precision


def test_conversing_organisations_are_placed_higher(sample: tuple[Workspace, dict[str, Any]]) -> None:
    ws, truth = sample
    result = assess_maturity(ws, list(_organisations(truth).values()))
    rows = {row["organisation"]: row for row in result.tables["organisations"].to_pylist()}
    stages: dict[str, list[int]] = {}
    answering: dict[str, list[float]] = {}
    for name, style in truth["organisation_styles"].items():
        stages.setdefault(style, []).append(rows[name]["stage_number"])
        answering.setdefault(style, []).append(rows[name]["response_rate"] or 0.0)
    assert min(answering["converser"]) > max(answering["broadcaster"])
    # the simulator does not plant links between an organisation's own accounts, which the rubric asks of
    # "coordinating", so a conversing organisation may stay at "testing"; it is never placed below a broadcaster
    assert min(stages["converser"]) >= max(stages["broadcaster"]) and max(stages["converser"]) > 2
    assert max(stages["dormant"]) <= min(stages["broadcaster"])
