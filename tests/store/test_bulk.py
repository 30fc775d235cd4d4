"""The in-database mapping of clean JSON Lines gives exactly what the record-by-record path gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import sociable
from sociable.simulate import simulate
from sociable.store.schema import POST_COLUMNS

QUERIES = {
    "posts": f"SELECT {', '.join(POST_COLUMNS)}, format, record_id FROM posts ORDER BY platform, post_id",
    "accounts": "SELECT * EXCLUDE (profile_at) FROM accounts ORDER BY platform, account_id",
    "interactions": "SELECT * FROM interactions ORDER BY post_id, target, kind",
    "collections": "SELECT * FROM collections ORDER BY post_id",
    "raw": "SELECT record_id, format, number, raw FROM raw_records ORDER BY record_id",
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bulk") / "sample.jsonl"
    simulate(path, posts=3000, seed=11)
    return path


def import_both(tmp_path: Path, files: list[Path]) -> dict[bool, dict[str, list[dict[str, object]]]]:
    tables = {}
    for bulk in (True, False):
        with sociable.open(tmp_path / f"ws-{bulk}.duckdb") as ws:
            for _ in range(2):  # the second import must change nothing either way
                summary = ws.import_files(files, collection="c", bulk=bulk)
            assert summary.total("stored") == 0
            tables[bulk] = {name: ws.query(sql).to_pylist() for name, sql in QUERIES.items()}
    return tables


def test_bulk_and_record_paths_agree(tmp_path: Path, sample: Path) -> None:
    tables = import_both(tmp_path, [sample])
    assert len(tables[True]["posts"]) >= 3000
    for name in QUERIES:
        assert tables[True][name] == tables[False][name], name


def test_bad_line_falls_back_to_record_path(tmp_path: Path, sample: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    lines = sample.read_text().splitlines()
    lines[5] = lines[5][:40]
    broken.write_text("\n".join(lines) + "\n")
    with sociable.open(tmp_path / "ws.duckdb") as ws:
        f = ws.import_files([broken]).files[0]
        assert (f.read, f.rejected) == (len(lines), 1)
        assert ws.rejected().column("number").to_pylist() == [6]


def test_record_the_mapper_rejects_falls_back(tmp_path: Path, sample: Path) -> None:
    odd = tmp_path / "odd.jsonl"
    lines = sample.read_text().splitlines()
    record = json.loads(lines[9])
    del record["user"]
    lines[9] = json.dumps(record)
    odd.write_text("\n".join(lines) + "\n")
    with sociable.open(tmp_path / "ws.duckdb") as ws:
        f = ws.import_files([odd]).files[0]
        assert f.rejected == 1
        assert "no user object" in ws.rejected().column("reason").to_pylist()[0]
