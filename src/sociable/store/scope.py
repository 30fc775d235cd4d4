"""Scope: which posts an analysis, export, screening or view is about.

One value, built once by the CLI or the web app (or a notebook) and validated once by the
workspace (`Workspace.scope(...)`): collections, a time window converted to UTC, post kinds
and platforms. It gives its SQL condition with named parameters, so every query that reads
posts (or the interactions they carry) filters them the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sociable.errors import SociableError

POST_KINDS: tuple[str, ...] = ("post", "reply", "quote", "repost")
"""A post's kind: a repost, else a reply, else a quote, else an original post."""

KIND_SQL = (
    "CASE WHEN {a}.repost_of IS NOT NULL THEN 'repost' WHEN {a}.reply_to IS NOT NULL THEN 'reply' "
    "WHEN {a}.quote_of IS NOT NULL THEN 'quote' ELSE 'post' END"
)


class BadScope(SociableError, ValueError):
    """A scope value (a date, a kind, a platform) could not be understood."""


@dataclass(frozen=True, slots=True)
class Scope:
    """Which posts: collections (any of), since (inclusive), until (exclusive), kinds, platforms, and lists.

    `lists` keeps the posts written by members of any of the named curated lists (`sociable lists
    import`). Empty values mean "all". Times are timezone-aware UTC; a date means midnight UTC of that day.
    """

    collections: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    kinds: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        collection: str | Iterable[str] | None = None,
        since: datetime | date | str | None = None,
        until: datetime | date | str | None = None,
        kinds: str | Iterable[str] | None = None,
        platforms: str | Iterable[str] | None = None,
        lists: str | Iterable[str] | None = None,
    ) -> Scope:
        """A scope from loose values: one or several collections, dates or ISO strings, comma lists."""
        scope = cls(
            collections=_names(collection),
            since=to_utc(since, "since"),
            until=to_utc(until, "until"),
            kinds=_names(kinds),
            platforms=tuple(p.lower() for p in _names(platforms)),
            lists=_names(lists),
        )
        scope.check_values()
        return scope

    def check_values(self) -> None:
        """Raise BadScope for an unknown kind or a window that ends before it starts."""
        unknown = [kind for kind in self.kinds if kind not in POST_KINDS]
        if unknown:
            raise BadScope(f"kinds should be among {', '.join(POST_KINDS)}, not {', '.join(unknown)}.")
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise BadScope(
                f"the start ({self.since.isoformat()}) is not before the end ({self.until.isoformat()}); swap them."
            )

    # ------------------------------------------------------------------ reading it

    @property
    def collection(self) -> str | None:
        """The one collection, when exactly one is chosen."""
        return self.collections[0] if len(self.collections) == 1 else None

    @property
    def is_everything(self) -> bool:
        return not (self.collections or self.since or self.until or self.kinds or self.platforms or self.lists)

    def replace(self, **changes: Any) -> Scope:
        values = {name: getattr(self, name) for name in ("collections", "since", "until", "kinds", "platforms",
                                                          "lists")}
        values.update(changes)
        scope = Scope(**values)
        scope.check_values()
        return scope

    def condition(self, alias: str = "p", table: str = "posts") -> str:
        """A SQL condition over `alias` (a row of posts, or of interactions) with named parameters.

        Interactions carry platform, post_id and created_at, so the same condition keeps the
        interactions of the posts in scope; a kinds filter then looks the post up.
        """
        clauses = ["TRUE"]
        if self.collections:
            clauses.append(
                "EXISTS (SELECT 1 FROM collections sc WHERE sc.name IN (SELECT unnest($scope_collections)) "
                f"AND sc.platform = {alias}.platform AND sc.post_id = {alias}.post_id)"
            )
        if self.since is not None:
            clauses.append(f"{alias}.created_at >= $scope_since")
        if self.until is not None:
            clauses.append(f"{alias}.created_at < $scope_until")
        if self.platforms:
            clauses.append(f"{alias}.platform IN (SELECT unnest($scope_platforms))")
        if self.lists:
            author = "account_id" if table == "posts" else "source"
            clauses.append(
                "EXISTS (SELECT 1 FROM list_members sl LEFT JOIN accounts sa ON sa.platform = sl.platform "
                f"AND sa.account_id = {alias}.{author} WHERE sl.list IN (SELECT unnest($scope_lists)) "
                f"AND sl.platform = {alias}.platform AND (sl.account_id = {alias}.{author} "
                "OR (sl.handle IS NOT NULL AND lower(sa.handle) = sl.handle)))"
            )
        if self.kinds:
            if table == "posts":
                clauses.append(f"{KIND_SQL.format(a=alias)} IN (SELECT unnest($scope_kinds))")
            else:
                clauses.append(
                    "EXISTS (SELECT 1 FROM posts sk WHERE sk.platform = "
                    f"{alias}.platform AND sk.post_id = {alias}.post_id AND {KIND_SQL.format(a='sk')} "
                    "IN (SELECT unnest($scope_kinds)))"
                )
        return " AND ".join(clauses)

    def params(self) -> dict[str, Any]:
        """The named parameters of `condition()`, only those it uses."""
        values: dict[str, Any] = {
            "scope_collections": list(self.collections) or None,
            "scope_since": self.since,
            "scope_until": self.until,
            "scope_platforms": list(self.platforms) or None,
            "scope_kinds": list(self.kinds) or None,
            "scope_lists": list(self.lists) or None,
        }
        return {name: value for name, value in values.items() if value is not None}

    def to_dict(self) -> dict[str, Any]:
        """The scope as JSON values (ISO times), as `--json` documents and the web app show it."""
        return {
            "collections": list(self.collections),
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "kinds": list(self.kinds),
            "platforms": list(self.platforms),
            "lists": list(self.lists),
        }

    def describe(self) -> str:
        """In words, for notes and titles: "collection nhssm, from 2022-01-01, until 2022-02-01"."""
        parts: list[str] = []
        if self.collections:
            noun = "collection" if len(self.collections) == 1 else "collections"
            parts.append(f"{noun} {', '.join(self.collections)}")
        if self.since is not None:
            parts.append(f"from {_day_or_time(self.since)}")
        if self.until is not None:
            parts.append(f"until {_day_or_time(self.until)}")
        if self.kinds:
            parts.append(f"kinds {', '.join(self.kinds)}")
        if self.platforms:
            parts.append(f"platforms {', '.join(self.platforms)}")
        if self.lists:
            parts.append(f"{'list' if len(self.lists) == 1 else 'lists'} {', '.join(self.lists)}")
        return "; ".join(parts) if parts else "all posts"


def to_utc(value: datetime | date | str | None, name: str = "time") -> datetime | None:
    """A timezone-aware UTC datetime from a datetime (naive means UTC), a date or an ISO string."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise BadScope(f"{name} should be a date or time like 2024-03-12 or 2024-03-12T20:00, "
                           f"not '{value}'.") from None
    try:
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        if isinstance(value, date):
            return datetime.combine(value, time(), tzinfo=UTC)
    except OverflowError:
        raise BadScope(f"{name} is out of range ({value}); give a date between the years 1 and 9999.") from None
    raise BadScope(f"{name} should be a date or time, not {type(value).__name__}.")


def _names(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else [part for v in value for part in str(v).split(",")]
    return tuple(dict.fromkeys(item.strip() for item in items if item and item.strip()))


def _day_or_time(value: datetime) -> str:
    return value.date().isoformat() if value.timetz() == time(tzinfo=UTC) else value.isoformat(timespec="minutes")
