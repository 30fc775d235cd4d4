"""Retention per collection and the right to erasure, on workspaces built by the importer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import sociable
from sociable.cli import app
from sociable.errors import SociableError
from sociable.store.schema import SCHEMA_VERSION

ALICE = "did:plc:alicexxxxxxxxxxxxxxxxxxx"
BOB = "did:plc:bobxxxxxxxxxxxxxxxxxxxxx"


def event(author: str, rkey: str, when: datetime, text: str, reply_to: str | None = None,
          mention: str | None = None) -> dict[str, object]:
    record: dict[str, object] = {"$type": "app.bsky.feed.post", "createdAt": when.isoformat().replace("+00:00", "Z"),
                                 "langs": ["en"], "text": text}
    if mention:
        spelled = text.split()[0].encode()
        record["facets"] = [{"$type": "app.bsky.richtext.facet", "index": {"byteStart": 0, "byteEnd": len(spelled)},
                             "features": [{"$type": "app.bsky.richtext.facet#mention", "did": mention}]}]
    if reply_to:
        record["reply"] = {"parent": {"cid": "bafyreip", "uri": reply_to}, "root": {"cid": "bafyreir", "uri": reply_to}}
    return {"did": author, "time_us": int(when.timestamp() * 1e6), "kind": "commit",
            "commit": {"rev": "3lrev", "operation": "create", "collection": "app.bsky.feed.post", "rkey": rkey,
                       "record": record, "cid": "bafyreic"}}


def identity(author: str, handle: str, when: datetime) -> dict[str, object]:
    return {"did": author, "time_us": int(when.timestamp() * 1e6), "kind": "identity",
            "identity": {"did": author, "handle": handle, "seq": 1, "time": when.isoformat()}}


def build(tmp_path: Path) -> Path:
    """Alice and Bob on Bluesky: old and new posts in 'care', one also in 'keep', a reply, a broken line."""
    now = datetime.now(UTC)
    old, new = now - timedelta(days=400), now - timedelta(days=3)
    a_old = f"at://{ALICE}/app.bsky.feed.post/a1"
    lines = [
        json.dumps(identity(ALICE, "alice.bsky.social", old)),
        json.dumps(identity(BOB, "bob.bsky.social", old)),
        json.dumps(event(ALICE, "a1", old, "An old #nhssm post")),
        json.dumps(event(BOB, "b1", old + timedelta(hours=1), "@alice.bsky.social old reply", reply_to=a_old,
                         mention=ALICE)),
        json.dumps(event(ALICE, "a2", new, "@bob.bsky.social A new #nhssm post", mention=BOB)),
        json.dumps(event(BOB, "b2", new, "Bob's new post")),
        '{"did": "' + ALICE + '", "time_us": 1, "kind": "commit", "commit": ',  # broken, names alice
    ]
    source = tmp_path / "jetstream.jsonl"
    source.write_text("\n".join(lines) + "\n")
    path = tmp_path / "ws.duckdb"
    with sociable.open(path) as ws:
        ws.import_files([source], collection="care")
        keep = tmp_path / "keep.jsonl"
        keep.write_text(lines[3] + "\n")
        ws.import_files([keep], collection="keep")
    return path


@pytest.mark.parametrize("version", ["4", "5"])
def test_an_older_workspace_gains_the_capture_tables(tmp_path: Path, version: str) -> None:
    path = build(tmp_path)
    with duckdb.connect(str(path)) as con:
        con.execute("DROP TABLE captures; DROP TABLE retention; DROP TABLE erasures")
        if version == "4":
            con.execute("DROP TABLE set_aside_members")
        con.execute(f"UPDATE meta SET value = '{version}' WHERE key = 'schema_version'")
    with sociable.open(path, read_only=True) as ws:
        assert ws.captures() == [] and ws.retention() == [] and ws.erasures() == []
        assert ws.scalar("SELECT value FROM meta WHERE key = 'schema_version'") == str(SCHEMA_VERSION) == "9"
        assert ws.scalar("SELECT count(*) FROM posts") == 4


def test_retention_expires_old_posts_of_the_collection_but_keeps_those_another_collection_holds(
    tmp_path: Path,
) -> None:
    path = build(tmp_path)
    with sociable.open(path) as ws:
        removed = ws.set_retention("care", 365)
        assert removed.posts == 1  # a1; b1 is old too, but 'keep' holds it
        posts = set(ws.query("SELECT post_id FROM posts").column(0).to_pylist())
        assert posts == {f"at://{ALICE}/app.bsky.feed.post/a2", f"at://{BOB}/app.bsky.feed.post/b1",
                         f"at://{BOB}/app.bsky.feed.post/b2"}
        care = ws.query("SELECT post_id FROM collections WHERE name = 'care'").column(0).to_pylist()
        assert f"at://{BOB}/app.bsky.feed.post/b1" not in care
        assert ws.scalar("SELECT sum(len(record_ids)) FROM raw_blocks") == 3  # of 4: a1's raw event is gone
        assert ws.scalar("SELECT count(*) FROM interactions WHERE post_id LIKE '%/a1'") == 0
    with duckdb.connect(str(path)) as con:  # a post that ages past the retention later
        con.execute("UPDATE posts SET created_at = created_at - INTERVAL 500 DAY WHERE post_id LIKE '%/b2'")
    with sociable.open(path):  # expiry is applied on every writable open
        pass
    with sociable.open(path, read_only=True) as ws:
        assert ws.scalar("SELECT count(*) FROM posts WHERE post_id LIKE '%/b2'") == 0
        assert ws.retention()[0]["keep_days"] == 365


def test_forget_removes_the_account_everywhere_and_audits_counts_only(tmp_path: Path) -> None:
    path = build(tmp_path)
    with sociable.open(path) as ws:
        ws.save_manual_labels(ws.query(f"SELECT 'bluesky' AS platform, '{ALICE}' AS account_id, 'person' AS role, "
                                       "'nurse' AS subtype, 'health' AS sector, 'manual' AS role_source, "
                                       "'manual' AS sector_source, 1.0::DOUBLE AS confidence"))
        assert ws.scalar("SELECT count(*) FROM rejected") == 1
        removed = ws.forget("@Alice.bsky.social", reason="erasure request")
        assert (removed.accounts, removed.posts, removed.labels, removed.rejected) == (1, 2, 1, 1)
        for table, column in (("posts", "account_id"), ("accounts", "account_id"), ("manual_labels", "account_id"),
                              ("interactions", "target"), ("interactions", "source")):
            assert ws.scalar(f"SELECT count(*) FROM {table} WHERE {column} = ?", [ALICE]) == 0
        raws = [bytes(b) for b in ws.query("SELECT data FROM raw_blocks").column(0).to_pylist()]
        import pyarrow as pa

        sizes = ws.query("SELECT size FROM raw_blocks").column(0).to_pylist()
        texts = [pa.decompress(d, decompressed_size=s, codec="zstd", asbytes=True) for d, s in zip(raws, sizes,
                                                                                                  strict=True)]
        authors = [json.loads(line)["did"] for t in texts for line in t.split(b"\n")]
        assert authors and ALICE not in authors  # her raw events are gone (Bob's reply, naming her post, stays)
        audit = ws.erasures()
    assert len(audit) == 1 and audit[0]["posts"] == 2 and audit[0]["reason"] == "erasure request"
    assert ALICE not in json.dumps(audit, default=str) and "alice" not in json.dumps(audit, default=str)
    with pytest.raises(SociableError, match="no account"), sociable.open(path) as ws:
        ws.forget("@alice.bsky.social")


def test_retention_and_forget_commands(tmp_path: Path) -> None:
    path = build(tmp_path)
    runner = CliRunner()
    done = runner.invoke(app, ["-w", str(path), "retention", "--collection", "care", "--keep", "1y"])
    assert done.exit_code == 0, done.output
    assert "care keeps its posts for 365 days; 1 older posts removed now." in done.output
    done = runner.invoke(app, ["-w", str(path), "retention"])
    assert "care: 365 days" in done.output
    done = runner.invoke(app, ["-w", str(path), "retention", "--collection", "care", "--keep", "soon"])
    assert done.exit_code != 0
    done = runner.invoke(app, ["-w", str(path), "forget", "@bob.bsky.social"])
    assert done.exit_code == 0, done.output
    assert "Forgot @bob.bsky.social: removed 1 accounts, 2 posts" in done.output
    done = runner.invoke(app, ["-w", str(path), "captures", "--json"])
    assert done.exit_code == 0 and json.loads(done.output) == []
