"""`export dataset`: every table the analyses read, Parquet by platform and day, and a manifest that checks."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import sociable
from sociable.cli import app
from sociable.errors import SociableError
from sociable.simulate import simulate
from sociable.store.dataset import MANIFEST, TABLES, NotADataset, read_manifest
from sociable.store.schema import SCHEMA_VERSION

FIXTURES = Path(__file__).parents[1] / "fixtures"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dataset")
    simulate(folder / "sample.jsonl", posts=1000, seed=3)
    path = folder / "ws.duckdb"
    with sociable.open(path) as ws:
        ws.import_files([folder / "sample.jsonl"], collection="care")
        ws.roles()
    return path


def test_the_dataset_holds_every_row_by_platform_and_day(workspace: Path, tmp_path: Path) -> None:
    with sociable.open(workspace, read_only=True) as ws:
        manifest = ws.export_dataset(tmp_path / "data")
        counts = {name: int(ws.scalar(f"SELECT count(*) FROM {name}") or 0) for name in TABLES}
    assert manifest.counts() == counts and counts["posts"] == 1000
    assert read_manifest(str(tmp_path / "data")).counts() == counts
    days = sorted(p.name for p in (tmp_path / "data" / "posts" / "platform=twitter").iterdir())
    assert days[0].startswith("day=20") and len(days) > 1
    files = f"{tmp_path}/data/posts/**/*.parquet"
    read = duckdb.sql(f"SELECT count(*), count(DISTINCT post_id) FROM read_parquet('{files}', "
                      "hive_partitioning = true) WHERE platform = 'twitter'").fetchall()
    assert read == [(1000, 1000)]
    document = json.loads((tmp_path / "data" / MANIFEST).read_text())
    assert document["schema_version"] == SCHEMA_VERSION
    assert document["tables"]["posts"]["partitions"] == ["platform", "day"]


def test_an_empty_table_keeps_its_columns(workspace: Path, tmp_path: Path) -> None:
    with sociable.open(workspace, read_only=True) as ws:
        ws.export_dataset(tmp_path / "data")
    columns = duckdb.sql(f"SELECT * FROM '{tmp_path}/data/manual_labels/part-0.parquet'").columns
    assert columns[:3] == ["platform", "account_id", "role"]


def test_a_folder_in_use_is_kept_unless_forced(workspace: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["--workspace", str(workspace), "export", "dataset", "-o", str(tmp_path / "data")]
    first = runner.invoke(app, args)
    assert first.exit_code == 0 and "Wrote a dataset of 1,000 posts" in first.stdout
    with sociable.open(workspace, read_only=True) as ws, pytest.raises(SociableError, match="add --force"):
        ws.export_dataset(tmp_path / "data")
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with sociable.open(workspace, read_only=True) as ws, pytest.raises(SociableError, match="not a sociable dataset"):
        ws.export_dataset(tmp_path / "other", force=True)
    assert (tmp_path / "other" / "notes.txt").exists()


def test_a_manifest_from_another_version_is_refused(workspace: Path, tmp_path: Path) -> None:
    with sociable.open(workspace, read_only=True) as ws:
        ws.export_dataset(tmp_path / "data")
    path = tmp_path / "data" / MANIFEST
    document = json.loads(path.read_text())
    path.write_text(json.dumps({**document, "schema_version": SCHEMA_VERSION - 1}))
    with pytest.raises(NotADataset, match="export the dataset again"):
        read_manifest(str(tmp_path / "data"))
    with pytest.raises(NotADataset, match=r"has no manifest\.json"):
        read_manifest(str(tmp_path))


def test_raw_blocks_are_written_a_format_at_a_time_and_read_back_whole(workspace: Path, tmp_path: Path) -> None:
    copy = tmp_path / "ws.duckdb"
    copy.write_bytes(workspace.read_bytes())
    with sociable.open(copy) as ws:
        ws.import_files([FIXTURES / "bluesky" / "jetstream.jsonl"], collection="care")
        ws.export_dataset(tmp_path / "data")
        stored = ws.query("SELECT * FROM raw_blocks ORDER BY ALL").to_pylist()
    formats = sorted(p.name for p in (tmp_path / "data" / "raw_blocks").iterdir())
    assert len(formats) == 2 and all(f.startswith("format=") for f in formats)
    files = f"{tmp_path}/data/raw_blocks/**/*.parquet"
    read = duckdb.sql(f"SELECT * FROM read_parquet('{files}', hive_partitioning = true)")
    rows = [dict(zip(read.columns, row, strict=True)) for row in read.fetchall()]
    assert sorted(({c: row[c] for c in stored[0]} for row in rows), key=repr) == sorted(stored, key=repr)


def test_an_export_that_fails_part_way_leaves_the_folder_as_it_was(workspace: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from sociable.store import dataset

    with sociable.open(workspace, read_only=True) as ws:
        ws.export_dataset(tmp_path / "data")
        before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
        real = dataset._write_by_value

        def full_disk(*args: object, **kwargs: object) -> None:
            real(*args, **kwargs)  # type: ignore[arg-type]
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(dataset, "_write_by_value", full_disk)
        with pytest.raises(OSError, match="No space left"):
            ws.export_dataset(tmp_path / "data", force=True)
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == before
    assert read_manifest(str(tmp_path / "data")).counts()["posts"] == 1000
