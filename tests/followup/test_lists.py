"""Curated lists: each shape read, kept as a segment, used as a filter, an organisation and a label."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from repo_export import Link, RepoExport, encode, layer_of, varint
from typer.testing import CliRunner

from sociable.cli import app, main
from sociable.errors import SociableError
from sociable.sources.bluesky_repo import CID, decode_dag_cbor, read_repo
from sociable.sources.lists import UnreadableList, read_lists
from sociable.store import Workspace
from sociable.store.scope import BadScope

DIR = Path(__file__).parent.parent / "fixtures" / "lists"


def test_bluesky_getlist() -> None:
    (found,) = read_lists(DIR / "bluesky_getlist.json").lists
    assert (found.name, found.platform, found.title) == ("housing-and-care", "bluesky", "Housing and care")
    assert found.members == (("did:plc:housing222", "northhousing.bsky.social"),
                             ("did:plc:carer333", "carersnet.bsky.social"))


def test_mastodon_list_accounts() -> None:
    (found,) = read_lists(DIR / "mastodon_list_accounts.json").lists
    assert found.platform == "mastodon"
    assert found.members == (("https://nurses.example/users/wardnurse", "wardnurse@nurses.example"),
                             ("https://care.example/users/swscm", "swscm@care.example"))


def test_mastodon_export_lists_csv() -> None:
    found = {f.name: f.members for f in read_lists(DIR / "lists.csv").lists}
    assert found == {"nurses": ((None, "wardnurse@nurses.example"), (None, "midwife@nurses.example")),
                     "councils": ((None, "leedscouncil@social.example"),)}


def test_x_list_members() -> None:
    (found,) = read_lists(DIR / "x_list_members.csv").lists
    assert (found.platform, found.members) == ("twitter", (("11", "ann_patient"), ("13", "cat_nurse")))


def test_unknown_shapes_say_what_was_expected(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(UnreadableList, match=r"line 1 of odd\.csv should be 'list title,account@server'"):
        read_lists(path)


def test_a_list_filters_every_analysis(trust: tuple[Workspace, Path]) -> None:
    ws, _ = trust
    ws.import_lists([DIR / "x_list_members.csv"])
    scope = ws.scope(lists="x-list-members")
    posts = ws.query(f"SELECT post_id FROM posts p WHERE {scope.condition('p')} ORDER BY 1", scope.params())
    assert posts.column("post_id").to_pylist() == ["1", "4"]
    assert ws.run("listening", lists="x-list-members", keywords=["northtrust"], sentiment=False).posts == 2
    with pytest.raises(BadScope, match="no curated list called 'nope'"):
        ws.scope(lists="nope")


def test_a_list_is_an_organisation_and_a_label(trust: tuple[Workspace, Path], tmp_path: Path) -> None:
    ws, _ = trust
    staff = tmp_path / "staff.csv"
    staff.write_text("id,username\n99,northtrust\n", encoding="utf-8")
    ws.import_lists([staff], label="sector=health")
    result = ws.run("listening", organisations=["list:staff"], sentiment=False)
    assert result.asked == 3 and result.answered == 1
    labels = ws.query("SELECT sector, sector_source FROM labels WHERE account_id = '99'").to_pylist()
    assert labels == [{"sector": "health", "sector_source": "manual"}]
    with pytest.raises(SociableError, match="--as should be"):
        ws.import_lists([staff], label="colour=blue")


def test_a_list_is_a_filter_of_every_web_view(trust: tuple[Workspace, Path]) -> None:
    import lxml.html
    from fastapi.testclient import TestClient

    from sociable.web import create_app

    ws, _ = trust
    ws.import_lists([DIR / "x_list_members.csv"])
    path = Path(ws.path)
    ws.close()
    with TestClient(create_app(path), base_url="http://127.0.0.1") as client:
        everyone = client.get("/api/views/dialogue").json()["analysis"]["facts"]["posts"]
        listed = client.get("/api/views/dialogue", params={"list": "x-list-members"}).json()["analysis"]
        page = client.get("/views/dialogue", params={"list": "x-list-members"})
        unknown = client.get("/api/views/dialogue", params={"list": "nope"})
    assert (everyone, listed["facts"]["posts"], listed["scope"]["lists"]) == (5, 2, ["x-list-members"])
    chosen = lxml.html.fromstring(page.text).xpath("//select[@name='list']/option[@selected]/@value")
    assert chosen == ["x-list-members"]
    assert unknown.status_code in (400, 404, 422) and "no curated list called 'nope'" in unknown.text


# ---------------------------------------------------------------------------- Bluesky repository exports

OWNER = "did:plc:owner7kq2yqzcbfnxvd3wqhmb"
HOUSING = f"at://{OWNER}/app.bsky.graph.list/3kx4hdn2yb22c"
BLOCKED = f"at://{OWNER}/app.bsky.graph.list/3kx4hfa7pbs2x"
WHEN = "2024-05-02T10:14:03.118Z"


def _repo() -> RepoExport:
    """A repository holding two lists, their items, an item of a deleted list, a post and a follow."""
    repo = RepoExport(OWNER)
    repo.add("app.bsky.graph.list/3kx4hdn2yb22c", {
        "$type": "app.bsky.graph.list", "name": "Housing and care", "purpose": "app.bsky.graph.defs#curatelist",
        "description": "Housing associations and carers' groups we follow", "createdAt": WHEN})
    repo.add("app.bsky.graph.list/3kx4hfa7pbs2x", {
        "$type": "app.bsky.graph.list", "name": "Spam", "purpose": "app.bsky.graph.defs#modlist", "createdAt": WHEN})
    subjects = [f"did:plc:member{n:02d}aaaaaaaaaaaaaaaa" for n in range(14)]
    for n, subject in enumerate(subjects):
        repo.add(f"app.bsky.graph.listitem/3kx4j{n:02d}qlmc2a", {
            "$type": "app.bsky.graph.listitem", "subject": subject, "list": HOUSING if n < 12 else BLOCKED,
            "createdAt": WHEN})
    repo.add("app.bsky.graph.listitem/3kx4zzzzzzz2a", {
        "$type": "app.bsky.graph.listitem", "subject": "did:plc:gone", "createdAt": WHEN,
        "list": f"at://{OWNER}/app.bsky.graph.list/3kwdeleted222"})
    repo.add("app.bsky.feed.post/3kx4k2oiyn22c", {"$type": "app.bsky.feed.post", "text": "Our housing list is up",
                                                   "createdAt": WHEN, "langs": ["en"]})
    repo.add("app.bsky.graph.follow/3kx4k7w5bt22c", {"$type": "app.bsky.graph.follow",
                                                      "subject": "did:plc:member00aaaaaaaaaaaaaaaa", "createdAt": WHEN})
    return repo


def _b32(text: str) -> Link:
    import base64

    body = text[1:].upper()
    return Link(base64.b32decode(body + "=" * (-len(body) % 8)))


_KEYS = "com.example.record/3jqfcqzm{}"
_L1 = [_KEYS.format(s) for s in ("3fo2j", "3fp2j", "3fr2j", "3fs2j", "3ft2j", "3fz2j", "4fc2j", "4fd2j", "4ff2j",
                                 "4fg2j", "4fh2j")]


@pytest.mark.parametrize(("keys", "root"), [
    ([_KEYS.format("3fo2j")], "bafyreibj4lsc3aqnrvphp5xmrnfoorvru4wynt6lwidqbm2623a6tatzdu"),
    ([_KEYS.format(s) for s in ("3fp2j", "3fr2j", "3fs2j", "3ft2j", "4fc2j")],
     "bafyreicmahysq4n6wfuxo522m6dpiy7z7qzym3dzs756t5n7nfdgccwq7m"),
    (_L1, "bafyreiettyludka6fpgp33stwxfuwhkzlur6chs4d2v4nkmq2j3ogpdjem"),
    ([*_L1, _KEYS.format("3fx2j")], "bafyreid2x5eqs4w4qxvc5jiwda4cien3gw2q6cshofxwnvv7iucrmfohpm"),
    ([_KEYS.format(s) for s in ("3ft2j", "3fz2j", "3fx2j")],
     "bafyreiavxaxdz7o7rbvr3zg2liox2yww46t7g6hkehx4i4h3lwudly7dhy"),
])
def test_the_test_tree_is_the_protocols_and_is_read_back_in_order(keys: list[str], root: str) -> None:
    """The fixture writer builds the protocol's own MST (root CIDs of atproto's MST test vectors)."""
    value = _b32("bafyreie5cvv4h45feadgeuwhbcutmh6t2ceseocckahdoe6uat64zmz454")
    export = RepoExport(OWNER)
    items = [(key, value, layer_of(key)) for key in sorted(keys)]
    tree = export._tree(items, max(layer for *_, layer in items))
    assert tree is not None and str(CID(tree.raw)) == root
    commit = export._block({"did": OWNER, "version": 3, "data": tree, "rev": "3l2xtmbfxk22c", "prev": None,
                            "sig": bytes(64)})
    header = encode({"version": 1, "roots": [commit]})
    car = varint(len(header)) + header + b"".join(varint(len(link.raw) + len(data)) + link.raw + data
                                                  for link, data in export.blocks)
    repo = read_repo(car, "repo.car")
    assert repo.did == OWNER
    assert list(repo.records) == sorted(keys) and {str(cid) for cid in repo.records.values()} == {str(CID(value.raw))}


def test_the_key_layers_are_the_specs() -> None:
    assert [layer_of(key) for key in ("2653ae71", "blue", "app.bsky.feed.post/454397e440ec",
                                      "app.bsky.feed.post/9adeb165882c")] == [0, 1, 4, 8]


def test_bluesky_repo_export(tmp_path: Path) -> None:
    export = _repo()
    path = tmp_path / "repo.car"
    path.write_bytes(export.car())
    assert export.tree_nodes > 3  # a tree of several layers, not one node
    every = read_repo(path.read_bytes(), "repo.car")
    assert list(every.records) == sorted(export.records)
    only = read_repo(path.read_bytes(), "repo.car", ["app.bsky.graph.list", "app.bsky.feed.post"])
    assert list(only.records) == [key for key in sorted(export.records) if key.startswith(("app.bsky.graph.list/",
                                                                                          "app.bsky.feed.post/"))]
    found = read_lists(path)
    assert [(f.name, f.platform, f.title) for f in found.lists] == [("housing-and-care", "bluesky", "Housing and care"),
                                                                    ("spam", "bluesky", "Spam")]
    housing, spam = found.lists
    assert housing.members == tuple((f"did:plc:member{n:02d}aaaaaaaaaaaaaaaa", None) for n in range(12))
    assert spam.members == (("did:plc:member12aaaaaaaaaaaaaaaa", None), ("did:plc:member13aaaaaaaaaaaaaaaa", None))
    assert found.notes == ("'Spam' is a moderation list (accounts to mute or block); it is kept as a segment like "
                           "the others.",
                           "1 list item in repo.car points to lists the repository no longer holds (deleted lists), "
                           "so they were left out.")


def test_lists_of_one_title_keep_both(tmp_path: Path) -> None:
    export = RepoExport(OWNER)
    for rkey in ("3kx4hdn2yb22c", "3kx4hfa7pbs2x", "3kx4hfc2zzs2x"):
        export.add(f"app.bsky.graph.list/{rkey}", {"$type": "app.bsky.graph.list", "name": "Nurses",
                                                    "purpose": "app.bsky.graph.defs#curatelist", "createdAt": WHEN})
    path = tmp_path / "repo.car"
    path.write_bytes(export.car())
    assert [f.name for f in read_lists(path).lists] == ["nurses", "nurses-2", "nurses-3"]


def _damaged(kind: str) -> bytes:
    good = _repo().car()
    if kind == "truncated":
        return good[: len(good) - 40]
    if kind == "bad varint":
        return b"\xff" * 12 + good[12:]
    if kind == "not cbor":
        return varint(6) + b"\x5f\x41\x00\xff\x1c\x00" + good[60:]
    if kind == "changed byte":
        return good[:-3] + bytes([good[-3] ^ 0x01]) + good[-2:]
    if kind == "missing record":
        return _repo().car(drop="app.bsky.graph.list/3kx4hdn2yb22c")
    if kind == "car v2":
        return bytes.fromhex("0aa16776657273696f6e02") + good[59:]
    if kind == "not a commit":
        block = encode({"hello": "world"})
        link = b"\x01\x71\x12\x20" + __import__("hashlib").sha256(block).digest()
        header = encode({"version": 1, "roots": [Link(link)]})
        return varint(len(header)) + header + varint(len(link) + len(block)) + link + block
    raise AssertionError(kind)


@pytest.mark.parametrize(("kind", "message"), [
    ("truncated", r"^repo\.car is cut short or damaged at block \d+ \(it needs \d+ bytes from byte [\d,]+ but ends "
                  r"at byte [\d,]+\); export the repository again\.$"),
    ("bad varint", r"^repo\.car is not a CAR file: the varint at byte 0 is longer than 9 bytes where its header "
                   r"length should be\.$"),
    ("not cbor", r"^repo\.car is not a CAR file: its header is not DAG-CBOR \(byte 0 is 0x5f: an indefinite length "
                 r"or reserved value, which DAG-CBOR does not allow\)\.$"),
    ("changed byte", r"^block \d+ of repo\.car \(bafyrei\w+\) does not match its CID: the file is damaged; export the "
                     r"repository again\.$"),
    ("missing record", r"^repo\.car does not hold the record app\.bsky\.graph\.list/3kx4hdn2yb22c \(bafyrei\w+\); it "
                       r"is a partial export: export the whole repository with com\.atproto\.sync\.getRepo "
                       r"\(no 'since'\)\.$"),
    ("car v2", r"^repo\.car is not a CAR v1 file \(its header says version 2\); export the repository with "
               r"com\.atproto\.sync\.getRepo, which writes CAR v1\.$"),
    ("not a commit", r"^repo\.car is a CAR file but its root is not a repository commit \(did, data\); export the "
                     r"repository with com\.atproto\.sync\.getRepo\.$"),
])
def test_a_damaged_repo_export_gives_one_sentence(tmp_path: Path, kind: str, message: str) -> None:
    path = tmp_path / "repo.car"
    path.write_bytes(_damaged(kind))
    with pytest.raises(UnreadableList, match=message.replace(r"repo\.car", re.escape(str(path)))):
        read_lists(path)


def test_lists_import_of_a_repo_export_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "repo.car", tmp_path / "cut.car"
    good.write_bytes(_repo().car())
    bad.write_bytes(_damaged("truncated"))
    path = tmp_path / "ws.duckdb"
    kept = CliRunner().invoke(app, ["--workspace", str(path), "lists", "import", str(good)])
    assert kept.exit_code == 0, kept.output
    assert kept.output.splitlines()[:2] == ["Kept the list 'housing-and-care' (12 members).",
                                            "Kept the list 'spam' (2 members)."]
    assert "'Spam' is a moderation list" in kept.output
    monkeypatch.setattr(sys, "argv", ["sociable", "--workspace", str(path), "lists", "import", str(bad)])
    monkeypatch.setenv("COLUMNS", "300")
    with pytest.raises(SystemExit) as refused:
        main()
    err = capsys.readouterr().err
    assert refused.value.code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith(f"Error: {bad} is cut short or damaged at block ")


_CBOR = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False) | st.binary(max_size=40)
    | st.text(max_size=20) | st.builds(lambda digest: Link(b"\x01\x71\x12\x20" + digest), st.binary(min_size=32,
                                                                                                    max_size=32)),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=20)


def _plain(value: object) -> object:
    """A decoded or written value with its links as their bytes, to compare the two."""
    if isinstance(value, Link | CID):
        return ("link", value.raw)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


@given(_CBOR)
def test_dag_cbor_round_trip(value: object) -> None:
    assert _plain(decode_dag_cbor(encode(value))) == _plain(value)


# ---------------------------------------------------------------------------- X archive list files

ARCHIVE_LISTS = """window.YTD.lists_created.part0 = [
  {
    "userListInfo" : {
      "url" : "https://twitter.com/i/lists/1420393328012345344"
    }
  },
  {
    "userListInfo" : {
      "url" : "https://twitter.com/i/lists/1583025566701234176"
    }
  }
]"""


def test_x_archive_list_files_name_lists_but_keep_nothing(tmp_path: Path) -> None:
    created = tmp_path / "lists-created.js"
    created.write_text(ARCHIVE_LISTS, encoding="utf-8")
    found = read_lists(created)
    assert found.lists == ()
    assert found.notes == (
        "lists-created.js names the 2 lists you created (https://twitter.com/i/lists/1420393328012345344, "
        "https://twitter.com/i/lists/1583025566701234176) but not who is in them: an X archive keeps only each "
        "list's address, so nothing was kept from it. Fetch each list's members (the X API's GET "
        "/2/lists/:id/members) into a CSV with an id and/or username column and import that CSV.",)
    member = tmp_path / "lists-member.js"
    member.write_text(ARCHIVE_LISTS.replace("lists_created", "lists_member"), encoding="utf-8")
    assert read_lists(member).notes[0].startswith("lists-member.js names the 2 lists other accounts added you to (")
    plain = tmp_path / "lists.json"  # the same array saved as plain JSON
    plain.write_text(ARCHIVE_LISTS.partition("= ")[2], encoding="utf-8")
    assert read_lists(plain).notes[0].startswith("lists.json names 2 lists (https://twitter.com/i/lists/")


def test_other_archive_files_are_not_list_files(tmp_path: Path) -> None:
    like = tmp_path / "like.js"
    like.write_text('window.YTD.like.part0 = [{"like": {"tweetId": "1", "fullText": "hi"}}]', encoding="utf-8")
    with pytest.raises(UnreadableList, match=r"^like\.js is the 'like' file of an X archive, not a list file; the "
                                             r"archive's list files are lists-created\.js, lists-member\.js and "
                                             r"lists-subscribed\.js\.$"):
        read_lists(like)


def test_x_archive_lists_from_the_command_line(tmp_path: Path) -> None:
    created, members = tmp_path / "lists-created.js", tmp_path / "x_list_members.csv"
    created.write_text(ARCHIVE_LISTS, encoding="utf-8")
    members.write_bytes((DIR / "x_list_members.csv").read_bytes())
    path = tmp_path / "ws.duckdb"
    result = CliRunner().invoke(app, ["--workspace", str(path), "lists", "import", str(created), str(members)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert text.startswith("Kept the list 'x-list-members' (2 members). lists-created.js names the 2 lists you "
                           "created (https://twitter.com/i/lists/1420393328012345344, ")
    assert "nothing was kept from it" in text
