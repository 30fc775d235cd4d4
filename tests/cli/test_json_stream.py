"""`--json` is written as it is made, and says exactly what the whole document said."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pytest

import sociable
from sociable.analyses.base import jsonable_rows
from sociable.cli.render import result_json, write_result_json
from sociable.simulate import simulate


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("stream")
    simulate(folder / "sample.jsonl", posts=1500, seed=4)
    path = folder / "ws.duckdb"
    with sociable.open(path) as ws:
        ws.import_files([folder / "sample.jsonl"], collection="care")
    return path


@pytest.mark.parametrize(("name", "rows"), [("map", True), ("dialogue", True), ("chats", True), ("cascades", True),
                                            ("maturity", False)])  # no organisation given: tables without rows
def test_the_streamed_document_is_the_whole_document(workspace: Path, name: str, rows: bool) -> None:
    with sociable.open(workspace, read_only=True) as ws:
        result = getattr(ws, name)()
    out = io.StringIO()
    write_result_json(result, out)
    assert out.getvalue() == result_json(result) + "\n"
    assert (sum(len(table) for table in json.loads(out.getvalue())["tables"].values()) > 0) == rows


def test_rows_cross_batches_and_odd_values_survive() -> None:
    table = pa.table({"name": ["Zoë 🙂", "a\"b", None, "x"], "value": [1.5, float("nan"), 2.0, None]})
    rows = list(jsonable_rows(table, rows_at_once=3))
    assert rows == [{"name": "Zoë 🙂", "value": 1.5}, {"name": "a\"b", "value": None},
                    {"name": None, "value": 2.0}, {"name": "x", "value": None}]
