"""The library: a workspace with every analysis as a method, the twin of each command.

`sociable.open(path)` returns this `Workspace`. Each method takes the same scope keywords
(collection, since, until, kinds, platforms, or a ready `scope`) and the analysis's declared
options, with the names the command's flags have in snake case: `ws.map(min_weight=2)` is
`sociable map --min-weight 2`. Results are typed dataclasses of Arrow tables and facts;
`.to_pandas()` / `.to_polars()` convert a table when the `notebook` extra is installed.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable, Coroutine, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from sociable.analyses.base import Result, get_analysis
from sociable.errors import SociableError, WorkspaceError
from sociable.sources.live.base import Counts
from sociable.sources.live.bluesky import BlueskyCapture, BlueskyOptions
from sociable.sources.live.feeds import FeedCapture, FeedOptions
from sociable.sources.live.mastodon import MastodonCapture, MastodonOptions
from sociable.store import Workspace as StoreWorkspace
from sociable.store import checked_path
from sociable.store.capture import WorkspaceSink
from sociable.store.scope import Scope
from sociable.store.spark import SparkWorkspace as SparkStoreWorkspace

if TYPE_CHECKING:
    from sociable.analyses.authenticity import AuthenticityResult
    from sociable.analyses.cascades.analysis import CascadesResult
    from sociable.analyses.cascades.one import Cascade
    from sociable.analyses.chats.analysis import ChatsResult
    from sociable.analyses.dialogue import DialogueResult
    from sociable.analyses.feedback import FeedbackResult
    from sociable.analyses.listening import ListeningResult
    from sociable.analyses.maturity import MaturityResult
    from sociable.analyses.network_map import MapResult
    from sociable.analyses.roles import RolesResult
    from sociable.analyses.safety import SafetyResult
    from sociable.analyses.stance.analysis import StanceResult

ScopeValue = str | Iterable[str] | None
TimeValue = datetime | date | str | None


class Workspace(StoreWorkspace):
    """A sociable workspace (one DuckDB file) with the analyses as methods."""

    def run(
        self,
        analysis: str,
        *,
        collection: ScopeValue = None,
        since: TimeValue = None,
        until: TimeValue = None,
        kinds: ScopeValue = None,
        platforms: ScopeValue = None,
        lists: ScopeValue = None,
        scope: Scope | None = None,
        **options: Any,
    ) -> Any:
        """Run a registered analysis by name in a scope, with its declared options."""
        chosen = self._scope_of(scope, {"collection": collection, "since": since, "until": until, "kinds": kinds,
                                        "platforms": platforms, "lists": lists})
        return get_analysis(analysis).run(self, chosen, **options)

    def roles(self, *, save: bool | None = None, **scope_and_options: Any) -> RolesResult:
        """Roles and sectors of every account; kept as the workspace's labels unless opened read-only.

        `manual=PATH` reads a CSV of manual labels, which are kept too and always win.
        """
        result = self.run("roles", **scope_and_options)
        if save or (save is None and not self.read_only):
            keep_roles(self, result)
        return result

    def map(self, **scope_and_options: Any) -> MapResult:
        """Who talks with whom: communities, silos, brokers and influence (`sociable map`)."""
        return self.run("map", **scope_and_options)

    def dialogue(self, **scope_and_options: Any) -> DialogueResult:
        """Broadcasting or conversing, per account and group (`sociable dialogue`)."""
        return self.run("dialogue", **scope_and_options)

    def maturity(self, **scope_and_options: Any) -> MaturityResult:
        """An organisation on the five maturity stages, and why (`sociable maturity`)."""
        return self.run("maturity", **scope_and_options)

    def listen(self, **scope_and_options: Any) -> ListeningResult:
        """What is said to and about an organisation, and what went unanswered (`sociable listen`)."""
        return self.run("listening", **scope_and_options)

    def authenticity(self, **scope_and_options: Any) -> AuthenticityResult:
        """Named, first-name, pseudonymous and organisational accounts compared as groups (`sociable authenticity`)."""
        return self.run("authenticity", **scope_and_options)

    def feedback(self, **scope_and_options: Any) -> FeedbackResult:
        """Care Opinion stories and services' responses, per service or organisation (`sociable feedback`)."""
        return self.run("feedback", **scope_and_options)

    def chats(self, **scope_and_options: Any) -> ChatsResult:
        """A hashtag chat's sessions, participants, questions and answers (`sociable chats`)."""
        return self.run("chats", **scope_and_options)

    def cascades(self, **scope_and_options: Any) -> CascadesResult:
        """The largest spread trees, their measures, stance mix and corrections (`sociable cascades`)."""
        return self.run("cascades", **scope_and_options)

    def stance(self, **scope_and_options: Any) -> StanceResult:
        """Each reaction's stance toward the claim it spreads from (`sociable stance`)."""
        return self.run("stance", **scope_and_options)

    def cascade(self, post: str, *, authority: Iterable[str] = (), scope: Scope | None = None,
                **scope_values: Any) -> Cascade:
        """The one cascade holding `post` (a platform id or URL), with stance and layout (`sociable cascade`).

        Draw it with `sociable.reports.cascades.cascade_html`.
        """
        from sociable.analyses.cascades.one import read_cascade

        chosen = self.check_scope(scope) if scope is not None else self.scope(**scope_values)
        return read_cascade(self, chosen, post, tuple(authority))

    def transcript(self, *, tag: str, session: str, min_posts: int = 3, scope: Scope | None = None,
                   **scope_values: Any) -> Any:
        """The transcript of one session of a chat, held on `session` (a UK date, YYYY-MM-DD).

        Render it with `sociable.reports.chats.transcript_markdown` or `transcript_html`
        (`sociable chats --tag T --session D --transcript -o FILE`).
        """
        from sociable.analyses.chats.records import build_transcript

        return build_transcript(self, self._scope_of(scope, scope_values), tag=tag, session=session,
                                min_posts=min_posts)

    def cpd(self, *, tag: str, handle: str, code: str | None = None, min_posts: int = 3,
            scope: Scope | None = None, **scope_values: Any) -> Any:
        """One participant's CPD record of a chat's sessions (`sociable cpd`); `code` is nmc, hcpc, swe or all."""
        from sociable.analyses.chats.records import build_cpd

        return build_cpd(self, self._scope_of(scope, scope_values), tag=tag, handle=handle, code=code,
                         min_posts=min_posts)

    def _scope_of(self, scope: Scope | None, values: dict[str, Any]) -> Scope:
        if scope is not None:
            return self.check_scope(scope)
        known = ("collection", "since", "until", "kinds", "platforms", "lists")
        unknown = [name for name in values if name not in known]
        if unknown:
            raise TypeError(f"unexpected keyword arguments {unknown}; the scope keywords are {', '.join(known)}")
        return self.scope(*(values.get(name) for name in known))

    def import_lists(self, paths: Sequence[str | os.PathLike[str]], label: str | None = None) -> ListsImported:
        """Import curated lists (Bluesky, Mastodon, X); `label` ('sector=housing') labels their known members."""
        return import_lists(self, paths, label)

    def safety(self, **scope_and_options: Any) -> SafetyResult:
        """What screening found in scope (`sociable safety`); run `screen` first."""
        return self.run("safety", **scope_and_options)

    def screen(
        self,
        *,
        collection: ScopeValue = None,
        since: TimeValue = None,
        until: TimeValue = None,
        kinds: ScopeValue = None,
        platforms: ScopeValue = None,
        scope: Scope | None = None,
        profession: str | None = None,
        include_reposts: bool = False,
    ) -> SafetyResult:
        """Check every post in scope for safe practice and keep the findings (`sociable screen`).

        Returns the safety analysis's result for the same scope. Reposts are left out unless
        `include_reposts` (their words belong to the post they share).
        """
        from sociable.safety.screen import screen

        chosen = self._scope_of(scope, {"collection": collection, "since": since, "until": until, "kinds": kinds,
                                        "platforms": platforms})
        return screen(self, chosen, profession, include_reposts)

    def capture(self, platform: str, **options: Any) -> CaptureSummary:
        """Capture live from a platform into this workspace until the duration, a post count, or Ctrl-C.

        The twin of `sociable capture PLATFORM`: `ws.capture("bluesky", tags=["nhssm"],
        collection="care", duration=600)`. The options are the command's flags in snake case.
        """
        if self.read_only:
            raise WorkspaceError(f"{self.path} was opened read-only; open it without read_only to capture into it.")
        return capture(self.path, platform, opener=lambda path, wait: _Borrowed(self), **options)


@dataclass(frozen=True, slots=True)
class CaptureSummary:
    """What one run of a capture did: its name and its counters."""

    name: str
    counts: Counts


CAPTURE_PLATFORMS = {
    "bluesky": (BlueskyOptions, BlueskyCapture),
    "mastodon": (MastodonOptions, MastodonCapture),
    "feeds": (FeedOptions, FeedCapture),
}


def capture(
    path: str | os.PathLike[str],
    platform: str,
    *,
    name: str | None = None,
    collection: str | None = None,
    wait: float = 60.0,
    progress: Callable[[Counts, str | None], None] | None = None,
    handle_signals: bool = False,
    opener: Callable[..., Any] | None = None,
    **options: Any,
) -> CaptureSummary:
    """Run a named capture into the workspace at `path`, opening it only for each batch.

    With `handle_signals` (the command line), SIGTERM and SIGINT stop it cleanly: the batch
    in hand is stored and the cursor saved, so the same name resumes from there.
    """
    if platform not in CAPTURE_PLATFORMS:
        raise SociableError(f"sociable captures from {', '.join(CAPTURE_PLATFORMS)}, not '{platform}'.")
    options_class, capture_class = CAPTURE_PLATFORMS[platform]
    known = {f.name for f in fields(options_class)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise SociableError(f"a {platform} capture has no option {', '.join(unknown)}; it takes "
                            f"{', '.join(sorted(known))}.")
    given: dict[str, Any] = {k: tuple(v) if isinstance(v, list | set) else v for k, v in options.items()}
    chosen = options_class(**given)
    label = name or chosen.default_name()
    sink = WorkspaceSink(path, label, collection, wait=wait, opener=opener)
    runner = capture_class(chosen, sink, label, progress=progress)

    async def main() -> Counts:
        stop = asyncio.Event()
        if not handle_signals:
            return await runner.run(stop)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        try:
            return await runner.run(stop)
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)

    return CaptureSummary(label, _run_async(main))


def _run_async(main: Callable[[], Coroutine[Any, Any, Counts]]) -> Counts:
    """Run a coroutine to the end, in a thread of its own when an event loop already runs here (a notebook)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result()


class _Borrowed:
    """An open workspace lent to a capture's sink for one batch (closing it leaves it open)."""

    def __init__(self, ws: StoreWorkspace) -> None:
        self.ws = ws

    def __enter__(self) -> StoreWorkspace:
        return self.ws

    def __exit__(self, *exc: object) -> None:
        return None


def keep_roles(ws: StoreWorkspace, result: RolesResult) -> str:
    """Keep what the roles analysis found: the manual labels it read (if any), then every label."""
    if result.options.get("manual") is not None:
        ws.save_manual_labels(result.manual_labels)
    ws.save_labels(result.labels)
    return f"Kept role and sector labels for {result.labels.num_rows:,} accounts (manual labels win)."


@dataclass(frozen=True, slots=True)
class ListsImported:
    """The lists kept as (name, members), and what the user should read about what was left out."""

    kept: list[tuple[str, int]]
    notes: list[str]


def import_lists(ws: StoreWorkspace, paths: Sequence[str | os.PathLike[str]],
                 label: str | None = None) -> ListsImported:
    """Import curated lists (Bluesky, Mastodon, X); `label` ('sector=housing') labels their known members.

    Every file is read before any list is kept, so an unreadable file leaves the workspace as it was.
    """
    from sociable.sources.lists import read_lists

    files = [read_lists(Path(path)) for path in paths]
    kept = [(found.name, ws.save_list(found.name, found.platform, found.source, found.title, found.members, label))
            for file in files for found in file.lists]
    if label:
        label_lists(ws, [name for name, _ in kept], label)
    return ListsImported(kept, [note for file in files for note in file.notes])


def label_lists(ws: StoreWorkspace, names: Sequence[str], label: str) -> int:
    """Give the workspace's accounts in these lists a manual label ('sector=housing' or 'role=organisation')."""
    from sociable.store.followup import LIST_ACCOUNTS_SQL

    field, _, value = label.partition("=")
    field, value = field.strip().lower(), value.strip()
    if field not in ("sector", "role", "subtype") or not value:
        raise SociableError(f"--as should be sector=NAME, role=NAME or subtype=NAME, not '{label}'.")
    accounts = ws.query(
        f"SELECT DISTINCT m.platform, m.account_id, l.role, l.subtype, l.sector FROM ({LIST_ACCOUNTS_SQL}) m "
        "LEFT JOIN labels l USING (platform, account_id) WHERE m.list IN (SELECT unnest($names))",
        {"names": list(names)}).to_pylist()
    rows = []
    for account in accounts:  # the other fields keep what the account's label says now
        row = {"platform": account["platform"], "account_id": account["account_id"],
               "role": account["role"] or "unknown", "subtype": account["subtype"], "sector": account["sector"],
               "role_source": "manual", "sector_source": "manual", "confidence": 1.0}
        row[field] = value
        rows.append(row)
    if rows:
        from sociable.store.schema import LABEL_SCHEMA

        ws.save_manual_labels(pa.Table.from_pylist(rows, schema=LABEL_SCHEMA))
    return len(rows)



QUEUE_WAITING = ("overdue", "open")
QUEUE_ANSWERED = ("answered", "answered late")


def keep_queue(ws: StoreWorkspace, result: ListeningResult) -> str:
    """Keep what listening found in the triage queue: new unanswered asks in, answered ones out."""
    if not result.queue_checked:
        return ""
    added = closed = still = 0
    statuses = result.asks.column("status")
    for org in sorted(set(result.asks.column("org").to_pylist())):
        mine = pc.equal(result.asks.column("org"), org)
        waiting = result.asks.filter(pc.and_(mine, pc.is_in(statuses, pa.array(QUEUE_WAITING))))
        answered = result.asks.filter(pc.and_(mine, pc.is_in(statuses, pa.array(QUEUE_ANSWERED))))
        sync = ws.sync_queue(org, waiting, answered)
        added, closed, still = added + sync.added, closed + sync.closed, still + sync.open
    return (f"Triage queue: {added:,} new, {closed:,} answered on the platform and taken off, {still:,} waiting "
            "(`sociable queue --org FILE`).")


def listen_between(ws: StoreWorkspace, organisations: Sequence[str | os.PathLike[str]], since: datetime,
                   until: datetime, scope: Scope | None = None) -> tuple[ListeningResult, Scope]:
    """Listening (no sentiment) for organisation files over [since, until), within a scope."""
    window = (scope or Scope()).replace(since=since, until=until)
    result = get_analysis("listening").run(ws, window, organisations=[str(p) for p in organisations],
                                           sentiment=False, as_of=until.isoformat())
    return result, window


def refresh_queue(ws: StoreWorkspace, organisations: Sequence[str | os.PathLike[str]],
                  scope: Scope | None = None) -> str:
    """Listen for the organisations over the whole scope and keep the queue up to date."""
    result = get_analysis("listening").run(ws, scope, organisations=[str(p) for p in organisations], sentiment=False)
    return keep_queue(ws, result)


def alert_figures(ws: StoreWorkspace, organisations: Sequence[str | os.PathLike[str]], hours: float,
                  as_of: datetime | None = None, scope: Scope | None = None) -> tuple[dict[str, float], pa.Table]:
    """The alert figures of the last `hours` up to `as_of` (default: the last post), and the waiting asks."""
    from sociable.reports.digest import period_figures

    end = as_of or last_about(ws, organisations, scope)
    result, window = listen_between(ws, organisations, end - timedelta(hours=hours), end, scope)
    figures = period_figures(ws, result, window).figures()
    figures["queue_open"] = float(ws.query("SELECT count(*) AS n FROM queue_items WHERE closed_at IS NULL AND state "
                                           "IN ('new', 'in progress')").column(0)[0].as_py())
    return figures, result.queue


def make_digest(ws: StoreWorkspace, organisations: Sequence[str | os.PathLike[str]], hours: float,
                as_of: datetime | None = None, scope: Scope | None = None) -> Any:
    """This period (the last `hours` up to `as_of`) against the one before it, as a `Digest`."""
    from sociable.reports.digest import Digest, oldest_waiting, period_figures

    end = as_of or last_about(ws, organisations, scope)
    middle = end - timedelta(hours=hours)
    current, now_scope = listen_between(ws, organisations, middle, end, scope)
    previous, before_scope = listen_between(ws, organisations, middle - timedelta(hours=hours), middle, scope)
    themes = list(dict.fromkeys(current.themes.column("name").to_pylist()))[:6] if current.themes.num_rows else []
    queue_open = int(ws.query("SELECT count(*) AS n FROM queue_items WHERE closed_at IS NULL AND state IN "
                              "('new', 'in progress')").column(0)[0].as_py())
    return Digest(tuple(Path(str(p)).stem for p in organisations), period_figures(ws, current, now_scope),
                  period_figures(ws, previous, before_scope), themes, oldest_waiting(current.queue),
                  queue_open if queue_open else None)


def last_about(ws: StoreWorkspace, organisations: Sequence[str | os.PathLike[str]],
               scope: Scope | None = None) -> datetime:
    """Just after the last post about the organisations (the default end of a digest or alert period)."""
    result = get_analysis("listening").run(ws, scope, organisations=[str(p) for p in organisations],
                                           sentiment=False)
    return result.last + timedelta(microseconds=1) if result.last is not None else latest_post(ws)


def latest_post(ws: StoreWorkspace) -> datetime:
    """The time of the last post in the workspace (now, when it is empty)."""
    value = ws.query("SELECT max(created_at) AS latest FROM posts").column(0)[0].as_py()
    return value if value is not None else datetime.now(UTC)


class SparkWorkspace(SparkStoreWorkspace, Workspace):
    """A dataset (`sociable export dataset`) read by Apache Spark, with the same analyses as methods.

    It only reads: the methods that change a workspace (screen, roles kept as labels, capture)
    are refused with a sentence that says to run them on the DuckDB workspace.
    """


def open(
    path: str | os.PathLike[str] | object = "sociable.duckdb", read_only: bool = False, wait: float = 0.0,
    engine: str = "duckdb", spark: Any = None,
) -> Workspace:
    """Open (or create) the workspace at path, waiting up to `wait` seconds while another process holds it.

    With `engine="spark"`, `path` is a dataset's folder or object-store URI, read by `spark` (a
    SparkSession; by default the active one, or a new local one).
    """
    if engine == "spark":
        return SparkWorkspace(str(path), spark)
    if engine != "duckdb":
        raise SociableError(f"the engine should be duckdb or spark, not '{engine}'.")
    return Workspace(checked_path(path), read_only=read_only, wait=wait)


__all__ = ["CaptureSummary", "Result", "Scope", "SparkWorkspace", "Workspace", "capture", "open"]
