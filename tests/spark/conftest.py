"""One Spark session (local mode) for every test here, and one simulated sample in both engines.

Starting the JVM is the slow part, so the tests share one session and one sample, and run on one
pytest-xdist worker (the `spark` group; `make test` passes `--dist loadgroup`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from spark_engines import COLLECTION

import sociable
from sociable.simulate import simulate
from sociable.store.spark import spark_session
from test_analysis_contract import _stories_in_the_sample_weeks

SAMPLE_POSTS, SAMPLE_SEED = 3000, 7


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    session = spark_session("local[2]", {
        "spark.sql.shuffle.partitions": "4", "spark.default.parallelism": "2", "spark.ui.enabled": "false",
        "spark.driver.memory": "1500m", "spark.sql.adaptive.enabled": "true",
    })
    yield session
    session.stop()


@dataclass(frozen=True)
class Sample:
    workspace: Path
    dataset: Path


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    """The simulated sample (3,000 posts, seed 7) and the Care Opinion fixtures imported, with roles kept and
    screened, and its dataset."""
    folder = tmp_path_factory.mktemp("engines")
    posts = folder / "sample.jsonl"
    simulate(posts, posts=SAMPLE_POSTS, seed=SAMPLE_SEED)
    path = folder / "ws.duckdb"
    with sociable.open(path) as ws:
        ws.import_files([posts], collection=COLLECTION)
        ws.import_files(_stories_in_the_sample_weeks(folder), collection=COLLECTION)  # for feedback
        ws.roles()
        ws.screen()
        ws.export_dataset(folder / "dataset")
    return Sample(path, folder / "dataset")


@pytest.fixture(scope="session")
def duck(sample: Sample) -> Iterator[sociable.library.Workspace]:
    with sociable.open(sample.workspace, read_only=True) as ws:
        yield ws


@pytest.fixture(scope="session")
def on_spark(sample: Sample, spark: Any) -> Iterator[sociable.library.Workspace]:
    ws = sociable.open(sample.dataset, engine="spark", spark=spark)
    yield ws
    ws.close()
