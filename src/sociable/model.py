"""Platform-neutral records: Account, Post and the Interaction derived from a Post."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

InteractionKind = Literal["reply", "mention", "quote", "repost"]
INTERACTION_KINDS: tuple[InteractionKind, ...] = ("reply", "mention", "quote", "repost")


@dataclass(frozen=True, slots=True)
class Account:
    """A person or organisation on one platform, as its profile was last seen."""

    platform: str
    account_id: str
    handle: str | None = None
    display_name: str | None = None
    bio: str | None = None
    url: str | None = None
    location: str | None = None
    followers: int | None = None
    following: int | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Post:
    """One post, reply, quote or repost (a blog entry or comment counts as a post).

    Identifiers of other posts and accounts are the platform's own ids. `mentions`
    holds account ids where the platform gives them, else handles, and never repeats
    the account being replied to or reposted.
    """

    platform: str
    post_id: str
    account_id: str
    created_at: datetime
    text: str = ""
    uri: str | None = None
    lang: str | None = None
    reply_to: str | None = None
    reply_to_account: str | None = None
    root: str | None = None
    quote_of: str | None = None
    quote_of_account: str | None = None
    repost_of: str | None = None
    repost_of_account: str | None = None
    hashtags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    media_count: int = 0
    like_count: int | None = None
    repost_count: int | None = None
    reply_count: int | None = None


@dataclass(frozen=True, slots=True)
class Interaction:
    """A directed tie from one account to another created by a post."""

    platform: str
    source: str
    target: str
    kind: InteractionKind
    post_id: str
    created_at: datetime


def interactions_of(post: Post) -> list[Interaction]:
    """The ties a post makes: reply, quote, repost, then mentions not already counted."""
    found: list[Interaction] = []
    counted = {post.account_id}

    def add(target: str | None, kind: InteractionKind) -> None:
        if target and target not in counted:
            counted.add(target)
            found.append(
                Interaction(post.platform, post.account_id, target, kind, post.post_id, post.created_at)
            )

    add(post.repost_of_account, "repost")
    add(post.reply_to_account, "reply")
    add(post.quote_of_account, "quote")
    if post.repost_of is None:
        for mention in post.mentions:
            add(mention, "mention")
    return found
