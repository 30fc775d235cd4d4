"""docs/analyses.md and the JSON shape of every analysis, made from the registry (never by hand).

`make docs` writes the page; a test fails when the page and the registry disagree, so an option
or a measure cannot be added without being documented. `json_schema(spec)` is the documented
shape of `sociable <command> --json`, which the contract tests validate every document against.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sociable.analyses.base import AnalysisSpec, Result, registered_analyses
from sociable.store.scope import POST_KINDS

DOC_PATH = Path("docs/analyses.md")

HEADER = """# Analyses

<!-- Made by `make docs` from the analyses' declarations; edit the code, not this page. -->

Every analysis has one shape. It takes a **scope** (which posts) and its own declared
**options**, only reads the workspace, and returns a typed **result**: named tables, facts,
notes and the one-line definition of every measure. The same declaration makes the command's
flags, the web app's filters, the JSON API's query parameters and this page.

| from | how |
|---|---|
| the command line | `sociable <command> [scope flags] [options] [--json] [-o FILE] [--limit N]` |
| Python | `ws = sociable.open("ws.duckdb")`, then `ws.<method>(collection=..., since=..., **options)` |
| the web app | `/views/<name>?collection=...&since=...&<option>=...`, and the same on `/api/views/<name>` |

A result's tables are Arrow tables (`result.<table>.to_pylist()`); with
`pip install 'sociable[notebook]'`, `result.to_pandas("<table>")` and `result.to_polars()` convert them.

## The scope: which posts

Every analysis, export, screening and view takes the same scope. Empty means all.

| flag | Python | web / API | meaning |
|---|---|---|---|
| `--collection NAME` (`-c`, repeatable) | `collection=` a name or a list | `collection` | posts in any of these \
collections; an unknown name is an error that lists the collections |
| `--since WHEN` | `since=` a date, datetime or ISO text | `since` (a day) | from this time on (UTC unless \
an offset is given; a date is midnight UTC) |
| `--until WHEN` | `until=` | `until` (a day, inclusive on the web) | before this time |
| `--kinds LIST` | `kinds="reply,quote"` | `kinds` (repeatable) | post kinds: {KINDS} (a repost, else a \
reply, else a quote, else an original post) |
| `--platform NAME` (repeatable) | `platforms="bluesky"` | `platforms` | posts from these platforms |

## The JSON document

`--json` prints one JSON document on standard output, the same for every analysis (and the
`analysis` member of `/api/views/<name>`):

```json
{
  "analysis": "map",
  "title": "…", "description": "…",
  "scope": {"collections": [], "since": null, "until": null, "kinds": [], "platforms": []},
  "options": {"<option>": "<value used>"},
  "facts": {"<fact>": "<number, text, list or object>"},
  "tables": {"<table>": [{"<column>": "<value>"}]},
  "notes": ["<plain-language finding>"],
  "measures": [{"name": "<measure>", "definition": "<one line>"}]
}
```

Times are ISO 8601 text in UTC, missing values are `null`, and each analysis below lists its
facts and tables; a table's rows have at least the columns listed for it.
`-o FILE.csv` or `-o FILE.parquet` writes the result's main table; an existing file is kept
unless `--force` is given, and the workspace itself is never written over.
"""


def analyses_markdown() -> str:
    """The whole docs/analyses.md page."""
    parts = [HEADER.replace("{KINDS}", ", ".join(POST_KINDS))]
    for spec in registered_analyses():
        parts.append(_analysis_markdown(spec))
    return "\n".join(parts).rstrip() + "\n"


def _analysis_markdown(spec: AnalysisSpec) -> str:
    result = spec.result
    lines = [f"## {spec.title}: `sociable {spec.command}`", "", spec.description, "",
             f"Python: `ws.{spec.method}(...)`. Web: `/views/{spec.name}`. JSON: `\"analysis\": \"{spec.name}\"`.", ""]
    if spec.options:
        lines += ["| flag | Python | kind | default | web | what it does |", "|---|---|---|---|---|---|"]
        for option in spec.options:
            kind = option.kind + (f" ({', '.join(option.choices)})" if option.choices else "")
            default = "–" if option.default in (None, (), []) else f"`{option.default}`"
            web = "yes" if option.web else "no"
            lines.append(f"| `{option.flag}` | `{option.name}` | {kind} | {default} | {web} | {_cell(option.help)} |")
        lines.append("")
    else:
        lines += ["It has no options beyond the scope.", ""]
    if result.fact_fields():
        lines += ["Facts:", ""]
        lines += [f"* `{name}`: {_cell(info.title)} ({_type_words(result, name)})"
                  for name, info in result.fact_fields()]
        lines.append("")
    if result.table_fields():
        lines += ["Tables" + (f" (the main one, written by `-o`, is `{result.main}`)" if result.main else "") + ":", ""]
        for name, info in result.table_fields():
            columns = ", ".join(f"`{column}` ({_cell(header)})" for column, header in info.columns.items())
            shown = "" if info.cli else " Not printed on the command line; in `--json` and `-o`."
            lines.append(f"* `{name}`: {_cell(info.title)}." + (f" Columns: {columns}." if columns else "") + shown)
        lines.append("")
    if result.measures:
        lines += ["Measures:", ""]
        lines += [f"* **{m.name.replace('_', ' ')}**: {_cell(m.definition)}" for m in result.measures]
        lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _type_words(result: type[Result], name: str) -> str:
    hints = typing.get_type_hints(result)
    return _describe(hints.get(name, Any))


def _describe(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(arg) for arg in typing.get_args(hint))
    if origin is not None:
        return getattr(origin, "__name__", str(origin))
    return getattr(hint, "__name__", str(hint))


# ---------------------------------------------------------------------- JSON schema

_JSON_TYPES: dict[Any, list[str]] = {
    int: ["integer"], float: ["number"], str: ["string"], bool: ["boolean"], type(None): ["null"],
    list: ["array"], tuple: ["array"], dict: ["object"],
}


def json_schema(spec: AnalysisSpec) -> dict[str, Any]:
    """The JSON Schema of `sociable <command> --json` for one analysis (docs/analyses.md in code)."""
    result = spec.result
    hints = typing.get_type_hints(result)
    facts = {name: {"type": _json_types(hints.get(name, Any))} for name, _ in result.fact_fields()}
    tables = {
        name: {"type": "array", "items": {"type": "object", "required": sorted(info.columns)}}
        for name, info in result.table_fields()
    }
    options: dict[str, dict[str, Any]] = {option.name: {} for option in spec.options}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["analysis", "title", "description", "scope", "options", "facts", "tables", "notes", "measures"],
        "additionalProperties": False,
        "properties": {
            "analysis": {"const": spec.name},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "scope": {
                "type": "object", "additionalProperties": False,
                "required": ["collections", "since", "until", "kinds", "platforms", "lists"],
                "properties": {
                    "collections": {"type": "array", "items": {"type": "string"}},
                    "since": {"type": ["string", "null"]}, "until": {"type": ["string", "null"]},
                    "kinds": {"type": "array", "items": {"enum": list(POST_KINDS)}},
                    "platforms": {"type": "array", "items": {"type": "string"}},
                    "lists": {"type": "array", "items": {"type": "string"}},
                },
            },
            "options": {"type": "object", "additionalProperties": False, "required": sorted(options),
                        "properties": options},
            "facts": {"type": "object", "additionalProperties": False, "required": sorted(facts),
                      "properties": facts},
            "tables": {"type": "object", "additionalProperties": False, "required": sorted(tables),
                       "properties": tables},
            "notes": {"type": "array", "items": {"type": "string"}},
            "measures": {"type": "array", "items": {
                "type": "object", "required": ["name", "definition"], "additionalProperties": False,
                "properties": {"name": {"type": "string"}, "definition": {"type": "string"}}}},
        },
    }


def _json_types(hint: Any) -> list[str]:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        found: list[str] = []
        for arg in typing.get_args(hint):
            found += [t for t in _json_types(arg) if t not in found]
        return found
    base = origin if origin is not None else hint
    if base is float:
        return ["number", "integer"]
    if base in _JSON_TYPES:
        return _JSON_TYPES[base]
    if dataclasses.is_dataclass(base) or base in (dict, Mapping):
        return ["object"]
    return ["string", "number", "integer", "boolean", "null", "array", "object"]


CLI_PATH = Path("docs/cli.md")
CLI_HEADER = """# Command reference

<!-- Made by `make docs` from the commands themselves; edit the code, not this page. -->

Every command of `sociable`, with the help it prints. The analysis commands and their JSON are
described in [analyses.md](analyses.md); the workspace is chosen with `--workspace PATH`
before the command (or `$SOCIABLE_WORKSPACE`).
"""


def command_paths() -> list[list[str]]:
    """Every command as the words that run it: ["map"], ["export", "graph"], in order."""
    import typer.main

    from sociable.cli import app

    found: list[list[str]] = []

    def walk(group: Any, prefix: list[str]) -> None:
        for name, command in sorted(getattr(group, "commands", {}).items()):
            if getattr(command, "commands", None):
                walk(command, [*prefix, name])
            else:
                found.append([*prefix, name])

    walk(typer.main.get_command(app), [])
    return found


def cli_markdown() -> str:
    """docs/cli.md: each command's --help, at a fixed width so the page does not depend on the terminal."""
    from typer.testing import CliRunner

    from sociable.cli import app

    runner = CliRunner()
    env = {"COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1", "_TYPER_FORCE_DISABLE_TERMINAL": "1"}
    parts = [CLI_HEADER]
    for path in command_paths():
        result = runner.invoke(app, [*path, "--help"], env=env, prog_name="sociable", terminal_width=100)
        text = "\n".join(line.rstrip() for line in result.output.strip().splitlines())
        parts.append(f"## sociable {' '.join(path)}\n\n```\n{text}\n```\n")
    return "\n".join(parts)


def write_docs(path: Path = DOC_PATH, cli_path: Path = CLI_PATH) -> list[Path]:
    path.write_text(analyses_markdown(), encoding="utf-8")
    cli_path.write_text(cli_markdown(), encoding="utf-8")
    return [path, cli_path]


if __name__ == "__main__":
    print(f"Wrote {', '.join(map(str, write_docs()))}")
