"""The store's write path: idempotent upserts, interactions, accounts merging, round trips."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sociable
from sociable.errors import WorkspaceError
from sociable.model import Account, Post, interactions_of
from sociable.sources.base import Mapped, RawRecord, Rejected
from sociable.store import Workspace
from sociable.store.ingest import RESOLVE_MENTIONS_SQL, Batch, BatchWriter, FileSummary
from sociable.store.raw import read_blocks
from sociable.store.schema import POST_COLUMNS, SCHEMA_VERSION

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def write(
    ws: Workspace, mapped: list[Mapped], rejected: tuple[Rejected, ...] = (), collection: str | None = None
) -> FileSummary:
    summary = FileSummary("test.jsonl", "test")
    writer = BatchWriter(ws.con, 1, collection)
    batch = Batch("twitter-v1", "test.jsonl")
    for i, m in enumerate(mapped, 1):
        batch.add_mapped(RawRecord("twitter-v1", "test.jsonl", i, {"n": i}), m)
    batch.rejected.extend(rejected)
    writer.write(batch, summary)
    return summary


def post(pid: str, author: str, minutes: int = 0, **kw: object) -> Post:
    return Post("twitter", pid, author, T0 + timedelta(minutes=minutes), **kw)  # type: ignore[arg-type]


def test_reimport_changes_nothing(workspace: Workspace) -> None:
    records = [Mapped([post("1", "a", text="hello")]), Mapped([post("2", "b", reply_to="1", reply_to_account="a")])]
    first = write(workspace, records)
    before = workspace.counts()
    second = write(workspace, records)
    assert (first.stored, first.duplicates) == (2, 0)
    assert (second.stored, second.duplicates) == (0, 2)
    assert workspace.counts() == before


def test_embedded_original_counts_as_stored_not_duplicate(workspace: Workspace) -> None:
    original = post("1", "a", text="claim")
    retweet = post("2", "b", minutes=5, repost_of="1", repost_of_account="a")
    summary = write(workspace, [Mapped([retweet, original]), Mapped([original])])
    assert (summary.stored, summary.duplicates) == (2, 1)


def test_latest_profile_wins_and_first_last_seen_kept(workspace: Workspace) -> None:
    old = Account("twitter", "a", handle="nurse_al", bio="Student nurse", followers=10, location="Leeds")
    new = Account("twitter", "a", handle="nurse_al", bio="Staff nurse, views my own", followers=50)
    write(workspace, [Mapped([post("2", "a", minutes=60)], [new])])
    write(workspace, [Mapped([post("1", "a", minutes=0)], [old])])
    write(workspace, [Mapped([post("3", "b", minutes=30)], [Account("twitter", "b", handle="b")])])
    assert workspace.scalar("SELECT count(*) FROM accounts") == 2
    row = workspace.query("SELECT * FROM accounts WHERE account_id = 'a'").to_pylist()[0]
    assert row["bio"] == "Staff nurse, views my own"
    assert row["location"] == "Leeds"  # the newer profile did not say, so the older one's stays
    assert row["followers"] == 50
    assert row["first_seen"] == T0
    assert row["last_seen"] == T0 + timedelta(minutes=60)


def test_reply_target_is_not_also_a_mention(workspace: Workspace) -> None:
    reply = post("2", "b", reply_to="1", reply_to_account="a", mentions=("a", "c"))
    write(workspace, [Mapped([reply])])
    got = workspace.query("SELECT target, kind FROM interactions ORDER BY target").to_pylist()
    assert got == [{"target": "a", "kind": "reply"}, {"target": "c", "kind": "mention"}]


def test_mention_by_handle_resolves_to_account(workspace: Workspace) -> None:
    write(workspace, [Mapped([post("1", "id-a")], [Account("twitter", "id-a", handle="WardSister")])])
    write(workspace, [Mapped([post("2", "id-b", mentions=("wardsister",))])])
    workspace.con.execute(RESOLVE_MENTIONS_SQL)
    assert workspace.query("SELECT target FROM interactions").column("target").to_pylist() == ["id-a"]


def test_rejected_kept_once(workspace: Workspace) -> None:
    bad = Rejected("twitter-v1", "x.jsonl", 7, "{oops", "line 7 of x.jsonl is not JSON")
    write(workspace, [], (bad,))
    write(workspace, [], (bad,))
    rows = workspace.rejected().to_pylist()
    assert len(rows) == 1
    assert (rows[0]["number"], rows[0]["raw"]) == (7, "{oops")


def test_collection_holds_posts(workspace: Workspace) -> None:
    write(workspace, [Mapped([post("1", "a")]), Mapped([post("2", "b")])], collection="nhssm")
    assert workspace.collections().to_pylist()[0]["posts"] == 2
    with pytest.raises(sociable.errors.NoSuchCollection, match="nhssm"):
        workspace.posts(collection="other")


def test_collection_holds_each_post_once(workspace: Workspace) -> None:
    """Repeats in a batch, posts stored before and a second collection: one membership per post and name."""
    write(workspace, [Mapped([post("1", "a")])])  # stored, in no collection
    records = [Mapped([post("1", "a")]), Mapped([post("2", "b")]), Mapped([post("2", "b")]), Mapped([post("3", "c")])]
    write(workspace, records, collection="nhssm")
    write(workspace, records, collection="nhssm")
    write(workspace, records[1:2], collection="wecommunities")
    rows = workspace.query("SELECT name, post_id FROM collections ORDER BY ALL").to_pylist()
    assert [(r["name"], r["post_id"]) for r in rows] == [
        ("nhssm", "1"), ("nhssm", "2"), ("nhssm", "3"), ("wecommunities", "2")]


def test_second_writer_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    ws = sociable.open(path)
    code = (
        f"import sociable\ntry:\n    sociable.open({str(path)!r})\n"
        "except Exception as e:\n    print(type(e).__name__, e)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    ws.close()
    assert out.startswith("WorkspaceBusy")  # a WorkspaceError
    assert f"{path} is busy: process {os.getpid()} (" in out
    assert out.rstrip().endswith("is writing to it; try again in a moment.")


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    ws = sociable.open(path)
    ws.con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    ws.close()
    with pytest.raises(WorkspaceError, match="newer sociable"):
        sociable.open(path)


def _with_old_keys(ws: Workspace) -> None:
    """Give posts and collections the primary keys they had before schema 3."""
    for table, key in (("posts", "platform, post_id"), ("collections", "name, platform, post_id")):
        ws.con.execute(f"CREATE TABLE _old AS SELECT * FROM {table} WHERE false")
        ddl = ws.scalar("SELECT sql FROM duckdb_tables() WHERE table_name = '_old'")
        ws.con.execute("DROP TABLE _old")
        ws.con.execute(f"ALTER TABLE {table} RENAME TO _rows")
        ws.con.execute(ddl.replace("_old", table).rstrip(");") + f", PRIMARY KEY ({key}));")
        ws.con.execute(f"INSERT INTO {table} SELECT * FROM _rows")
        ws.con.execute("DROP TABLE _rows")


def _keys(ws: Workspace) -> list[str]:
    return sorted(ws.scalar("SELECT list(table_name) FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"))


def test_schema_1_raw_records_move_into_blocks(tmp_path: Path) -> None:
    """A workspace written before raw blocks is upgraded on open, and remap still works from it."""
    path = tmp_path / "old.duckdb"
    tweets = [{"id_str": str(i), "created_at": "Tue Mar 05 09:15:00 +0000 2024", "text": f"hello {i}",
               "user": {"id_str": "7", "screen_name": "nurse_a"}} for i in (1, 2, 3)]
    with sociable.open(path) as ws:
        ws.con.execute("DROP TABLE raw_blocks")
        _with_old_keys(ws)
        ws.con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        ws.con.execute("CREATE TABLE raw_records (record_id BIGINT PRIMARY KEY, format VARCHAR NOT NULL, "
                       "file VARCHAR, number BIGINT, raw VARCHAR NOT NULL)")
        for i, raw in enumerate(tweets, 1):
            ws.con.execute("INSERT INTO raw_records VALUES (?, 'twitter-v1', ?, ?, ?)",
                           [i, "a.jsonl" if i < 3 else "b.jsonl", i, orjson.dumps(raw).decode()])
    with sociable.open(path) as ws:
        assert ws.scalar("SELECT value FROM meta WHERE key = 'schema_version'") == str(SCHEMA_VERSION)
        assert ws.counts()["raw_records"] == 3
        assert ws.scalar("SELECT count(*) FROM raw_blocks") == 2  # one per file
        result = ws.remap()
        assert (result.records, result.posts) == (3, 3)
        assert sorted(ws.query("SELECT post_id FROM posts").column(0).to_pylist()) == ["1", "2", "3"]


def test_schema_2_is_upgraded_even_when_opened_to_read(tmp_path: Path) -> None:
    """Posts and collections lose their key index (schema 3), keeping every row; importing again adds nothing."""
    path, data = tmp_path / "old.duckdb", tmp_path / "t.jsonl"
    data.write_text("\n".join(orjson.dumps({
        "id_str": str(i), "created_at": "Tue Mar 05 09:15:00 +0000 2024", "text": f"hello {i}",
        "user": {"id_str": "7", "screen_name": "nurse_a"}}).decode() for i in range(5)))
    with sociable.open(path) as ws:
        ws.import_files([data], collection="week1")
        before = ws.query("SELECT * FROM posts ORDER BY post_id")
        _with_old_keys(ws)
        ws.con.execute("DROP VIEW labels")  # schema 2 stored the labels as a table
        ws.con.execute("ALTER TABLE derived_labels RENAME TO labels")
        ws.con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        assert _keys(ws) == ["accounts", "captures", "collections", "labels", "lists", "manual_labels", "meta",
                             "posts", "queue_items", "raw_blocks", "rejected", "retention"]
    with sociable.open(path, read_only=True) as ws:
        assert ws.scalar("SELECT value FROM meta WHERE key = 'schema_version'") == str(SCHEMA_VERSION)
        assert "posts" not in _keys(ws) and "collections" not in _keys(ws)
        assert "derived_labels" in _keys(ws) and "labels" not in _keys(ws)  # labels is now a view
        assert ws.query("SELECT * FROM posts ORDER BY post_id").equals(before)
        assert ws.scalar("SELECT count(*) FROM collections WHERE name = 'week1'") == 5
    with sociable.open(path) as ws:
        summary = ws.import_files([data], collection="week1")
        assert (summary.total("stored"), summary.total("duplicates")) == (0, 5)
        assert ws.scalar("SELECT count(*) FROM collections") == 5


def test_remap_drops_the_memberships_of_posts_a_fixed_mapper_no_longer_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    import sociable.store as store
    from sociable.errors import MappingError
    from sociable.sources.registry import get_format

    data = tmp_path / "t.jsonl"
    data.write_text("\n".join(orjson.dumps({
        "id_str": str(i), "created_at": "Tue Mar 05 09:15:00 +0000 2024", "text": f"hello {i}",
        "user": {"id_str": "7", "screen_name": "nurse_a"}}).decode() for i in range(3)))
    fmt = get_format("twitter-v1")

    def stricter(raw: object) -> Mapped:
        if isinstance(raw, dict) and raw.get("id_str") == "1":
            raise MappingError("no longer a post")
        return fmt.map(raw)

    with sociable.open(tmp_path / "ws.duckdb") as ws:
        ws.import_files([data], collection="week1")
        monkeypatch.setattr(store, "get_format", lambda name: dataclasses.replace(fmt, map=stricter))
        assert ws.remap().posts == 2
        assert ws.query("SELECT post_id FROM collections ORDER BY 1").column(0).to_pylist() == ["0", "2"]


def test_read_only_open_refuses_a_file_that_is_not_a_workspace(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    import duckdb

    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(WorkspaceError, match="not a sociable workspace"):
        sociable.open(path, read_only=True)


# ------------------------------------------------------------------ property tests

ids = st.sampled_from(["a", "b", "c", "d"])
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
tags = st.lists(st.text("abcdefghij", min_size=1, max_size=6), max_size=3, unique=True).map(tuple)


@st.composite
def posts(draw: st.DrawFn) -> Post:
    kind = draw(st.sampled_from(["post", "reply", "quote", "repost"]))
    kw: dict[str, object] = {}
    if kind == "reply":
        kw |= {"reply_to": draw(st.sampled_from(["p1", "p2"])), "reply_to_account": draw(ids)}
    if kind == "quote":
        kw |= {"quote_of": "p3", "quote_of_account": draw(ids)}
    if kind == "repost":
        kw |= {"repost_of": "p4", "repost_of_account": draw(ids)}
    return Post(
        "twitter", draw(st.text("0123456789", min_size=1, max_size=8)), draw(ids),
        draw(st.datetimes(min_value=datetime(2010, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC))),
        text=draw(texts), hashtags=draw(tags), mentions=draw(st.lists(ids, max_size=3, unique=True).map(tuple)),
        urls=draw(tags), media_count=draw(st.integers(0, 4)), like_count=draw(st.none() | st.integers(0, 10**9)),
        **kw,  # type: ignore[arg-type]
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(posts(), max_size=8, unique_by=lambda p: p.post_id))
def test_interactions_in_sql_match_the_model(tmp_path_factory: pytest.TempPathFactory, batch: list[Post]) -> None:
    with sociable.open(tmp_path_factory.mktemp("ws") / "ws.duckdb") as ws:
        write(ws, [Mapped([p]) for p in batch])
        rows = ws.query("SELECT source, target, kind, post_id FROM interactions").to_pylist()
    stored = {tuple(r.values()) for r in rows}
    expected = {(i.source, i.target, i.kind, i.post_id) for p in batch for i in interactions_of(p)}
    assert stored == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(posts())
def test_post_round_trips_through_the_store(tmp_path_factory: pytest.TempPathFactory, original: Post) -> None:
    with sociable.open(tmp_path_factory.mktemp("ws") / "ws.duckdb") as ws:
        write(ws, [Mapped([original])])
        row = ws.query(f"SELECT {', '.join(POST_COLUMNS)} FROM posts").to_pylist()[0]
    row["hashtags"], row["mentions"], row["urls"] = (tuple(row[k]) for k in ("hashtags", "mentions", "urls"))
    row["created_at"] = row["created_at"].astimezone(UTC)
    assert Post(**row) == original


def test_writer_that_fails_hard_stops_the_import_with_its_error() -> None:
    """The first error reaches the reading thread even when DuckDB then refuses the rollback too."""
    import threading
    import time

    import duckdb

    from sociable.store.fast.writer import BackgroundWriter

    class Connection:
        def execute(self, sql: str) -> None:
            if sql == "ROLLBACK":
                raise duckdb.FatalException("database invalidated")

    class Writer:
        def __init__(self) -> None:
            self.con = Connection()
            self.pending_accounts: list[object] = []
            self.pending_rows = 0

        def write(self, *args: object, **kwargs: object) -> None:
            time.sleep(0.5)  # long enough for the reading thread to fill the queue and wait on it
            raise duckdb.OutOfMemoryException("could not allocate")

        def flush_accounts(self) -> None: ...

    raised: list[BaseException] = []

    def read() -> None:
        background = BackgroundWriter(Writer())  # type: ignore[arg-type]
        try:
            for _ in range(50):
                background.put(Batch("f", "x.jsonl"), FileSummary("x.jsonl", "f"))
            background.close()
        except duckdb.Error as exc:
            raised.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=30)
    assert not reader.is_alive(), "the import hung"
    assert isinstance(raised[0], duckdb.OutOfMemoryException)


def test_schema_8_stores_raw_blocks_uncompressed(tmp_path: Path) -> None:
    """Raw blocks are zstd already; schema 9 keeps DuckDB from compressing them again, rows and order kept."""
    path = tmp_path / "old.duckdb"
    files = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    for number, data in enumerate(files):
        data.write_text("\n".join(orjson.dumps({
            "id_str": str(i), "created_at": "Tue Mar 05 09:15:00 +0000 2024", "text": f"hello {i}",
            "user": {"id_str": "7", "screen_name": "nurse_a"}}).decode() for i in range(5 * number, 5 * number + 5)))
    with sociable.open(path) as ws:
        ws.import_files(files, collection="week1")  # a block per file
        before = ws.query("SELECT * FROM raw_blocks ORDER BY rowid")
        ws.con.execute("CREATE TABLE old_blocks AS SELECT * FROM raw_blocks ORDER BY rowid")  # the default codecs
        ws.con.execute("DROP TABLE raw_blocks")
        ws.con.execute("ALTER TABLE old_blocks RENAME TO raw_blocks")
        ws.con.execute("UPDATE meta SET value = '8' WHERE key = 'schema_version'")
    with sociable.open(path) as ws:
        assert ws.scalar("SELECT value FROM meta WHERE key = 'schema_version'") == str(SCHEMA_VERSION)
        assert ws.query("SELECT * FROM raw_blocks ORDER BY rowid").equals(before)
        ws.con.execute("CHECKPOINT")
        codecs = ws.query("SELECT DISTINCT compression FROM pragma_storage_info('raw_blocks') "
                          "WHERE column_name = 'data' AND segment_type = 'BLOB'").column(0).to_pylist()
        assert codecs == ["Uncompressed"]
        assert [len(block) for _, _, block in read_blocks(ws.con)] == [5, 5]
        assert ws.remap().posts == 10


def test_an_import_checkpoints_once_at_the_end_and_restores_the_settings(tmp_path: Path) -> None:
    """Checkpoints are put off while files are written (their cost grew with the workspace), then run once."""
    fixture = Path(__file__).parent.parent / "fixtures" / "twitter" / "v1_stream.jsonl"
    path = tmp_path / "ws.duckdb"
    with sociable.open(path) as ws:
        before = ws.query("SELECT current_setting('checkpoint_threshold') AS t, current_setting('threads') AS n")
        ws.import_files([fixture], collection="c")
        after = ws.query("SELECT current_setting('checkpoint_threshold') AS t, current_setting('threads') AS n")
        assert after.to_pylist() == before.to_pylist()
        assert not Path(f"{path}.wal").exists() or Path(f"{path}.wal").stat().st_size == 0
        stored = ws.counts()
    with sociable.open(path, read_only=True) as ws:
        assert ws.counts() == stored and stored["posts"] > 0


def test_batches_written_in_one_transaction_are_not_held_until_it_ends(tmp_path: Path) -> None:
    """A remap writes every post in one transaction: each batch must be let go once it is written.

    DuckDB keeps a table registered on a connection until the transaction ends, even once it is
    unregistered (the control below shows the test sees that); `query_table` leaves nothing behind.
    """
    import gc
    from collections.abc import Callable

    import duckdb
    import numpy as np
    import pyarrow as pa

    from sociable.store.views import query_table, registered

    def held_after_batches(name: str, write: Callable[[duckdb.DuckDBPyConnection, pa.Table], None]) -> int:
        with sociable.open(tmp_path / f"{name}.duckdb") as ws:
            ws.con.execute("CREATE TABLE t (x INTEGER)")
            ws.con.execute("BEGIN TRANSACTION")
            before = pa.total_allocated_bytes()
            for _ in range(10):
                write(ws.con, pa.table({"x": pa.array(np.arange(500_000)).cast(pa.int32())}))  # 2 MB each
            gc.collect()
            held = pa.total_allocated_bytes() - before
            ws.con.execute("COMMIT")
            assert ws.scalar("SELECT count(*) FROM t") == 5_000_000
            return held

    def by_statement(con: duckdb.DuckDBPyConnection, table: pa.Table) -> None:
        query_table(con, "_batch", table, "INSERT INTO t SELECT * FROM _batch")

    def by_name(con: duckdb.DuckDBPyConnection, table: pa.Table) -> None:
        with registered(con, "_batch", table):
            con.execute("INSERT INTO t SELECT * FROM _batch")

    assert held_after_batches("statement", by_statement) < 2_000_000
    assert held_after_batches("name", by_name) >= 20_000_000, (
        "the control: registered tables were held until the commit; if DuckDB now lets them go, "
        "this half can be dropped")
