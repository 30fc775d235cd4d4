"""A small hand-built staff corpus (invented Twitter v1.1 JSON Lines) with known risky posts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sociable.store import Workspace

AMARA = {"id_str": "1500000000000000011", "screen_name": "wardsisteramara", "name": "Amara Okafor",
         "description": "Ward sister, views my own. Personal mobile 07700 900123, NHS no 943 476 5919"}
BECKY = {"id_str": "1500000000000000022", "screen_name": "carerbeckyh", "name": "Becky H",
         "description": "Carer for my mum. Tea and honesty."}
TRUST = {"id_str": "1500000000000000033", "screen_name": "northtrustcomms", "name": "North Trust Comms",
         "description": "Communications team of an invented NHS trust."}
NHS_NUMBER = "943 476 5919"


def user(person: dict[str, str]) -> dict[str, Any]:
    return {"id": int(person["id_str"]), "id_str": person["id_str"], "name": person["name"],
            "screen_name": person["screen_name"], "location": "Somewhere, UK", "description": person["description"],
            "url": None, "followers_count": 120, "friends_count": 200,
            "created_at": "Mon Jan 09 08:00:00 +0000 2012"}


def mention(person: dict[str, str], text: str) -> dict[str, Any]:
    start = text.index("@" + person["screen_name"])
    return {"screen_name": person["screen_name"], "name": person["name"], "id": int(person["id_str"]),
            "id_str": person["id_str"], "indices": [start, start + len(person["screen_name"]) + 1]}


def tweet(tweet_id: int, author: dict[str, str], text: str, minute: int, mentions: tuple[dict[str, str], ...] = (),
          reply_to: tuple[int, dict[str, str]] | None = None, links: tuple[str, ...] = (),
          **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "created_at": f"Tue Mar 05 21:{minute:02d}:07 +0000 2024",
        "id": tweet_id, "id_str": str(tweet_id), "full_text": text, "truncated": False,
        "display_text_range": [0, len(text)],
        "entities": {"hashtags": [], "symbols": [],
                     "urls": [{"url": link, "expanded_url": link, "display_url": link, "indices": [0, 1]}
                              for link in links],
                     "user_mentions": [mention(person, text) for person in mentions]},
        "in_reply_to_status_id": reply_to[0] if reply_to else None,
        "in_reply_to_status_id_str": str(reply_to[0]) if reply_to else None,
        "in_reply_to_user_id": int(reply_to[1]["id_str"]) if reply_to else None,
        "in_reply_to_user_id_str": reply_to[1]["id_str"] if reply_to else None,
        "in_reply_to_screen_name": reply_to[1]["screen_name"] if reply_to else None,
        "user": user(author), "retweet_count": 0, "favorite_count": 1, "lang": "en",
    }
    item.update(extra)
    return item


def staff_tweets() -> list[dict[str, Any]]:
    """Seven posts by staff and people they talk with, and one repost; four posts are risky."""
    thanks = "Thanks @carerbeckyh and @wardsisteramara for joining the #nhssm chat tonight"
    original = tweet(1764000000000000010, TRUST, thanks, 10, (BECKY, AMARA))
    return [
        tweet(1764000000000000001, AMARA, "Bay 4's Mrs K refused her meds again tonight", 1),
        tweet(1764000000000000002, AMARA, f"NHS number {NHS_NUMBER} for the patient in bed 2", 2),
        tweet(1764000000000000003, BECKY, "@wardsisteramara hope your shift gets easier, see https://example.org/a/b",
              3, (AMARA,), reply_to=(1764000000000000001, AMARA), links=("https://example.org/a/b",)),
        tweet(1764000000000000004, BECKY, "Kettle on, shift done", 4),
        tweet(1764000000000000005, AMARA, "bed blocker again in bay 2, honestly", 5),
        tweet(1764000000000000006, AMARA, "@jo_88 that's shingles, take double ibuprofen", 6),
        original,
        tweet(1764000000000000011, AMARA, "RT @northtrustcomms: " + thanks, 11, (TRUST,), retweeted_status=original),
    ]


def write_jsonl(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("\n".join(json.dumps(item) for item in items) + "\n", encoding="utf-8")
    return path


def build(ws: Workspace, folder: Path) -> Workspace:
    """The staff corpus in collection 'staff', and one risky post outside it in 'other'."""
    ws.import_files([write_jsonl(folder / "staff.jsonl", staff_tweets())], collection="staff")
    other = [tweet(1764000000000000020, BECKY, "Mr Patel in bed 6 is refusing food again", 20)]
    ws.import_files([write_jsonl(folder / "other.jsonl", other)], collection="other")
    return ws
