"""The Bluesky capture's filters, consent rules and URLs, and profiles fetched 25 at a time."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from capture_servers import AppView, did, post, profile, uri

from sociable.errors import SociableError
from sociable.sources.live.base import Backoff, Recent, opted_out_by_text
from sociable.sources.live.bluesky import BlueskyOptions, PostFilter, references, subscribe_url
from sociable.sources.live.profiles import ProfileCache, ProfilesUnavailable, decide, retry_after


def record(event: dict[str, object]) -> dict[str, object]:
    return event["commit"]["record"]  # type: ignore[index, return-value]


def matcher(**options: object) -> PostFilter:
    return PostFilter(BlueskyOptions(**options), frozenset(options.get("dids", ())))  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "tags", "expected"), [
    ("Great #NHSsm: chat", (), True),
    ("#nhssm.", (), True),
    ("(#NHSSM)", (), True),
    ("Join us", ("nhssm",), True),  # a facet only
    ("#nhssmx and #xnhssm", (), False),
    ("nhssm without the hash", (), False),
    ("＃nhssm full-width", (), True),
])
def test_tags_come_from_facets_and_text_with_trailing_punctuation_stripped(
    text: str, tags: tuple[str, ...], expected: bool,
) -> None:
    event = post("alice", "p1", 1, text, tags=tags)
    assert matcher(tags=("#NHSsm",)).matches(did("alice"), record(event)) is expected


def test_keywords_match_as_case_insensitive_substrings_or_with_a_tag() -> None:
    check = matcher(tags=("wenurses",), keywords=("Social Care",))
    assert check.matches(did("a"), record(post("a", "1", 1, "Adult SOCIAL CAREers")))
    assert check.matches(did("a"), record(post("a", "1", 1, "#WeNurses tonight")))
    assert not check.matches(did("a"), record(post("a", "1", 1, "social  care")))


def test_languages_narrow_and_accounts_match_by_author_or_mention() -> None:
    check = matcher(keywords=("care",), langs=("en",))
    assert check.matches(did("a"), record(post("a", "1", 1, "care", langs=["en-GB"])))
    assert not check.matches(did("a"), record(post("a", "1", 1, "care", langs=["cy"])))
    assert not check.matches(did("a"), record(post("a", "1", 1, "care", langs=[])))
    by = PostFilter(BlueskyOptions(accounts=("@trust.nhs.uk",)), frozenset({did("trust")}))
    assert by.matches(did("trust"), record(post("trust", "1", 1, "anything")))
    mention = record(post("a", "1", 1, "@trust.nhs.uk hello"))
    mention["facets"] = [{"index": {"byteStart": 0, "byteEnd": 13},
                          "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did("trust")}]}]
    assert by.matches(did("a"), mention)
    assert not by.matches(did("a"), record(post("a", "1", 1, "trust.nhs.uk without a mention")))


def test_references_are_parent_root_and_quote() -> None:
    reply = record(post("a", "2", 1, "x", reply_to=uri("b", "1"), root=uri("c", "0"), quote=uri("d", "9")))
    assert references(reply) == (uri("b", "1"), uri("c", "0"), uri("d", "9"))
    with_media = record(post("a", "3", 1, "x"))
    with_media["embed"] = {"$type": "app.bsky.embed.recordWithMedia",
                           "record": {"record": {"uri": uri("d", "9"), "cid": "c"}},
                           "media": {"$type": "app.bsky.embed.images", "images": []}}
    assert references(with_media) == (uri("d", "9"),)


@pytest.mark.parametrize(("bio", "out"), [
    ("#nobot", True), ("#NoBots!", True), ("#NOINDEX", True), ("please #nosearch.", True), ("#no-bots", True),
    ("#no_index here", True), ("#nobotsarefine", False), ("nobots without a hash", False), ("#robots", False),
    (None, False),
])
def test_opt_out_words_in_any_case_and_punctuation(bio: str | None, out: bool) -> None:
    assert opted_out_by_text(bio) is out


def test_a_no_unauthenticated_label_or_a_bio_opts_out() -> None:
    assert decide(profile("d", "d.bsky.social", labels=["!no-unauthenticated"])).account is None
    assert decide(profile("c", "c.bsky.social", "Nurse #NoBot")).reason == "opted out in bio"
    kept = decide(profile("a", "a.bsky.social", "Ward sister", labels=["porn"]))
    assert kept.account is not None and kept.account.bio == "Ward sister"


def test_subscribe_url_adds_the_collection_and_cursor_to_what_it_has() -> None:
    assert subscribe_url("ws://127.0.0.1:1/subscribe", None) == (
        "ws://127.0.0.1:1/subscribe?wantedCollections=app.bsky.feed.post")
    assert subscribe_url("wss://j.example/subscribe?wantedDids=did:plc:x&cursor=5", 42) == (
        "wss://j.example/subscribe?wantedDids=did%3Aplc%3Ax&wantedCollections=app.bsky.feed.post&cursor=42")


def test_options_are_checked() -> None:
    with pytest.raises(SociableError, match="at least one --tag"):
        BlueskyOptions(langs=("en",))
    with pytest.raises(SociableError, match="ws:// or wss://"):
        BlueskyOptions(tags=("x",), jetstream="http://example.org/subscribe")
    with pytest.raises(SociableError, match="--duration"):
        BlueskyOptions(tags=("x",), duration=0)
    assert BlueskyOptions(tags=("#NHSsm", "nhssm"), keywords=("Social Care",)).default_name() == (
        "bluesky #nhssm social care")


def test_profiles_are_fetched_25_at_a_time_retried_and_cached() -> None:
    names = [f"user{i}" for i in range(60)]
    server = AppView([profile(n, f"{n}.bsky.social") for n in names], failures=[429, 503], retry_after="0")
    base = server.start()

    async def fetch() -> tuple[dict[str, object], dict[str, object]]:
        async with httpx.AsyncClient() as client:
            cache = ProfileCache(client, base, backoff=Backoff(0.01, 0.02))
            first = await cache.get([did(n) for n in names] + [did("ghost")])
            again = await cache.get([did(n) for n in names[:10]])
            return first, again  # type: ignore[return-value]

    try:
        first, again = asyncio.run(fetch())
    finally:
        server.stop()
    assert len(first) == 61 and first[did("ghost")].reason == "no public profile"  # type: ignore[attr-defined]
    assert [len(r) for r in server.requests] == [25, 25, 25, 25, 11]  # the first tried three times, then 25 + 11
    assert server.statuses[:2] == [429, 503]
    assert len(again) == 10  # from the cache: no request more


def test_profiles_give_up_with_a_sentence_after_their_tries() -> None:
    server = AppView([], failures=[500] * 10)
    base = server.start()

    async def fetch() -> None:
        async with httpx.AsyncClient() as client:
            await ProfileCache(client, base, attempts=3, backoff=Backoff(0.01, 0.02)).get([did("a")])

    try:
        with pytest.raises(ProfilesUnavailable, match="did not answer getProfiles after 3 tries"):
            asyncio.run(fetch())
    finally:
        server.stop()


def test_retry_after_and_backoff_and_recent() -> None:
    assert retry_after("3", 1.0) == 3.0 and retry_after(None, 1.5) == 1.5 and retry_after("soon", 2.0) == 2.0
    assert retry_after("100000", 1.0) == 120.0
    backoff = Backoff(1.0, 8.0)
    waits = [backoff.next() for _ in range(6)]
    assert all(0.5 <= w <= 8.0 for w in waits) and waits[-1] >= 4.0
    recent = Recent(size=2)
    assert not recent.seen("a") and recent.seen("a") and not recent.seen("b") and not recent.seen("c")
    assert not recent.seen("a") and len(recent) == 2  # the oldest key was let go
