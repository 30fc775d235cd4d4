"""Batch screening: check every post of a collection, keep the findings, and summarise them.

`screen(ws, collection)` runs the checker over the posts in chunks and stores one row per post in
`safety_screened` and one row per finding in `safety_findings`. Screening again replaces the
earlier results for the same posts, so the tables always hold one answer per post. The summary
functions read those tables back; they work on anything that answers SQL with Arrow tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pyarrow as pa

from sociable.errors import SociableError, UnreadableFile, WorkspaceError
from sociable.safety.checker import check_many
from sociable.safety.findings import CheckResult
from sociable.safety.guidance import catalogue

if TYPE_CHECKING:
    from sociable.store import Workspace

CHUNK_POSTS = 2_000
SEVERITIES = ("do not post", "think again", "advice")
VERDICTS = ("do not post", "think again", "advice", "ok")

TABLES_SQL = """
CREATE TABLE IF NOT EXISTS safety_screened (
    platform VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    account_id VARCHAR,
    verdict VARCHAR NOT NULL,
    findings INTEGER NOT NULL,
    profession VARCHAR,
    checked_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS safety_findings (
    platform VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    account_id VARCHAR,
    category VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    kind VARCHAR,
    "start" INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    principles VARCHAR[],
    checked_at TIMESTAMPTZ NOT NULL
);
"""

_TS = pa.timestamp("us", tz="UTC")
_SCREENED_SCHEMA = pa.schema([
    ("platform", pa.string()), ("post_id", pa.string()), ("account_id", pa.string()), ("verdict", pa.string()),
    ("findings", pa.int32()), ("profession", pa.string()), ("checked_at", _TS),
])
_FINDINGS_SCHEMA = pa.schema([
    ("platform", pa.string()), ("post_id", pa.string()), ("account_id", pa.string()), ("category", pa.string()),
    ("severity", pa.string()), ("kind", pa.string()), ("start", pa.int32()), ("end", pa.int32()),
    ("principles", pa.list_(pa.string())), ("checked_at", _TS),
])

ScreenProgress = Callable[[int, int], None]


class Queryable(Protocol):
    """Anything answering SQL with Arrow tables: a workspace, or a report's context."""

    def query(self, sql: str, params: Any = None) -> pa.Table: ...


@dataclass(frozen=True, slots=True)
class ScreeningSummary:
    """Screening results for a set of posts, as counts: never the text of a post."""

    collection: str | None
    posts: int
    screened: int
    flagged: int
    findings: int
    verdicts: pa.Table
    by_category: pa.Table
    by_severity: pa.Table
    by_account: pa.Table

    @property
    def flagged_share(self) -> float | None:
        """Flagged posts as a share of screened posts (None when nothing was screened)."""
        return self.flagged / self.screened if self.screened else None


# ---------------------------------------------------------------------- screening


def ensure_tables(ws: Workspace) -> None:
    """Create the screening tables in a workspace that does not have them yet."""
    if ws.read_only:
        raise WorkspaceError(f"{ws.path} was opened read-only; open it without read_only to screen posts.")
    with ws._lock:
        ws.con.execute(TABLES_SQL)


def screen(
    ws: Workspace,
    collection: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    profession: str | None = None,
    include_reposts: bool = False,
    chunk_size: int = CHUNK_POSTS,
    progress: ScreenProgress | None = None,
) -> ScreeningSummary:
    """Check every post in scope, store the findings (replacing earlier ones) and return the summary.

    Reposts are left out unless asked for: their words belong to the post they share.
    """
    if chunk_size < 1:
        raise SociableError(f"the chunk size must be at least 1 post, not {chunk_size}.")
    catalogue().bodies_for(profession)
    where, params = _scope(ws, collection, since, until, include_reposts)
    ensure_tables(ws)
    total = int(ws.scalar(f"SELECT count(*) FROM posts p WHERE {where}", params) or 0)
    checked_at = datetime.now(UTC)
    with ws._lock:
        ws.con.execute("BEGIN TRANSACTION")
        try:
            _forget(ws, where, params)
            done = 0
            for chunk in _chunks(ws, where, params, chunk_size):
                pairs = zip(chunk["post_id"], (text or "" for text in chunk["text"]), strict=True)
                results = list(check_many(pairs, profession))
                _store(ws, chunk, results, profession, checked_at)
                done += len(results)
                if progress is not None:
                    progress(done, total)
            ws.con.execute("COMMIT")
        except BaseException:
            ws.con.execute("ROLLBACK")
            raise
    return summarise(ws, collection, since, until, include_reposts)


def _scope(
    ws: Workspace, collection: str | None, since: datetime | None, until: datetime | None, include_reposts: bool
) -> tuple[str, list[Any]]:
    where, params = ws.post_filter(collection, since, until, alias="p")
    if not include_reposts:
        where += " AND p.repost_of IS NULL"
    return where, params


def _forget(ws: Workspace, where: str, params: list[Any]) -> None:
    """Delete earlier results for the posts in scope, so screening again replaces them."""
    for table in ("safety_findings", "safety_screened"):
        ws.con.execute(
            f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM posts p WHERE p.platform = t.platform "
            f"AND p.post_id = t.post_id AND {where})",
            params,
        )


def _chunks(ws: Workspace, where: str, params: list[Any], size: int) -> Iterator[dict[str, list[Any]]]:
    """The posts in scope, a chunk at a time, in key order (each chunk fully fetched)."""
    last: tuple[str, str] | None = None
    while True:
        after = "" if last is None else " AND (p.platform, p.post_id) > (?, ?)"
        rows = ws.con.execute(
            f"SELECT p.platform, p.post_id, p.account_id, p.text FROM posts p WHERE {where}{after} "
            f"ORDER BY p.platform, p.post_id LIMIT {int(size)}",
            [*params, *(last or ())],
        ).fetchall()
        if not rows:
            return
        platforms, post_ids, accounts, texts = (list(column) for column in zip(*rows, strict=True))
        yield {"platform": platforms, "post_id": post_ids, "account_id": accounts, "text": texts}
        last = (rows[-1][0], rows[-1][1])


def _store(
    ws: Workspace, chunk: dict[str, list[Any]], results: list[CheckResult], profession: str | None,
    checked_at: datetime,
) -> None:
    n = len(results)
    screened = pa.Table.from_pydict({
        "platform": chunk["platform"], "post_id": chunk["post_id"], "account_id": chunk["account_id"],
        "verdict": [r.verdict for r in results], "findings": [len(r.findings) for r in results],
        "profession": [profession] * n, "checked_at": [checked_at] * n,
    }, schema=_SCREENED_SCHEMA)
    rows: dict[str, list[Any]] = {name: [] for name in _FINDINGS_SCHEMA.names}
    for index, result in enumerate(results):
        for f in result.findings:
            for name, value in (
                ("platform", chunk["platform"][index]), ("post_id", chunk["post_id"][index]),
                ("account_id", chunk["account_id"][index]), ("category", f.category), ("severity", f.severity),
                ("kind", f.kind or None), ("start", f.start), ("end", f.end), ("principles", list(f.principles)),
                ("checked_at", checked_at),
            ):
                rows[name].append(value)
    findings = pa.Table.from_pydict(rows, schema=_FINDINGS_SCHEMA)
    for name, table in (("safety_screened", screened), ("safety_findings", findings)):
        ws.con.register("_screen_rows", table)
        try:
            ws.con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM _screen_rows")
        finally:
            ws.con.unregister("_screen_rows")


# ---------------------------------------------------------------------- summary


def summarise(
    ws: Workspace, collection: str | None = None, since: datetime | None = None, until: datetime | None = None,
    include_reposts: bool = False,
) -> ScreeningSummary:
    """The stored screening results for the posts in scope, counted by verdict, category, severity and account."""
    where, params = _scope(ws, collection, since, until, include_reposts)
    if not has_screening(ws):
        raise SociableError("no posts have been screened yet; run `sociable screen` first.")
    return summarise_scope(ws, where, params, collection)


def has_screening(db: Queryable) -> bool:
    """Whether the workspace holds screening tables (a workspace that was never screened does not)."""
    rows = db.query(
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_name IN ('safety_screened', 'safety_findings')"
    )
    return int(rows.column(0)[0].as_py()) == 2


def summarise_scope(db: Queryable, where: str, params: list[Any], collection: str | None = None) -> ScreeningSummary:
    """The summary for posts matching a SQL condition on `posts p` (as built by a post filter)."""
    totals = db.query(
        f"""SELECT count(*) AS posts, count(s.post_id) AS screened,
                   count(*) FILTER (WHERE s.verdict IN ('think again', 'do not post')) AS flagged,
                   coalesce(sum(s.findings), 0) AS findings
              FROM posts p LEFT JOIN safety_screened s ON s.platform = p.platform AND s.post_id = p.post_id
             WHERE {where}""",
        params or None,
    ).to_pylist()[0]
    return ScreeningSummary(
        collection=collection,
        posts=int(totals["posts"]),
        screened=int(totals["screened"]),
        flagged=int(totals["flagged"]),
        findings=int(totals["findings"]),
        verdicts=verdict_counts(db, where, params),
        by_category=category_counts(db, where, params),
        by_severity=severity_counts(db, where, params),
        by_account=account_counts(db, where, params),
    )


_SCREENED_IN_SCOPE = (
    "(SELECT s.* FROM safety_screened s JOIN posts p ON p.platform = s.platform AND p.post_id = s.post_id "
    "WHERE {where})"
)
_FINDINGS_IN_SCOPE = (
    "(SELECT f.* FROM safety_findings f JOIN posts p ON p.platform = f.platform AND p.post_id = f.post_id "
    "WHERE {where})"
)


def verdict_counts(db: Queryable, where: str, params: list[Any]) -> pa.Table:
    """Screened posts by verdict, every verdict listed (most severe first), zero where none."""
    found = db.query(
        f"SELECT verdict, count(*) AS posts FROM {_SCREENED_IN_SCOPE.format(where=where)} s GROUP BY verdict",
        params or None,
    ).to_pylist()
    counts = {row["verdict"]: int(row["posts"]) for row in found}
    return pa.table({"verdict": list(VERDICTS), "posts": pa.array([counts.get(v, 0) for v in VERDICTS], pa.int64())})


def severity_counts(db: Queryable, where: str, params: list[Any]) -> pa.Table:
    """Findings by severity, and how many posts have at least one finding of that severity."""
    found = db.query(
        f"SELECT severity, count(*) AS findings, count(DISTINCT (platform, post_id)) AS posts "
        f"FROM {_FINDINGS_IN_SCOPE.format(where=where)} f GROUP BY severity",
        params or None,
    ).to_pylist()
    counts = {row["severity"]: row for row in found}
    return pa.table({
        "severity": list(SEVERITIES),
        "findings": pa.array([int(counts.get(s, {}).get("findings", 0)) for s in SEVERITIES], pa.int64()),
        "posts": pa.array([int(counts.get(s, {}).get("posts", 0)) for s in SEVERITIES], pa.int64()),
    })


def category_counts(db: Queryable, where: str, params: list[Any]) -> pa.Table:
    """Findings by category (with its title), the posts and accounts involved, and findings per severity."""
    rows = db.query(
        f"""SELECT category, count(*) AS findings, count(DISTINCT (platform, post_id)) AS posts,
                   count(DISTINCT (platform, account_id)) AS accounts,
                   count(*) FILTER (WHERE severity = 'do not post') AS do_not_post,
                   count(*) FILTER (WHERE severity = 'think again') AS think_again,
                   count(*) FILTER (WHERE severity = 'advice') AS advice
              FROM {_FINDINGS_IN_SCOPE.format(where=where)} f GROUP BY category""",
        params or None,
    ).to_pylist()
    titles = catalogue().titles
    rows.sort(key=lambda row: _category_number(row["category"]))
    for row in rows:
        row["title"] = titles.get(row["category"], row["category"])
    names = ("category", "title", "findings", "posts", "accounts", "do_not_post", "think_again", "advice")
    schema = pa.schema([(n, pa.string() if n in ("category", "title") else pa.int64()) for n in names])
    return pa.Table.from_pylist([{n: row[n] for n in names} for row in rows], schema=schema)


def _category_number(category: str) -> tuple[int, str]:
    digits = category[1:]
    return (int(digits), category) if digits.isdigit() else (10_000, category)


def account_counts(db: Queryable, where: str, params: list[Any]) -> pa.Table:
    """Per account: posts screened, posts flagged, findings, and the categories found (most flagged first)."""
    return db.query(
        f"""WITH s AS {_SCREENED_IN_SCOPE.format(where=where)},
                 f AS {_FINDINGS_IN_SCOPE.format(where=where)},
                 cats AS (SELECT platform, account_id, list(DISTINCT category ORDER BY category) AS categories
                            FROM f GROUP BY ALL)
            SELECT s.platform, s.account_id, a.handle, count(*) AS screened,
                   count(*) FILTER (WHERE s.verdict IN ('think again', 'do not post')) AS flagged,
                   CAST(sum(s.findings) AS BIGINT) AS findings, any_value(c.categories) AS categories
              FROM s
              LEFT JOIN accounts a ON a.platform = s.platform AND a.account_id = s.account_id
              LEFT JOIN cats c ON c.platform = s.platform AND c.account_id = s.account_id
             GROUP BY s.platform, s.account_id, a.handle
             ORDER BY flagged DESC, findings DESC, s.platform, coalesce(a.handle, s.account_id)""",
        [*params, *params] or None,
    )


# ---------------------------------------------------------------------- CSV export


def export_findings(
    ws: Workspace, path: str | Path, collection: str | None = None, since: datetime | None = None,
    until: datetime | None = None, include_text: bool = False,
) -> int:
    """Write the stored findings for the posts in scope to CSV; the flagged words only with include_text.

    Returns the number of findings written.
    """
    if not has_screening(ws):
        raise SociableError("no posts have been screened yet; run `sociable screen` first.")
    where, params = ws.post_filter(collection, since, until, alias="p")
    table = ws.query(
        f"""SELECT f.platform, f.post_id, f.account_id, a.handle, p.created_at, s.verdict, f.category, f.severity,
                   f.kind, f."start", f."end", array_to_string(f.principles, ' ') AS principles, p.text,
                   f.checked_at
              FROM safety_findings f
              JOIN posts p ON p.platform = f.platform AND p.post_id = f.post_id
              LEFT JOIN safety_screened s ON s.platform = f.platform AND s.post_id = f.post_id
              LEFT JOIN accounts a ON a.platform = f.platform AND a.account_id = f.account_id
             WHERE {where}
             ORDER BY p.created_at, f.platform, f.post_id, f."start", f.category""",
        params,
    )
    return _write_findings_csv(table, Path(path), include_text)


def _write_findings_csv(table: pa.Table, path: Path, include_text: bool) -> int:
    import pyarrow.csv as pacsv

    texts = table.column("text").to_pylist()
    starts, ends = table.column("start").to_pylist(), table.column("end").to_pylist()
    table = table.drop_columns(["text"])
    titles = catalogue().titles
    table = table.add_column(
        table.column_names.index("category") + 1, "title",
        pa.array([titles.get(c, c) for c in table.column("category").to_pylist()], pa.string()),
    )
    if include_text:
        spans = [(t or "")[s:e] for t, s, e in zip(texts, starts, ends, strict=True)]
        table = table.append_column("flagged_text", pa.array(spans, pa.string()))
    try:
        pacsv.write_csv(table, str(path))
    except (OSError, pa.ArrowException) as exc:
        raise UnreadableFile(f"the findings could not be written to {path} ({exc}); check the folder exists.") from None
    return table.num_rows

