"""The workspace schema: one DuckDB file, versioned, created or migrated on open."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from sociable.errors import WorkspaceError
from sociable.store.followup import FOLLOWUP_TABLES_SQL
from sociable.store.raw import RAW_BLOCKS_SQL, migrate_raw_records, uncompressed_blocks
from sociable.store.threads import ALL_THREADS_SQL
from sociable.store.transactions import transaction

# 2: raw records kept in compressed blocks (raw_blocks) instead of a row each.
# 3: no primary-key index on posts and collections. The writer stores only posts that are not
#    there yet (an anti-join per batch) and adds a post to a collection only once, so the keys
#    stay unique; keeping the index up to date cost about a fifth of an import.
# 4: derived labels stored in derived_labels; `labels` is a view in which a manual label wins.
# 5: set_aside_members keeps the collection memberships of posts a remap no longer gives.
# 6: live captures (captures), retention per collection (retention) and the erasure audit (erasures).
# 7: posts.thread, the id that names each post's thread, resolved over every stored post when it is
#    written (store/threads.py), so a conversation is a plain join rather than a recursive walk.
# 8: the triage queue (queue_items, queue_events) and curated lists (lists, list_members); see followup.py.
# 9: raw_blocks.data stored uncompressed (it is zstd already), so one block is read without the others.
SCHEMA_VERSION = 9
FOLLOWUP_VERSION = 8  # the version that added FOLLOWUP_TABLES_SQL (its own migration step below)

POST_COLUMNS = (
    "platform",
    "post_id",
    "uri",
    "account_id",
    "created_at",
    "text",
    "lang",
    "reply_to",
    "reply_to_account",
    "root",
    "quote_of",
    "quote_of_account",
    "repost_of",
    "repost_of_account",
    "hashtags",
    "mentions",
    "urls",
    "media_count",
    "like_count",
    "repost_count",
    "reply_count",
)
"""The columns a mapper gives a post. The store adds its format, file, record and thread."""

ACCOUNT_COLUMNS = (
    "platform",
    "account_id",
    "handle",
    "display_name",
    "bio",
    "url",
    "location",
    "followers",
    "following",
    "created_at",
)

LABEL_COLUMNS = ("platform", "account_id", "role", "subtype", "sector", "role_source", "sector_source", "confidence")
LABEL_SCHEMA = pa.schema([(name, pa.float64() if name == "confidence" else pa.string()) for name in LABEL_COLUMNS])

# Safe-practice screening: one row per screened post, one per finding (offsets point into posts.text).
SCREENING_TABLES_SQL = """
CREATE TABLE IF NOT EXISTS safety_screened (
    platform VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    account_id VARCHAR,
    verdict VARCHAR NOT NULL,
    findings INTEGER NOT NULL,
    profession VARCHAR,
    checked_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS safety_findings (
    platform VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    account_id VARCHAR,
    category VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    kind VARCHAR,
    "start" INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    principles VARCHAR[],
    checked_at TIMESTAMPTZ NOT NULL
);
"""

# Live captures: one row per named capture with its cursor and counters (store/capture.py);
# retention per collection; and what `forget` removed (counts and a digest, never the content).
CAPTURE_TABLES_SQL = """
CREATE TABLE IF NOT EXISTS captures (
    name VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    collection VARCHAR,
    options VARCHAR,
    cursor VARCHAR,
    received BIGINT DEFAULT 0,
    matched BIGINT DEFAULT 0,
    stored BIGINT DEFAULT 0,
    duplicates BIGINT DEFAULT 0,
    skipped_consent BIGINT DEFAULT 0,
    deleted BIGINT DEFAULT 0,
    errors BIGINT DEFAULT 0,
    last_error VARCHAR,
    started_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    stopped_at TIMESTAMPTZ,
    pid INTEGER
);

CREATE TABLE IF NOT EXISTS retention (
    collection VARCHAR PRIMARY KEY,
    keep_days INTEGER NOT NULL,
    set_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS erasures (
    erased_at TIMESTAMPTZ NOT NULL,
    platform VARCHAR NOT NULL,
    account_digest VARCHAR NOT NULL,
    reason VARCHAR,
    accounts BIGINT,
    posts BIGINT,
    raw_records BIGINT,
    rejected BIGINT,
    labels BIGINT,
    interactions BIGINT,
    screening BIGINT
);
"""

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);

CREATE TABLE IF NOT EXISTS posts (
    platform VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    uri VARCHAR,
    account_id VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    text VARCHAR,
    lang VARCHAR,
    reply_to VARCHAR,
    reply_to_account VARCHAR,
    root VARCHAR,
    quote_of VARCHAR,
    quote_of_account VARCHAR,
    repost_of VARCHAR,
    repost_of_account VARCHAR,
    hashtags VARCHAR[],
    mentions VARCHAR[],
    urls VARCHAR[],
    media_count INTEGER,
    like_count BIGINT,
    repost_count BIGINT,
    reply_count BIGINT,
    format VARCHAR,
    source_file VARCHAR,
    record_id BIGINT,
    imported_at TIMESTAMPTZ,
    thread VARCHAR
);

CREATE TABLE IF NOT EXISTS accounts (
    platform VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    handle VARCHAR,
    display_name VARCHAR,
    bio VARCHAR,
    url VARCHAR,
    location VARCHAR,
    followers BIGINT,
    following BIGINT,
    created_at TIMESTAMPTZ,
    profile_at TIMESTAMPTZ,
    first_seen TIMESTAMPTZ,
    last_seen TIMESTAMPTZ,
    PRIMARY KEY (platform, account_id)
);

CREATE TABLE IF NOT EXISTS interactions (
    platform VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    target VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS collections (
    name VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS set_aside_members (
    name VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS rejected (
    rejected_id BIGINT PRIMARY KEY,
    run_id BIGINT,
    format VARCHAR,
    file VARCHAR,
    number BIGINT,
    reason VARCHAR,
    raw VARCHAR,
    fingerprint VARCHAR UNIQUE
);

CREATE TABLE IF NOT EXISTS runs (
    run_id BIGINT NOT NULL,
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    file VARCHAR,
    format VARCHAR,
    collection VARCHAR,
    read BIGINT,
    stored BIGINT,
    duplicates BIGINT,
    rejected BIGINT,
    error VARCHAR
);

CREATE TABLE IF NOT EXISTS derived_labels (
    platform VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    role VARCHAR,
    subtype VARCHAR,
    sector VARCHAR,
    role_source VARCHAR,
    sector_source VARCHAR,
    confidence DOUBLE,
    PRIMARY KEY (platform, account_id)
);

CREATE TABLE IF NOT EXISTS manual_labels (
    platform VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    role VARCHAR,
    subtype VARCHAR,
    sector VARCHAR,
    role_source VARCHAR,
    sector_source VARCHAR,
    confidence DOUBLE,
    PRIMARY KEY (platform, account_id)
);
""" + SCREENING_TABLES_SQL + CAPTURE_TABLES_SQL + FOLLOWUP_TABLES_SQL


def labels_sql(
    derived: str = "derived_labels", manual: str = "manual_labels", join: str = "FULL OUTER", keep: tuple[str, ...] = ()
) -> str:
    """Labels in which a manual label wins: its role and subtype, its sector unless blank, confidence 1.

    A blank manual sector keeps the derived one (or 'unknown' when the manual role is unknown).
    This one statement is the `labels` view, and `Workspace.labels_with_manual` applies it to
    labels not stored yet; `join` is FULL OUTER for the view (manual labels of accounts without a
    derived one count too) and LEFT to keep only the derived rows given; `keep` names more
    columns of `derived` to pass through.
    """
    manual_sector = "m.sector IS NOT NULL OR m.role = 'unknown'"
    kept = "".join(f"d.{name}, " for name in keep)
    return f"""
SELECT {kept}coalesce(d.platform, m.platform) AS platform, coalesce(d.account_id, m.account_id) AS account_id,
       CASE WHEN m.account_id IS NULL THEN d.role ELSE m.role END AS role,
       CASE WHEN m.account_id IS NULL THEN d.subtype ELSE m.subtype END AS subtype,
       CASE WHEN m.account_id IS NULL THEN d.sector WHEN m.sector IS NOT NULL THEN m.sector
            WHEN m.role = 'unknown' THEN 'unknown' ELSE d.sector END AS sector,
       CASE WHEN m.account_id IS NULL THEN d.role_source ELSE 'manual' END AS role_source,
       CASE WHEN m.account_id IS NULL THEN d.sector_source WHEN {manual_sector} THEN 'manual'
            ELSE d.sector_source END AS sector_source,
       CASE WHEN m.account_id IS NULL THEN d.confidence ELSE 1.0 END AS confidence
  FROM {derived} d {join} JOIN {manual} m ON m.platform = d.platform AND m.account_id = d.account_id"""


_VIEWS = f"CREATE OR REPLACE VIEW labels AS {labels_sql()}"


def schema_version(con: duckdb.DuckDBPyConnection, path: str) -> int | None:
    """The workspace's schema version (None for a new, empty file); a newer one than this sociable reads is refused."""
    try:
        rows = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    except duckdb.CatalogException:
        return None
    if not rows:
        return None
    version = int(rows[0][0])
    if version > SCHEMA_VERSION:
        raise WorkspaceError(
            f"{path} was written by a newer sociable (schema {version}, this one reads {SCHEMA_VERSION}); "
            "upgrade sociable to open it."
        )
    return version


def ensure_schema(con: duckdb.DuckDBPyConnection, path: str) -> None:
    """Create the tables of a new workspace, or bring an existing one up to this version."""
    version = schema_version(con, path)
    if version is None:
        con.execute(_TABLES)
        con.execute(RAW_BLOCKS_SQL)
        con.execute(_VIEWS)
        con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
    elif version < SCHEMA_VERSION:
        _migrate(con, version)


def _migrate(con: duckdb.DuckDBPyConnection, version: int) -> None:
    """Bring an older workspace up to the current schema, in one transaction."""
    with transaction(con):
        if version < 4:
            _derived_labels(con)
        con.execute(_TABLES)  # tables added since (screening 4; set_aside_members 5; captures, retention, erasures 6)
        if version < FOLLOWUP_VERSION:
            con.execute(FOLLOWUP_TABLES_SQL)  # the queue and curated lists (7): new tables only, nothing moved
        if version < 2:
            migrate_raw_records(con)
        if version < 3:
            _without_key(con, "posts")
            _without_key(con, "collections")
        if version < 7:
            _with_threads(con)
        if 2 <= version < 9:
            uncompressed_blocks(con)  # raw blocks readable one at a time (9)
        con.execute(_VIEWS)
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])


def _without_key(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Rebuild a table without its primary key (DuckDB cannot drop one in place), rows and order kept."""
    ddl = _TABLES.split(f"CREATE TABLE IF NOT EXISTS {table} (", 1)[1].split(");", 1)[0]
    con.execute(f"CREATE TABLE _{table}_3 ({ddl})")
    con.execute(f"INSERT INTO _{table}_3 BY NAME SELECT * FROM {table} ORDER BY rowid")
    con.execute(f"DROP TABLE {table}")
    con.execute(f"ALTER TABLE _{table}_3 RENAME TO {table}")


def _with_threads(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild posts with the thread of every post (DuckDB updates every row of a table slowly), order kept."""
    columns = con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'posts'").fetchall()
    kept = "p.* EXCLUDE (thread)" if "thread" in {name for (name,) in columns} else "p.*"
    ddl = _TABLES.split("CREATE TABLE IF NOT EXISTS posts (", 1)[1].split(");", 1)[0]
    con.execute(f"CREATE TABLE _posts_7 ({ddl})")
    con.execute(f"INSERT INTO _posts_7 BY NAME SELECT {kept}, t.thread FROM posts p "
                f"LEFT JOIN ({ALL_THREADS_SQL}) t USING (platform, post_id) ORDER BY p.rowid")
    con.execute("DROP TABLE posts")
    con.execute("ALTER TABLE _posts_7 RENAME TO posts")


def _derived_labels(con: duckdb.DuckDBPyConnection) -> None:
    """Keep the stored labels as the derived ones, so the `labels` view can take their name."""
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'labels' AND table_type = 'BASE TABLE'"
    ).fetchall()[0][0]
    if found:
        con.execute("ALTER TABLE labels RENAME TO derived_labels")
