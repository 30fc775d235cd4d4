"""posts.thread: every post's thread, resolved as posts are written, equal to walking the reply chains."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

import sociable
from sociable.model import Account, Post
from sociable.sources.base import Mapped, RawRecord
from sociable.store import Workspace
from sociable.store.ingest import Batch, BatchWriter, FileSummary
from sociable.store.schema import SCHEMA_VERSION
from sociable.store.threads import ALL_THREADS_SQL

T0 = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)


def post(pid: str, author: str = "ann", reply_to: str | None = None, root: str | None = None) -> Post:
    return Post("bluesky" if root else "twitter", pid, author, T0 + timedelta(minutes=len(pid)), text=f"post {pid}",
                reply_to=reply_to, reply_to_account="x" if reply_to else None, root=root)


def write(ws: Workspace, posts: list[Post]) -> None:
    batch = Batch("test", "hand.jsonl")
    for number, item in enumerate(posts, 1):
        batch.add_mapped(RawRecord("test", "hand.jsonl", number, {"n": number}),
                         Mapped([item], [Account(item.platform, item.account_id)]))
    BatchWriter(ws.con, 1, None).write(batch, FileSummary("hand.jsonl", "test"))


def threads(ws: Workspace) -> dict[str, str]:
    rows = ws.query("SELECT post_id, thread FROM posts ORDER BY post_id").to_pydict()
    return dict(zip(rows["post_id"], rows["thread"], strict=True))


def walked(ws: Workspace) -> dict[str, str]:
    rows = ws.query(f"SELECT post_id, thread FROM ({ALL_THREADS_SQL}) ORDER BY post_id").to_pydict()
    return dict(zip(rows["post_id"], rows["thread"], strict=True))


CONVERSATION = [
    post("a"), post("a1", reply_to="a"), post("a11", reply_to="a1"), post("a111", reply_to="a11"),
    post("a2", reply_to="a"), post("m1", reply_to="missing"), post("m2", reply_to="missing"),
    post("m11", reply_to="m1"), post("b"),
    post("r1", root="root-post", reply_to="root-post"), post("r2", root="root-post", reply_to="r1"),
]
EXPECTED = {"a": "a", "a1": "a", "a11": "a", "a111": "a", "a2": "a", "m1": "missing", "m2": "missing",
            "m11": "missing", "b": "b", "r1": "root-post", "r2": "root-post"}


def test_one_batch_gives_each_post_its_thread(tmp_path: Path) -> None:
    with Workspace(tmp_path / "ws.duckdb") as ws:
        write(ws, CONVERSATION)
        assert threads(ws) == EXPECTED == walked(ws)


def test_parents_arriving_after_their_replies_take_them_into_their_thread(tmp_path: Path) -> None:
    for name, order in (("reversed", CONVERSATION[::-1]), ("interleaved", CONVERSATION[1::2] + CONVERSATION[::2])):
        with Workspace(tmp_path / f"{name}.duckdb") as ws:
            for item in order:  # one batch per post
                write(ws, [item])
            assert threads(ws) == EXPECTED == walked(ws), name


def test_a_missing_parent_stored_later_joins_the_threads(tmp_path: Path) -> None:
    with Workspace(tmp_path / "ws.duckdb") as ws:
        write(ws, [post("m1", reply_to="missing"), post("m11", reply_to="m1")])
        assert threads(ws) == {"m1": "missing", "m11": "missing"}
        write(ws, [post("top"), post("missing", reply_to="top")])
        assert threads(ws) == {"m1": "top", "m11": "top", "missing": "top", "top": "top"} == walked(ws)


def test_a_reply_cycle_still_gets_a_thread(tmp_path: Path) -> None:
    with Workspace(tmp_path / "ws.duckdb") as ws:
        write(ws, [post("c1", reply_to="c2")])
        write(ws, [post("c2", reply_to="c1")])
        assert set(threads(ws).values()) <= {"c1", "c2"}


def _tweets(path: Path) -> None:
    rows: list[dict[str, Any]] = []
    for i in range(1, 8):
        tweet: dict[str, Any] = {"id_str": str(i), "created_at": "Tue Mar 05 09:15:00 +0000 2024", "text": f"hi {i}",
                                 "user": {"id_str": str(i % 3), "screen_name": f"user{i % 3}"}}
        if i > 1:
            tweet["in_reply_to_status_id_str"] = str(i // 2)
            tweet["in_reply_to_user_id_str"] = str((i // 2) % 3)
        rows.append(tweet)
    rows.append({**rows[0], "id_str": "9", "in_reply_to_status_id_str": "8", "in_reply_to_user_id_str": "5"})
    path.write_bytes(b"\n".join(orjson.dumps(row) for row in rows[::-1]))


def test_import_remap_and_an_older_workspace_agree(tmp_path: Path) -> None:
    data, path = tmp_path / "t.jsonl", tmp_path / "ws.duckdb"
    _tweets(data)
    with sociable.open(path) as ws:
        ws.import_files([data], collection="c")
        imported = threads(ws)
        assert imported == walked(ws) and set(imported.values()) == {"1", "8"}
        ws.remap()
        assert threads(ws) == imported
        ws.query("ALTER TABLE posts DROP COLUMN thread")
        ws.query("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    with sociable.open(path, read_only=True) as ws:
        assert ws.scalar("SELECT value FROM meta WHERE key = 'schema_version'") == str(SCHEMA_VERSION) == "9"
        assert threads(ws) == imported
    with sociable.open(path) as ws:
        assert threads(ws) == imported
        assert ws.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'posts'"
                        ).column(0).to_pylist()[-1] == "thread"
