"""The one CLI renderer: any analysis result as readable tables, or as one JSON document.

Tables are printed from a result's declared fields: their titles, the column headers declared
with `table(columns=...)` (else the column names in words), cells formatted by what the column
holds (shares as percentages, hours with an "h", counts with thousands separators), and the
definition of every measure shown. Every cell is plain text, never markup.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sociable.analyses.base import Measure, Result, jsonable_rows
from sociable.errors import SociableError
from sociable.reports.exports.files import OutputExists as OutputExists  # the CLI's name for it
from sociable.reports.exports.files import ProtectedOutput as ProtectedOutput
from sociable.reports.exports.files import check_output, replacing

MAX_CELL = 140
SHARE_WORDS = ("_share", "_rate")
SHARE_NAMES = {"share", "reciprocity", "response_rate", "internal_share", "positive_share", "negative_share"}
TEXT_HINTS = {"handle", "group_name", "style", "organisation", "stage", "summary", "conditions", "dimension", "term",
              "example_handle", "example_text", "text", "uri", "status", "kind", "period", "name", "sector", "role",
              "subtype", "sectors", "roles", "key_accounts", "top_hashtags", "group", "account", "bucket", "evidence",
              "reason", "display_name", "verdict", "category", "severity", "url", "platform", "account_id"}


def print_result(console: Console, result: Result, limit: int = 20) -> None:
    """Headline, the tables the result shows on the command line, notes, and the measures' definitions."""
    for line in result.headline():
        console.print(Text(line))
    shown_columns: set[str] = set()
    for name in result.shown_tables():
        info = result.table_info(name)
        data: pa.Table = getattr(result, name)
        columns = dict(info.columns) or {column: _words(column) for column in data.column_names}
        columns = {key: header for key, header in columns.items() if key in data.column_names}
        if not columns:
            continue
        print_table(console, data, columns, limit, title=info.title)
        shown_columns.update(columns)
    for note in result.notes:
        console.print(Text(note))
    definitions = [m for m in result.measures if _key(m.name) in shown_columns]
    print_definitions(console, definitions)


def print_table(
    console: Console, table: pa.Table, columns: Mapping[str, str], limit: int = 20, title: str | None = None,
) -> None:
    """An Arrow table as a rich table; `limit` rows (0 = all), with a line saying how many were left out.

    Columns that cannot be read at the terminal's width are left out (and named) rather than
    squeezed to nothing: numbers never wrap, text keeps at least a dozen characters.
    """
    rows = table.to_pylist()
    shown_rows = rows[: limit or None]
    cells = {name: [format_cell(name, row.get(name)) for row in shown_rows] for name in columns}
    texts = {name: _is_text(name, rows) for name in columns}
    needs = {name: _needed_width(header, cells[name], texts[name]) for name, header in columns.items()}
    kept = _columns_that_fit(list(columns), needs, console.width)
    out = Table(title=title, title_justify="left")
    for name in kept:
        if texts[name]:
            out.add_column(columns[name], justify="left", overflow="fold", min_width=needs[name])
        else:
            out.add_column(columns[name], justify="right", no_wrap=True, min_width=needs[name])
    for index in range(len(shown_rows)):
        out.add_row(*(Text(cells[name][index]) for name in kept))
    console.print(out)
    if limit and len(rows) > limit:
        console.print(f"{limit:,} of {len(rows):,} rows shown; use --limit 0 for all.")
    left_out = [columns[name] for name in columns if name not in kept]
    if left_out:
        console.print(Text(f"Not shown at this width: {', '.join(left_out)} (widen the terminal, or use --json "
                           "or -o FILE.csv for every column)."))


TEXT_MIN = 12


def _needed_width(header: str, cells: list[str], text: bool) -> int:
    """The width a column needs to be read: all of a number, at least a dozen characters of text."""
    longest_word = max((len(word) for word in header.split()), default=1)
    widest = max((len(cell) for cell in cells), default=1)
    if text:
        return max(min(widest, TEXT_MIN), min(longest_word, TEXT_MIN))
    return max(widest, longest_word)


def _columns_that_fit(names: list[str], needs: Mapping[str, int], width: int) -> list[str]:
    """The first columns whose needed widths (plus borders) fit the terminal; always the first one."""
    kept: list[str] = []
    used = 1
    for name in names:
        cost = needs[name] + 3
        if kept and used + cost > width:
            continue
        kept.append(name)
        used += cost
    return kept


def print_definitions(console: Console, measures: list[Measure]) -> None:
    for measure in measures:
        console.print(Text.assemble((f"{measure.name.replace('_', ' ')}: ", "bold"), measure.definition))


def format_cell(name: str, value: Any) -> str:
    """A value as shown in a terminal: readable, one line, never longer than MAX_CELL characters."""
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and (name.endswith(SHARE_WORDS) or name in SHARE_NAMES):
        return f"{value:.0%}"
    if isinstance(value, float) and name.endswith("_hours"):
        return f"{value:,.1f} h"
    if name == "mean_sentiment" and isinstance(value, float):
        return f"{value:+.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() and abs(value) >= 1 else f"{value:.3g}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        value = ", ".join(format_cell(name, item) for item in value)
    text = " ".join(printable(str(value)).split())
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def printable(text: str) -> str:
    """Text without control characters (a post cannot move the cursor or recolour the terminal)."""
    return "".join(ch if ch.isprintable() or ch in "\t\n" else " " for ch in text)


def _is_text(name: str, rows: list[dict[str, Any]]) -> bool:
    if name in TEXT_HINTS:
        return True
    sample = next((row.get(name) for row in rows if row.get(name) is not None), None)
    return isinstance(sample, str | list)


def _words(column: str) -> str:
    return column.replace("_", " ")


def _key(name: str) -> str:
    return name.lower().replace(" ", "_").replace("-", "_")


# ---------------------------------------------------------------------- JSON and files


def result_json(result: Result) -> str:
    """The result as one JSON document (the shape in docs/analyses.md)."""
    return json.dumps(result.to_json(), ensure_ascii=False, indent=None, default=str, allow_nan=False)


def write_result_json(result: Result, out: IO[str]) -> None:
    """The same document as `result_json`, written as it is made: a table's rows a batch at a time.

    The map of 10,000,000 posts has five million ties; as one list of dicts its --json document
    took 13.7 GB of memory (bench/README.md).
    """
    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, default=str, allow_nan=False)

    head = result.to_json(tables=False)
    out.write("{")
    for i, (key, value) in enumerate(head.items()):
        out.write(f"{', ' if i else ''}{dump(key)}: ")
        if key != "tables":
            out.write(dump(value))
            continue
        out.write("{")
        for j, (name, table) in enumerate(result.tables().items()):
            out.write(f"{', ' if j else ''}{dump(name)}: [")
            for k, row in enumerate(jsonable_rows(table)):
                out.write(f"{', ' if k else ''}{dump(row)}")
            out.write("]")
        out.write("}")
    out.write("}\n")


def check_table_output(path: Path, *, force: bool = False, protect: tuple[Path, ...] = ()) -> None:
    """Refuse a -o target before any work: protected, existing without force, a missing folder, a wrong ending."""
    check_output(path, force=force, protect=protect)
    if path.suffix.lower() not in (".csv", ".parquet"):
        raise SociableError(f"-o should name a .csv or .parquet file, not '{path.name}'.")
    if not path.parent.is_dir():
        raise SociableError(f"the folder {path.parent} does not exist; create it or choose another file name.")


def write_table(table: pa.Table, path: Path, *, force: bool = False, protect: tuple[Path, ...] = ()) -> Path:
    """Write a table as CSV or Parquet (by the file's ending), atomically, never over a file unless forced.

    Nothing is ever written over a protected path (the workspace, the command's inputs) or any
    DuckDB database, even with force; an existing target keeps its permissions.
    """
    suffix = path.suffix.lower()
    check_table_output(path, force=force, protect=protect)
    with replacing(path, force=force, protect=protect) as folder:
        staged = folder / path.name
        if suffix == ".csv":
            pa_csv.write_csv(_flat(table), staged)
        else:
            pq.write_table(table, staged)
    return path


def _flat(table: pa.Table) -> pa.Table:
    """Lists and structs become text, so a table of any shape can be written as CSV."""
    columns = []
    for column in table.columns:
        if pa.types.is_nested(column.type):
            columns.append(pa.array([None if v is None else json.dumps(v, default=str, ensure_ascii=False)
                                     for v in column.to_pylist()], pa.string()))
        else:
            columns.append(column)
    return pa.table(columns, names=table.column_names)
