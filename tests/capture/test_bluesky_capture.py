"""Bluesky capture against a Jetstream-compatible server and an AppView started here, in this process."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from capture_scenario import EXPECTED, LAST, OPTED_OUT, PROFILES, events, t
from capture_servers import AppView, Jetstream, delete, did, post, uri

import sociable
from sociable.errors import SociableError
from sociable.sources.live.base import Counts
from sociable.sources.live.bluesky import BlueskyCapture, BlueskyOptions, PostFilter, subscribe_url
from sociable.store.capture import WorkspaceSink


@pytest.fixture
def appview() -> Iterator[AppView]:
    server = AppView(PROFILES)
    server.url = server.start()  # type: ignore[attr-defined]
    yield server
    server.stop()


def start_jetstream(**settings: object) -> tuple[Jetstream, str]:
    server = Jetstream(**settings)  # type: ignore[arg-type]
    server.add(*events())
    return server, server.start()


def run_capture(path: Path, jetstream: str, appview: str, *, name: str = "care", duration: float = 3.0,
                **options: object) -> Counts:
    chosen = BlueskyOptions(tags=("nhssm",), keywords=("social care",), jetstream=jetstream, appview=appview,
                            duration=duration, batch_seconds=0.2, first_backoff=0.05, longest_backoff=0.2,
                            **options)  # type: ignore[arg-type]
    capture = BlueskyCapture(chosen, WorkspaceSink(path, name, "care"), name)
    return asyncio.run(capture.run())


def stored(path: Path) -> list[str]:
    with sociable.open(path, read_only=True) as ws:
        return [r["post_id"] for r in ws.query("SELECT post_id FROM posts ORDER BY post_id").to_pylist()]


def test_capture_keeps_exactly_the_matches_their_conversations_and_no_opted_out_account(
    tmp_path: Path, appview: AppView,
) -> None:
    server, url = start_jetstream()
    try:
        totals = run_capture(tmp_path / "ws.duckdb", url, appview.url, duration=2.0)  # type: ignore[attr-defined]
    finally:
        server.stop()
    path = tmp_path / "ws.duckdb"
    assert sorted(stored(path)) == sorted(EXPECTED)
    with sociable.open(path, read_only=True) as ws:
        accounts = {r["account_id"]: r for r in ws.query("SELECT * FROM accounts").to_pylist()}
        members = ws.scalar("SELECT count(*) FROM collections WHERE name = 'care'")
        capture = ws.captures()[0]
        raw = ws.scalar("SELECT sum(len(record_ids)) FROM raw_blocks")
        rejected = ws.scalar("SELECT count(*) FROM rejected")
    assert not {did(name) for name in OPTED_OUT} & set(accounts)
    assert accounts[did("alice")]["handle"] == "alice.nhs.example"  # the identity event
    assert accounts[did("bob")]["bio"] == "Social worker, #SWSCmedia"
    assert members == len(EXPECTED)
    assert raw == len(EXPECTED)  # the raw event of every stored post, and of no other
    assert rejected == 2  # the malformed frame and the non-event
    assert capture["cursor"] == str(LAST)
    assert capture["stored"] == totals.stored == len(EXPECTED) + 2  # p2 and p14 were stored, then deleted
    assert capture["deleted"] == 2  # p2 and p14, each stored before its delete (in its batch or an earlier one)
    assert capture["skipped_consent"] == 3  # carol twice, dave once
    assert capture["errors"] >= 2
    assert capture["running"] is False
    assert server.urls[0].startswith("/subscribe?wantedCollections=app.bsky.feed.post")


def test_a_later_run_applies_deletes_and_edits_to_earlier_posts_and_skips_forgotten_accounts(
    tmp_path: Path, appview: AppView,
) -> None:
    path = tmp_path / "ws.duckdb"
    server, url = start_jetstream()
    try:
        run_capture(path, url, appview.url, duration=1.5)  # type: ignore[attr-defined]
    finally:
        server.stop()
    with sociable.open(path) as ws:
        ws.forget(did("erin"), reason="asked by email")
    later = Jetstream()
    later.add(
        delete_event := {"did": did("alice"), "time_us": t(30), "kind": "commit",
                         "commit": {"rev": "r", "operation": "delete", "collection": "app.bsky.feed.post",
                                    "rkey": "p1"}},
        post("alice", "p9", t(31), "Talking about social care today (edited)", operation="update"),
        post("erin", "p20", t(32), "Back again #nhssm"),
        post("bob", "p21", t(33), "Re", reply_to=uri("erin", "p5"), root=uri("alice", "p1")),
        post("bob", "p22", t(34), "A new #nhssm thread"),
        post("bob", "p23", t(35), "Re", reply_to=uri("alice", "p13")),  # a reply to a post stored earlier,
        delete("alice", "p13", t(36)),  # whose deletion does not take the reply with it
    )
    assert delete_event["time_us"] > LAST
    url = later.start()
    try:
        totals = run_capture(path, url, appview.url, duration=1.5)  # type: ignore[attr-defined]
    finally:
        later.stop()
    ids = stored(path)
    assert uri("alice", "p1") not in ids  # deleted upstream after an earlier run stored it
    assert ids.count(uri("alice", "p9")) == 1
    assert not [i for i in ids if did("erin") in i]
    assert uri("bob", "p21") not in ids  # its parent and root are gone
    assert uri("bob", "p22") in ids and uri("bob", "p23") in ids and uri("alice", "p13") not in ids
    with sociable.open(path, read_only=True) as ws:
        text = ws.scalar("SELECT text FROM posts WHERE post_id = ?", [uri("alice", "p9")])
        assert ws.scalar("SELECT count(*) FROM accounts WHERE account_id = ?", [did("erin")]) == 0
    assert text == "Talking about social care today (edited)"
    assert later.urls[0].endswith(f"cursor={LAST - 2_000_000}")  # the saved cursor, less the overlap
    assert totals.skipped_consent == 1 and totals.deleted == 2


def test_unusable_endpoints_and_options_are_sentences(tmp_path: Path) -> None:
    with pytest.raises(SociableError, match="at least one --tag"):
        BlueskyOptions()
    assert PostFilter.tags_of("#One, #two! #three_3", {}) == {"one", "two", "three_3"}
    assert subscribe_url("ws://h/subscribe", 7).endswith("cursor=7")


def test_the_library_twin_captures_into_an_open_workspace(tmp_path: Path, appview: AppView) -> None:
    server, url = start_jetstream()
    try:
        with sociable.open(tmp_path / "ws.duckdb") as ws:
            summary = ws.capture("bluesky", tags=["nhssm"], keywords=["social care"], collection="care",
                                 jetstream=url, appview=appview.url, duration=1.5,  # type: ignore[attr-defined]
                                 batch_seconds=0.2)
            kept = set(ws.posts(collection="care", limit=None).column("post_id").to_pylist())
            with pytest.raises(SociableError, match="has no option tag;"):
                ws.capture("bluesky", tag=["nhssm"])
            with pytest.raises(SociableError, match="not 'x'"):
                ws.capture("x", tags=["nhssm"])
    finally:
        server.stop()
    assert summary.name == "bluesky #nhssm social care"
    assert kept == EXPECTED and summary.counts.stored == len(EXPECTED) + 2
