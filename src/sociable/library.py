"""The library: a workspace with every analysis as a method, the twin of each command.

`sociable.open(path)` returns this `Workspace`. Each method takes the same scope keywords
(collection, since, until, kinds, platforms, or a ready `scope`) and the analysis's declared
options, with the names the command's flags have in snake case: `ws.map(min_weight=2)` is
`sociable map --min-weight 2`. Results are typed dataclasses of Arrow tables and facts;
`.to_pandas()` / `.to_polars()` convert a table when the `notebook` extra is installed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sociable.analyses.base import Result, get_analysis
from sociable.errors import WorkspaceError
from sociable.store import Workspace as StoreWorkspace
from sociable.store.scope import Scope

if TYPE_CHECKING:
    from sociable.analyses.chats.analysis import ChatsResult
    from sociable.analyses.dialogue import DialogueResult
    from sociable.analyses.listening import ListeningResult
    from sociable.analyses.maturity import MaturityResult
    from sociable.analyses.network_map import MapResult
    from sociable.analyses.roles import RolesResult
    from sociable.analyses.safety import SafetyResult

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
        scope: Scope | None = None,
        **options: Any,
    ) -> Any:
        """Run a registered analysis by name in a scope, with its declared options."""
        chosen = self.check_scope(scope) if scope is not None else self.scope(collection, since, until, kinds,
                                                                               platforms)
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

    def chats(self, **scope_and_options: Any) -> ChatsResult:
        """A hashtag chat's sessions, participants, questions and answers (`sociable chats`)."""
        return self.run("chats", **scope_and_options)

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
        known = ("collection", "since", "until", "kinds", "platforms")
        unknown = [name for name in values if name not in known]
        if unknown:
            raise TypeError(f"unexpected keyword arguments {unknown}; the scope keywords are {', '.join(known)}")
        return self.scope(*(values.get(name) for name in known))

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

        chosen = self.check_scope(scope) if scope is not None else self.scope(collection, since, until, kinds,
                                                                               platforms)
        return screen(self, chosen, profession, include_reposts)


def keep_roles(ws: StoreWorkspace, result: RolesResult) -> str:
    """Keep what the roles analysis found: the manual labels it read (if any), then every label."""
    if result.options.get("manual") is not None:
        ws.save_manual_labels(result.manual_labels)
    ws.save_labels(result.labels)
    return f"Kept role and sector labels for {result.labels.num_rows:,} accounts (manual labels win)."


def open(
    path: str | os.PathLike[str] | object = "sociable.duckdb", read_only: bool = False, wait: float = 0.0,
) -> Workspace:
    """Open (or create) the workspace at path, waiting up to `wait` seconds while another process holds it."""
    if not isinstance(path, str | os.PathLike):
        raise WorkspaceError(f"a workspace path should be a file name, got {type(path).__name__}.")
    return Workspace(path, read_only=read_only, wait=wait)


__all__ = ["Result", "Scope", "Workspace", "open"]
