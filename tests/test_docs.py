"""The docs stay true: every command and option is documented, the analyses page is made from the
registry, and the README's Python example runs as written."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.core import TyperOption

from sociable.cli import app
from sociable.cli.reference import analyses_markdown, cli_markdown
from sociable.simulate import simulate

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def _commands() -> dict[str, Any]:
    """Every command path ("map", "export graph") with its command (Typer's own click classes)."""
    root = typer.main.get_command(app)
    found: dict[str, Any] = {}

    def walk(group: Any, prefix: str) -> None:
        commands = getattr(group, "commands", None)
        if commands:
            for name, command in commands.items():
                walk(command, f"{prefix} {name}".strip())
        else:
            found[prefix] = group

    walk(root, "")
    return found


def test_every_command_is_found() -> None:
    found = _commands()
    assert {"import", "map", "roles", "dialogue", "listen", "export graph", "serve"} <= set(found)


def _all_docs() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in [README, *sorted(DOCS.glob("*.md"))])


def test_the_analyses_page_is_made_from_the_registry() -> None:
    written = (DOCS / "analyses.md").read_text(encoding="utf-8")
    assert written == analyses_markdown(), "docs/analyses.md is out of date: run `make docs`"


def test_the_command_reference_is_made_from_the_commands() -> None:
    written = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert written == cli_markdown(), "docs/cli.md is out of date: run `make docs`"


@pytest.mark.parametrize("command", sorted(_commands()))
def test_every_command_is_documented(command: str) -> None:
    assert f"sociable {command}" in _all_docs(), f"`sociable {command}` appears in no page of the docs"


@pytest.mark.parametrize("command", sorted(_commands()))
def test_every_option_is_documented(command: str) -> None:
    docs = _all_docs()
    shared = {"--help"}
    missing = []
    for parameter in _commands()[command].params:
        if not isinstance(parameter, TyperOption):
            continue
        flags = [flag for flag in parameter.opts if flag not in shared]
        if flags and not any(re.search(re.escape(flag) + r"(?![\w-])", docs) for flag in flags):
            missing.append(flags[0])
    assert not missing, f"`sociable {command}` options not documented anywhere: {', '.join(missing)}"


def test_the_readme_python_example_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, "the README has a Python example"
    monkeypatch.chdir(tmp_path)
    simulate(tmp_path / "sample.jsonl", posts=2000, seed=7)
    for block in blocks:
        namespace: dict[str, object] = {"__name__": "readme"}
        exec(compile(block, "README.md", "exec"), namespace)
        workspace = namespace.get("ws")
        if workspace is not None:
            workspace.close()  # type: ignore[attr-defined]
    assert os.path.exists(tmp_path / "nhssm.duckdb")
