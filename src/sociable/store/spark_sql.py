"""DuckDB SQL, as the analyses write it, said in Spark SQL with the same meaning.

The analyses' SQL is written once, in DuckDB's dialect. SQLGlot parses it and writes it for
Spark; the transforms here cover what SQLGlot translates by name but not by meaning, each
checked against DuckDB on the simulated sample (tests/spark):

* parameters (`$name`, `?`) are bound as literals, lists as arrays, times as UTC timestamps;
* `timezone(zone, t)` on a UTC instant is the wall time there (`from_utc_timestamp`, then without zone),
  and `date_trunc` of a wall time is a wall time;
* `epoch(t)` keeps its fraction of a second; `epoch_ms(t)` is milliseconds; `date_diff(unit, a, b)`
  counts the boundaries crossed, as DuckDB does, not the whole units elapsed;
* `isodow` is Monday 1 to Sunday 7;
* `xs[i]` counts from 1 and is NULL past the end (`element_at`); `len(list)` is `size`;
  `list(x ORDER BY ...)` and `first(x ORDER BY ...)` keep their order,
  `list_median` is the median of a list (the middle value, or the mean of the middle two);
* several `unnest` side by side in one SELECT unnest in step (`inline(arrays_zip(...))`);
* POSIX classes in a pattern (`[[:alpha:]]`) become their Java names, and `regexp_replace`
  without the 'g' flag replaces only the first match, as in DuckDB;
* a WITH query read more than once becomes a step the engine computes once (`to_spark_steps`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

import sqlglot
from sqlglot import exp

from sociable.errors import SociableError

LIST_COLUMNS = frozenset({"hashtags", "mentions", "urls", "principles", "registration", "response_hours",
                          "record_ids", "numbers", "orgs"})
"""Columns of the store and of the analyses' stages that hold lists, where DuckDB's `len` is a list's size."""

_MORE_LISTS: ContextVar[frozenset[str]] = ContextVar("more_list_columns", default=frozenset())
LIST_FUNCTIONS = (exp.ArrayAgg, exp.Array, exp.RegexpExtractAll, exp.Flatten, exp.ArrayFilter, exp.Split)

POSIX_CLASSES = {
    "alpha": r"\p{Alpha}", "digit": r"\p{Digit}", "alnum": r"\p{Alnum}", "upper": r"\p{Upper}",
    "lower": r"\p{Lower}", "space": r"\s", "punct": r"\p{Punct}", "word": r"\w", "xdigit": r"\p{XDigit}",
}
_POSIX = re.compile(r"\[:(\w+):\]")


class UntranslatableSQL(SociableError):
    """A statement uses something of DuckDB's that the Spark engine does not translate."""


@dataclass(frozen=True, slots=True)
class Step:
    """A named stage of a statement (one of its WITH queries), shown to Spark as a view before the rest runs.

    `reused` stages are read more than once by what follows; the engine computes those once.
    """

    name: str
    sql: str
    reused: bool


def to_spark(sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None,
             lists: Iterable[str] = (), tables: Mapping[str, str] | None = None) -> str:
    """One DuckDB statement, with its parameters bound, as Spark SQL.

    `lists` names more columns that hold lists (those of the tables a query reads), so that
    `len` of them is a list's size; `tables` maps a table's name to the Spark view that holds it.
    """
    return _renamed(_translated(sql, params, lists), tables or {}).sql(dialect="spark")


def to_spark_steps(sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None,
                   prefix: str = "_stage", lists: Iterable[str] = (),
                   tables: Mapping[str, str] | None = None) -> tuple[list[Step], str]:
    """The statement as its WITH queries, each a named step (in order), and the final query over them.

    Spark inlines a WITH query wherever it is read, so a stage read five times (the posts in
    scope) would be planned and computed five times; as steps, it is computed once. Each
    step's name starts with `prefix`, so it never hides a table of the same name; `tables`
    maps a table's name to the Spark view that holds it (a WITH query of the same name wins).
    """
    tree = _translated(sql, params, lists)
    with_ = tree.args.get("with_") or tree.args.get("with")
    if not isinstance(with_, exp.With) or with_.args.get("recursive"):
        return [], _renamed(tree, tables or {}).sql(dialect="spark")
    ctes = list(with_.expressions)
    names = {**(tables or {}), **{cte.alias: f"{prefix}_{cte.alias}" for cte in ctes}}
    tree.set("with_" if "with_" in tree.args else "with", None)
    reads: dict[str, int] = {cte.alias: 0 for cte in ctes}
    for part in [*(cte.this for cte in ctes), tree]:
        for table in part.find_all(exp.Table):
            if table.name in reads and not table.args.get("db"):
                reads[table.name] += 1
    steps = []
    for cte in ctes:
        body = _renamed(cte.this, names)
        steps.append(Step(names[cte.alias], body.sql(dialect="spark"), reads[cte.alias] > 1))
    return steps, _renamed(tree, names).sql(dialect="spark")


def _renamed(tree: exp.Expression, names: Mapping[str, str]) -> exp.Expression:
    """The tree reading each WITH query by its step's name (keeping the old name as the alias)."""
    def rename(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and node.name in names and not node.args.get("db"):
            alias = node.alias or node.name
            renamed = cast(exp.Expression, exp.alias_(exp.to_table(names[node.name]), alias, table=True))
            return renamed
        return node

    return tree.transform(rename)


def _translated(sql: str, params: Sequence[Any] | Mapping[str, Any] | None, lists: Iterable[str]) -> exp.Expression:
    try:
        tree = cast(exp.Expression, sqlglot.parse_one(sql, read="duckdb"))
    except sqlglot.errors.ParseError as exc:
        raise UntranslatableSQL(f"a statement could not be read for Spark ({exc}).") from None
    tree = bind(tree, params)
    known = _MORE_LISTS.set(frozenset(lists))
    try:
        for transform in TRANSFORMS:
            tree = tree.transform(transform, copy=False)
    finally:
        _MORE_LISTS.reset(known)
    return tree


def bind(tree: exp.Expression, params: Sequence[Any] | Mapping[str, Any] | None) -> exp.Expression:
    """Replace `$name` and `?` with the parameters' values as literals."""
    positional = iter(params) if isinstance(params, Sequence) and not isinstance(params, str) else iter(())
    named = params if isinstance(params, Mapping) else {}

    def replace(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.Placeholder):
            return node
        name = node.name
        if name and name != "?":
            if name not in named:
                raise UntranslatableSQL(f"the statement's parameter ${name} was not given.")
            return literal(named[name])
        try:
            return literal(next(positional))
        except StopIteration:
            raise UntranslatableSQL("the statement has more ? parameters than values.") from None

    return tree.transform(replace, copy=False)


def literal(value: Any) -> exp.Expression:
    """A Python value as a SQL literal Spark reads with the same type."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float):
        return exp.Literal.number(repr(value) if isinstance(value, float) else str(value))
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, datetime):
        moment = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return exp.cast(exp.Literal.string(moment.isoformat(sep=" ")), exp.DataType.build("TIMESTAMP"))
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.build("DATE"))
    if isinstance(value, list | tuple):
        return exp.Array(expressions=[literal(item) for item in value])
    raise UntranslatableSQL(f"a parameter of type {type(value).__name__} cannot be given to Spark.")


# ---------------------------------------------------------------------- transforms


def _function(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _is_list(node: exp.Expression) -> bool:
    if isinstance(node, exp.Coalesce):
        return _is_list(node.this)
    if isinstance(node, exp.Column):
        return node.name in LIST_COLUMNS or node.name in _MORE_LISTS.get()
    if isinstance(node, exp.Cast):
        return node.to.is_type(exp.DataType.Type.ARRAY)
    return isinstance(node, LIST_FUNCTIONS)


def list_size(node: exp.Expression) -> exp.Expression:
    """DuckDB's `len`/`length` of a list is Spark's `size`."""
    if isinstance(node, exp.Length) and _is_list(node.this):
        return exp.ArraySize(this=node.this)
    return node


def wall_time(node: exp.Expression) -> exp.Expression:
    """`timezone('Europe/London', t)` of an instant: the wall-clock time there, a timestamp without zone."""
    if isinstance(node, exp.Anonymous) and node.name.lower() == "timezone" and len(node.expressions) == 2:
        zone, moment = node.expressions
        local = _function("from_utc_timestamp", moment, zone)
        return exp.cast(local, exp.DataType.build("TIMESTAMP_NTZ", dialect="spark"))
    if isinstance(node, exp.AtTimeZone):
        return exp.cast(_function("from_utc_timestamp", node.this, node.args["zone"]),
                        exp.DataType.build("TIMESTAMP_NTZ", dialect="spark"))
    return node


def _is_wall_time(node: exp.Expression) -> bool:
    return isinstance(node, exp.Cast) and node.to.sql(dialect="spark").upper() == "TIMESTAMP_NTZ"


def wall_time_trunc(node: exp.Expression) -> exp.Expression:
    """`date_trunc` of a wall time stays a wall time (Spark's would read it as an instant)."""
    if isinstance(node, exp.TimestampTrunc | exp.DateTrunc) and _is_wall_time(node.this):
        return exp.cast(node, exp.DataType.build("TIMESTAMP_NTZ", dialect="spark"))
    return node


def epochs(node: exp.Expression) -> exp.Expression:
    """`epoch(t)` is seconds with their fraction; `epoch_ms(t)` is whole milliseconds."""
    if isinstance(node, exp.TimeToUnix):
        micros = exp.cast(_function("unix_micros", _instant(node.this)), exp.DataType.build("DOUBLE"))
        return exp.Paren(this=exp.Div(this=micros, expression=exp.Literal.number("1e6")))
    if isinstance(node, exp.UnixToTime) and node.args.get("scale") is not None and _is_instant(node.this):
        return _function("unix_millis", _instant(node.this))
    return node


def _is_instant(node: exp.Expression) -> bool:
    return isinstance(node, exp.Column) and node.name.endswith(("_at", "created_at", "time", "moment"))


def _instant(node: exp.Expression) -> exp.Expression:
    """A value as a timestamp (with zone), which unix_micros and unix_millis take."""
    return exp.cast(node, exp.DataType.build("TIMESTAMP"))


def boundaries(node: exp.Expression) -> exp.Expression:
    """DuckDB's `date_diff(unit, a, b)` counts unit boundaries crossed: whole units between the truncated times."""
    if isinstance(node, exp.DateDiff | exp.TimestampDiff):
        unit = (node.args.get("unit") or exp.var("DAY")).name.upper()
        start, end = node.expression, node.this
        truncated = [exp.TimestampTrunc(this=side, unit=exp.Literal.string(unit)) for side in (start, end)]
        return _function("timestampdiff", exp.var(unit), *truncated)
    return node


def iso_weekday(node: exp.Expression) -> exp.Expression:
    """ISO day of the week: Monday 1 to Sunday 7 (Spark's dayofweek counts Sunday 1 to Saturday 7)."""
    if isinstance(node, exp.DayOfWeekIso):
        shifted = exp.Add(this=_function("dayofweek", node.this), expression=exp.Literal.number(5))
        return exp.Add(this=exp.Paren(this=exp.Mod(this=exp.Paren(this=shifted), expression=exp.Literal.number(7))),
                       expression=exp.Literal.number(1))
    return node


def _comparator(keys: list[exp.Ordered]) -> str:
    """A Spark array_sort comparator over struct fields k0, k1, ... in the given orders (DuckDB's nulls last)."""
    sql = "0"
    for index in reversed(range(len(keys))):
        key = keys[index]
        desc = bool(key.args.get("desc"))
        nulls_first = bool(key.args.get("nulls_first")) and not (desc and key.args.get("nulls_first") is None)
        left, right = f"l.k{index}", f"r.k{index}"
        smaller, larger = ("1", "-1") if desc else ("-1", "1")
        null_left = "-1" if nulls_first else "1"
        null_right = "1" if nulls_first else "-1"
        sql = (f"CASE WHEN {left} IS NULL AND {right} IS NULL THEN {sql} WHEN {left} IS NULL THEN {null_left} "
               f"WHEN {right} IS NULL THEN {null_right} WHEN {left} < {right} THEN {smaller} "
               f"WHEN {left} > {right} THEN {larger} ELSE {sql} END")
    return sql


def _lambda(sql: str) -> exp.Expression:
    """A Spark lambda (`(l, r) -> ...`), read where a function's argument is expected."""
    call = sqlglot.parse_one(f"transform(x, {sql})", read="spark")
    return call.expressions[0] if call.expressions else call.expression


def _ordered_list(value: exp.Expression, keys: list[exp.Ordered], condition: exp.Expression | None) -> exp.Expression:
    """The values in the order of the keys: a sorted list of structs, then the value of each.

    `list(DISTINCT x ORDER BY x)` keeps each value once, in order.
    """
    distinct = isinstance(value, exp.Distinct)
    if distinct:
        value = value.expressions[0]
    fields = [exp.alias_(key.this.copy(), f"k{index}") for index, key in enumerate(keys)]
    fields.append(exp.alias_(value.copy(), "v"))
    collected: exp.Expression = exp.ArrayAgg(this=exp.Struct(expressions=fields))
    if condition is not None:
        collected = exp.Filter(this=collected, expression=exp.Where(this=condition))
    sort = _function("array_sort", collected, _lambda(f"(l, r) -> {_comparator(keys)}"))
    values = _function("transform", sort, _lambda("s -> s.v"))
    return _function("array_distinct", values) if distinct else values


def ordered_aggregates(node: exp.Expression) -> exp.Expression:
    """`list(x ORDER BY k)` and `first(x ORDER BY k)` in the keys' order; `list(x)` keeps nulls out, as Spark does."""
    condition = None
    inner = node
    if isinstance(node, exp.Filter) and isinstance(node.this, exp.ArrayAgg | exp.First):
        inner, condition = node.this, node.expression.this
    if isinstance(inner, exp.ArrayAgg | exp.First) and isinstance(inner.this, exp.Order):
        order = inner.this
        keys = list(order.expressions)
        listed = _ordered_list(order.this, keys, condition)
        if isinstance(inner, exp.First):
            return _function("element_at", listed, exp.Literal.number(1))
        return listed
    return node


def list_median(node: exp.Expression) -> exp.Expression:
    """`list_median(xs)`: the middle of the sorted values, or the mean of the middle two (NULL when empty)."""
    if isinstance(node, exp.Anonymous) and node.name.lower() == "list_median":
        values = node.expressions[0]
        median = _lambda(
            "(acc, s) -> CASE WHEN size(s) = 0 THEN CAST(NULL AS DOUBLE) WHEN size(s) % 2 = 1 "
            "THEN CAST(element_at(s, CAST((size(s) + 1) / 2 AS INT)) AS DOUBLE) "
            "ELSE (CAST(element_at(s, CAST(size(s) / 2 AS INT)) AS DOUBLE) "
            "+ CAST(element_at(s, CAST(size(s) / 2 AS INT) + 1) AS DOUBLE)) / 2 END")
        sorted_values = exp.Array(expressions=[_function("array_sort", _function("filter", values, _lambda(
            "x -> x IS NOT NULL")))])
        return _function("aggregate", sorted_values, exp.cast(exp.Null(), exp.DataType.build("DOUBLE")), median)
    return node


def zipped_unnest(node: exp.Expression) -> exp.Expression:
    """`SELECT unnest(a) AS x, unnest(b) AS y`: DuckDB unnests side by side; Spark takes one generator."""
    if not isinstance(node, exp.Select):
        return node
    unnests = [e for e in node.expressions if isinstance(e.unalias(), exp.Explode | exp.Unnest)]
    if len(unnests) < 2 or len(unnests) != len(node.expressions):
        return node
    names = [e.alias_or_name for e in unnests]
    arrays = [e.unalias().this for e in unnests]
    inline = exp.Inline(this=_function("arrays_zip", *arrays))
    generator = sqlglot.parse_one(f"SELECT x AS ({', '.join(names)})", read="spark").expressions[0]
    generator.set("this", inline)
    node.set("expressions", [generator])
    return node


def posix_classes(node: exp.Expression) -> exp.Expression:
    """POSIX bracket classes (RE2) in a pattern as Java's: `[[:alpha:]]` is `[\\p{Alpha}]`."""
    if isinstance(node, exp.RegexpExtractAll | exp.RegexpReplace | exp.RegexpLike | exp.RegexpExtract):
        pattern = node.expression
        if isinstance(pattern, exp.Literal) and pattern.is_string and "[:" in pattern.this:
            def java(match: re.Match[str]) -> str:
                name = match.group(1)
                if name not in POSIX_CLASSES:
                    raise UntranslatableSQL(f"the pattern class [:{name}:] has no Java twin here.")
                return POSIX_CLASSES[name]
            node.set("expression", exp.Literal.string(_POSIX.sub(java, pattern.this)))
    return node


def first_replacement(node: exp.Expression) -> exp.Expression:
    """DuckDB's `regexp_replace` without the 'g' flag replaces the first match only (Spark's replaces all)."""
    if not isinstance(node, exp.RegexpReplace):
        return node
    modifiers = node.args.get("modifiers")
    flags = modifiers.this if isinstance(modifiers, exp.Literal) else ""
    node.set("modifiers", None)
    if "g" in flags:
        return node
    pattern = node.expression
    if not (isinstance(pattern, exp.Literal) and pattern.is_string):
        raise UntranslatableSQL("a regexp_replace with a computed pattern cannot be said in Spark.")
    # The text before the first match, the replacement, then the rest: one match replaced.
    first = exp.Literal.string(f"^(?s)(.*?)(?:{pattern.this})(.*)$")
    replacement = node.args["replacement"]
    if not isinstance(replacement, exp.Literal) or "$" in replacement.this or "\\" in replacement.this:
        raise UntranslatableSQL("a regexp_replace with a computed or back-referencing replacement cannot be "
                                "said in Spark.")
    return exp.RegexpReplace(this=node.this, expression=first,
                             replacement=exp.Literal.string(f"$1{replacement.this}$2"))


def distinct_tuples(node: exp.Expression) -> exp.Expression:
    """`count(DISTINCT (a, b))` is Spark's `count(DISTINCT a, b)`."""
    if isinstance(node, exp.Distinct) and len(node.expressions) == 1 and isinstance(node.expressions[0], exp.Tuple):
        node.set("expressions", list(node.expressions[0].expressions))
    return node


def row_subquery(node: exp.Expression) -> exp.Expression:
    """`(a, b) IN (SELECT (x, y) FROM t)`: Spark's subquery gives the columns themselves, not one row value."""
    if isinstance(node, exp.In) and node.args.get("query") is not None:
        select = node.args["query"].this
        if isinstance(select, exp.Select) and len(select.expressions) == 1 and isinstance(select.expressions[0],
                                                                                         exp.Tuple):
            select.set("expressions", list(select.expressions[0].expressions))
    return node


def list_index(node: exp.Expression) -> exp.Expression:
    """`xs[i]`, 1-based in DuckDB and NULL past the end: Spark's `element_at`.

    SQLGlot has already made a literal index 0-based; a computed one is still DuckDB's.
    """
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
        index = node.expressions[0]
        if isinstance(index, exp.Literal) and index.is_string:
            return node  # a struct's field or a map's key
        shifted = _literal_int(index)
        if shifted is not None:
            index = exp.Literal.number(shifted + 1)
        return _function("element_at", node.this, index)
    return node


def _literal_int(node: exp.Expression) -> int | None:
    if isinstance(node, exp.Neg):
        inner = _literal_int(node.this)
        return None if inner is None else -inner
    return int(node.this) if isinstance(node, exp.Literal) and node.is_int else None


TRANSFORMS = (row_subquery, list_index, list_size, wall_time, wall_time_trunc, epochs, boundaries, iso_weekday,
              ordered_aggregates, list_median, zipped_unnest, posix_classes, first_replacement, distinct_tuples)
