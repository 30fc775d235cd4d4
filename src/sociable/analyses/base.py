"""The one shape every analysis has: declared options, a Scope, a typed result, one way to run.

An analysis is a function `(workspace, scope, **options) -> SomeResult`, registered with
`@analysis(name, title, description, options=(...), result=SomeResult)`. Its options are data
(`Option`: name, kind, default, help, choices), and that declaration is the settings registry:
the CLI's flags, the web app's filters and forms, the JSON API's query parameters and
docs/analyses.md are all made from it. There is exactly one way to run an analysis,
`spec.run(ws, scope, **options)`: it checks the scope and the options, then calls the function.

A result is a dataclass derived from `Result`, with named Arrow tables (`table(...)` fields)
and typed facts (`fact(...)` fields). Renderers (the CLI, the report, the web app, `--json`)
iterate over those fields; nobody looks a table up by a string they typed.

Analyses only read: they run SQL on the workspace's connection (`ws.query`, `ws.query_with`)
and never write; whatever must be kept (role labels, screening findings) is saved by a store
method from the result.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import math
import pkgutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

import pyarrow as pa

from sociable.errors import SociableError
from sociable.store.scope import Scope

if TYPE_CHECKING:
    from sociable.store import Workspace


class OptionError(SociableError, ValueError):
    """An analysis option was unknown, or its value could not be understood."""


class NoSuchAnalysis(SociableError):
    """An analysis name was asked for that nothing registers."""


@dataclass(frozen=True, slots=True)
class Measure:
    """A number the tool reports, with the one-line definition shown to users."""

    name: str
    definition: str


# ---------------------------------------------------------------------- options

OptionKind = Literal["str", "int", "float", "bool", "choice", "list", "path", "paths"]


@dataclass(frozen=True, slots=True)
class Option:
    """One declared option of an analysis: the CLI flag, web field, API parameter and docs entry.

    `kind` says how a value given as text (a flag, a query string) is read: `list` is a
    comma-separated or repeated list of words; `path`/`paths` are files the CLI reads (not
    offered on the web). `resolve`, when set, turns the checked value into what the analysis
    receives, with the workspace at hand (an organisation file into its accounts).
    """

    name: str
    kind: OptionKind
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    above: float | None = None  # an exclusive lower bound: the value must be greater than this
    short: str | None = None
    web: bool = True
    resolve: Callable[[Workspace, Any], Any] | None = None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def convert(self, value: Any) -> Any:
        """The value checked and converted to the option's kind; None keeps the default."""
        if value is None:
            return self.default
        converter = _CONVERTERS[self.kind]
        try:
            converted = converter(value)
        except (TypeError, ValueError):
            raise OptionError(f"{self.flag} should be {_KIND_WORDS[self.kind]}, not {value!r}.") from None
        if self.choices:
            values = converted if isinstance(converted, tuple) else (converted,)
            wrong = [v for v in values if v not in self.choices]
            if wrong:
                raise OptionError(f"{self.flag} should be one of {', '.join(self.choices)}, not "
                                  f"{', '.join(map(str, wrong))}.")
        if isinstance(converted, float) and not math.isfinite(converted):
            raise OptionError(f"{self.flag} should be a finite number, not {value!r}.")
        if self.minimum is not None and isinstance(converted, int | float) and converted < self.minimum:
            raise OptionError(f"{self.flag} should be at least {self.minimum:g}, not {converted:g}.")
        if self.above is not None and isinstance(converted, int | float) and converted <= self.above:
            raise OptionError(f"{self.flag} should be more than {self.above:g}, not {converted:g}.")
        return converted

    def to_dict(self) -> dict[str, Any]:
        """The declaration as JSON (the API's description of itself, and docs)."""
        return {"name": self.name, "flag": self.flag, "kind": self.kind, "default": _jsonable(self.default),
                "help": self.help, "choices": list(self.choices), "minimum": self.minimum, "above": self.above,
                "web": self.web}


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(value)


def _to_words(value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else [p for v in value for p in str(v).split(",")]
    return tuple(dict.fromkeys(item.strip() for item in items if item.strip()))


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(value)
    return int(value)


def _to_paths(value: Any) -> tuple[Path, ...]:
    items = [value] if isinstance(value, str | Path) else list(value)
    return tuple(Path(item) for item in items)


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "str": lambda v: str(v).strip(),
    "choice": lambda v: str(v).strip(),
    "int": _to_int,
    "float": lambda v: float(v),
    "bool": _to_bool,
    "list": _to_words,
    "path": lambda v: Path(v),
    "paths": _to_paths,
}
_KIND_WORDS = {"str": "text", "choice": "one of its choices", "int": "a whole number", "float": "a number",
               "bool": "yes or no", "list": "a comma-separated list", "path": "a file path",
               "paths": "file paths"}


# ---------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class TableInfo:
    """How a result table is shown: its title, column headers (in order), and whether the CLI prints it."""

    title: str
    columns: Mapping[str, str] = field(default_factory=dict)
    reading: str = ""
    cli: bool = True


@dataclass(frozen=True, slots=True)
class FactInfo:
    """How a fact is shown: its title, and the measure that defines it (by name)."""

    title: str
    measure: str | None = None


def table(title: str, columns: Mapping[str, str] | None = None, reading: str = "", cli: bool = True) -> Any:
    """Declare a table field of a result (an Arrow table; empty by default)."""
    info = TableInfo(title, dict(columns or {}), reading, cli)
    return field(default_factory=_empty_table, metadata={"sociable": info})


def fact(title: str, default: Any = None, measure: str | None = None) -> Any:
    """Declare a fact field of a result: a number, text, or a small list or mapping of them."""
    info = FactInfo(title, measure)
    if isinstance(default, list | dict):
        return field(default_factory=lambda: type(default)(default), metadata={"sociable": info})
    return field(default=default, metadata={"sociable": info})


def _empty_table() -> pa.Table:
    return pa.table({})


@dataclass(kw_only=True)
class Result:
    """The base of every analysis result: what ran on what, notes, and its declared tables and facts."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    description: ClassVar[str] = ""
    measures: ClassVar[tuple[Measure, ...]] = ()
    main: ClassVar[str | None] = None  # the table `-o FILE.csv` writes

    scope: Scope = field(default_factory=Scope)
    options: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    # -- iterating over the declared fields

    @classmethod
    def table_fields(cls) -> list[tuple[str, TableInfo]]:
        return [(f.name, f.metadata["sociable"]) for f in dataclasses.fields(cls)
                if isinstance(f.metadata.get("sociable"), TableInfo)]

    @classmethod
    def fact_fields(cls) -> list[tuple[str, FactInfo]]:
        return [(f.name, f.metadata["sociable"]) for f in dataclasses.fields(cls)
                if isinstance(f.metadata.get("sociable"), FactInfo)]

    def tables(self) -> dict[str, pa.Table]:
        """The result's tables by field name, in declaration order."""
        return {name: getattr(self, name) for name, _ in self.table_fields()}

    def facts(self) -> dict[str, Any]:
        """The result's facts by field name, in declaration order."""
        return {name: getattr(self, name) for name, _ in self.fact_fields()}

    def table_info(self, name: str) -> TableInfo:
        for field_name, info in self.table_fields():
            if field_name == name:
                return info
        raise KeyError(name)

    def main_table(self) -> pa.Table:
        """The table `-o FILE` writes: the declared main one, else the first."""
        tables = self.tables()
        if not tables:
            raise SociableError(f"the {self.name} analysis has no table to write.")
        name = self.main if self.main in tables else next(iter(tables))
        return tables[name]

    def measure(self, name: str) -> Measure | None:
        return next((m for m in self.measures if m.name == name), None)

    def headline(self) -> list[str]:
        """Sentences printed before the tables (the CLI) and above the facts: override to summarise."""
        return []

    def shown_tables(self) -> list[str]:
        """The tables the CLI prints, in order: those declared with cli=True unless overridden
        (for example, only the grouping the user chose with --by)."""
        return [name for name, info in self.table_fields() if info.cli]

    # -- conversions

    def to_json(self, tables: bool = True) -> dict[str, Any]:
        """One JSON document: the documented shape every `--json` prints (docs/analyses.md).

        With ``tables=False`` the tables are left empty, for a writer that streams their rows.
        """
        return {
            "analysis": self.name,
            "title": self.title,
            "description": self.description,
            "scope": self.scope.to_dict(),
            "options": {key: _jsonable(value) for key, value in self.options.items()},
            "facts": {key: _jsonable(value) for key, value in self.facts().items()},
            "tables": {key: [_jsonable_row(row) for row in value.to_pylist()] for key, value in self.tables().items()}
            if tables else {},
            "notes": list(self.notes),
            "measures": [{"name": m.name, "definition": m.definition} for m in self.measures],
        }

    def to_pandas(self, name: str | None = None) -> Any:
        """A table as a pandas DataFrame (the main table unless named); needs `sociable[notebook]`."""
        _require("pandas")
        return (self.main_table() if name is None else self.tables()[name]).to_pandas()

    def to_polars(self, name: str | None = None) -> Any:
        """A table as a polars DataFrame (the main table unless named); needs `sociable[notebook]`."""
        polars = _require("polars")
        return polars.from_arrow(self.main_table() if name is None else self.tables()[name])


def _require(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise SociableError(f"{module} is not installed; install it with `pip install 'sociable[notebook]'`.") from None


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "to_dict"):
            return _jsonable(value.to_dict())
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def jsonable_rows(table: pa.Table, rows_at_once: int = 20_000) -> Iterator[dict[str, Any]]:
    """A table's rows as JSON-ready dicts, a batch at a time (a large table is never a list of dicts at once)."""
    for batch in table.to_batches(max_chunksize=rows_at_once):
        for row in batch.to_pylist():
            yield _jsonable_row(row)


def _jsonable_row(row: dict[str, Any]) -> dict[str, Any]:
    return {key: _jsonable(value) for key, value in row.items()}



# ---------------------------------------------------------------------- the registry

R = TypeVar("R", bound=Result)
AnalysisFunction = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class AnalysisSpec:
    """A registered analysis: what it is, its declared options, its result type, and how to run it."""

    name: str
    title: str
    description: str
    function: AnalysisFunction
    options: tuple[Option, ...]
    result: type[Result]
    order: int = 100
    command: str = ""  # the CLI command (the kebab-case twin of `method`)
    method: str = ""   # the library method: ws.<method>(...)

    def option(self, name: str) -> Option:
        for option in self.options:
            if option.name == name:
                return option
        raise OptionError(f"the {self.name} analysis has no option '{name}'; its options are "
                          f"{', '.join(o.name for o in self.options) or 'none'}.")

    def check_options(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Every declared option, converted and checked; an unknown name is an error, not ignored."""
        known = {option.name for option in self.options}
        unknown = [name for name in given if name not in known]
        if unknown:
            listing = ", ".join(sorted(known)) or "none"
            raise OptionError(f"the {self.name} analysis has no option {', '.join(map(repr, unknown))}; "
                              f"its options are: {listing}.")
        return {option.name: option.convert(given.get(option.name)) for option in self.options}

    def run(self, ws: Workspace, scope: Scope | None = None, **options: Any) -> Any:
        """The one way to run an analysis: scope validated, options checked and resolved, result typed."""
        checked_scope = ws.check_scope(scope)
        values = self.check_options(options)
        resolved = {name: self._resolve(ws, name, value) for name, value in values.items()}
        result = self.function(ws, checked_scope, **resolved)
        if not isinstance(result, self.result):
            raise TypeError(f"the {self.name} analysis returned {type(result).__name__}, not {self.result.__name__}")
        result.scope = checked_scope
        result.options = values
        return result

    def _resolve(self, ws: Workspace, name: str, value: Any) -> Any:
        option = self.option(name)
        return option.resolve(ws, value) if option.resolve is not None and value not in (None, (), []) else value


_ANALYSES: dict[str, AnalysisSpec] = {}


def analysis(
    name: str,
    title: str,
    description: str,
    *,
    result: type[Result],
    options: Sequence[Option] = (),
    order: int = 100,
    command: str | None = None,
    method: str | None = None,
) -> Callable[[AnalysisFunction], AnalysisFunction]:
    """Register an analysis; built-in and later ones are registered the same way."""

    def register(function: AnalysisFunction) -> AnalysisFunction:
        names = [option.name for option in options]
        if len(set(names)) != len(names):
            raise ValueError(f"the {name} analysis declares an option twice: {names}")
        _ANALYSES[name] = AnalysisSpec(
            name, title, description, function, tuple(options), result, order,
            command or name.replace("_", "-"), method or name,
        )
        return function

    return register


_LOADED: list[bool] = []


def load_analyses() -> None:
    """Import every module of sociable.analyses and its packages once, so each registers itself."""
    if _LOADED:
        return
    import sociable.analyses

    for module in pkgutil.walk_packages(sociable.analyses.__path__, sociable.analyses.__name__ + "."):
        importlib.import_module(module.name)
    _LOADED.append(True)


def registered_analyses() -> list[AnalysisSpec]:
    load_analyses()
    return sorted(_ANALYSES.values(), key=lambda spec: (spec.order, spec.name))


def get_analysis(name: str) -> AnalysisSpec:
    load_analyses()
    if name not in _ANALYSES:
        known = ", ".join(spec.name for spec in registered_analyses())
        raise NoSuchAnalysis(f"there is no analysis called '{name}'; the analyses are: {known}.")
    return _ANALYSES[name]


# ---------------------------------------------------------------------- work shared between analyses

_SHARED: ContextVar[dict[tuple[Any, ...], Any] | None] = ContextVar("sociable_shared_work", default=None)
_Shared = TypeVar("_Shared")


@contextlib.contextmanager
def sharing_work() -> Iterator[None]:
    """Within this block, work that several analyses need (dialogue's per-account counts, read by
    maturity too) is done once per workspace, scope and options. A report builds its sections inside
    one; outside, every analysis computes what it needs, so nothing stale is ever reused."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def shared(key: tuple[Any, ...], compute: Callable[[], _Shared]) -> _Shared:
    """`compute()`, or its value from earlier in the same `sharing_work` block under the same key."""
    kept = _SHARED.get()
    if kept is None:
        return compute()
    if key not in kept:
        kept[key] = compute()
    value: _Shared = kept[key]
    return value
