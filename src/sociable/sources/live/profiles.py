"""Bluesky profiles from the AppView (`app.bsky.actor.getProfiles`), 25 at a time, cached, with retries.

A profile decides consent: an account whose bio or display name says #nobot, #nobots,
#noindex or #nosearch, or that carries the `!no-unauthenticated` self-label, is not
collected. An account the AppView does not return (deleted, suspended) is not collected either.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from sociable.errors import SociableError
from sociable.model import Account
from sociable.sources.bluesky_records import account_of
from sociable.sources.live.base import Backoff, opted_out_by_text

DEFAULT_APPVIEW = "https://public.api.bsky.app"
BATCH = 25  # getProfiles takes at most 25 actors
NO_UNAUTHENTICATED = "!no-unauthenticated"
_LONGEST_RETRY_AFTER = 120.0


class ProfilesUnavailable(SociableError):
    """The AppView did not answer after several tries; the posts waiting for these profiles wait longer."""


@dataclass(frozen=True, slots=True)
class Profile:
    """What a capture needs of a profile: the account row, or why it is not collected."""

    did: str
    account: Account | None  # None when the account is not collected
    reason: str | None = None  # "opted out", "no-unauthenticated label", "no public profile"


def decide(view: dict[str, Any]) -> Profile:
    """A profile view from the AppView as a Profile: collected, or not and why."""
    account = account_of(view)
    labels = view.get("labels")
    if isinstance(labels, list) and any(isinstance(x, dict) and x.get("val") == NO_UNAUTHENTICATED for x in labels):
        return Profile(account.account_id, None, "no-unauthenticated label")
    if opted_out_by_text(account.bio, account.display_name):
        return Profile(account.account_id, None, "opted out in bio")
    return Profile(account.account_id, account)


def retry_after(value: str | None, default: float) -> float:
    """Seconds a Retry-After header asks for (a number or an HTTP date), within sensible bounds."""
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return default
    return min(max(seconds, 0.0), _LONGEST_RETRY_AFTER)


class ProfileCache:
    """Profiles by DID, fetched in batches of 25, kept for `max_age` seconds, at most `size` of them."""

    def __init__(self, client: httpx.AsyncClient, appview: str, max_age: float = 86_400.0, size: int = 100_000,
                 attempts: int = 6, backoff: Backoff | None = None) -> None:
        self.client, self.url = client, appview.rstrip("/") + "/xrpc/app.bsky.actor.getProfiles"
        self.max_age, self.size, self.attempts = max_age, size, attempts
        self.backoff = backoff or Backoff(0.5, 30.0)
        self._cache: OrderedDict[str, tuple[Profile, float]] = OrderedDict()
        self.failures = 0  # failed requests (each retried)

    def forget(self, did: str) -> None:
        self._cache.pop(did, None)

    def cached(self, did: str) -> Profile | None:
        found = self._cache.get(did)
        if found is None or time.monotonic() - found[1] > self.max_age:
            return None
        return found[0]

    async def get(self, dids: Iterable[str]) -> dict[str, Profile]:
        """The profiles of these DIDs (or handles), fetching those not cached or too old."""
        wanted = list(dict.fromkeys(dids))
        found = {did: p for did in wanted if (p := self.cached(did)) is not None}
        missing = [did for did in wanted if did not in found]
        for start in range(0, len(missing), BATCH):
            chunk = missing[start:start + BATCH]
            views = await self._fetch(chunk)
            now = time.monotonic()
            by_key: dict[str, Profile] = {}
            for view in views:
                if not isinstance(view, dict) or not isinstance(view.get("did"), str):
                    continue
                profile = decide(view)
                by_key[profile.did] = profile
                if isinstance(view.get("handle"), str):
                    by_key[view["handle"].lower()] = profile
            for did in chunk:
                profile = by_key.get(did) or by_key.get(did.lower()) or Profile(did, None, "no public profile")
                found[did] = profile
                self._remember(did, profile, now)
        return found

    def _remember(self, did: str, profile: Profile, now: float) -> None:
        self._cache[did] = (profile, now)
        self._cache.move_to_end(did)
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)

    async def _fetch(self, actors: list[str]) -> list[Any]:
        """One getProfiles request, retried on 429 (after Retry-After), 5xx and dropped connections."""
        self.backoff.reset()
        last = ""
        for _attempt in range(self.attempts):
            try:
                response = await self.client.get(self.url, params=[("actors", a) for a in actors])
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
                wait = self.backoff.next()
            else:
                if response.status_code == 200:
                    try:
                        body = response.json()
                    except ValueError:
                        body = None
                    if isinstance(body, dict) and isinstance(body.get("profiles"), list):
                        return list(body["profiles"])
                    last = "the AppView answered with something that is not a list of profiles"
                    wait = self.backoff.next()
                elif response.status_code == 400:
                    return []  # no actor of the batch is known (an invalid handle or DID)
                elif response.status_code == 429 or response.status_code >= 500:
                    last = f"HTTP {response.status_code}"
                    wait = self.backoff.next()
                    if response.status_code == 429:
                        wait = retry_after(response.headers.get("Retry-After"), wait)
                else:
                    raise ProfilesUnavailable(f"the AppView at {self.url} refused getProfiles "
                                              f"(HTTP {response.status_code}); check --appview.")
            self.failures += 1
            await asyncio.sleep(wait)
        raise ProfilesUnavailable(f"the AppView at {self.url} did not answer getProfiles after "
                                  f"{self.attempts} tries ({last}).")
