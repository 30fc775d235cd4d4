"""`export graph --pseudonymise` carries no handle, name or id; posts exports can coarsen their times."""

from __future__ import annotations

import json
import sys
from datetime import UTC
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from lxml import etree
from typer.testing import CliRunner

from sociable.cli import app
from sociable.errors import SociableError
from sociable.reports.exports import Pseudonymiser, export_posts, load_key
from sociable.store import Workspace

sys.path.insert(0, str(Path(__file__).parents[1] / "safety"))
from staff_corpus import AMARA, BECKY, TRUST, build

runner = CliRunner()
PEOPLE = (AMARA, BECKY, TRUST)
NAMING = (*(p["id_str"] for p in PEOPLE), *(p["screen_name"] for p in PEOPLE), *(p["name"] for p in PEOPLE))


@pytest.fixture
def staff_path(tmp_path: Path, workspace: Workspace) -> Path:
    build(workspace, tmp_path)
    path = workspace.path
    workspace.close()
    return Path(path)


def naming(path: Path) -> list[str]:
    data = path.read_bytes().lower()
    return [s for s in NAMING if s.lower().encode() in data]


@pytest.mark.parametrize("graph_format", ["gexf", "graphml"])
def test_a_pseudonymised_graph_names_nobody(staff_path: Path, tmp_path: Path, graph_format: str) -> None:
    plain, hidden = tmp_path / f"plain.{graph_format}", tmp_path / f"hidden.{graph_format}"
    result = runner.invoke(app, ["-w", str(staff_path), "export", "graph", "-f", graph_format, "-o", str(plain)])
    assert result.exit_code == 0, result.output
    assert naming(plain)  # the plain graph names people: the check below can fail
    result = runner.invoke(app, ["-w", str(staff_path), "export", "graph", "-f", graph_format, "-o", str(hidden),
                                 "--pseudonymise"])
    assert result.exit_code == 0, result.output
    assert "pseudonymised accounts" in result.output and "a new key, created now" in result.output
    key = staff_path.with_name(staff_path.name + ".pseudonym-key")
    assert key.exists()  # kept beside the workspace, like the posts exports' key
    assert naming(hidden) == []
    secret, _ = load_key(key)
    names = Pseudonymiser(secret)
    expected = {f"twitter:{names.account('twitter', p['id_str'])}" for p in PEOPLE}
    tree = etree.parse(str(hidden))
    ids = {n.get("id") for n in tree.iter() if etree.QName(n).localname == "node"}
    assert ids and ids <= expected
    edges = [e for e in tree.iter() if etree.QName(e).localname == "edge"]
    assert edges and all(e.get("source") in ids and e.get("target") in ids for e in edges)
    # the same key gives the same pseudonyms as a posts export, so the files can be joined
    posts = export_posts_with(staff_path, tmp_path / "posts.parquet", key)
    authors = {f"twitter:{a}" for a in pq.read_table(posts).column("account_id").to_pylist()}
    assert authors & ids


def export_posts_with(workspace: Path, out: Path, key: Path, resolution: str | None = None) -> Path:
    import sociable

    with sociable.open(workspace, read_only=True) as ws:
        return export_posts(ws, out, pseudonymise=True, secret_file=key, time_resolution=resolution).path


def test_a_pseudonymised_graph_again_with_the_key_is_the_same(staff_path: Path, tmp_path: Path) -> None:
    key = tmp_path / "graph.key"
    files = [tmp_path / "one.graphml", tmp_path / "two.graphml"]
    for out in files:
        result = runner.invoke(app, ["-w", str(staff_path), "export", "graph", "-f", "graphml", "-o", str(out),
                                     "--pseudonymise", "--secret-file", str(key)])
        assert result.exit_code == 0, result.output
    assert files[0].read_bytes() == files[1].read_bytes()
    result = runner.invoke(app, ["-w", str(staff_path), "export", "graph", "-o", str(tmp_path / "x.gexf"),
                                 "--secret-file", str(key)])
    assert result.exit_code != 0 and "only used with --pseudonymise" in result.output


@pytest.mark.parametrize(("resolution", "unit"), [("day", "day"), ("hour", "hour")])
def test_pseudonymised_posts_can_coarsen_their_times(staff_path: Path, tmp_path: Path, resolution: str,
                                                     unit: str) -> None:
    key = tmp_path / "k.key"
    exact = pq.read_table(export_posts_with(staff_path, tmp_path / "exact.parquet", key))
    coarse_path = export_posts_with(staff_path, tmp_path / f"{resolution}.parquet", key, resolution)
    coarse = pq.read_table(coarse_path)
    times = coarse.column("created_at").to_pylist()
    assert all(t.minute == 0 and t.second == 0 and t.microsecond == 0 for t in times)
    if unit == "day":
        assert all(t.hour == 0 for t in times)
    assert times == sorted(times)
    truncate = {"day": lambda t: t.replace(hour=0, minute=0, second=0, microsecond=0),
                "hour": lambda t: t.replace(minute=0, second=0, microsecond=0)}[unit]
    by_id = dict(zip(exact.column("post_id").to_pylist(), exact.column("created_at").to_pylist(), strict=True))
    for post_id, when in zip(coarse.column("post_id").to_pylist(), times, strict=True):
        assert when == truncate(by_id[post_id]).astimezone(UTC)
    manifest = json.loads(coarse_path.with_name(coarse_path.name + ".manifest.json").read_text())
    assert manifest["time_resolution"] == resolution
    assert any(f"start of their {resolution}" in step for step in manifest["steps"])


def test_time_resolution_needs_a_pseudonymised_export_and_a_known_unit(staff_path: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["-w", str(staff_path), "export", "posts", "-o", str(tmp_path / "p.csv"),
                                 "--time-resolution", "day"])
    assert result.exit_code != 0 and "add --pseudonymise" in str(result.exception)
    result = runner.invoke(app, ["-w", str(staff_path), "export", "posts", "-o", str(tmp_path / "p.csv"),
                                 "--pseudonymise", "--time-resolution", "week"])
    assert result.exit_code != 0 and "second, hour, day, not 'week'" in str(result.exception)
    result = runner.invoke(app, ["-w", str(staff_path), "export", "posts", "-o", str(tmp_path / "p.csv"),
                                 "--pseudonymise", "--time-resolution", "day"])
    assert result.exit_code == 0, result.output
    with pytest.raises(SociableError, match="add --pseudonymise"):
        export_posts_plain(staff_path, tmp_path / "q.csv")


def export_posts_plain(workspace: Path, out: Path) -> None:
    import sociable

    with sociable.open(workspace, read_only=True) as ws:
        export_posts(ws, out, time_resolution="hour")

