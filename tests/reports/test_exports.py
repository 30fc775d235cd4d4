"""Posts and accounts exports: plain CSV/Parquet, and pseudonymised exports that keep structure, not identities."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from sociable.errors import NoSuchCollection, SociableError
from sociable.reports.exports import Pseudonymiser, export_accounts, export_posts, load_key
from sociable.store import Scope, Workspace

sys.path.insert(0, str(Path(__file__).parents[1] / "safety"))
from staff_corpus import AMARA, BECKY, NHS_NUMBER, TRUST, build

runner = CliRunner()
PEOPLE = (AMARA, BECKY, TRUST)
# Everything that names someone: ids, handles, display names, the unknown handle in text, the NHS number,
# the personal phone number in a bio, and a link path.
IDENTIFYING = (
    *(p["id_str"] for p in PEOPLE), *(p["screen_name"] for p in PEOPLE), *(p["name"] for p in PEOPLE),
    "jo_88", NHS_NUMBER, "943 476", "07700 900123", "Mrs K", "1764000000000000001", "/a/b",
)


@pytest.fixture
def staff(workspace: Workspace, tmp_path: Path) -> Workspace:
    return build(workspace, tmp_path)


def leaks(*paths: Path) -> list[str]:
    """Identifying strings found in the files' bytes, or in any value once read back."""
    found = []
    for path in paths:
        data = path.read_bytes()
        if path.suffix == ".parquet":
            data += json.dumps(pq.read_table(path).to_pylist(), default=str).encode()
        found += [s for s in IDENTIFYING if s.encode() in data or s.lower().encode() in data.lower()]
    return found


def test_plain_exports_round_trip_every_post(staff: Workspace, tmp_path: Path) -> None:
    parquet = export_posts(staff, tmp_path / "posts.parquet", staff.scope("staff"))
    table = pq.read_table(parquet.path)
    assert parquet.rows == table.num_rows == 8 and not parquet.pseudonymised
    assert table.column("handle").to_pylist()[0] == AMARA["screen_name"]
    assert table.schema.field("mentions").type == pa.list_(pa.string())
    export = export_posts(staff, tmp_path / "posts.csv", staff.scope("staff"))
    rows = pacsv.read_csv(export.path, convert_options=pacsv.ConvertOptions(strings_can_be_null=True)).to_pylist()
    thanks = next(r for r in rows if str(r["post_id"]) == "1764000000000000010")
    assert thanks["mentions"] == f"{BECKY['id_str']} {AMARA['id_str']}"
    manifest = json.loads(export.manifest.read_text())
    assert manifest["pseudonymised"] is False and manifest["rows"] == 8
    assert [c["name"] for c in manifest["columns"]] == list(export.columns)
    accounts = export_accounts(staff, tmp_path / "accounts.csv", staff.scope("other"))
    assert [r["handle"] for r in pacsv.read_csv(accounts.path).to_pylist()] == [BECKY["screen_name"]]


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_pseudonymised_posts_leak_no_identity(staff: Workspace, tmp_path: Path, suffix: str) -> None:
    key = tmp_path / "secret.key"
    posts = export_posts(staff, tmp_path / f"research.{suffix}", pseudonymise=True, secret_file=key)
    accounts = export_accounts(staff, tmp_path / f"people.{suffix}", pseudonymise=True, secret_file=key,
                               include_bios=True)
    assert posts.rows == 9 and accounts.rows == 3 and posts.key_created and not accounts.key_created
    assert leaks(posts.path, posts.manifest, accounts.path, accounts.manifest) == []
    assert "uri" not in posts.columns and "source_file" not in posts.columns and "handle" not in accounts.columns
    secret = key.read_text().strip().encode()
    assert all(secret not in p.read_bytes() for p in (posts.path, posts.manifest, accounts.path, accounts.manifest))
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_text_is_redacted_and_handles_become_pseudonyms(staff: Workspace, tmp_path: Path) -> None:
    key = tmp_path / "k"
    export = export_posts(staff, tmp_path / "r.parquet", staff.scope("staff"), pseudonymise=True, secret_file=key)
    rows = pq.read_table(export.path).to_pylist()
    names = Pseudonymiser(load_key(key)[0])
    amara = names.account("twitter", AMARA["id_str"])
    texts = [r["text"] for r in rows]
    assert texts[0] == "Bay 4's [NAME] refused her meds again tonight"
    assert texts[1] == "NHS number [NHS NUMBER] for the patient in bed 2"
    assert texts[2] == f"@{amara} hope your shift gets easier, see [LINK example.org]"
    assert texts[5] == f"@{names.unknown_handle('twitter', 'jo_88')} that's shingles, take double ibuprofen"
    assert rows[2]["url_domains"] == ["example.org"]
    manifest = json.loads(export.manifest.read_text())
    assert manifest["counts"] == {"rows": 8, "accounts": 3, "handles_in_text_replaced": 7,
                                  "links_in_text_reduced": 1, "texts_with_identifiers_redacted": 2}
    assert manifest["pseudonyms"]["key_id"] == names.key_id and "HMAC-SHA256" in manifest["pseudonyms"]["scheme"]
    assert manifest["residual_risks"] and manifest["sociable_version"]


def test_replies_and_mentions_still_join(staff: Workspace, tmp_path: Path) -> None:
    key = tmp_path / "k"
    posts = pq.read_table(export_posts(staff, tmp_path / "p.parquet", pseudonymise=True, secret_file=key).path)
    accounts = pq.read_table(export_accounts(staff, tmp_path / "a.parquet", pseudonymise=True, secret_file=key).path)
    known = set(accounts.column("account_id").to_pylist())
    by_id = {r["post_id"]: r for r in posts.to_pylist()}
    reply = next(r for r in by_id.values() if r["reply_to"] is not None)
    assert by_id[reply["reply_to"]]["account_id"] == reply["reply_to_account"] in known
    thanks = next(r for r in by_id.values() if len(r["mentions"]) == 2)
    assert set(thanks["mentions"]) <= known and thanks["account_id"] in known
    repost = next(r for r in by_id.values() if r["repost_of"] is not None)
    assert by_id[repost["repost_of"]]["account_id"] == repost["repost_of_account"]
    assert f"@{thanks['account_id']}:" in repost["text"]  # the RT prefix names the same pseudonym
    posts_per_account = {r["account_id"]: r["posts"] for r in accounts.to_pylist()}
    assert sorted(posts_per_account.values()) == [1, 3, 5]


def test_same_key_same_pseudonyms_other_key_other_pseudonyms(staff: Workspace, tmp_path: Path) -> None:
    def ids(name: str, key: str) -> list[str]:
        export = export_posts(staff, tmp_path / name, pseudonymise=True, secret_file=tmp_path / key)
        return [str(v) for v in pq.read_table(export.path).column("account_id").to_pylist()]

    first, again, other = ids("a.parquet", "one.key"), ids("b.parquet", "one.key"), ids("c.parquet", "two.key")
    assert first == again
    assert set(first).isdisjoint(other) and len(set(first)) == len(set(other)) == 3


def test_bios_are_dropped_unless_asked_for_then_redacted(staff: Workspace, tmp_path: Path) -> None:
    key = tmp_path / "k"
    without = export_accounts(staff, tmp_path / "a.parquet", pseudonymise=True, secret_file=key)
    assert "bio" not in without.columns
    with_bios = pq.read_table(export_accounts(staff, tmp_path / "b.parquet", pseudonymise=True, secret_file=key,
                                              include_bios=True).path)
    bios = sorted(str(b) for b in with_bios.column("bio").to_pylist())
    assert "Ward sister, views my own. Personal mobile [PHONE], NHS no [NHS NUMBER]" in bios
    assert str(with_bios.column("created_month")[0].as_py()) == "2012-01-01"


def test_bad_keys_and_names_are_refused(staff: Workspace, tmp_path: Path) -> None:
    short = tmp_path / "short.key"
    short.write_text("too short")
    with pytest.raises(SociableError, match="shorter than 32"):
        export_posts(staff, tmp_path / "x.parquet", pseudonymise=True, secret_file=short)
    with pytest.raises(SociableError, match="needs a key file"):
        export_posts(staff, tmp_path / "x.parquet", pseudonymise=True)
    with pytest.raises(SociableError, match=r"\.csv or \.parquet"):
        export_posts(staff, tmp_path / "x.xlsx")
    with pytest.raises(SociableError, match="does not exist"):
        export_posts(staff, tmp_path / "missing" / "x.csv")
    with pytest.raises(SociableError, match="cannot be the export"):
        export_posts(staff, tmp_path / "x.csv", pseudonymise=True, secret_file=tmp_path / "x.csv")
    assert not (tmp_path / "x.parquet").exists() and not list(tmp_path.glob(".*.partial"))


def test_exports_take_a_scope(staff: Workspace, tmp_path: Path) -> None:
    window = staff.scope("staff", since="2024-03-05T21:02", until="2024-03-05T21:06")
    posts = export_posts(staff, tmp_path / "window.parquet", window)
    assert pq.read_table(posts.path).column("post_id").to_pylist() == [
        "1764000000000000002", "1764000000000000003", "1764000000000000004", "1764000000000000005"]
    assert json.loads(posts.manifest.read_text())["scope"] == window.to_dict()
    replies = export_posts(staff, tmp_path / "replies.csv", Scope(kinds=("reply",)))
    assert replies.rows == 1
    accounts = export_accounts(staff, tmp_path / "accounts.parquet", Scope(kinds=("reply",)), pseudonymise=True,
                               secret_file=tmp_path / "k")
    assert accounts.rows == 2  # the author of the reply and the account it answers
    with pytest.raises(NoSuchCollection, match="the collections are: other, staff"):
        export_posts(staff, tmp_path / "x.csv", Scope.of("nope"))


def test_export_commands(staff: Workspace, tmp_path: Path) -> None:
    import sociable.cli.exports  # noqa: F401  (registers `export posts` and `export accounts`)
    from sociable.cli import app

    path = str(staff.path)
    staff.close()
    out = tmp_path / "research.parquet"
    result = runner.invoke(app, ["-w", path, "export", "posts", "--pseudonymise", "-o", str(out), "-c", "staff"])
    assert result.exit_code == 0, result.output
    assert "Wrote 8 pseudonymised posts to" in result.output and "a new key, created now" in result.output
    assert (tmp_path / "ws.duckdb.pseudonym-key").exists() and leaks(out) == []
    result = runner.invoke(app, ["-w", path, "export", "accounts", "-o", str(tmp_path / "a.csv")])
    assert result.exit_code == 0 and "Wrote 3 accounts" in result.output
    result = runner.invoke(app, ["-w", path, "export", "posts", "-o", str(out), "--secret-file", "k"])
    assert result.exit_code != 0 and "only used with --pseudonymise" in result.output
