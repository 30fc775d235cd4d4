"""Ibis or SQLGlot: two analysis steps written once as Ibis expressions, against the SQL the analyses keep.

    python3.11 -m venv .venv-ibis
    .venv-ibis/bin/pip install 'ibis-framework[duckdb,pyspark]' -e .
    .venv-ibis/bin/python bench/ibis_study.py --workspace WS.duckdb --dataset DATASET

Ibis is not one of sociable's dependencies: the study runs from a virtualenv of its own, where pip
resolves Ibis's own constraints (it holds PySpark below 4.1, see docs/scale.md). The workspace is a
simulated sample imported into collection `bench`; the dataset is its `sociable export dataset`:

    sociable simulate --posts 100000 --seed 7 -o sample.jsonl
    sociable --workspace WS.duckdb import sample.jsonl -c bench
    sociable --workspace WS.duckdb export dataset -o DATASET

The two steps, in the scope of collection `bench`:

* edges: the map's weighted ties between accounts (`network._edges_sql`, as `query_edges` runs it);
* dialogue: the per-account counts `posts`, `reposts`, `written`, `broadcasts`, `replies`,
  `link_only`, `partners` and `reciprocated` of `dialogue.ACCOUNT_SQL` (its CTEs scoped, ties,
  written, authored, kinds, links and partners, cut from the analysis's own text and joined as the
  whole query joins them; the cut is checked against the whole query's columns on DuckDB).

Each step runs four ways: (i) the SQL on the DuckDB workspace (`ws.query`); (ii) the Ibis
expression on Ibis's DuckDB backend over the same workspace file; (iii) the SQL on Spark through
SQLGlot (`sociable.open(DATASET, engine="spark")` then `ws.query`); (iv) the Ibis expression on
Ibis's PySpark backend over the same Parquet. Spark runs in local mode (--master, default local[1])
with --driver-memory (default 2g); one session serves (iii) and (iv). Every route runs once to
warm up and to check its rows (counts exactly, floats to 1e-9) against (i), then --runs rounds
take the routes in turn (Spark speeds up as its JVM warms, so no route may gain from coming
later); the figure is each route's median wall time, with the one-minute load average seen.
A fifth route runs the SQL on Spark with its list parameters written out (`inlined`).

Figures go to stdout as a Markdown table and to bench/out/ibis_study.json.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    import ibis
    from ibis import _
except ImportError:
    sys.exit("This study needs Ibis, which is not a dependency of sociable: run it from a virtualenv with "
             "`pip install 'ibis-framework[duckdb,pyspark]'` (see the top of bench/ibis_study.py).")

import pyarrow as pa

import sociable
from sociable.analyses import dialogue, network
from sociable.store.dataset import ADDED_COLUMNS
from sociable.store.scope import Scope
from sociable.store.spark import SPARK_CONFIG

OUT = Path(__file__).parent / "out"
COLLECTIONS = ("bench",)
TIE_KINDS = ("reply", "mention", "quote")  # the kinds dialogue's ties keep
KEYS = {"edges": ["platform", "source", "target", "kind"], "dialogue": ["platform", "account_id"]}


# ---------------------------------------------------------------------- the SQL the analyses keep

def edges_sql() -> tuple[str, dict[str, Any]]:
    """The map's edge aggregation, as `network.query_edges` runs it."""
    sql, params = network._edges_sql(Scope(collections=COLLECTIONS), network.KINDS)
    return f"{sql} ORDER BY ALL", params


DIALOGUE_SELECT = """
SELECT au.platform, au.account_id, au.posts, au.reposts, coalesce(k.written, 0) AS written,
       coalesce(k.broadcasts, 0) AS broadcasts, coalesce(k.replies, 0) AS replies,
       coalesce(k.link_only, 0) AS link_only, coalesce(pa.partners, 0) AS partners,
       coalesce(pa.reciprocated, 0) AS reciprocated
  FROM authored au
  LEFT JOIN kinds k USING (platform, account_id)
  LEFT JOIN partners pa USING (platform, account_id)
"""


def dialogue_parts() -> str:
    """The CTEs of ACCOUNT_SQL this study rewrites, cut from the analysis's own text."""
    text = dialogue.ACCOUNT_SQL
    head = text[:text.index("pairs AS (")]  # WITH scoped, ties, written, authored, kinds
    links = text[text.index("links AS ("):text.index("received AS (")]  # links, partners
    return (head + links).rstrip().rstrip(",")


def dialogue_sql() -> tuple[str, dict[str, Any]]:
    """The per-account counts of the parts, as `dialogue._account_counts` formats and binds them."""
    scope = Scope(collections=COLLECTIONS)
    where = scope.condition("p")
    sql = dialogue_parts().format(scoped=dialogue.SCOPED_SQL.strip().format(where=where), where=where)
    return sql + DIALOGUE_SELECT, scope.params()


# ---------------------------------------------------------------------- the same steps in Ibis

def in_scope(t: Any, collections: Any) -> Any:
    """The rows of posts or interactions whose post is in one of the collections (the scope's EXISTS)."""
    return t.semi_join(collections.filter(collections.name.isin(COLLECTIONS)), ["platform", "post_id"])


def edges_ibis(tables: dict[str, Any]) -> Any:
    i = in_scope(tables["interactions"], tables["collections"])
    i = i.filter(i.kind.isin(network.KINDS), i.source != i.target)
    return (i.group_by(["platform", "source", "target", "kind"])
            .aggregate(weight=_.count().cast("float64"))
            .order_by(["platform", "source", "target", "kind"]))


def dialogue_ibis(tables: dict[str, Any]) -> Any:
    posts = in_scope(tables["posts"], tables["collections"])
    scoped = posts.select("platform", "post_id", "account_id", "repost_of")
    i = tables["interactions"]
    ties = (i.join(scoped, ["platform", "post_id"])
            .filter(_.kind.isin(TIE_KINDS), _.source != _.target)
            .select("platform", "source", "target", "post_id"))
    # written: is_reply, engages (the post is one of the ties), link_only (a link and at most three words)
    tied = ties.select("platform", "post_id").distinct().mutate(engages=True)
    text = posts.text.fill_null("")
    words = (text.re_replace(r"https?://\S+|[@#]\w+", " ").re_replace(r"\p{L}+", "a")
             .re_replace(r"[^a]+", "").length())
    written = (posts.filter(posts.repost_of.isnull())
               .mutate(is_reply=posts.reply_to.notnull() & ~posts.reply_to_account.identical_to(posts.account_id),
                       link_only=((posts.urls.length().fill_null(0) > 0) | text.ilike("%http%")) & (words <= 3))
               .select("platform", "account_id", "post_id", "is_reply", "link_only")
               .left_join(tied, ["platform", "post_id"])
               .mutate(engages=_.engages.fill_null(False)))
    authored = scoped.group_by(["platform", "account_id"]).aggregate(posts=_.count(), reposts=_.repost_of.count())
    kinds = written.group_by(["platform", "account_id"]).aggregate(
        written=_.count(), broadcasts=_.count(where=~_.is_reply & ~_.engages),
        replies=_.count(where=_.is_reply), link_only=_.count(where=_.link_only))
    links = ties.select("platform", "source", "target").distinct()
    both = (links.select("platform", account_id=links.source, partner=links.target, o=True, i=False)
            .union(links.select("platform", account_id=links.target, partner=links.source, o=False, i=True)))
    pairs = both.group_by(["platform", "account_id", "partner"]).aggregate(o=_.o.any(), i=_.i.any())
    partners = pairs.group_by(["platform", "account_id"]).aggregate(partners=_.count(),
                                                                    reciprocated=_.count(where=_.o & _.i))
    counts = ["written", "broadcasts", "replies", "link_only", "partners", "reciprocated"]
    joined = authored.left_join(kinds, ["platform", "account_id"]).left_join(partners, ["platform", "account_id"])
    return joined.select("platform", "account_id", "posts", "reposts",
                         **{c: joined[c].fill_null(0) for c in counts})


def inlined(sql: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The SQL with each list parameter written out: `IN (SELECT unnest($kinds))` as `IN ('reply', ...)`.

    The analyses bind lists as parameters; on Spark, SQLGlot's `IN (SELECT explode(array(...)))` is a
    subquery Spark plans as a join, where Ibis writes a literal list. This route tells the two apart.
    """
    rest = {}
    for name, value in params.items():
        target = f"(SELECT unnest(${name}))"
        if isinstance(value, list) and target in sql:
            sql = sql.replace(target, "(" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in value) + ")")
        else:
            rest[name] = value
    return sql, rest


IBIS = {"edges": edges_ibis, "dialogue": dialogue_ibis}
SQL = {"edges": edges_sql, "dialogue": dialogue_sql}


# ---------------------------------------------------------------------- connections

class DuckDBCompat:
    """DuckDB 2's connection as Ibis 12 calls it: the connection's fetch_arrow_table became to_arrow_table."""

    def __init__(self, con: Any) -> None:
        self._con = con

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    def execute(self, *args: Any, **kwargs: Any) -> DuckDBCompat:
        self._con.execute(*args, **kwargs)
        return self

    def fetch_arrow_table(self) -> pa.Table:
        return self._con.to_arrow_table()

    def fetch_record_batch(self, rows_per_batch: int = 1_000_000) -> Any:
        return self._con.to_arrow_reader(rows_per_batch)


def ibis_duckdb(workspace: str) -> tuple[Any, dict[str, Any]]:
    con = ibis.duckdb.connect(workspace, read_only=True)
    con.con = DuckDBCompat(con.con)
    return con, {name: con.table(name) for name in ("posts", "interactions", "collections")}


def spark_session(master: str, memory: str) -> Any:
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("ibis-study").master(master).config("spark.driver.memory", memory)
    for key, value in SPARK_CONFIG.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def ibis_pyspark(spark: Any, dataset: str) -> tuple[Any, dict[str, Any]]:
    """Ibis's PySpark backend over the dataset's Parquet, read as the Spark engine reads it."""
    con = ibis.pyspark.connect(spark)
    tables = {}
    for name in ("posts", "interactions", "collections"):
        frame = spark.read.option("basePath", f"{dataset}/{name}").parquet(f"{dataset}/{name}")
        frame.drop(*[c for c in ADDED_COLUMNS if c in frame.columns]).createOrReplaceTempView(f"ibis_{name}")
        tables[name] = con.table(f"ibis_{name}")
    return con, tables


# ---------------------------------------------------------------------- measuring

def sorted_rows(table: pa.Table, keys: list[str]) -> pa.Table:
    return table.sort_by([(k, "ascending") for k in keys])


def differences(expected: pa.Table, got: pa.Table, keys: list[str]) -> list[str]:
    """Where two results differ: row count, columns, counts exactly, floats to 1e-9."""
    if expected.num_rows != got.num_rows:
        return [f"{got.num_rows} rows, not {expected.num_rows}"]
    expected, got = sorted_rows(expected, keys), sorted_rows(got.select(expected.column_names), keys)
    found = []
    for name in expected.column_names:
        for a, b in zip(expected.column(name).to_pylist(), got.column(name).to_pylist(), strict=True):
            if isinstance(a, float) or isinstance(b, float):
                same = a is not None and b is not None and math.isclose(a, b, rel_tol=0, abs_tol=1e-9)
            else:
                same = a == b
            if not same:
                found.append(f"{name}: {a!r} and {b!r}")
                break
    return found


def measure(step: str, routes: dict[str, Callable[[str], pa.Table]], runs: int) -> list[dict[str, Any]]:
    """Each route's rows from a warm-up run, then `runs` rounds taking the routes in turn.

    Spark gets faster as its JVM warms up, so the routes are timed round by round rather than one
    after another: none gains from coming later. The figure is each route's median, with the
    lowest and highest one-minute load average seen as it was timed.
    """
    results: dict[str, pa.Table] = {}
    rows = []
    for route, run in routes.items():
        try:
            results[route] = run(step)
        except Exception as exc:  # a route that cannot run the step is a finding, not a crash
            rows.append({"step": step, "route": route, "error": f"{type(exc).__name__}: {str(exc)[:300]}"})
    seconds: dict[str, list[float]] = {route: [] for route in results}
    loads: dict[str, list[float]] = {route: [] for route in results}
    for _ in range(runs):
        for route in results:
            started = time.perf_counter()
            routes[route](step)
            seconds[route].append(time.perf_counter() - started)
            loads[route].append(os.getloadavg()[0])
    expected = next(iter(results.values()), None)
    for route, result in results.items():
        diff = differences(expected, result, KEYS[step])
        rows.append({"step": step, "route": route, "rows": result.num_rows,
                     "seconds": round(statistics.median(seconds[route]), 3),
                     "all_seconds": [round(x, 3) for x in seconds[route]],
                     "load": [round(min(loads[route]), 2), round(max(loads[route]), 2)],
                     "equal": not diff, "differences": diff})
    return rows


def definition_lines(text: str) -> int:
    """Lines that define: neither blank, nor comments, nor docstrings."""
    text = re.sub(r'"""[\s\S]*?"""', "", text)
    return sum(1 for line in text.splitlines() if line.strip() and not line.strip().startswith("#"))


def lines_of(step: str) -> dict[str, int]:
    """Lines of definition of each approach: the SQL as the analysis keeps it, the Ibis functions here."""
    ibis_source = inspect.getsource(in_scope) + inspect.getsource(IBIS[step])
    if step == "edges":
        sql = inspect.getsource(network._edges_sql)
        scope = 4  # Scope.condition's collections clause, shared by every analysis
    else:
        sql = dialogue.SCOPED_SQL + dialogue_parts() + DIALOGUE_SELECT
        scope = 4
    return {"sql": definition_lines(sql) + scope, "ibis": definition_lines(ibis_source)}


def preparation(step: str, sws: Any, duck: Any, duck_tables: dict[str, Any], pys: Any,
                pys_tables: dict[str, Any]) -> dict[str, float]:
    """Seconds to say each step in the engine's SQL (median of 3), within the times above: SQLGlot's
    transpilation, and Ibis building the expression and compiling it."""
    from sociable.store.spark_sql import to_spark_steps

    def sqlglot() -> None:
        to_spark_steps(*SQL[step](), prefix="_p", lists=sws._list_columns, tables=sws._views)

    runs = {"sqlglot": sqlglot, "ibis duckdb": lambda: duck.compile(IBIS[step](duck_tables)),
            "ibis pyspark": lambda: pys.compile(IBIS[step](pys_tables))}
    figures = {}
    for name, run in runs.items():
        seconds = []
        for _ in range(3):
            started = time.perf_counter()
            run()
            seconds.append(time.perf_counter() - started)
        figures[name] = round(statistics.median(seconds), 4)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workspace", default="/tmp/ibis/ws.duckdb")
    parser.add_argument("--dataset", default="/tmp/ibis/dataset")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--master", default="local[1]")
    parser.add_argument("--driver-memory", default="2g")
    parser.add_argument("--steps", default="edges,dialogue")
    args = parser.parse_args()
    steps = [s for s in args.steps.split(",") if s]

    ws = sociable.open(args.workspace, read_only=True)
    duck, duck_tables = ibis_duckdb(args.workspace)
    spark = spark_session(args.master, args.driver_memory)
    spark.sparkContext.setLogLevel("ERROR")
    sws = sociable.open(args.dataset, engine="spark", spark=spark)
    pys, pys_tables = ibis_pyspark(spark, args.dataset)

    # the cut of ACCOUNT_SQL gives the whole query's numbers
    whole = dialogue.account_counts(ws, Scope(collections=COLLECTIONS))
    cut = ws.query(*dialogue_sql())
    faithful = not differences(whole.select(cut.column_names), cut, KEYS["dialogue"])

    routes: dict[str, Callable[[str], pa.Table]] = {
        "SQL on DuckDB": lambda step: ws.query(*SQL[step]()),
        "Ibis on DuckDB": lambda step: duck.to_pyarrow(IBIS[step](duck_tables)),
        "SQL via SQLGlot on Spark": lambda step: sws.query(*SQL[step]()),
        "Ibis on PySpark": lambda step: pys.to_pyarrow(IBIS[step](pys_tables)),
        "SQL via SQLGlot on Spark, lists inlined": lambda step: sws.query(*inlined(*SQL[step]())),
    }
    rows = []
    for step in steps:
        rows += measure(step, routes, args.runs)
        print(*rows, sep="\n", file=sys.stderr)

    lines = {step: lines_of(step) for step in steps}
    preparing = {step: preparation(step, sws, duck, duck_tables, pys, pys_tables) for step in steps}
    versions = {"ibis": ibis.__version__, "duckdb": __import__("duckdb").__version__,
                "pyspark": __import__("pyspark").__version__, "sqlglot": __import__("sqlglot").__version__}
    OUT.mkdir(exist_ok=True)
    (OUT / "ibis_study.json").write_text(json.dumps({"rows": rows, "lines": lines, "versions": versions,
                                                     "dialogue_cut_equals_whole": faithful,
                                                     "preparing": preparing}, indent=1))
    print(f"versions: {versions}; the dialogue cut equals the whole query's columns: {faithful}")
    print(f"| step | engine | route | rows | seconds (median of {args.runs}) | load (1 min) "
          "| equal to SQL on DuckDB |")
    print("|---|---|---|---:|---:|---:|---|")
    for row in rows:
        engine = "DuckDB" if "DuckDB" in row["route"] else "Spark " + args.master
        if "error" in row:
            print(f"| {row['step']} | {engine} | {row['route']} | | | | fails: {row['error']} |")
            continue
        equal = "yes" if row["equal"] else "no: " + "; ".join(row["differences"])
        print(f"| {row['step']} | {engine} | {row['route']} | {row['rows']:,} | {row['seconds']:.2f} "
              f"| {row['load'][0]:.1f}–{row['load'][1]:.1f} | {equal} |")
    print("| step | lines of SQL | lines of Ibis | SQLGlot to Spark SQL (s) | Ibis to DuckDB SQL (s) "
          "| Ibis to Spark SQL (s) |\n|---|---:|---:|---:|---:|---:|")
    for step, count in lines.items():
        ready = preparing[step]
        print(f"| {step} | {count['sql']} | {count['ibis']} | {ready['sqlglot']:.3f} | {ready['ibis duckdb']:.3f} "
              f"| {ready['ibis pyspark']:.3f} |")


if __name__ == "__main__":
    main()
