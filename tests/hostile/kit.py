"""Shared helpers of the hostile suite: tweets in the v1.1 shape, files of them, the CLI in a child process.

A case that could hang (a pipe, a symlink loop, a full disk) runs in a child process with a
deadline, so that a regression fails the suite instead of stalling it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import sociable
from sociable.store import Workspace

SRC = str(Path(sociable.__file__).parent.parent)
RUN_CLI = "import sys; from sociable.cli import main; sys.argv[0] = 'sociable'; main()"


def tweet(tweet_id: int, text: str | None = None, user_id: int = 4001, **fields: Any) -> dict[str, Any]:
    """A Twitter API v1.1 tweet as the REST API returns it (extended mode)."""
    text = text if text is not None else f"Handover {tweet_id} done, ward quiet tonight #nursing"
    return {
        "created_at": "Tue Mar 05 21:14:07 +0000 2024",
        "id": tweet_id,
        "id_str": str(tweet_id),
        "full_text": text,
        "truncated": False,
        "display_text_range": [0, len(text)],
        "entities": {"hashtags": [{"text": "nursing", "indices": [len(text) - 8, len(text)]}], "symbols": [],
                     "user_mentions": [], "urls": []},
        "in_reply_to_status_id": None,
        "in_reply_to_status_id_str": None,
        "in_reply_to_user_id": None,
        "in_reply_to_user_id_str": None,
        "in_reply_to_screen_name": None,
        "user": {
            "id": user_id,
            "id_str": str(user_id),
            "name": "Night Sister Jo",
            "screen_name": f"nightsister{user_id}",
            "location": "Somewhere, UK",
            "description": "RN. Nights. Views my own.",
            "url": None,
            "followers_count": 120,
            "friends_count": 200,
            "created_at": "Mon Jan 09 08:00:00 +0000 2012",
        },
        "retweet_count": 0,
        "favorite_count": 1,
        "lang": "en",
        **fields,
    }


def json_lines(*items: object) -> str:
    """JSON Lines: dicts serialised, strings written as they are."""
    return "".join((item if isinstance(item, str) else json.dumps(item)) + "\n" for item in items)


def run_cli(*args: str | os.PathLike[str], timeout: float = 60, cwd: Path | None = None,
            prelude: str = "") -> subprocess.CompletedProcess[str]:
    """`sociable ARGS` in a child process (with `prelude` run first); raises TimeoutExpired if it hangs."""
    env = {**os.environ, "PYTHONPATH": SRC, "COLUMNS": "200"}
    env.pop("SOCIABLE_WORKSPACE", None)
    return subprocess.run([sys.executable, "-c", prelude + "\n" + RUN_CLI, *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=cwd)


def post_ids(ws: Workspace) -> list[str]:
    return [str(v) for v in ws.query("SELECT post_id FROM posts ORDER BY post_id").column(0).to_pylist()]


def reasons(ws: Workspace) -> list[str]:
    return [str(v) for v in ws.query("SELECT reason FROM rejected ORDER BY number").column(0).to_pylist()]
