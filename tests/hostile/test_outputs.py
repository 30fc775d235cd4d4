"""Output options never destroy data: no overwrite without --force, never the workspace or an input, atomic.

Every command that writes a file the user names is tried against an existing file, the open
workspace, another workspace, a link to the workspace and the command's own inputs.
"""

from __future__ import annotations

import gc
import json
import os
import stat
import sys
from pathlib import Path

import pytest

import sociable
from sociable.cli import main
from sociable.reports.exports.files import ProtectedOutput, check_output

TWEETS = [
    {
        "created_at": f"Tue Mar 05 0{hour}:14:07 +0000 2024",
        "id_str": str(100 + hour),
        "full_text": text,
        "entities": {"hashtags": [], "urls": [],
                     "user_mentions": [{"id_str": "1", "screen_name": "NorthvaleNHS"}] if hour > 1 else []},
        "in_reply_to_status_id_str": "101" if hour > 1 else None,
        "in_reply_to_user_id_str": "1" if hour > 1 else None,
        "user": {"id_str": str(hour), "screen_name": f"user{hour}", "name": f"User {hour}", "followers_count": 10},
        "lang": "en",
    }
    for hour, text in [(1, "Flu clinic open until 4pm #nhssm"), (2, "@NorthvaleNHS thanks, on my way"),
                       (3, "@NorthvaleNHS is the walk-in open for carers?")]
]
KEEP = "the user's own file: keep me\n"


class Cli:
    """`sociable --workspace WS ARGS` through the real entry point: exit code and everything it printed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        self.monkeypatch, self.capsys = monkeypatch, capsys

    def __call__(self, ws: Path, *args: str) -> tuple[int, str]:
        self.monkeypatch.setattr(sys, "argv", ["sociable", "--workspace", str(ws), *args])
        self.monkeypatch.setenv("COLUMNS", "200")
        with pytest.raises(SystemExit) as stopped:
            main()
        captured = self.capsys.readouterr()
        code = stopped.value.code
        return (code if isinstance(code, int) else 1), " ".join((captured.out + captured.err).split())


@pytest.fixture
def invoke(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(monkeypatch, capsys)


@pytest.fixture
def ws(tmp_path: Path, invoke: Cli) -> Path:
    data = tmp_path / "tweets.jsonl"
    data.write_text("".join(json.dumps(t) + "\n" for t in TWEETS))
    path = tmp_path / "ws.duckdb"
    assert invoke(path, "import", str(data), "-c", "nhssm")[0] == 0
    return path


def posts_in(path: Path) -> int:
    gc.collect()  # a command stopped by an error leaves its workspace to the garbage collector, as a process exit would
    with sociable.open(path, read_only=True) as ws:
        return int(ws.scalar("SELECT count(*) FROM posts") or 0)


# Each command that writes, as the arguments before its output file name.
WRITERS = {
    "report": ("report", "-o"),
    "export posts": ("export", "posts", "-o"),
    "export accounts": ("export", "accounts", "-o"),
    "export graph": ("export", "graph", "-o"),
    "simulate": ("simulate", "--posts", "1000", "-o"),
    "screen --csv": ("screen", "--csv"),
    "analysis -o": ("map", "-o"),
}
# The format named, so a file name ending in .duckdb gets past the check of the name's ending.
NAMED_FORMAT = {"export posts": ("-f", "csv"), "export accounts": ("-f", "csv"), "export graph": ("-f", "graphml")}
SUFFIX = {"report": ".html", "export graph": ".gexf", "simulate": ".jsonl"}


def target_for(tmp_path: Path, name: str) -> Path:
    return tmp_path / f"out{SUFFIX.get(name, '.csv')}"


@pytest.mark.parametrize("name", list(WRITERS))
def test_an_existing_file_is_kept_without_force_and_replaced_with_it(
    invoke: Cli, ws: Path, tmp_path: Path, name: str,
) -> None:
    target = target_for(tmp_path, name)
    target.write_text(KEEP)
    code, out = invoke(ws, *WRITERS[name], str(target))
    assert code == 1 and "exists already" in out and "--force" in out, out
    assert target.read_text() == KEEP
    code, out = invoke(ws, *WRITERS[name], str(target), "--force")
    assert code == 0, out
    assert target.read_text() != KEEP
    assert not list(tmp_path.glob(".sociable-output-*")), "the staging folder was left behind"


@pytest.mark.parametrize("name", list(WRITERS))
def test_the_workspace_is_never_written_over_even_with_force(invoke: Cli, ws: Path, name: str) -> None:
    before = ws.read_bytes()
    code, out = invoke(ws, *WRITERS[name], str(ws), *NAMED_FORMAT.get(name, ()), "--force")
    assert code == 1 and ("is the workspace" in out or "DuckDB database" in out), out
    assert posts_in(ws) == 3
    assert "Error" in out and "Traceback" not in out
    assert ws.read_bytes()[:12] == before[:12]


@pytest.mark.parametrize("name", ["report", "export posts", "simulate", "analysis -o"])
def test_another_workspace_or_a_link_to_this_one_is_refused(invoke: Cli, ws: Path, tmp_path: Path, name: str) -> None:
    other = tmp_path / "other.duckdb"
    other.write_bytes(ws.read_bytes())
    link = tmp_path / "link.csv"
    link.symlink_to(ws)
    hard = tmp_path / "hard.html"
    os.link(ws, hard)
    for target in (other, link, hard):
        code, out = invoke(ws, *WRITERS[name], str(target), *NAMED_FORMAT.get(name, ()), "--force")
        assert code == 1 and ("workspace" in out or "DuckDB database" in out), (target, out)
    assert posts_in(ws) == 3 and posts_in(other) == 3


def test_report_never_replaces_its_organisation_file(invoke: Cli, ws: Path, tmp_path: Path) -> None:
    org = tmp_path / "org.txt"
    org.write_text("NorthvaleNHS\n")
    code, out = invoke(ws, "report", "--org", str(org), "-o", str(org), "--force")
    assert code == 1 and "an input of this command" in out
    assert org.read_text() == "NorthvaleNHS\n"


def test_an_export_never_replaces_its_key_file(invoke: Cli, ws: Path, tmp_path: Path) -> None:
    key = tmp_path / "research.csv"
    key.write_text("k" * 64 + "\n")
    code, out = invoke(ws, "export", "posts", "--pseudonymise", "--secret-file", str(key), "-o", str(key), "--force")
    assert code == 1 and "key file cannot be the export" in out
    assert key.read_text() == "k" * 64 + "\n"


@pytest.mark.parametrize("name", ["report", "export posts", "export graph", "screen --csv", "analysis -o"])
def test_a_replaced_file_keeps_its_permissions(invoke: Cli, ws: Path, tmp_path: Path, name: str) -> None:
    target = target_for(tmp_path, name)
    target.write_text(KEEP)
    target.chmod(0o600)
    assert invoke(ws, *WRITERS[name], str(target), "--force")[0] == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_new_file_gets_the_usual_permissions(invoke: Cli, ws: Path, tmp_path: Path) -> None:
    mask = os.umask(0o027)
    try:
        assert invoke(ws, "report", "-o", str(tmp_path / "new.html"))[0] == 0
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "new.html").stat().st_mode) == 0o640


def test_simulate_keeps_an_existing_truth_file(invoke: Cli, ws: Path, tmp_path: Path) -> None:
    truth = tmp_path / "sample.truth.json"
    truth.write_text(KEEP)
    code, out = invoke(ws, "simulate", "--posts", "1000", "-o", str(tmp_path / "sample.jsonl"))
    assert code == 1 and "sample.truth.json exists already" in out
    assert truth.read_text() == KEEP and not (tmp_path / "sample.jsonl").exists()


def test_export_keeps_an_existing_manifest(invoke: Cli, ws: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "posts.csv.manifest.json"
    manifest.write_text(KEEP)
    code, out = invoke(ws, "export", "posts", "-o", str(tmp_path / "posts.csv"))
    assert code == 1 and "manifest.json exists already" in out
    assert manifest.read_text() == KEEP and not (tmp_path / "posts.csv").exists()


def test_graph_csv_keeps_existing_files_in_its_folder(invoke: Cli, ws: Path, tmp_path: Path) -> None:
    folder = tmp_path / "network"
    folder.mkdir()
    (folder / "edges.csv").write_text(KEEP)
    code, out = invoke(ws, "export", "graph", "-f", "csv", "-o", str(folder))
    assert code == 1 and "edges.csv exists already" in out
    assert (folder / "edges.csv").read_text() == KEEP and not (folder / "nodes.csv").exists()
    assert invoke(ws, "export", "graph", "-f", "csv", "-o", str(folder), "--force")[0] == 0
    assert (folder / "edges.csv").read_text().startswith('"source_id"')


def test_a_failed_export_leaves_the_old_file_whole(invoke: Cli, ws: Path, tmp_path: Path) -> None:
    target = tmp_path / "research.csv"
    target.write_text(KEEP)
    short = tmp_path / "short.key"
    short.write_text("too short\n")
    code, out = invoke(ws, "export", "posts", "--pseudonymise", "--secret-file", str(short), "-o", str(target),
                       "--force")
    assert code == 1 and "shorter than 32" in out
    assert target.read_text() == KEEP
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_the_write_ahead_log_beside_a_protected_file_is_protected_too(tmp_path: Path) -> None:
    workspace = tmp_path / "ws.duckdb"
    with pytest.raises(ProtectedOutput, match="the workspace or an input"):
        check_output(tmp_path / "ws.duckdb.wal", force=True, protect=(workspace,))
    check_output(tmp_path / "other.csv", force=True, protect=(workspace,))
