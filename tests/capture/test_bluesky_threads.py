"""Bluesky: following accounts asks Jetstream for their events only; threads are backfilled from the AppView."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from capture_scenario import PROFILES, t
from capture_servers import AppView, Jetstream, did, post, post_view, thread_view, uri

import sociable
from sociable.sources.live.base import Counts
from sociable.sources.live.bluesky import BlueskyCapture, BlueskyOptions, subscribe_url
from sociable.store.capture import WorkspaceSink


def capture(path: Path, jetstream: Jetstream, appview: AppView, **options: Any) -> Counts:
    options = {"duration": 2.0, **options}
    chosen = BlueskyOptions(jetstream=jetstream.start(), appview=appview.start(), batch_seconds=0.2,
                            first_backoff=0.05, longest_backoff=0.2, **options)
    try:
        return asyncio.run(BlueskyCapture(chosen, WorkspaceSink(path, "threads", "care"), "threads").run())
    finally:
        jetstream.stop()
        appview.stop()


def stored(path: Path) -> dict[str, str]:
    with sociable.open(path, read_only=True) as ws:
        return {r["post_id"]: r["format"] for r in ws.query("SELECT post_id, format FROM posts").to_pylist()}


def wanted(jetstream: Jetstream) -> list[list[str]]:
    return [parse_qs(urlsplit(url).query).get("wantedDids", []) for url in jetstream.urls]


# ---------------------------------------------------------------------------- wantedDids


def test_following_accounts_only_asks_jetstream_for_their_events(tmp_path: Path) -> None:
    jetstream = Jetstream()
    jetstream.add(post("alice", "a1", t(1), "Handover at eight"), post("alice", "a2", t(2), "Busy ward today"))
    totals = capture(tmp_path / "ws.duckdb", jetstream, AppView(PROFILES), accounts=("alice.bsky.social",))
    assert wanted(jetstream) and all(w == [did("alice")] for w in wanted(jetstream))
    assert jetstream.urls[0].startswith("/subscribe?wantedCollections=app.bsky.feed.post&wantedDids=")
    assert set(stored(tmp_path / "ws.duckdb")) == {uri("alice", "a1"), uri("alice", "a2")}
    assert totals.stored == 2


def test_tags_or_the_whole_stream_keep_every_did(tmp_path: Path) -> None:
    for index, options in enumerate(({"accounts": ("alice.bsky.social",), "tags": ("nhssm",)},
                                     {"accounts": ("alice.bsky.social",), "whole_stream": True})):
        jetstream = Jetstream()
        jetstream.add(post("bob", "b1", t(1), "Mentioning nobody #nhssm"))
        capture(tmp_path / f"ws{index}.duckdb", jetstream, AppView(PROFILES), **options)
        assert wanted(jetstream)[0] == [], options


def test_the_subscribe_url_replaces_what_it_sets() -> None:
    url = subscribe_url("wss://j.example/subscribe?wantedDids=did:plc:old&compress=false", 9,
                        ("did:plc:a", "did:plc:b"))
    query = parse_qs(urlsplit(url).query)
    assert query["wantedDids"] == ["did:plc:a", "did:plc:b"] and query["cursor"] == ["9"]
    assert query["compress"] == ["false"] and query["wantedCollections"] == ["app.bsky.feed.post"]


# ---------------------------------------------------------------------------- thread backfill


def thread_scene() -> tuple[Jetstream, dict[str, dict[str, Any]], set[str]]:
    """alice's tagged post answers erin's older one and draws replies (one from carol, who opted out)."""
    p1, e0 = uri("alice", "p1"), uri("erin", "e0")
    jetstream = Jetstream()
    jetstream.add(post("alice", "p1", t(1), "Quite right #nhssm", reply_to=e0),
                  post("bob", "p2", t(2), "Another #nhssm post"))  # the AppView knows no thread for it
    threads = {p1: thread_view(
        post_view("alice", "p1", t(1), "Quite right #nhssm", reply_to=e0),
        parent=post_view("erin", "e0", t(0), "Staffing is the issue"),
        replies=[post_view("bob", "r1", t(3), "Agreed", reply_to=p1),
                 post_view("carol", "r2", t(4), "Me too", reply_to=p1),
                 post_view("frank", "r3", t(5), "Not sure", reply_to=p1)],
    )}
    expected = {p1, uri("bob", "p2"), e0, uri("bob", "r1"), uri("frank", "r3")}
    return jetstream, threads, expected


def test_backfill_stores_a_matched_posts_thread_with_consent_checked(tmp_path: Path) -> None:
    jetstream, threads, expected = thread_scene()
    appview = AppView(PROFILES, threads=threads, thread_failures=[500])  # one failure, then the thread
    path = tmp_path / "ws.duckdb"
    totals = capture(path, jetstream, appview, tags=("nhssm",), backfill_threads=True,
                     max_posts=len(expected), duration=20.0)  # it stops once the threads are stored
    kept = stored(path)
    assert set(kept) == expected  # carol's reply (#NoBots in her bio) is not kept
    assert kept[uri("erin", "e0")] == "bluesky-api" and kept[uri("alice", "p1")] == "bluesky-jetstream"
    assert sorted(set(appview.thread_requests)) == sorted([uri("alice", "p1"), uri("bob", "p2")])
    assert totals.skipped_consent == 1 and totals.stored == len(expected)
    with sociable.open(path, read_only=True) as ws:
        parent = ws.query("SELECT reply_to, reply_to_account FROM posts WHERE post_id = $p",
                          {"p": uri("frank", "r3")}).to_pylist()[0]
        raw = ws.scalar("SELECT sum(len(record_ids)) FROM raw_blocks")
        members = ws.scalar("SELECT count(*) FROM collections WHERE name = 'care'")
    assert parent == {"reply_to": uri("alice", "p1"), "reply_to_account": did("alice")}
    assert raw == len(expected) and members == len(expected)


def test_an_appview_without_threads_is_passed_over(tmp_path: Path) -> None:
    jetstream, _, _ = thread_scene()
    appview = AppView(PROFILES)  # answers 501 to getPostThread
    totals = capture(tmp_path / "ws.duckdb", jetstream, appview, tags=("nhssm",), backfill_threads=True)
    assert set(stored(tmp_path / "ws.duckdb")) == {uri("alice", "p1"), uri("bob", "p2")}
    assert totals.errors == 0
    assert 501 in appview.statuses


def test_without_backfill_no_thread_is_asked_for(tmp_path: Path) -> None:
    jetstream, threads, _ = thread_scene()
    appview = AppView(PROFILES, threads=threads)
    capture(tmp_path / "ws.duckdb", jetstream, appview, tags=("nhssm",))
    assert appview.thread_requests == []
    assert set(stored(tmp_path / "ws.duckdb")) == {uri("alice", "p1"), uri("bob", "p2")}
