"""Layers go one way: every import inside sociable points down, never up.

The packages, from the top (what users run) to the bottom (plain values):

    cli, web            command line and web app: parse input, build one Scope, call the library, show
      ↓                 (cli may import web, to serve it; web never imports cli)
    library             `sociable.open()`'s Workspace: the store's, with every analysis as a method
      ↓
    reports             the output layer: the HTML report, its sections, exports, pseudonymisation, redaction
      ↓
    analyses, safety    read-only analyses and the safe-practice checker (one layer: each may use the other)
      ↓
    store               the workspace: schema, Scope, every write (nothing outside it touches the connection)
      ↓
    sources             readers and mappers of platform formats; they hand records to the store
      ↓
    text                words to vectors and the small trained models over them (no store, no analyses);
      ↓                 a side layer beside store and sources: analyses, safety and above may use it
    model, errors       plain records and the exceptions every layer raises (model may import errors)

    simulate            a side package for synthetic data: it may use model, errors and sources only,
                        and only cli imports it.

A module may import its own package and any package listed for it in ALLOWED. The package root
(`sociable/__init__.py`, the library's front door) may import anything below it; other modules
may take only `__version__` from it. Every import counts: at the top of a module, inside a
function (a lazy import is still a dependency) and under `if TYPE_CHECKING:`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "sociable"

_BASE = {"model", "errors"}
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "model": {"errors"},
    "sources": _BASE,
    "simulate": _BASE | {"sources"},
    "store": _BASE | {"sources"},
    "text": _BASE,
    "analyses": _BASE | {"sources", "store", "safety", "text"},
    "safety": _BASE | {"sources", "store", "analyses", "text"},
    "reports": _BASE | {"sources", "store", "analyses", "safety", "text"},
    "library": _BASE | {"sources", "store", "analyses", "safety", "reports", "text"},
    "web": _BASE | {"sources", "store", "analyses", "safety", "reports", "library", "text"},
    "cli": _BASE | {"sources", "store", "analyses", "safety", "reports", "library", "web", "simulate", "text"},
}
ROOT = "__init__"  # the package root, sociable/__init__.py
ROOT_NAMES = {"__version__"}  # what any module may import from the root


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(path: Path) -> str:
    """The layer a file belongs to: its top-level package, or the module name for errors.py and model.py."""
    relative = path.relative_to(SRC)
    if len(relative.parts) == 1:
        return relative.stem  # errors, model, or __init__ (the root)
    return relative.parts[0]


def imports(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """(line, module imported, names taken from it) for every sociable import in a file, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path).split(".") if path.name == "__init__.py" else module_name(path).split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield node.lineno, target, [alias.name for alias in node.names]


def target_package(target: str, names: list[str]) -> list[str]:
    """The layers an import reaches: `from sociable import x` reaches the root (or the subpackage x)."""
    parts = target.split(".")
    if parts[0] != "sociable":
        return []
    if len(parts) > 1:
        return [parts[1]]
    if not names:
        return [ROOT]
    return [name if (SRC / name).is_dir() or (SRC / f"{name}.py").exists() else ROOT for name in names]


def upward_imports() -> list[str]:
    problems: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        layer = package_of(path)
        if layer == ROOT:
            continue
        if layer not in ALLOWED:
            problems.append(f"{module_name(path)} is in a package the layer test does not know ({layer}); "
                            "add it to ALLOWED in tests/test_layers.py with the layers it may import")
            continue
        for line, target, names in imports(path):
            for reached in target_package(target, names):
                if reached == layer:
                    continue
                if reached == ROOT:
                    if set(names) <= ROOT_NAMES and names:
                        continue
                    problems.append(f"{module_name(path)} (line {line}) imports the package root "
                                    f"({target} {', '.join(names)}); only {', '.join(ROOT_NAMES)} may come from it")
                elif reached not in ALLOWED[layer]:
                    problems.append(f"{module_name(path)} (line {line}) imports {target} — {layer} may not import "
                                    f"{reached}")
    return problems


def test_no_module_imports_upward() -> None:
    problems = upward_imports()
    assert not problems, "upward imports:\n" + "\n".join(problems)


def test_every_package_has_a_place() -> None:
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    packages |= {p.stem for p in SRC.glob("*.py") if p.stem != ROOT}
    assert packages <= set(ALLOWED), f"packages without a layer: {sorted(packages - set(ALLOWED))}"


@pytest.mark.parametrize(("layer", "source", "expected"), [
    ("store", "from sociable.reports.exports import redact", "store may not import reports"),
    ("store", "def f():\n    from sociable.safety import check\n", "store may not import safety"),
    ("safety", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from sociable.reports import x\n",
     "safety may not import reports"),
    ("store", "from ..analyses import base", "store may not import analyses"),
    ("sources", "from sociable import open", "imports the package root"),
    ("simulate", "import sociable.store", "simulate may not import store"),
])
def test_the_checker_catches_upward_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layer: str, source: str, expected: str
) -> None:
    root = tmp_path / "sociable"
    (root / layer).mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / layer / "__init__.py").write_text("")
    (root / layer / "bad.py").write_text(source)
    monkeypatch.setitem(globals(), "SRC", root)
    problems = upward_imports()
    assert len(problems) == 1 and expected in problems[0] and f"sociable.{layer}.bad (line" in problems[0]


def test_downward_and_version_imports_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "sociable"
    (root / "reports").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "reports" / "__init__.py").write_text("")
    (root / "reports" / "ok.py").write_text(
        "from sociable import __version__\nfrom sociable.store.scope import Scope\nfrom . import ok\n"
        "def f():\n    from sociable.safety import check\n")
    monkeypatch.setitem(globals(), "SRC", root)
    assert upward_imports() == []
