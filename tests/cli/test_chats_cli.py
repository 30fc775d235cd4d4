"""`sociable chats`, `sociable chats --transcript` and `sociable cpd`, on one chat per platform's real shape.

Each platform's file is written here in that platform's own shape (Twitter API v2 JSON Lines,
Mastodon statuses, Bluesky Jetstream events), imported through the real importer, then the
commands are run as a user types them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import sociable
from sociable.cli import app

T0 = datetime(2024, 3, 12, 20, 0, tzinfo=UTC)  # Tuesdays 20:00 UTC, 20:00 UK in winter
PEOPLE = ("host", "ann", "bob")


def script() -> list[dict[str, Any]]:
    """Three weekly sessions: a welcome, Q1 and Q2, answers (one a reply to Q1, others labelled), a wrap."""
    lines = (("host", 0, "Welcome to #WeNurses tonight", None), ("host", 5, "Q1: what helps? #WeNurses", None),
             ("ann", 8, "A1 tea #WeNurses", 1), ("bob", 9, "a1: walks #WeNurses", None),
             ("host", 25, "Q2) and then? #WeNurses", None), ("ann", 27, "A2 rest #WeNurses", None),
             ("host", 50, "Thanks all #WeNurses", None))
    posts = []
    for week in range(3):
        start = T0 + timedelta(weeks=week)
        for n, (who, minutes, text, reply) in enumerate(lines):
            post = {"id": f"{week}{n}", "who": who, "at": start + timedelta(minutes=minutes), "text": text}
            if reply is not None:
                post["reply"] = f"{week}{reply}"
            posts.append(post)
    return posts


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _tag_span(text: str) -> tuple[int, int]:
    start = text.index("#WeNurses")
    return start, start + len("#WeNurses")


def twitter_v2(posts: list[dict[str, Any]]) -> str:
    ids = {"host": "1100", "ann": "1101", "bob": "1102"}
    lines = []
    for p in posts:
        tweet_id = f"17000000000000{p['id']:0>5}"
        start, end = _tag_span(p["text"])
        tweet: dict[str, Any] = {
            "id": tweet_id, "text": p["text"], "author_id": ids[p["who"]], "created_at": _iso(p["at"]),
            "conversation_id": tweet_id, "lang": "en", "edit_history_tweet_ids": [tweet_id],
            "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 1, "quote_count": 0},
            "entities": {"hashtags": [{"start": start, "end": end, "tag": "WeNurses"}]},
            "author": {"id": ids[p["who"]], "username": f"{p['who']}_rn", "name": p["who"].title(),
                       "created_at": "2015-01-01T00:00:00.000Z", "description": "Nurse", "protected": False,
                       "public_metrics": {"followers_count": 10, "following_count": 10, "tweet_count": 5,
                                          "listed_count": 0}},
        }
        if p.get("reply"):
            parent = f"17000000000000{p['reply']:0>5}"
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": parent}]
            tweet["in_reply_to_user_id"] = ids["host"]
            tweet["conversation_id"] = parent
        lines.append(json.dumps(tweet))
    return "\n".join(lines) + "\n"


def mastodon(posts: list[dict[str, Any]]) -> str:
    ids = {"host": "109400000000000100", "ann": "109400000000000101", "bob": "109400000000000102"}
    lines = []
    for p in posts:
        status_id = f"1133010000000{p['id']:0>5}"
        who = p["who"]
        body = p["text"].replace(
            "#WeNurses", '<a href="https://nursing.example/tags/wenurses" class="mention hashtag" rel="tag">'
                         "#<span>WeNurses</span></a>")
        status = {
            "id": status_id, "created_at": _iso(p["at"]), "in_reply_to_id": None, "in_reply_to_account_id": None,
            "sensitive": False, "spoiler_text": "", "visibility": "public", "language": "en",
            "uri": f"https://nursing.example/users/{who}/statuses/{status_id}",
            "url": f"https://nursing.example/@{who}/{status_id}", "replies_count": 0, "reblogs_count": 0,
            "favourites_count": 0, "edited_at": None, "content": f"<p>{body}</p>", "reblog": None,
            "account": {"id": ids[who], "username": who, "acct": who, "display_name": who.title(), "locked": False,
                        "bot": False, "discoverable": True, "group": False, "created_at": "2022-11-14T00:00:00.000Z",
                        "note": "<p>Nurse</p>", "url": f"https://nursing.example/@{who}",
                        "uri": f"https://nursing.example/users/{who}", "followers_count": 5, "following_count": 5,
                        "statuses_count": 9, "fields": [], "emojis": []},
            "media_attachments": [], "mentions": [], "tags": [{"name": "wenurses",
                                                               "url": "https://nursing.example/tags/wenurses"}],
            "emojis": [], "card": None, "poll": None,
        }
        if p.get("reply"):
            status["in_reply_to_id"] = f"1133010000000{p['reply']:0>5}"
            status["in_reply_to_account_id"] = ids["host"]
        lines.append(json.dumps(status))
    return "\n".join(lines) + "\n"


def bluesky(posts: list[dict[str, Any]]) -> str:
    dids = {"host": "did:plc:hosthosthosthosthosthost", "ann": "did:plc:annannannannannannannann",
            "bob": "did:plc:bobbobbobbobbobbobbobbob"}
    keys = {p["id"]: f"3lbr{int(p['id']):07d}aa" for p in posts}
    lines = []
    for p in posts:
        text = p["text"]
        start, end = _tag_span(text)
        record: dict[str, Any] = {
            "$type": "app.bsky.feed.post", "createdAt": _iso(p["at"]), "langs": ["en"], "text": text,
            "facets": [{"$type": "app.bsky.richtext.facet",
                        "index": {"byteStart": len(text[:start].encode()), "byteEnd": len(text[:end].encode())},
                        "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "WeNurses"}]}],
        }
        if p.get("reply"):
            parent = {"uri": f"at://{dids['host']}/app.bsky.feed.post/{keys[p['reply']]}",
                      "cid": "bafyreigaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}
            record["reply"] = {"root": parent, "parent": parent}
        event = {"did": dids[p["who"]], "time_us": int(p["at"].timestamp() * 1_000_000) + 5, "kind": "commit",
                 "commit": {"rev": "3lbr5aaaaaa2a", "operation": "create", "collection": "app.bsky.feed.post",
                            "rkey": keys[p["id"]], "record": record,
                            "cid": "bafyreigaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"}}
        lines.append(json.dumps(event))
    return "\n".join(lines) + "\n"


PLATFORMS: dict[str, tuple[Callable[[list[dict[str, Any]]], str], str]] = {
    "twitter": (twitter_v2, "tweets.jsonl"),
    "mastodon": (mastodon, "statuses.jsonl"),
    "bluesky": (bluesky, "jetstream.jsonl"),
}


def workspace_for(tmp_path: Path, platform: str) -> Path:
    writer, name = PLATFORMS[platform]
    source = tmp_path / name
    source.write_text(writer(script()), encoding="utf-8")
    path = tmp_path / "ws.duckdb"
    with sociable.open(path) as ws:
        summary = ws.import_files([source], collection="chat")
        assert ws.query("SELECT count(*) FROM posts").column(0)[0].as_py() == 21, summary
    return path


def invoke(path: Path, *args: str) -> Any:
    result = CliRunner().invoke(app, ["--workspace", str(path), *args])
    return result


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_chats_on_each_platform(tmp_path: Path, platform: str) -> None:
    path = workspace_for(tmp_path, platform)
    done = invoke(path, "chats", "--json")
    assert done.exit_code == 0, done.output
    facts = json.loads(done.stdout)["facts"]
    assert facts["tag"] == "wenurses" and facts["schedule"] == "Tuesdays 20:00–21:00 UK time"
    assert facts["session_count"] == 3 and facts["participant_count"] == 3 and facts["rhythm"] == "weekly"
    for session in facts["sessions"]:
        assert len(session["posts"]) == 7 and len(session["participants"]) == 3
        assert [(q["label"], len(q["answers"])) for q in session["questions"]] == [("Q1", 2), ("Q2", 1)]
    assert [len(s["new"]) for s in facts["sessions"]] == [3, 0, 0]


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_transcript_and_cpd_files_on_each_platform(tmp_path: Path, platform: str) -> None:
    path = workspace_for(tmp_path, platform)
    page = tmp_path / "transcript.html"
    done = invoke(path, "chats", "--tag", "#WeNurses", "--session", "2024-03-19", "--transcript", "-o", str(page))
    assert done.exit_code == 0, done.output
    html = page.read_text(encoding="utf-8")
    assert "#wenurses on Tuesday 19 March 2024" in html and "A1 → Q1" in html and "<script" not in html
    again = invoke(path, "chats", "--tag", "wenurses", "--session", "2024-03-19", "--transcript", "-o", str(page))
    assert again.exit_code != 0 and "--force" in str(again.exception)
    record = tmp_path / "cpd.md"
    handle = {"twitter": "@ann_rn", "mastodon": "@ann", "bluesky": "did:plc:annannannannannannannann"}[platform]
    done = invoke(path, "cpd", "--tag", "wenurses", "--handle", handle, "-o", str(record), "--code", "hcpc")
    assert done.exit_code == 0, done.output
    text = record.read_text(encoding="utf-8")
    assert text.count("## 2024-03-") == 3 and "HCPC" in text and "walks" not in text  # bob's words stay out


def test_transcript_to_the_terminal_and_the_errors_people_meet(tmp_path: Path) -> None:
    path = workspace_for(tmp_path, "twitter")
    shown = invoke(path, "chats", "--tag", "wenurses", "--session", "2024-03-12", "--transcript")
    assert shown.exit_code == 0 and shown.stdout.startswith("# \\#wenurses on Tuesday 12 March 2024")
    missing = invoke(path, "chats", "--tag", "wenurses", "--transcript")
    assert missing.exit_code != 0 and "--session" in str(missing.exception)
    wrong_day = invoke(path, "chats", "--tag", "wenurses", "--session", "2024-03-13", "--transcript")
    assert "held no session on 2024-03-13" in str(wrong_day.exception) and "2024-03-12" in str(wrong_day.exception)
    wrong_file = invoke(path, "cpd", "--tag", "wenurses", "--handle", "ann_rn", "-o", str(tmp_path / "x.pdf"))
    assert ".md or .html" in str(wrong_file.exception)
    onto = invoke(path, "cpd", "--tag", "wenurses", "--handle", "ann_rn", "-o", str(tmp_path / "ws.duckdb"))
    assert onto.exit_code != 0
    table = invoke(path, "chats", "--tag", "wenurses", "--session", "2024-03-19")
    assert table.exit_code == 0 and "2024-03-19" in table.stdout and "2024-03-12" not in table.stdout
