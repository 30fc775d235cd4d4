"""Mastodon capture against two Mastodon-compatible servers started here: paging, backfill to a date,
one post across servers, rate limits, consent, and streamed edits and deletes."""

from __future__ import annotations

import itertools
import json
from datetime import date
from pathlib import Path

import pytest
from capture_mastodon import HOME, Mastodon, account, status

import sociable
from sociable.errors import SociableError
from sociable.sources.live.mastodon import MastodonOptions, base_url, withheld

JO = account("jo", local_id="1")
ANA = account("ana", local_id="2")
SAM = account("sam", local_id="3", discoverable=False)
KIM = account("kim", local_id="4", noindex=True)
LEE = account("lee", local_id="5", note="<p>Carer. <a href='https://x/tags/nobot'>#<span>NoBot</span></a></p>")
PAT = account("pat", local_id="6")
REMOTE = account("rae", "other.example", local_id="90", acct_host="other.example")


def home_statuses() -> list[dict[str, object]]:
    old = status("100", JO, "2024-03-01T09:00:00.000Z", "<p>Before the date <a href='x'>#nhssm</a></p>")
    second = status("101", JO, "2024-03-03T09:00:00.000Z", "<p>Second <a href='x'>#nhssm</a></p>")
    found = [old, second,
             status("102", SAM, "2024-03-03T10:00:00.000Z", "<p>Not discoverable #nhssm</p>"),
             status("103", KIM, "2024-03-03T11:00:00.000Z", "<p>noindex #nhssm</p>"),
             status("104", LEE, "2024-03-03T12:00:00.000Z", "<p>Bio opt-out #nhssm</p>"),
             status("105", ANA, "2024-03-04T09:00:00.000Z", "<p>A reply #nhssm</p>", reply_to=("101", "1")),
             status("106", JO, "2024-03-04T10:00:00.000Z", "<p>Followers only #nhssm</p>", visibility="private")]
    found += [status(str(200 + i), PAT, f"2024-03-05T09:{i:02d}:00.000Z", f"<p>Filler {i} #nhssm</p>")
              for i in range(45)]
    return found


def uri(who: dict[str, object], number: str) -> str:
    return f"{who['uri']}/statuses/{number}"


def test_hashtag_timelines_on_two_servers_with_backfill_rate_limits_consent_and_stream(tmp_path: Path) -> None:
    edited = status("101", JO, "2024-03-03T09:00:00.000Z", "<p>Second, edited <a href='x'>#nhssm</a></p>",
                    edited_at="2024-03-06T09:00:00.000Z")
    new = status("300", JO, "2024-03-06T10:00:00.000Z", "<p>Live #nhssm</p>")
    home = Mastodon(home_statuses(), failures=[429], limit=3,
                    stream=[("update", json.dumps(new)), ("status.update", json.dumps(edited)), ("delete", "105"),
                            ("update", "{broken")], stream_after="105", stream_delay=0.8)
    copies = [status("7001", {**JO, "id": "77", "acct": f"jo@{HOME}"}, "2024-03-03T09:00:00.000Z",
                     "<p>Second <a href='x'>#nhssm</a></p>", number="101"),
              status("7002", REMOTE, "2024-03-04T12:00:00.000Z", "<p>From elsewhere #nhssm</p>")]
    other = Mastodon(copies)
    home_url, other_url = home.start(), other.start()
    path = tmp_path / "ws.duckdb"
    try:
        with sociable.open(path) as ws:
            summary = ws.capture("mastodon", servers=[home_url, other_url], tags=["#NHSsm"], since=date(2024, 3, 2),
                                 stream=True, every=0.5, duration=5, collection="care", batch_seconds=0.2,
                                 first_backoff=0.05)
            rows = {r["post_id"]: r for r in ws.posts(collection="care", limit=None).to_pylist()}
            accounts = set(ws.query("SELECT account_id FROM accounts").column(0).to_pylist())
            capture = ws.captures()[0]
    finally:
        home.stop()
        other.stop()
    expected = {uri(JO, "101"), uri(JO, "300"), uri(REMOTE, "7002")} | {uri(PAT, str(200 + i)) for i in range(45)}
    assert set(rows) == expected  # 100 is before --since, 105 was deleted, 106 is private, the rest opted out
    assert rows[uri(JO, "101")]["text"] == "Second, edited #nhssm"
    assert not {SAM["uri"], KIM["uri"], LEE["uri"]} & accounts
    assert summary.counts.skipped_consent == 3 and summary.counts.deleted == 1
    assert capture["errors"] >= 1  # the broken event
    state = json.loads(str(capture["cursor"]))
    assert state[home_url]["nhssm"]["backfilled"] is True and state[home_url]["nhssm"]["newest"] == "244"
    pages = [q for _, p, q in home.requests if p.endswith("/tag/nhssm")]
    assert any("max_id" in q for q in pages) and any("min_id" in q for q in pages)
    times = [t for t, p, _ in home.requests if p.endswith("/tag/nhssm")]
    assert any(b - a >= 0.5 for a, b in itertools.pairwise(times))  # waited for the reset


def test_a_restart_resumes_from_the_newest_status_and_stores_nothing_twice(tmp_path: Path) -> None:
    server = Mastodon(home_statuses())
    url = server.start()
    path = tmp_path / "ws.duckdb"
    try:
        with sociable.open(path) as ws:
            first = ws.capture("mastodon", servers=[url], tags=["nhssm"], every=0.3, duration=1.2, name="m",
                               batch_seconds=0.2)
            server.statuses.insert(0, status("400", ANA, "2024-03-07T09:00:00.000Z", "<p>Later #nhssm</p>"))
            second = ws.capture("mastodon", servers=[url], tags=["nhssm"], every=0.3, duration=1.2, name="m",
                                batch_seconds=0.2)
            ids = ws.query("SELECT post_id FROM posts").column(0).to_pylist()
    finally:
        server.stop()
    assert first.counts.stored == 40  # without --since, the first run starts from the newest page
    assert second.counts.stored == 1 and uri(ANA, "400") in ids
    assert len(ids) == len(set(ids))
    assert not [q for _, _, q in server.requests if "max_id" in q][1:]  # no second backfill


def test_consent_and_options() -> None:
    assert withheld(SAM) == "not discoverable" and withheld(KIM) == "noindex"
    assert withheld(LEE) == "opted out in bio" and withheld(JO) is None
    assert base_url("mastodon.social") == "https://mastodon.social"
    with pytest.raises(SociableError, match="--server"):
        MastodonOptions(tags=("x",))
    with pytest.raises(SociableError, match="--tag"):
        MastodonOptions(servers=("a.example",))
