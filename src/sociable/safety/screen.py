"""Batch screening: check every post in a scope, keep the findings, and return what they add up to.

`screen(ws, scope)` runs the checker over the posts in chunks and hands the results to the
store (`Workspace.save_screening`): one row per post in `safety_screened` and one per finding in
`safety_findings`. Screening again replaces the earlier results for the same posts, in one
transaction, so the tables always hold one answer per post. The counts come from the "safety"
analysis (sociable.analyses.safety), which only reads those tables.

A large scope is checked in worker processes (forked, as the import's line route is; each loads
the models once and never touches the workspace) while this process reads the next chunks and
stores the finished ones, so screening keeps pace with the checker itself.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from sociable.analyses.base import get_analysis
from sociable.errors import SociableError
from sociable.safety.checker import check_many
from sociable.safety.findings import CheckResult
from sociable.safety.guidance import catalogue
from sociable.store.fast.pools import forked_pool
from sociable.store.scope import POST_KINDS, Scope
from sociable.store.screening import FINDINGS_SCHEMA, SCREENED_SCHEMA

if TYPE_CHECKING:
    from sociable.analyses.safety import SafetyResult
    from sociable.store import Workspace

CHUNK_POSTS = 2_000
PARALLEL_POSTS = 50_000  # scopes at least this large are checked in worker processes
MAX_WORKERS = 2

ScreenProgress = Callable[[int, int], None]


def screen(
    ws: Workspace,
    scope: Scope | None = None,
    profession: str | None = None,
    include_reposts: bool = False,
    chunk_size: int = CHUNK_POSTS,
    progress: ScreenProgress | None = None,
) -> SafetyResult:
    """Check every post in scope, store the findings (replacing earlier ones) and return the counts.

    Reposts are left out unless asked for (or named in the scope's kinds): their words belong
    to the post they share.
    """
    if chunk_size < 1:
        raise SociableError(f"the chunk size must be at least 1 post, not {chunk_size}.")
    catalogue().bodies_for(profession)
    scope = screening_scope(ws.check_scope(scope), include_reposts)
    total = int(ws.query(f"SELECT count(*) AS n FROM posts p WHERE {scope.condition('p')}",
                         scope.params()).column(0)[0].as_py())
    checked_at = datetime.now(UTC)
    with ws.transaction():
        ws.forget_screening(scope)
        done = 0
        chunks = (chunk.to_pydict() for chunk in
                  ws.post_chunks(scope, ("platform", "post_id", "account_id", "text"), size=chunk_size))
        workers = min(MAX_WORKERS, os.cpu_count() or 1) if total >= PARALLEL_POSTS else 1
        for screened, findings in checked_chunks(chunks, profession, checked_at, workers):
            ws.save_screening(screened, findings)
            done += screened.num_rows
            if progress is not None:
                progress(done, total)
    result: SafetyResult = get_analysis("safety").run(ws, scope)
    return result


def checked_chunks(chunks: Iterable[dict[str, list[Any]]], profession: str | None, checked_at: datetime,
                   workers: int = 1) -> Iterator[tuple[pa.Table, pa.Table]]:
    """The stored rows of each chunk of posts, checked in order, in `workers` processes when more than one."""
    if workers <= 1:
        for rows in chunks:
            yield check_chunk(rows, profession, checked_at)
        return
    with forked_pool(workers) as pool:
        pending: deque[Future[tuple[pa.Table, pa.Table]]] = deque()
        for rows in chunks:
            pending.append(pool.submit(check_chunk, rows, profession, checked_at))
            if len(pending) > 2 * workers:  # a few chunks ahead, so the workers never wait and memory stays flat
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def check_chunk(rows: dict[str, list[Any]], profession: str | None, checked_at: datetime) -> tuple[pa.Table, pa.Table]:
    """One chunk of posts (platform, post_id, account_id, text) checked, as the rows the store keeps."""
    pairs = zip(rows["post_id"], (text or "" for text in rows["text"]), strict=True)
    return screening_rows(rows, list(check_many(pairs, profession)), profession, checked_at)


def screening_scope(scope: Scope, include_reposts: bool = False) -> Scope:
    """The posts screening checks: the scope without reposts, unless they are asked for."""
    if include_reposts or "repost" in scope.kinds:
        return scope
    return scope.replace(kinds=tuple(kind for kind in scope.kinds or POST_KINDS if kind != "repost"))


def screening_rows(
    chunk: dict[str, list[Any]], results: list[CheckResult], profession: str | None, checked_at: datetime,
) -> tuple[pa.Table, pa.Table]:
    """The rows the store keeps for a chunk of checked posts: one per post, and one per finding."""
    n = len(results)
    screened = pa.Table.from_pydict({
        "platform": chunk["platform"], "post_id": chunk["post_id"], "account_id": chunk["account_id"],
        "verdict": [r.verdict for r in results], "findings": [len(r.findings) for r in results],
        "profession": [profession] * n, "checked_at": [checked_at] * n,
    }, schema=SCREENED_SCHEMA)
    rows: dict[str, list[Any]] = {name: [] for name in FINDINGS_SCHEMA.names}
    for index, result in enumerate(results):
        for f in result.findings:
            for name, value in (
                ("platform", chunk["platform"][index]), ("post_id", chunk["post_id"][index]),
                ("account_id", chunk["account_id"][index]), ("category", f.category), ("severity", f.severity),
                ("kind", f.kind or None), ("start", f.start), ("end", f.end), ("principles", list(f.principles)),
                ("checked_at", checked_at),
            ):
                rows[name].append(value)
    return screened, pa.Table.from_pydict(rows, schema=FINDINGS_SCHEMA)
