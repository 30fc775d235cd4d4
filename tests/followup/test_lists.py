"""Curated lists: each shape read, kept as a segment, used as a filter, an organisation and a label."""

from __future__ import annotations

from pathlib import Path

import pytest

from sociable.errors import SociableError
from sociable.sources.lists import UnreadableList, read_lists
from sociable.store import Workspace
from sociable.store.scope import BadScope

DIR = Path(__file__).parent.parent / "fixtures" / "lists"


def test_bluesky_getlist() -> None:
    (found,) = read_lists(DIR / "bluesky_getlist.json")
    assert (found.name, found.platform, found.title) == ("housing-and-care", "bluesky", "Housing and care")
    assert found.members == (("did:plc:housing222", "northhousing.bsky.social"),
                             ("did:plc:carer333", "carersnet.bsky.social"))


def test_mastodon_list_accounts() -> None:
    (found,) = read_lists(DIR / "mastodon_list_accounts.json")
    assert found.platform == "mastodon"
    assert found.members == (("https://nurses.example/users/wardnurse", "wardnurse@nurses.example"),
                             ("https://care.example/users/swscm", "swscm@care.example"))


def test_mastodon_export_lists_csv() -> None:
    found = {f.name: f.members for f in read_lists(DIR / "lists.csv")}
    assert found == {"nurses": ((None, "wardnurse@nurses.example"), (None, "midwife@nurses.example")),
                     "councils": ((None, "leedscouncil@social.example"),)}


def test_x_list_members() -> None:
    (found,) = read_lists(DIR / "x_list_members.csv")
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
