"""remap after a mapper change and its revert: every post back in its collections, no stale rejections."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from kit import json_lines, post_ids, tweet

import sociable
import sociable.store as store
from sociable.errors import MappingError
from sociable.sources.base import Mapped
from sociable.sources.registry import get_format


def test_a_mapper_change_and_its_revert_lose_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    week1, week2 = tmp_path / "week1.jsonl", tmp_path / "week2.jsonl"
    week1.write_text(json_lines(*(tweet(i, user_id=4000 + i % 3) for i in range(1, 11))))
    week2.write_text(json_lines(*(tweet(i, user_id=4000 + i % 3) for i in range(6, 16))))
    fmt = get_format("twitter-v1")

    def stricter(raw: object) -> Mapped:  # a mapper change that drops every even tweet
        if isinstance(raw, dict) and int(raw["id_str"]) % 2 == 0:
            raise MappingError("not a post under the new rule")
        return fmt.map(raw)

    with sociable.open(tmp_path / "ws.duckdb") as ws:
        ws.import_files([week1], collection="week1")
        ws.import_files([week2], collection="week2")
        before = ws.query("SELECT name, post_id FROM collections ORDER BY ALL").to_pylist()
        accounts = ws.query("SELECT * FROM accounts ORDER BY ALL").to_pylist()
        interactions = ws.query("SELECT * FROM interactions ORDER BY ALL").to_pylist()
        rejected = ws.query("SELECT * FROM rejected ORDER BY ALL").to_pylist()

        monkeypatch.setattr(store, "get_format", lambda name: dataclasses.replace(fmt, map=stricter))
        changed = ws.remap()
        assert (changed.posts, changed.rejected) == (8, 7)
        assert post_ids(ws) == sorted(str(i) for i in range(1, 16) if i % 2)
        assert ws.scalar("SELECT count(*) FROM rejected") == 7
        assert ws.collections().column("posts").to_pylist() == [5, 5]

        monkeypatch.undo()
        reverted = ws.remap()
        assert (reverted.posts, reverted.rejected) == (15, 0)
        assert ws.query("SELECT name, post_id FROM collections ORDER BY ALL").to_pylist() == before
        assert ws.query("SELECT * FROM accounts ORDER BY ALL").to_pylist() == accounts
        assert ws.query("SELECT * FROM interactions ORDER BY ALL").to_pylist() == interactions
        assert ws.query("SELECT * FROM rejected ORDER BY ALL").to_pylist() == rejected  # no stale rejections
        assert ws.scalar("SELECT count(*) FROM set_aside_members") == 0
        assert ws.query("SELECT file FROM runs WHERE file = '(remap)'").num_rows == 2


def test_a_remap_of_one_format_keeps_the_accounts_of_the_others(tmp_path: Path) -> None:
    tweets, sheet = tmp_path / "tweets.jsonl", tmp_path / "sheet.csv"
    tweets.write_text(json_lines(tweet(1), tweet(2, user_id=4002)))
    sheet.write_text("post_id,created_at,text,account_id,handle\n7,2024-03-05T09:00:00Z,hello,9,nurse\n")
    mapping = {"map": "post_id=post_id,created_at=created_at,text=text,account_id=account_id,handle=handle"}
    with sociable.open(tmp_path / "ws.duckdb") as ws:
        ws.import_files([tweets])
        ws.import_files([sheet], options=mapping)
        accounts = ws.query("SELECT * FROM accounts ORDER BY ALL").to_pylist()
        ws.remap(format="csv")
        assert ws.query("SELECT * FROM accounts ORDER BY ALL").to_pylist() == accounts
        assert ws.counts()["posts"] == 3
