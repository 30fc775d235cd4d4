"""The workspace schema: one DuckDB file, versioned, created or migrated on open."""

from __future__ import annotations

import duckdb

from sociable.errors import WorkspaceError
from sociable.store.raw import RAW_BLOCKS_SQL, migrate_raw_records

SCHEMA_VERSION = 2  # 2: raw records kept in compressed blocks (raw_blocks) instead of a row each

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
    PRIMARY KEY (platform, post_id)
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
    post_id VARCHAR NOT NULL,
    PRIMARY KEY (name, platform, post_id)
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

CREATE TABLE IF NOT EXISTS labels (
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
"""


def ensure_schema(con: duckdb.DuckDBPyConnection, path: str) -> None:
    """Create the tables of a new workspace, or check an existing one's version."""
    con.execute(_TABLES)
    rows = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    row = rows[0] if rows else None
    if row is None:
        con.execute(RAW_BLOCKS_SQL)
        con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        return
    version = int(row[0])
    if version > SCHEMA_VERSION:
        raise WorkspaceError(
            f"{path} was written by a newer sociable (schema {version}, this one reads {SCHEMA_VERSION}); "
            "upgrade sociable to open it."
        )
    if version < SCHEMA_VERSION:
        _migrate(con, version)


def _migrate(con: duckdb.DuckDBPyConnection, version: int) -> None:
    """Bring an older workspace up to the current schema, in one transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        if version < 2:
            migrate_raw_records(con)
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
