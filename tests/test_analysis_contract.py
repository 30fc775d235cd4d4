"""The contract every analysis and every view keeps: one way to run, declared options, typed results.

On a small simulated workspace: every registered analysis runs through `spec.run`, its result is
its declared type, its `--json` matches the documented shape, and every web view honours every
filter it advertises (a filter that changes nothing, or is silently ignored, fails here).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import sociable
from sociable.analyses.base import AnalysisSpec, Option, OptionError, Result, registered_analyses
from sociable.cli import app
from sociable.cli.reference import json_schema
from sociable.cli.render import OutputExists
from sociable.errors import NoSuchCollection, SociableError
from sociable.simulate import DEFAULT_START, simulate
from sociable.web import create_app
from sociable.web.views import SCOPE_FILTERS, ViewSpec, view_specs

ANALYSES = registered_analyses()
VIEWS = view_specs()


STORIES = Path(__file__).parent / "fixtures" / "careopinion"
STORY_FILES = ("opinions.json", "responses.json", "stories.csv")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def _stories_in_the_sample_weeks(folder: Path) -> list[Path]:
    """The Care Opinion fixtures with every time moved so the first story falls in the sample's second week.

    The stories then lie either side of the sample's middle, as a service's stories would lie among
    the posts of the same weeks; the files keep their shapes, only the dates move.
    """
    shift = DEFAULT_START + timedelta(days=7) - datetime.fromisoformat("2024-03-01T00:00:00+00:00")

    def moved(match: re.Match[str]) -> str:
        return (datetime.fromisoformat(match.group(0)) + shift).strftime("%Y-%m-%dT%H:%M:%SZ")

    copies = []
    for name in STORY_FILES:
        copy = folder / name
        copy.write_text(_TIMESTAMP.sub(moved, (STORIES / name).read_text(encoding="utf-8")), encoding="utf-8")
        copies.append(copy)
    return copies


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 simulated posts and five Care Opinion stories in collection 'sample', with roles derived and saved."""
    folder = tmp_path_factory.mktemp("contract")
    sample = folder / "sample.jsonl"
    simulate(sample, posts=2000, seed=7)
    path = folder / "ws.duckdb"
    with sociable.open(path) as ws:
        ws.import_files([sample], collection="sample")
        ws.import_files(_stories_in_the_sample_weeks(folder), collection="sample")
        ws.roles()
    return path


@pytest.fixture(scope="module")
def cli_copy(small: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy for commands that write (roles keeps its labels), apart from the module's readers."""
    copy = tmp_path_factory.mktemp("cli") / "ws.duckdb"
    copy.write_bytes(small.read_bytes())
    return copy


@pytest.fixture(scope="module")
def ws(small: Path) -> Iterator[sociable.library.Workspace]:
    workspace = sociable.open(small, read_only=True)
    yield workspace
    workspace.close()


@pytest.fixture(scope="module")
def client(small: Path) -> Iterator[TestClient]:
    with TestClient(create_app(small), base_url="http://127.0.0.1") as test_client:
        yield test_client


def _window(ws: sociable.library.Workspace) -> tuple[str, str]:
    first, last = ws.query("SELECT min(created_at), max(created_at) FROM posts").to_pylist()[0].values()
    middle = first + (last - first) / 2
    return middle.date().isoformat(), (middle + timedelta(days=1)).date().isoformat()


# ---------------------------------------------------------------------- analyses


@pytest.mark.parametrize("spec", ANALYSES, ids=lambda spec: spec.name)
def test_every_analysis_runs_the_one_way_and_returns_its_type(ws: Any, spec: AnalysisSpec) -> None:
    result = spec.run(ws)
    assert isinstance(result, spec.result) and isinstance(result, Result)
    assert result.name == spec.name and result.title and result.description
    assert set(result.options) == {option.name for option in spec.options}
    for name, info in result.table_fields():
        table = getattr(result, name)
        missing = [column for column in info.columns if column not in table.column_names]
        assert not missing or table.num_columns == 0, (spec.name, name, missing)
    for measure in result.measures:
        assert measure.definition.strip(), (spec.name, measure.name)


@pytest.mark.parametrize("spec", ANALYSES, ids=lambda spec: spec.name)
def test_every_option_is_declared_with_help_and_a_valid_default(spec: AnalysisSpec) -> None:
    for option in spec.options:
        assert option.help.strip().endswith((".", ")")), (spec.name, option.name)
        assert option.convert(None) == option.default
        if option.choices and option.default not in (None, (), []):
            defaults = option.default if isinstance(option.default, tuple) else (option.default,)
            assert set(defaults) <= set(option.choices), (spec.name, option.name)


@pytest.mark.parametrize("spec", ANALYSES, ids=lambda spec: spec.name)
def test_unknown_options_and_collections_are_refused(ws: Any, spec: AnalysisSpec) -> None:
    with pytest.raises(OptionError, match="its options are"):
        spec.run(ws, no_such_option=1)
    with pytest.raises(NoSuchCollection, match="the collections are: sample"):
        spec.run(ws, ws.scope(collection="nowhere"))


@pytest.mark.parametrize("spec", ANALYSES, ids=lambda spec: spec.name)
def test_since_and_until_reach_every_analysis(ws: Any, spec: AnalysisSpec) -> None:
    everything = spec.run(ws).to_json()
    since, until = _window(ws)
    narrowed = spec.run(ws, ws.scope(since=since, until=until)).to_json()
    assert narrowed["scope"]["since"].startswith(since) and narrowed["scope"]["until"].startswith(until)
    if spec.name == "roles":
        return  # roles describe accounts, not a period: the same labels whatever the window
    assert _content(narrowed) != _content(everything), f"{spec.name} ignored since/until"


def _content(document: dict[str, Any]) -> dict[str, Any]:
    return {"facts": document["facts"], "tables": document["tables"]}


@pytest.mark.parametrize("spec", ANALYSES, ids=lambda spec: spec.name)
def test_json_matches_the_documented_shape(cli_copy: Path, spec: AnalysisSpec) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["--workspace", str(cli_copy), spec.command, "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    jsonschema.validate(document, json_schema(spec))
    assert document["analysis"] == spec.name


@pytest.mark.parametrize("spec", ANALYSES, ids=lambda spec: spec.name)
def test_output_file_writes_the_main_table_and_never_overwrites(cli_copy: Path, tmp_path: Path,
                                                                spec: AnalysisSpec) -> None:
    runner = CliRunner()
    target = tmp_path / f"{spec.name}.csv"
    first = runner.invoke(app, ["--workspace", str(cli_copy), spec.command, "-o", str(target)])
    assert first.exit_code == 0, first.output
    written = target.read_bytes()
    assert written.count(b"\n") >= 1
    again = runner.invoke(app, ["--workspace", str(cli_copy), spec.command, "-o", str(target)])
    assert isinstance(again.exception, OutputExists) and "--force" in str(again.exception)
    assert target.read_bytes() == written
    target.chmod(0o600)
    forced = runner.invoke(app, ["--workspace", str(cli_copy), spec.command, "-o", str(target), "--force"])
    assert forced.exit_code == 0, forced.output
    assert target.stat().st_mode & 0o777 == 0o600, "a replaced file keeps its permissions"
    before = cli_copy.read_bytes()
    onto = runner.invoke(app, ["--workspace", str(cli_copy), spec.command, "-o", str(cli_copy), "--force"])
    assert isinstance(onto.exception, SociableError) and "workspace" in str(onto.exception)
    assert cli_copy.read_bytes()[:4096] == before[:4096]


# ---------------------------------------------------------------------- views


def _other_value(option: Option) -> Any:
    """A value of the option that is not its default, as a query string would give it."""
    if option.kind == "bool":
        return "no" if option.default else "yes"
    if option.kind == "list" and option.choices:
        return [option.choices[0]]
    if option.choices:
        return next(choice for choice in option.choices if choice != option.default)
    if option.kind == "int":
        return str(int(option.default or 0) + 2)
    if option.kind == "float":
        return str(float(option.default or 1) / 4)
    if option.kind == "list":
        return ["care"]
    return "care"


def _view_content(client: TestClient, name: str, params: dict[str, Any]) -> dict[str, Any]:
    response = client.get(f"/api/views/{name}", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    return {"section": body["section"], "analysis": body["analysis"] and _content(body["analysis"])}


# Options whose effect a 2,000-post sample may not show, with the reason; everything else must change the view.
QUIET_OPTIONS: dict[tuple[str, str], str] = {}


@pytest.mark.parametrize("view", VIEWS, ids=lambda view: view.name)
def test_every_view_honours_every_filter_it_advertises(client: TestClient, ws: Any, view: ViewSpec) -> None:
    assert view.filters[: len(SCOPE_FILTERS)] == SCOPE_FILTERS
    base = _view_content(client, view.name, {})
    if base["section"] is None and base["analysis"] is None:
        pytest.skip(f"{view.name} has nothing to show on this workspace")
    since, _ = _window(ws)
    changed = {
        "since": {"since": since},
        "until": {"until": since},
        "kinds": {"kinds": ["reply"]},
        "collection": None,  # the sample has one collection: all posts; checked below by name
        "platforms": None,   # checked by a platform the sample does not have giving nothing
    }
    for name, params in changed.items():
        if params is None:
            continue
        assert _view_content(client, view.name, params) != base, f"{view.name} ignored {name}"
    nothing = _view_content(client, view.name, {"platforms": "mastodon"})
    assert nothing != base, f"{view.name} ignored platforms"
    for option in view.options:
        value = _other_value(option)
        if (view.name, option.name) in QUIET_OPTIONS:
            continue
        answer = client.get(f"/api/views/{view.name}", params={option.name: value})
        assert answer.status_code == 200, answer.text
        assert answer.json()["analysis"]["options"][option.name] is not None
        assert _view_content(client, view.name, {option.name: value}) != base, \
            f"{view.name} ignored its option {option.name}={value!r}"


@pytest.mark.parametrize("view", VIEWS, ids=lambda view: view.name)
def test_a_filter_a_view_does_not_have_is_refused(client: TestClient, view: ViewSpec) -> None:
    response = client.get(f"/api/views/{view.name}", params={"role": "nurse"})
    assert response.status_code == 422 and "its filters are" in response.json()["error"]
    page = client.get(f"/views/{view.name}", params={"since": "2024-02-30"})
    assert page.status_code == 422


def test_view_pages_offer_exactly_the_declared_filters(client: TestClient) -> None:
    import lxml.html

    for view in VIEWS:
        tree = lxml.html.fromstring(client.get(f"/views/{view.name}").text)
        names = {element.get("name") for element in tree.xpath("//form[@class='filters']//*[@name]")}
        offered = {name for name in view.filters if name != "platforms"}
        assert offered <= names, (view.name, offered - names)
        assert names <= set(view.filters), (view.name, names - set(view.filters))


# ---------------------------------------------------------------------- the library


@pytest.mark.parametrize("spec", ANALYSES, ids=lambda spec: spec.name)
def test_every_analysis_is_a_library_method_twin_of_its_command(ws: Any, spec: AnalysisSpec) -> None:
    method = getattr(ws, spec.method)
    since, _ = _window(ws)
    options = {"save": False} if spec.name == "roles" else {}
    by_method = method(collection="sample", since=since, **options).to_json()
    by_spec = spec.run(ws, ws.scope(collection="sample", since=since)).to_json()
    assert by_method == by_spec


def test_screen_keeps_findings_the_safety_analysis_reads(cli_copy: Path) -> None:
    with sociable.open(cli_copy) as workspace:
        summary = workspace.screen(collection="sample")
        assert summary.screened > 0 and summary.name == "safety"
        assert _content(workspace.safety(collection="sample").to_json()) == _content(summary.to_json())
