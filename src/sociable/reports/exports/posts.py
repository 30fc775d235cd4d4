"""Export posts and accounts to CSV or Parquet, plainly or pseudonymised for research.

A plain export is one DuckDB COPY of the stored columns. A pseudonymised export reads the posts in
chunks and replaces every account (ids, handles, mentions, reply and quote targets, @handles in
text) with a keyed hash, hashes post ids the same way, redacts identifiers in text, drops what
points back at people (uris, display names, locations, links' paths) and writes a manifest
beside the file that says what was done, without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections import Counter
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from sociable import __version__
from sociable.errors import SociableError, UnreadableFile
from sociable.reports.exports.files import protected_paths, replacing
from sociable.reports.exports.redaction import redact
from sociable.store.scope import Scope

if TYPE_CHECKING:
    from sociable.store import Workspace

FORMATS = ("csv", "parquet")
CHUNK_ROWS = 5_000
MIN_KEY_CHARS = 32
SCHEME = (
    "HMAC-SHA256 with a secret key over 'kind|platform|value' (kind is account, post or handle); "
    "the first 16 hex digits, prefixed acct_ or post_"
)
# @user (Twitter), @user@server (Mastodon), @name.bsky.social (Bluesky); not the middle of an email address.
_HANDLE = re.compile(
    r"(?<![\w@/.])@([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)"
)


# ---------------------------------------------------------------------- columns

_TS = pa.timestamp("us", tz="UTC")
_LIST = pa.list_(pa.string())
_ID = ("platform", "post_id", "account_id")
PSEUDO_POST_SCHEMA = pa.schema(
    [(name, pa.string()) for name in _ID]
    + [("created_at", _TS), ("text", pa.string()), ("lang", pa.string())]
    + [(name, pa.string()) for name in ("reply_to", "reply_to_account", "root", "quote_of", "quote_of_account",
                                        "repost_of", "repost_of_account")]
    + [("hashtags", _LIST), ("mentions", _LIST), ("url_domains", _LIST), ("media_count", pa.int32())]
    + [(name, pa.int64()) for name in ("like_count", "repost_count", "reply_count")]
    + [("format", pa.string())]
)
PSEUDO_ACCOUNT_SCHEMA = pa.schema(
    [(name, pa.string()) for name in ("platform", "account_id", "role", "subtype", "sector")]
    + [("followers", pa.int64()), ("following", pa.int64()), ("created_month", pa.date32()), ("first_seen", _TS),
       ("last_seen", _TS), ("posts", pa.int64()), ("bio", pa.string())]
)

PLAIN_POSTS_SQL = """
SELECT p.platform, p.post_id, p.uri, p.account_id, a.handle, p.created_at, p.text, p.lang, p.reply_to,
       p.reply_to_account, p.root, p.quote_of, p.quote_of_account, p.repost_of, p.repost_of_account,
       {hashtags}, {mentions}, {urls}, p.media_count, p.like_count, p.repost_count, p.reply_count,
       p.format, p.source_file
  FROM posts p LEFT JOIN accounts a ON a.platform = p.platform AND a.account_id = p.account_id
 WHERE {where}
 ORDER BY p.created_at, p.platform, p.post_id
"""

PLAIN_ACCOUNTS_SQL = """
WITH s AS (SELECT platform, account_id, sum(posts) AS posts FROM {scope} GROUP BY ALL)
SELECT a.platform, a.account_id, a.handle, a.display_name, a.bio, a.url, a.location, a.followers, a.following,
       a.created_at, a.first_seen, a.last_seen, CAST(s.posts AS BIGINT) AS posts, l.role, l.subtype, l.sector
  FROM accounts a JOIN s USING (platform, account_id)
  LEFT JOIN labels l USING (platform, account_id)
 ORDER BY a.platform, a.account_id
"""

POST_DESCRIPTIONS = {
    "platform": "Platform id (twitter, mastodon, bluesky, feeds, ...).",
    "post_id": "The post's id on its platform (a pseudonym post_... in a pseudonymised export).",
    "uri": "Link to the post on its platform.",
    "account_id": "The author's account id (a pseudonym acct_... in a pseudonymised export).",
    "handle": "The author's handle when the export was made.",
    "created_at": "When the post was made, in UTC.",
    "text": "The post's text (pseudonymised exports: @handles pseudonymised and identifiers redacted).",
    "lang": "Language code given by the platform.",
    "reply_to": "The post this one replies to.",
    "reply_to_account": "The account this post replies to.",
    "root": "The first post of the thread.",
    "quote_of": "The post this one quotes.",
    "quote_of_account": "The author of the quoted post.",
    "repost_of": "The post this one reshares.",
    "repost_of_account": "The author of the reshared post.",
    "hashtags": "Hashtags, lower case without '#' (space-separated in CSV).",
    "mentions": "Accounts mentioned, not counting the one replied to (space-separated in CSV).",
    "urls": "Links in the post (space-separated in CSV).",
    "url_domains": "The domain of each link in the post (space-separated in CSV).",
    "media_count": "Images, videos or other attachments.",
    "like_count": "Likes or favourites when captured, where the platform gives them.",
    "repost_count": "Reposts when captured, where the platform gives them.",
    "reply_count": "Replies when captured, where the platform gives them.",
    "format": "The input format the post was read from.",
    "source_file": "The file the post was imported from.",
}

ACCOUNT_DESCRIPTIONS = {
    "platform": "Platform id.",
    "account_id": "The account's id on its platform (a pseudonym acct_... in a pseudonymised export).",
    "handle": "The account's handle.",
    "display_name": "The name the account shows.",
    "bio": "The account's profile text (pseudonymised exports: only with --include-bios, redacted).",
    "url": "The link in the profile.",
    "location": "The location given in the profile.",
    "followers": "Followers at the latest profile seen.",
    "following": "Accounts followed at the latest profile seen.",
    "created_at": "When the account was created, in UTC.",
    "created_month": "The month the account was created (first day of that month, UTC).",
    "first_seen": "Time of the earliest post the account was seen with.",
    "last_seen": "Time of the latest post the account was seen with.",
    "posts": "Posts in the export's scope written by the account.",
    "role": "Role label (organisation, professional, person), from rules or manual labels.",
    "subtype": "Subtype label (NHS trust, nurse, carer, ...).",
    "sector": "Sector label (health, social care, ...).",
}

RESIDUAL_RISKS = (
    "Post text is kept: a sentence searched for on the platform can lead back to the post and its author; "
    "paraphrase quotes before publishing them.",
    "Exact times, hashtags, link domains, counts and role/sector labels remain; together they can narrow down "
    "who an account is.",
    "Redaction is lexical: names written without a title or care context, and handles written without '@', "
    "can remain in text.",
    "Whoever holds the key can recompute the pseudonym of a known account; keep the key apart from the export "
    "and destroy it when linking exports is no longer needed.",
    "A handle of an account that is not in the workspace gets a pseudonym of its own, not linked to that account.",
)


@dataclass(frozen=True, slots=True)
class ExportSummary:
    """What an export wrote: the file, its manifest, the rows and columns, and whether it was pseudonymised."""

    path: Path
    manifest: Path
    table: str
    rows: int
    columns: tuple[str, ...]
    pseudonymised: bool
    key_created: bool = False


# ---------------------------------------------------------------------- keys and pseudonyms


def load_key(path: str | os.PathLike[str]) -> tuple[bytes, bool]:
    """The pseudonymisation key in a file, created there (readable by its owner only) when missing.

    Returns the key and whether it was created now.
    """
    path = Path(path)
    if not path.exists():
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            message = f"the key file {path} could not be created ({exc.strerror}); check the folder."
            raise UnreadableFile(message) from None
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        return path.read_text(encoding="utf-8").strip().encode("utf-8"), True
    try:
        key = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableFile(f"the key file {path} could not be read ({exc}); give another --secret-file.") from None
    if len(key) < MIN_KEY_CHARS:
        raise SociableError(
            f"the key in {path} is shorter than {MIN_KEY_CHARS} characters; delete the file to have a new key made, "
            "or put a longer random key in it."
        )
    return key.encode("utf-8"), False


class Pseudonymiser:
    """Keyed, stable pseudonyms: the same key and account always give the same pseudonym."""

    def __init__(self, key: bytes) -> None:
        if not key:
            raise SociableError("a pseudonymisation key cannot be empty.")
        self._key = key
        self._cache: dict[tuple[str, str, str], str] = {}

    @property
    def key_id(self) -> str:
        """A fingerprint that shows two exports used the same key, without revealing it."""
        return hmac.new(self._key, b"sociable key id", hashlib.sha256).hexdigest()[:12]

    def _digest(self, kind: str, platform: str, value: str) -> str:
        cached = self._cache.get((kind, platform, value))
        if cached is None:
            message = f"{kind}\x1f{platform}\x1f{value}".encode()
            cached = hmac.new(self._key, message, hashlib.sha256).hexdigest()[:16]
            if len(self._cache) < 1_000_000:
                self._cache[(kind, platform, value)] = cached
        return cached

    def account(self, platform: str, account_id: str | None) -> str | None:
        return None if account_id is None else "acct_" + self._digest("account", platform, account_id)

    def post(self, platform: str, post_id: str | None) -> str | None:
        return None if post_id is None else "post_" + self._digest("post", platform, post_id)

    def unknown_handle(self, platform: str, handle: str) -> str:
        """A pseudonym for a handle no stored account has (stable, but not linked to an account)."""
        return "acct_" + self._digest("handle", platform, handle.lower().lstrip("@"))


class _Resolver:
    """Turns mentions and @handles of one chunk into pseudonyms, resolving handles to accounts."""

    def __init__(
        self, ws: Workspace, names: Pseudonymiser, platforms: list[str], values: list[str], counts: Counter[str]
    ) -> None:
        self.names = names
        self.counts = counts
        self.accounts: dict[tuple[str, str], str] = {}
        if values:
            self._lookup(ws, platforms, values)

    def _lookup(self, ws: Workspace, platforms: list[str], values: list[str]) -> None:
        keys = pa.table({"platform": platforms, "value": values, "key": [v.lower().lstrip("@") for v in values]})
        rows = ws.query_with({"_pseudo_keys": keys}, _RESOLVE_SQL).to_pylist()
        self.accounts = {(r["platform"], r["value"]): r["account_id"] for r in rows if r["account_id"] is not None}

    def mention(self, platform: str, value: str) -> str:
        account = self.accounts.get((platform, value))
        if account is not None:
            return self.names.account(platform, account) or ""
        return self.names.unknown_handle(platform, value)

    def text(self, platform: str, text: str | None) -> str | None:
        """@handles replaced by pseudonyms, then identifiers redacted."""
        if text is None:
            return None
        swapped, handles = _HANDLE.subn(lambda m: "@" + self.mention(platform, m.group(1)), text)
        swapped, links = _LINK.subn(_link_domain, swapped)
        redacted = redact(swapped)
        self.counts["handles_in_text_replaced"] += handles
        self.counts["links_in_text_reduced"] += links
        self.counts["texts_with_identifiers_redacted"] += redacted != swapped
        return redacted


_LINK = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)


def _link_domain(match: re.Match[str]) -> str:
    """A link in text reduced to its domain, since paths can hold handles and ids."""
    domains = _domains([match.group(0)])
    return f"[LINK {domains[0]}]" if domains else "[LINK]"


_RESOLVE_SQL = """
SELECT DISTINCT k.platform, k.value, coalesce(i.account_id, e.account_id, l.account_id) AS account_id
  FROM _pseudo_keys k
  LEFT JOIN accounts i ON i.platform = k.platform AND i.account_id = k.value
  LEFT JOIN (SELECT platform, lower(handle) AS key, min(account_id) AS account_id
               FROM accounts WHERE handle IS NOT NULL GROUP BY ALL) e
         ON e.platform = k.platform AND e.key = k.key
  LEFT JOIN (SELECT platform, split_part(lower(handle), '@', 1) AS key, min(account_id) AS account_id
               FROM accounts WHERE handle LIKE '%@%' GROUP BY ALL HAVING count(*) = 1) l
         ON l.platform = k.platform AND l.key = k.key AND position('@' IN k.key) = 0
"""


# ---------------------------------------------------------------------- public exports


TIME_RESOLUTIONS = ("second", "hour", "day")


def check_time_resolution(resolution: str | None, pseudonymise: bool) -> str:
    """The time resolution of a posts export: 'second' (as stored), 'hour' or 'day' (pseudonymised only)."""
    chosen = (resolution or "second").strip().lower()
    if chosen not in TIME_RESOLUTIONS:
        raise SociableError(f"--time-resolution should be one of {', '.join(TIME_RESOLUTIONS)}, not '{resolution}'.")
    if chosen != "second" and not pseudonymise:
        raise SociableError("--time-resolution coarsens the times of a pseudonymised export; add --pseudonymise.")
    return chosen


def export_posts(
    ws: Workspace, path: str | os.PathLike[str], scope: Scope | None = None, format: str | None = None,
    pseudonymise: bool = False, secret_file: str | os.PathLike[str] | None = None, *, force: bool = False,
    time_resolution: str | None = None,
) -> ExportSummary:
    """Write the posts in scope to CSV or Parquet (pseudonymised with a key from secret_file if asked).

    A pseudonymised export can coarsen times to the hour or the day (`time_resolution`): each
    post's time is cut to the start of its hour or day (UTC), and posts of one period are
    ordered by their pseudonyms, so their order within it is not told.
    An existing file (or manifest) is replaced only with `force`; the workspace and the key file never are.
    """
    resolution = check_time_resolution(time_resolution, pseudonymise)
    scope = ws.check_scope(scope)
    target, kind = _target(path, format)
    where, params = scope.condition("p"), scope.params()
    with _outputs(ws, target, secret_file, force) as folder:
        staged = folder / target.name
        if not pseudonymise:
            lists = {name: _list_column(kind, name) for name in ("hashtags", "mentions", "urls")}
            columns = ws.copy_query(PLAIN_POSTS_SQL.format(where=where, **lists), params, staged, kind)
            return _finish(target, staged, kind, "posts", columns, scope, POST_DESCRIPTIONS, None)
        names, created = _pseudonymiser(secret_file, target)
        writer = _ChunkWriter(staged, kind, PSEUDO_POST_SCHEMA)
        with writer:
            for chunk in ws.post_chunks(scope, by=("created_at", "platform", "post_id"), size=CHUNK_ROWS):
                writer.write(_coarsen(_pseudonymise_posts(ws, names, chunk.to_pylist(), writer.counts), resolution))
        return _finish(target, staged, kind, "posts", writer, scope, POST_DESCRIPTIONS, names, created,
                       resolution=resolution)


def export_accounts(
    ws: Workspace, path: str | os.PathLike[str], scope: Scope | None = None, format: str | None = None,
    pseudonymise: bool = False, secret_file: str | os.PathLike[str] | None = None, include_bios: bool = False,
    *, force: bool = False,
) -> ExportSummary:
    """Write the accounts that wrote, or were engaged by, the posts in scope (bios dropped when pseudonymised).

    An existing file (or manifest) is replaced only with `force`; the workspace and the key file never are.
    """
    scope = ws.check_scope(scope)
    target, kind = _target(path, format)
    params = scope.params()
    sql = _ACCOUNTS_IN_SCOPE.format(where=scope.condition("p"))
    with _outputs(ws, target, secret_file, force) as folder:
        staged = folder / target.name
        if not pseudonymise:
            columns = ws.copy_query(PLAIN_ACCOUNTS_SQL.format(scope=sql), params, staged, kind)
            return _finish(target, staged, kind, "accounts", columns, scope, ACCOUNT_DESCRIPTIONS, None)
        names, created = _pseudonymiser(secret_file, target)
        schema = PSEUDO_ACCOUNT_SCHEMA if include_bios else PSEUDO_ACCOUNT_SCHEMA.remove(
            PSEUDO_ACCOUNT_SCHEMA.get_field_index("bio"))
        writer = _ChunkWriter(staged, kind, schema)
        with writer:
            rows = ws.query(_PSEUDO_ACCOUNTS_SQL.format(scope=sql), params).to_pylist()
            for start in range(0, len(rows), CHUNK_ROWS):
                writer.write(_pseudonymise_accounts(ws, names, rows[start : start + CHUNK_ROWS], schema,
                                                    writer.counts))
        return _finish(target, staged, kind, "accounts", writer, scope, ACCOUNT_DESCRIPTIONS, names, created,
                       include_bios)


def _outputs(
    ws: Workspace, target: Path, secret_file: str | os.PathLike[str] | None, force: bool,
) -> AbstractContextManager[Path]:
    """The export and its manifest, written together; never over the workspace or the key file."""
    if secret_file is not None and Path(secret_file).resolve() in {target.resolve(), _manifest_path(target).resolve()}:
        raise SociableError("the key file cannot be the export or its manifest; keep the key somewhere else.")
    return replacing(target, _manifest_path(target), force=force,
                     protect=protected_paths(getattr(ws, "path", None), secret_file))


_ACCOUNTS_IN_SCOPE = """(
    SELECT p.platform, p.account_id, count(*) AS posts FROM posts p WHERE {where} GROUP BY ALL
    UNION ALL
    SELECT i.platform, i.target, 0 FROM interactions i JOIN posts p ON p.platform = i.platform AND p.post_id = i.post_id
     WHERE {where}
)"""

_PSEUDO_ACCOUNTS_SQL = """
WITH s AS (SELECT platform, account_id, sum(posts) AS posts FROM {scope} GROUP BY ALL)
SELECT a.platform, a.account_id, l.role, l.subtype, l.sector, a.followers, a.following,
       CAST(date_trunc('month', timezone('UTC', a.created_at)) AS DATE) AS created_month,
       a.first_seen, a.last_seen, CAST(s.posts AS BIGINT) AS posts, a.bio
  FROM accounts a JOIN s USING (platform, account_id)
  LEFT JOIN labels l USING (platform, account_id)
 ORDER BY a.platform, a.account_id
"""


# ---------------------------------------------------------------------- pseudonymising rows


def _resolver(
    ws: Workspace, names: Pseudonymiser, items: list[tuple[str, list[str], str | None]], counts: Counter[str]
) -> _Resolver:
    """A resolver for every mention and @handle of a chunk, given (platform, mentions, text) triples."""
    platforms: list[str] = []
    values: list[str] = []
    for platform, mentions, text in items:
        found = set(mentions) | {m.group(1) for m in _HANDLE.finditer(text or "")}
        platforms.extend([platform] * len(found))
        values.extend(found)
    return _Resolver(ws, names, platforms, values, counts)


def _pseudonymise_posts(
    ws: Workspace, names: Pseudonymiser, rows: list[dict[str, Any]], counts: Counter[str]
) -> pa.Table:
    resolve = _resolver(ws, names, [(r["platform"], r["mentions"] or [], r["text"]) for r in rows], counts)
    out: list[dict[str, Any]] = []
    for r in rows:
        platform = r["platform"]
        out.append({
            "platform": platform,
            "post_id": names.post(platform, r["post_id"]),
            "account_id": names.account(platform, r["account_id"]),
            "created_at": r["created_at"],
            "text": resolve.text(platform, r["text"]),
            "lang": r["lang"],
            **{col: names.post(platform, r[col]) for col in ("reply_to", "root", "quote_of", "repost_of")},
            **{col: names.account(platform, r[col])
               for col in ("reply_to_account", "quote_of_account", "repost_of_account")},
            "hashtags": r["hashtags"] or [],
            "mentions": [resolve.mention(platform, m) for m in r["mentions"] or []],
            "url_domains": _domains(r["urls"] or []),
            **{col: r[col] for col in ("media_count", "like_count", "repost_count", "reply_count", "format")},
        })
    return pa.Table.from_pylist(out, schema=PSEUDO_POST_SCHEMA)


def _coarsen(table: pa.Table, resolution: str) -> pa.Table:
    """Times cut to the start of their hour or day (UTC), and rows of one period ordered by pseudonym."""
    if resolution == "second" or not table.num_rows:
        return table
    unit = "hour" if resolution == "hour" else "day"
    index = table.schema.get_field_index("created_at")
    cut = pc.floor_temporal(table.column(index), unit=unit)
    table = table.set_column(index, table.schema.field(index), cut)
    return table.sort_by([("created_at", "ascending"), ("platform", "ascending"), ("post_id", "ascending")])


def _pseudonymise_accounts(
    ws: Workspace, names: Pseudonymiser, rows: list[dict[str, Any]], schema: pa.Schema, counts: Counter[str]
) -> pa.Table:
    with_bios = "bio" in schema.names
    resolve = _resolver(ws, names, [(r["platform"], [], r["bio"]) for r in rows] if with_bios else [], counts)
    out = []
    for r in rows:
        row = {name: r.get(name) for name in schema.names}
        row["account_id"] = names.account(r["platform"], r["account_id"])
        if with_bios:
            row["bio"] = resolve.text(r["platform"], r["bio"])
        out.append(row)
    return pa.Table.from_pylist(out, schema=schema)


def _domains(urls: list[str]) -> list[str]:
    """The host of each link (paths can hold handles and ids), each once, in order."""
    hosts: list[str] = []
    for url in urls:
        try:
            host = (urlsplit(url).hostname or "").removeprefix("www.")
        except ValueError:
            continue
        if host and host not in hosts:
            hosts.append(host)
    return hosts


# ---------------------------------------------------------------------- writing


def _target(path: str | os.PathLike[str], format: str | None) -> tuple[Path, str]:
    target = Path(path)
    kind = (format or target.suffix.lstrip(".")).lower()
    kind = "parquet" if kind == "pq" else kind
    if kind not in FORMATS:
        raise SociableError(
            f"cannot tell which format to write for {target.name}; end the file name with .csv or .parquet "
            "or give --format csv|parquet."
        )
    if not target.parent.is_dir():
        raise UnreadableFile(f"the folder {target.parent} does not exist; create it or choose another --output.")
    return target, kind


def _list_column(kind: str, name: str) -> str:
    """A list column as stored (Parquet) or as space-separated text (CSV, as sociable's CSV import reads it)."""
    return f"array_to_string(p.{name}, ' ') AS {name}" if kind == "csv" else f"p.{name}"


class _ChunkWriter:
    """Writes Arrow chunks to one CSV or Parquet file, through a temporary name."""

    def __init__(self, target: Path, kind: str, schema: pa.Schema) -> None:
        self.target, self.kind, self.schema = target, kind, schema
        self.partial = target.with_name(f".{target.name}.partial")
        self.rows = 0
        self.counts: Counter[str] = Counter(rows=0)
        self._accounts: set[str | None] = set()
        self._writer: Any = None

    @property
    def columns(self) -> list[str]:
        return list(self.schema.names)

    def __enter__(self) -> _ChunkWriter:
        try:
            if self.kind == "parquet":
                self._writer = pq.ParquetWriter(str(self.partial), self.schema)
            else:
                self._writer = pacsv.CSVWriter(str(self.partial), _csv_schema(self.schema))
        except OSError as exc:
            raise UnreadableFile(f"{self.target} could not be written ({exc}); check the folder.") from None
        return self

    def write(self, table: pa.Table) -> None:
        if self.kind == "csv":
            table = _flatten_lists(table)
        self._writer.write_table(table)
        self.rows += table.num_rows
        self.counts["rows"] += table.num_rows
        if "account_id" in table.column_names:
            self._accounts.update(table.column("account_id").to_pylist())
            self.counts["accounts"] = len(self._accounts)

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        self._writer.close()
        if exc is None:
            os.replace(self.partial, self.target)
        else:
            self.partial.unlink(missing_ok=True)


def _csv_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema([pa.field(f.name, pa.string()) if pa.types.is_list(f.type) else f for f in schema])


def _flatten_lists(table: pa.Table) -> pa.Table:
    """List columns as space-separated text, the way sociable's CSV import reads them back."""
    for index, field in enumerate(table.schema):
        if pa.types.is_list(field.type):
            joined = [" ".join(v) if v else "" for v in table.column(index).to_pylist()]
            table = table.set_column(index, field.name, pa.array(joined, pa.string()))
    return table


def _pseudonymiser(secret_file: str | os.PathLike[str] | None, target: Path) -> tuple[Pseudonymiser, bool]:
    if secret_file is None:
        raise SociableError("a pseudonymised export needs a key file; give --secret-file (it is created if missing).")
    key_path = Path(secret_file)
    if key_path.resolve() in {target.resolve(), _manifest_path(target).resolve()}:
        raise SociableError("the key file cannot be the export or its manifest; keep the key somewhere else.")
    key, created = load_key(key_path)
    return Pseudonymiser(key), created


def _manifest_path(target: Path) -> Path:
    return target.with_name(target.name + ".manifest.json")


def _finish(
    target: Path, staged: Path, kind: str, table: str, written: list[str] | _ChunkWriter, scope: Scope,
    descriptions: dict[str, str], names: Pseudonymiser | None, created: bool = False, bios: bool = False,
    resolution: str = "second",
) -> ExportSummary:
    """Write the manifest beside the staged export and return the summary (naming the final file)."""
    columns = written.columns if isinstance(written, _ChunkWriter) else written
    rows = written.rows if isinstance(written, _ChunkWriter) else _count_rows(staged, kind)
    counts = dict(written.counts) if isinstance(written, _ChunkWriter) else {"rows": rows}
    manifest = _manifest(target, kind, table, columns, counts, scope, descriptions, names, bios)
    if names is not None and table == "posts":
        manifest["time_resolution"] = resolution
        if resolution != "second":
            manifest["steps"].append(f"post times cut to the start of their {resolution} (UTC), and posts of one "
                                     f"{resolution} ordered by their pseudonyms")
    _manifest_path(staged).write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    return ExportSummary(target, _manifest_path(target), table, rows, tuple(columns), names is not None, created)


def _count_rows(target: Path, kind: str) -> int:
    if kind == "parquet":
        return int(pq.ParquetFile(str(target)).metadata.num_rows)
    return int(pacsv.read_csv(str(target)).num_rows)


def _manifest(
    target: Path, kind: str, table: str, columns: list[str], counts: dict[str, int], scope: Scope,
    descriptions: dict[str, str], names: Pseudonymiser | None, bios: bool,
) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "file": target.name, "format": kind, "table": table, "rows": counts["rows"], "counts": counts,
        "scope": scope.to_dict(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"), "sociable_version": __version__,
        "pseudonymised": names is not None,
        "columns": [{"name": c, "description": descriptions.get(c, "")} for c in columns],
    }
    if names is None:
        manifest["steps"] = ["none: the stored values are exported as they are; this file identifies people"]
        return manifest
    manifest["pseudonyms"] = {"scheme": SCHEME, "key_id": names.key_id,
                              "key": "kept outside the export, in the key file; it is not written here"}
    manifest["steps"] = _steps(table, bios)
    manifest["residual_risks"] = list(RESIDUAL_RISKS)
    return manifest


def _steps(table: str, bios: bool) -> list[str]:
    if table == "posts":
        return [
            "account ids replaced by keyed pseudonyms (acct_…), also in reply, quote and repost targets and mentions",
            "post ids replaced by keyed pseudonyms (post_…), also in reply_to, root, quote_of and repost_of",
            "@handles in text replaced by the pseudonym of the account they name",
            "identifiers in text redacted ([NHS NUMBER], [POSTCODE], [PHONE], [EMAIL], [NAME] and others)",
            "links reduced to their domain, in text ([LINK example.org]) and as url_domains; uri and source_file "
            "dropped",
        ]
    return [
        "account ids replaced by keyed pseudonyms (acct_…); handle, display name, url and location dropped",
        "account creation time reduced to its month (created_month)",
        "bios kept, with @handles pseudonymised and identifiers redacted" if bios else "bios dropped",
    ]
