"""remap by the line route (stored blocks mapped whole, in workers) gives what record-by-record remapping gives."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyarrow as pa
import pytest

import sociable
import sociable.store as store
import sociable.store.fast.remap as remap_route
from sociable.simulate import simulate
from sociable.sources.base import Format
from sociable.sources.registry import get_format

TABLES = {
    "posts": "SELECT * EXCLUDE (imported_at) FROM posts ORDER BY platform, post_id",
    "accounts": "SELECT * FROM accounts ORDER BY ALL",
    "interactions": "SELECT * FROM interactions ORDER BY ALL",
    "collections": "SELECT * FROM collections ORDER BY ALL",
    "rejected": "SELECT format, file, number, reason, raw FROM rejected ORDER BY ALL",
}


def snapshot(path: Path) -> dict[str, pa.Table]:
    with sociable.open(path, read_only=True) as ws:
        return {name: ws.query(sql) for name, sql in TABLES.items()}


def wrapped(name: str) -> Format:
    fmt = get_format(name)
    return dataclasses.replace(fmt, map=lambda raw: fmt.map(raw))


def remapped(path: Path, monkeypatch: pytest.MonkeyPatch, record_route: bool, workers: bool) -> dict[str, pa.Table]:
    if record_route:  # an equal mapper that is not the registered one: remap goes record by record
        monkeypatch.setattr(store, "get_format", wrapped)
    if workers:
        monkeypatch.setattr(remap_route, "PARALLEL_BYTES", 0)
    mapped: list[bool] = []
    real = remap_route.map_block

    def spy(block: remap_route.StoredBlock) -> object:
        result = real(block)
        mapped.append(result is not None)
        return result

    if not workers:  # a spy cannot be sent to a worker process
        monkeypatch.setattr(remap_route, "map_block", spy)
    with sociable.open(path) as ws:
        summary = ws.remap()
        assert summary.records > 0
    monkeypatch.undo()
    if not workers:  # in workers the calls happen in other processes
        assert (True in mapped) == (not record_route)
    return snapshot(path)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("remap")
    data = folder / "sample.jsonl"
    simulate(data, posts=3_000, seed=11)
    with data.open("ab") as fh:  # lines the line mapper leaves to the general one, and one it rejects
        fh.write(b'\n{"id_str": "99", "created_at": "Tue Mar 05 09:15:00 +0000 2024", "text": "deep",'
                 b' "user": {"id_str": "5", "screen_name": "deep"}, "entities": {"hashtags": [[[[[[1]]]]]]}}\n')
        fh.write(b'{"not": "a tweet"}\n')
    path = folder / "ws.duckdb"
    with sociable.open(path) as ws:
        ws.import_files([data], collection="sample")
    return path


@pytest.mark.parametrize("workers", [False, True])
def test_the_line_route_and_the_record_route_remap_alike(sample: Path, tmp_path: Path, workers: bool,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    imported = snapshot(sample)
    results = {}
    for record_route in (True, False):
        copy = tmp_path / f"{record_route}.duckdb"
        copy.write_bytes(sample.read_bytes())
        results[record_route] = remapped(copy, monkeypatch, record_route, workers)
    for name in TABLES:
        assert results[False][name].equals(results[True][name]), name
        if name != "rejected":
            assert results[False][name].equals(imported[name]), name
