"""The command line on the Spark engine: the same document as on DuckDB, and writes refused in one sentence."""

from __future__ import annotations

import json
from typing import Any

from spark_engines import COLLECTION, ON_SPARK, differences
from typer.testing import CliRunner

from sociable.cli import app
from sociable.errors import SociableError

pytestmark = ON_SPARK


def test_map_on_spark_prints_what_duckdb_prints(sample: Any, spark: Any) -> None:
    runner = CliRunner()
    duck = runner.invoke(app, ["--workspace", str(sample.workspace), "map", "-c", COLLECTION, "--json"])
    on_spark = runner.invoke(app, ["--engine", "spark", "--data", str(sample.dataset), "map", "-c", COLLECTION,
                                   "--json"])
    assert duck.exit_code == 0 and on_spark.exit_code == 0, on_spark.output
    expected, found = json.loads(duck.stdout), json.loads(on_spark.stdout)
    assert expected["tables"]["communities"]
    assert differences({k: expected[k] for k in ("facts", "tables")}, {k: found[k] for k in ("facts", "tables")}) == []


def test_a_command_that_writes_is_refused(sample: Any, spark: Any) -> None:
    result = CliRunner().invoke(app, ["--engine", "spark", "--data", str(sample.dataset), "screen"])
    assert isinstance(result.exception, SociableError)
    assert str(result.exception).startswith("`screen` changes the workspace, and the Spark engine only reads a "
                                            "dataset: run it on the DuckDB workspace")


def test_the_session_keeps_its_progress_bar_off_stderr(spark: Any) -> None:
    # the bar would interleave with sociable's own output; the session started by the fixture kept the default
    assert spark.conf.get("spark.ui.showConsoleProgress") == "false"
