"""Mastodon: API Status JSON (`mastodon-api`) and the account export's outbox (`activitypub-outbox`).

Identifiers. Mastodon's numeric ids belong to the server that served them, so they are not
used as keys. A post's id is its ActivityPub URI (`uri` in the API, the Note's `id` in an
outbox, e.g. `https://nurses.example/users/jo/statuses/110001`); a boost's id is the URI of
its Announce activity (`.../statuses/110002/activity`), the same in both formats. An
account's id is its ActivityPub actor URI: the API's `uri` where the server gives it, else
derived from the profile page by Mastodon's convention (`https://host/@jo` →
`https://host/users/jo`); outbox mentions carry the actor URI itself. Handles are
`user@server`.

Replies in API data name their parent by the serving server's local id, which is resolved
in this order: (1) the parent's `uri` when the parent is in the same file; (2) when the
serving server is known to mint Mastodon-style URIs and the parent's author is local to it,
`<actor URI>/statuses/<id>`, which is exactly the parent's URI; (3) otherwise
`https://<server>/api/v1/statuses/<id>`, the parent's API address on the server that served
the file (stable and unique, though not the ActivityPub URI). The serving server is the
`server` reader option, else the host of the file's local accounts (those whose acct has no
`@`). When no server can be known, `reply_to` stays empty and `reply_to_account` still says
who was answered. The reader works this out over the whole file and puts what each record
needs beside it: `{"status": <Status>, "context": {...}}`; a record without context is the
Status itself.

Followers-only and direct posts are not imported unless the reader option `private=keep`
is given; each is listed in rejected records by its URI only, without its text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sociable.errors import MappingError
from sociable.model import Account, Post
from sociable.sources.activitypub import (
    KEEP_PRIVATE_OPTION,
    PLATFORM,
    actor_uri_from_profile,
    full_handle,
    host_of,
    html_text,
    plain_text,
    text_with_warning,
)
from sociable.sources.base import (
    Format,
    Mapped,
    Options,
    RawRecord,
    Rejected,
    first_json_value,
    hashtags_in,
    iter_json_values,
    optional_int,
    parse_time,
    require,
    unique,
)
from sociable.sources.mastodon_outbox import ACTIVITYPUB_OUTBOX

API_FORMAT = "mastodon-api"
_NESTING = 3  # a boost of a quote of a post is as deep as Mastodon goes
_HIDDEN_VISIBILITY = frozenset({"private", "direct", "limited"})
_CONTAINER_KEYS = ("statuses", "ancestors", "descendants")  # search results, thread context


# ---------------------------------------------------------------------------- sniffing


def _looks_like_status(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    account = value.get("account")
    return (
        isinstance(value.get("uri"), str)
        and "created_at" in value
        and "content" in value
        and isinstance(account, dict)
        and "acct" in account
    )


def sniff_api(path: Path, head: bytes) -> bool:
    """Mastodon API Statuses: one, an array, JSON Lines, a search result or a thread context."""
    value = first_json_value(head)
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict) and any(isinstance(value.get(k), list) for k in _CONTAINER_KEYS):
        items = [item for k in _CONTAINER_KEYS for item in value.get(k) or []]
        return bool(items) and _looks_like_status(items[0])
    if value is not None:
        return _looks_like_status(value)
    # A first record too large for the sniffing window: look for Status field names.
    return head.lstrip()[:1] in (b"[", b"{") and all(
        marker in head
        for marker in (b'"in_reply_to_account_id"', b'"spoiler_text"', b'"reblogs_count"', b'"favourites_count"')
    )


# ---------------------------------------------------------------------------- reading


def _statuses_in(value: Any) -> list[Any]:
    if isinstance(value, dict) and not _looks_like_status(value):
        found = [item for k in _CONTAINER_KEYS if isinstance(value.get(k), list) for item in value[k]]
        if found:
            return found
    return [value]


def _nested(status: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """A status and the statuses inside it (the boosted original, the quoted post)."""
    yield status
    reblog = status.get("reblog")
    if isinstance(reblog, dict):
        yield from _nested(reblog)
    quote = status.get("quote")
    if isinstance(quote, dict):
        inner = quote.get("quoted_status") if "state" in quote else quote
        if isinstance(inner, dict):
            yield from _nested(inner)


@dataclass(slots=True)
class _FileIndex:
    """What one file tells about its serving server: local ids of statuses and accounts."""

    statuses: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)
    local_hosts: Counter[str] = field(default_factory=Counter)
    mastodon_uris: bool = False

    def add(self, status: Mapping[str, Any]) -> None:
        for item in _nested(status):
            account = item.get("account")
            uri = item.get("uri")
            actor = _actor_or_none(account) if isinstance(account, dict) else None
            if isinstance(item.get("id"), str) and isinstance(uri, str):
                self.statuses[item["id"]] = uri
            if actor and isinstance(account, dict) and isinstance(account.get("id"), str):
                self.accounts[account["id"]] = actor
            if actor and isinstance(account, dict) and "@" not in str(account.get("acct", "@")):
                host = host_of(actor)
                if host:
                    self.local_hosts[host] += 1
                if uri == f"{actor}/statuses/{item.get('id')}":
                    self.mastodon_uris = True

    def context_for(self, status: Mapping[str, Any], server: str | None) -> dict[str, Any]:
        statuses: dict[str, str] = {}
        accounts: dict[str, str] = {}
        for item in _nested(status):
            for local_id in (item.get("in_reply_to_id"), _quoted_id(item)):
                if isinstance(local_id, str) and local_id in self.statuses:
                    statuses[local_id] = self.statuses[local_id]
            mentions: list[Any] = item["mentions"] if isinstance(item.get("mentions"), list) else []
            for local_id in [item.get("in_reply_to_account_id")] + [
                m.get("id") for m in mentions if isinstance(m, dict)
            ]:
                if isinstance(local_id, str) and local_id in self.accounts:
                    accounts[local_id] = self.accounts[local_id]
        context: dict[str, Any] = {}
        if server:
            context["server"] = server
            context["mastodon_uris"] = self.mastodon_uris
        if statuses:
            context["statuses"] = statuses
        if accounts:
            context["accounts"] = accounts
        return context


def read_api(path: Path, options: Options) -> Iterator[RawRecord | Rejected]:
    """Each Status in the file, with the context its replies and quotes need to be resolved."""
    index = _FileIndex()
    for entry in iter_json_values(path, API_FORMAT):
        if not isinstance(entry, Rejected):
            for status in _statuses_in(entry[1]):
                if isinstance(status, dict):
                    index.add(status)
    server = options.get("server") or (index.local_hosts.most_common(1)[0][0] if index.local_hosts else None)
    keep_private = options.get(KEEP_PRIVATE_OPTION) == "keep"
    for entry in iter_json_values(path, API_FORMAT):
        if isinstance(entry, Rejected):
            yield entry
            continue
        number, value = entry
        for status in _statuses_in(value):
            if isinstance(status, dict) and status.get("visibility") in _HIDDEN_VISIBILITY and not keep_private:
                yield _private(path, number, status)
                continue
            context = index.context_for(status, server) if isinstance(status, dict) else {}
            raw = {"status": status, "context": context} if context else status
            yield RawRecord(API_FORMAT, str(path), number, raw)


_VISIBILITY_NAMES = {"private": "followers-only", "direct": "direct (private mention)", "limited": "limited-audience"}


def _private(path: Path, number: int, status: Mapping[str, Any]) -> Rejected:
    kind = _VISIBILITY_NAMES.get(str(status.get("visibility")), "non-public")
    reason = (
        f"record {number} of {path.name} is a {kind} post, and sociable imports public posts "
        f"only; its text was not kept; read the file with the option {KEEP_PRIVATE_OPTION}=keep to import it"
    )
    return Rejected(API_FORMAT, str(path), number, str(status.get("uri") or status.get("id") or ""), reason)


# ---------------------------------------------------------------------------- mapping


@dataclass(frozen=True, slots=True)
class _Context:
    server: str | None = None
    mastodon_uris: bool = False
    statuses: Mapping[str, str] = field(default_factory=dict)
    accounts: Mapping[str, str] = field(default_factory=dict)

    def status_uri(self, local_id: str, author: str | None) -> str | None:
        """The post id of a status known here only by the serving server's local id."""
        if local_id in self.statuses:
            return self.statuses[local_id]
        if not self.server:
            return None
        if self.mastodon_uris and author and re.fullmatch(rf"https://{re.escape(self.server)}/users/[^/]+", author):
            return f"{author}/statuses/{local_id}"
        return f"https://{self.server}/api/v1/statuses/{local_id}"


def _unwrap(raw: Any) -> tuple[Mapping[str, Any], _Context]:
    if isinstance(raw, dict) and set(raw) == {"status", "context"}:
        context = raw["context"]
        if not isinstance(raw["status"], dict) or not isinstance(context, dict):
            raise MappingError("expected a Mastodon Status JSON object with its context")
        return raw["status"], _Context(
            server=context.get("server") if isinstance(context.get("server"), str) else None,
            mastodon_uris=context.get("mastodon_uris") is True,
            statuses=_str_map(context.get("statuses")),
            accounts=_str_map(context.get("accounts")),
        )
    if not isinstance(raw, dict):
        raise MappingError(f"expected a Mastodon Status JSON object, got {type(raw).__name__}")
    return raw, _Context()


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def map_api(raw: Any) -> Mapped:
    """A Status (and the boosted or quoted statuses inside it) as posts and accounts."""
    status, context = _unwrap(raw)
    mapped = Mapped()
    _map_status(status, context, mapped, depth=0)
    return mapped


def _actor_or_none(account: Mapping[str, Any]) -> str | None:
    uri = account.get("uri")
    if isinstance(uri, str) and uri.startswith(("https://", "http://")):
        return uri
    return actor_uri_from_profile(account.get("url"))


def _account_id(account: Mapping[str, Any]) -> str:
    actor = _actor_or_none(account)
    if not actor:
        raise MappingError("the status's account has neither 'uri' nor 'url', so it cannot be identified")
    return actor


def map_account(account: Mapping[str, Any]) -> Account:
    """A Mastodon API Account entity."""
    created = account.get("created_at")
    return Account(
        platform=PLATFORM,
        account_id=_account_id(account),
        handle=full_handle(account.get("acct") or account.get("username"), account.get("url")),
        display_name=account.get("display_name") or None if isinstance(account.get("display_name"), str) else None,
        bio=plain_text(account.get("note")),
        url=account.get("url") if isinstance(account.get("url"), str) else None,
        followers=optional_int(account.get("followers_count")),
        following=optional_int(account.get("following_count")),
        created_at=parse_time(created, "account created_at") if created else None,
    )


def _mention_ids(status: Mapping[str, Any], context: _Context) -> tuple[dict[str, str], list[Account]]:
    """Local account id → account id for each mention, and an Account for each mentioned person."""
    by_local: dict[str, str] = {}
    accounts: list[Account] = []
    mentions = status.get("mentions")
    for mention in mentions if isinstance(mentions, list) else []:
        if not isinstance(mention, dict):
            continue
        local_id = mention.get("id") if isinstance(mention.get("id"), str) else None
        actor = (context.accounts.get(local_id) if local_id else None) or actor_uri_from_profile(mention.get("url"))
        if not actor:
            continue
        if local_id:
            by_local[local_id] = actor
        handle = full_handle(mention.get("acct") or mention.get("username"), mention.get("url"))
        url = mention.get("url") if isinstance(mention.get("url"), str) else None
        accounts.append(Account(PLATFORM, actor, handle=handle, url=url))
    return by_local, accounts


def _map_status(status: Mapping[str, Any], context: _Context, mapped: Mapped, depth: int) -> Post:
    post_id = require(status, "uri")
    account = map_account(require(status, "account", dict))
    created_at = parse_time(status.get("created_at"), "the status's created_at")
    mapped.accounts.append(account)
    reblog = status.get("reblog")
    if isinstance(reblog, dict) and depth < _NESTING:
        index = len(mapped.posts)
        mapped.posts.append(Post(PLATFORM, post_id, account.account_id, created_at))  # keeps the boost first
        original = _map_status(reblog, context, mapped, depth + 1)
        mapped.posts[index] = Post(
            PLATFORM, post_id, account.account_id, created_at, uri=_url(status) or post_id,
            repost_of=original.post_id, repost_of_account=original.account_id,
        )  # fmt: skip
        return mapped.posts[index]
    by_local, mentioned = _mention_ids(status, context)
    by_local.setdefault(str(status.get("account", {}).get("id")), account.account_id)
    reply_to, reply_to_account = _reply(status, context, by_local)
    index = len(mapped.posts)
    mapped.posts.append(Post(PLATFORM, post_id, account.account_id, created_at))
    quote_of, quote_of_account = _quote(status, context, mapped, depth)
    text, links = html_text(status.get("content"))
    mapped.accounts.extend(mentioned)
    excluded = {account.account_id, reply_to_account}
    mapped.posts[index] = Post(
        platform=PLATFORM,
        post_id=post_id,
        account_id=account.account_id,
        created_at=created_at,
        text=text_with_warning(status.get("spoiler_text"), text),
        uri=_url(status) or post_id,
        lang=status.get("language") if isinstance(status.get("language"), str) else None,
        reply_to=reply_to,
        reply_to_account=reply_to_account,
        quote_of=quote_of,
        quote_of_account=quote_of_account,
        hashtags=_hashtags(status, text),
        mentions=unique(a.account_id for a in mentioned if a.account_id not in excluded),
        urls=unique([*links, _card_url(status)]),
        media_count=len(status["media_attachments"]) if isinstance(status.get("media_attachments"), list) else 0,
        like_count=optional_int(status.get("favourites_count")),
        repost_count=optional_int(status.get("reblogs_count")),
        reply_count=optional_int(status.get("replies_count")),
    )
    return mapped.posts[index]


def _url(status: Mapping[str, Any]) -> str | None:
    url = status.get("url")
    return url if isinstance(url, str) and url else None


def _reply(status: Mapping[str, Any], context: _Context, by_local: Mapping[str, str]) -> tuple[str | None, str | None]:
    parent_id = status.get("in_reply_to_id")
    account_id = status.get("in_reply_to_account_id")
    if parent_id is None and account_id is None:
        return None, None
    if not isinstance(parent_id, str | int | None) or not isinstance(account_id, str | int | None):
        raise MappingError("the fields 'in_reply_to_id' and 'in_reply_to_account_id' should be strings")
    author = None
    if account_id is not None:
        author = by_local.get(str(account_id)) or context.accounts.get(str(account_id))
    reply_to = context.status_uri(str(parent_id), author) if parent_id is not None else None
    return reply_to, author


def _quoted_id(status: Mapping[str, Any]) -> str | None:
    quote = status.get("quote")
    if isinstance(quote, dict) and isinstance(quote.get("quoted_status_id"), str):
        return str(quote["quoted_status_id"])
    return None


def _quote(status: Mapping[str, Any], context: _Context, mapped: Mapped, depth: int) -> tuple[str | None, str | None]:
    """The quoted post (Mastodon 4.4+ Quote / ShallowQuote, or a Status in `quote` as some forks give)."""
    quote = status.get("quote")
    if not isinstance(quote, dict):
        return None, None
    inner = quote.get("quoted_status") if "state" in quote else quote
    if isinstance(inner, dict) and depth < _NESTING:
        quoted = _map_status(inner, context, mapped, depth + 1)
        return quoted.post_id, quoted.account_id
    quoted_id = _quoted_id(status)
    if quoted_id:
        return context.status_uri(quoted_id, None), None
    return None, None


def _hashtags(status: Mapping[str, Any], text: str) -> tuple[str, ...]:
    tags = status.get("tags")
    if not isinstance(tags, list):
        return hashtags_in(text)
    return unique(t["name"].lower().lstrip("#") for t in tags if isinstance(t, dict) and isinstance(t.get("name"), str))


def _card_url(status: Mapping[str, Any]) -> str | None:
    card = status.get("card")
    url = card.get("url") if isinstance(card, dict) else None
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None


MASTODON_API = Format(
    name=API_FORMAT,
    platform=PLATFORM,
    description="Mastodon API statuses (timelines, hashtag timelines, search, thread context), JSON or JSON Lines",
    sniff=sniff_api,
    read=read_api,
    map=map_api,
    options=((KEEP_PRIVATE_OPTION, "keep: also import followers-only and direct posts"),
             ("server", "the server the statuses were read from (its domain), when the file does not show it")),
)

FORMATS: tuple[Format, ...] = (MASTODON_API, ACTIVITYPUB_OUTBOX)
