"""Dialogue measures on hand-built conversations whose answers are known exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from sociable.analyses import dialogue as dlg
from sociable.analyses.base import OptionError, get_analysis, registered_analyses
from sociable.analyses.organisations import load_organisation, read_account_list
from sociable.errors import NoSuchCollection, SociableError
from sociable.model import Account, Post
from sociable.sources.base import Mapped, RawRecord
from sociable.store import Workspace
from sociable.store.ingest import RESOLVE_MENTIONS_SQL, Batch, BatchWriter, FileSummary
from sociable.store.scope import Scope

T0 = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)
HANDLES = {"corp": "CityHospitalNHS", "nurse": "NurseAmaraRN", "ann": "ann_carer", "bob": "bob_patient",
           "cat": "cat_public", "dan": "dan_sw", "eve": "eve_student"}


def write(ws: Workspace, posts: list[Post], collection: str | None = None) -> None:
    """Store posts (and an account for every author) the way an import does."""
    batch = Batch("test", "hand.jsonl")
    for number, post in enumerate(posts, 1):
        account = Account("twitter", post.account_id, handle=HANDLES.get(post.account_id, post.account_id))
        batch.add_mapped(RawRecord("test", "hand.jsonl", number, {"n": number}), Mapped([post], [account]))
    BatchWriter(ws.con, 1, collection).write(batch, FileSummary("hand.jsonl", "test"))
    ws.con.execute(RESOLVE_MENTIONS_SQL)


def post(pid: str, author: str, minutes: float = 0, text: str = "", **kw: Any) -> Post:
    return Post("twitter", pid, author, T0 + timedelta(minutes=minutes), text=text or f"post {pid}", **kw)


def reply(pid: str, author: str, minutes: float, parent: str, parent_author: str, **kw: Any) -> Post:
    return post(pid, author, minutes, reply_to=parent, reply_to_account=parent_author, **kw)


def label(ws: Workspace, roles: dict[str, tuple[str, str]]) -> None:
    rows = [{"platform": "twitter", "account_id": a, "role": r, "subtype": None, "sector": s, "role_source": "manual",
             "sector_source": "manual", "confidence": 1.0} for a, (r, s) in roles.items()]
    ws.save_labels(pa.Table.from_pylist(rows))


def measure(ws: Workspace, scope: Scope | None = None, **options: Any) -> dlg.DialogueResult:
    """The dialogue analysis, run the one way every caller runs it."""
    result: dlg.DialogueResult = get_analysis("dialogue").run(ws, scope, **options)
    return result


def save_labels(ws: Workspace, rows: list[dict[str, Any]]) -> None:
    """Store derived labels with the store's method (save_labels; replace_labels before labels had a view)."""
    store = getattr(ws, "save_labels", None) or ws.replace_labels
    store(pa.Table.from_pylist(rows))


def by_account(result: dlg.DialogueResult) -> dict[str, dict[str, Any]]:
    return {row["account_id"]: row for row in result.accounts.to_pylist()}


def organisation_file(folder: Path, name: str, *entries: str) -> Path:
    path = folder / f"{name}.txt"
    path.write_text("\n".join(entries) + "\n", encoding="utf-8")
    return path


def corporate_and_nurse() -> list[Post]:
    """A corporate account that broadcasts and never replies; a nurse who answers every mention within the hour."""
    posts = [post(f"c{i}", "corp", i * 60, text=f"Our new clinic opens soon, update {i}") for i in range(6)]
    posts += [
        reply("r1", "ann", 10, "c0", "corp", text="Will it have parking?"),
        post("m1", "bob", 20, text="@CityHospitalNHS when do the doors open?", mentions=("corp",)),
        post("n1", "ann", 30, text="@NurseAmaraRN any tips for night shifts?", mentions=("nurse",)),
        post("n2", "bob", 40, text="@NurseAmaraRN thank you for Tuesday", mentions=("nurse",)),
        post("n3", "cat", 50, text="@NurseAmaraRN is the walk-in open?", mentions=("nurse",)),
        reply("a1", "nurse", 40, "n1", "ann", text="Sleep in the dark and eat properly"),
        reply("a2", "nurse", 70, "n2", "bob", text="You're welcome!"),
        reply("a3", "nurse", 109, "n3", "cat", text="Yes until 8pm"),
    ]
    posts += [post(f"s{i}", "nurse", 200 + i, text=f"Shift thoughts number {i}") for i in range(2)]
    return posts


def test_corporate_that_never_replies(workspace: Workspace) -> None:
    write(workspace, corporate_and_nurse())
    corp = by_account(measure(workspace))["corp"]
    assert (corp["written"], corp["broadcast_share"], corp["reply_share"]) == (6, 1.0, 0.0)
    assert (corp["received"], corp["response_rate"], corp["median_response_hours"]) == (2, 0.0, None)
    assert corp["reciprocity"] == 0.0
    assert corp["conversations"] == 0
    assert corp["style"] == "broadcaster"


def test_nurse_answers_every_mention_within_an_hour(workspace: Workspace) -> None:
    write(workspace, corporate_and_nurse())
    nurse = by_account(measure(workspace))["nurse"]
    assert (nurse["written"], nurse["received"], nurse["response_rate"]) == (5, 3, 1.0)
    assert nurse["median_response_hours"] == pytest.approx(30 / 60)  # answers after 10, 30 and 59 minutes
    assert nurse["reply_share"] == pytest.approx(3 / 5)
    assert nurse["broadcast_share"] == pytest.approx(2 / 5)
    assert nurse["conversations"] == 3  # each mention and its answer is an exchange of two turns
    assert nurse["conversation_share"] == pytest.approx(3 / 5)
    assert nurse["reciprocity"] == 1.0
    assert nurse["style"] == "converser"


def test_thread_of_five_turns(workspace: Workspace) -> None:
    write(workspace, [
        post("t1", "ann", 0, text="Anyone else finding the new rota hard?"),
        reply("t2", "dan", 5, "t1", "ann"), reply("t3", "ann", 9, "t2", "dan"),
        reply("t4", "dan", 12, "t3", "ann"), reply("t5", "ann", 20, "t4", "dan"),
    ])
    rows = by_account(measure(workspace))
    assert rows["ann"]["conversations"] == rows["dan"]["conversations"] == 1
    assert rows["ann"]["conversation_share"] == 1.0 and rows["dan"]["conversation_share"] == 1.0
    assert rows["ann"]["reply_share"] == pytest.approx(2 / 3)
    assert (rows["dan"]["received"], rows["dan"]["response_rate"]) == (2, 0.5)  # t5 was not answered
    assert rows["ann"]["response_rate"] == 1.0
    assert rows["ann"]["median_response_hours"] == pytest.approx(6 / 60)  # 4 and 8 minutes


def test_a_single_reply_is_not_a_conversation(workspace: Workspace) -> None:
    write(workspace, [post("p1", "corp", 0), reply("p2", "ann", 5, "p1", "corp")])
    rows = by_account(measure(workspace))
    assert rows["ann"]["conversations"] == rows["corp"]["conversations"] == 0
    assert rows["ann"]["reciprocity"] == 0.0


def test_no_posts(workspace: Workspace) -> None:
    result = measure(workspace)
    assert result.accounts.num_rows == 0
    assert result.notes == ("No posts in scope, so there is nothing to measure.",)
    assert result.written == 0


def test_only_reposts(workspace: Workspace) -> None:
    write(workspace, [post("o1", "corp", 0), post("rp1", "eve", 5, repost_of="o1", repost_of_account="corp"),
                      post("rp2", "eve", 6, repost_of="o1", repost_of_account="corp")])
    eve = by_account(measure(workspace))["eve"]
    assert (eve["posts"], eve["written"], eve["repost_share"]) == (2, 0, 1.0)
    assert eve["broadcast_share"] is None and eve["reply_share"] is None
    assert eve["reciprocity"] is None  # reposts amplify; they are not exchanges
    assert eve["style"] == "quiet"


def test_deleted_parent_still_counts_as_a_reply(workspace: Workspace) -> None:
    write(workspace, [reply("x2", "ann", 5, "gone", "dan"), reply("x3", "dan", 9, "x2", "ann")])
    rows = by_account(measure(workspace))
    assert rows["ann"]["reply_share"] == 1.0
    assert rows["ann"]["conversations"] == 1  # ann → dan and dan → ann in the thread rooted at the missing post
    assert (rows["dan"]["response_rate"], rows["ann"]["response_rate"]) == (1.0, 0.0)


def test_replies_arriving_before_their_parent(tmp_path: Path) -> None:
    thread = [post("t1", "ann", 0), reply("t2", "dan", 5, "t1", "ann"), reply("t3", "ann", 9, "t2", "dan")]
    results = []
    for name, order in (("in_order", thread), ("reversed", thread[::-1])):
        ws = Workspace(tmp_path / f"{name}.duckdb")
        for item in order:  # one batch per post: the parent really arrives later
            write(ws, [item])
        results.append(measure(ws).accounts.sort_by("account_id").to_pylist())
        ws.close()
    assert results[0] == results[1]


def test_reply_timestamped_before_its_parent_counts_zero_hours(workspace: Workspace) -> None:
    write(workspace, [post("q1", "ann", 10, text="@NurseAmaraRN ok?", mentions=("nurse",)),
                      reply("q2", "nurse", 8, "q1", "ann")])
    assert by_account(measure(workspace))["nurse"]["median_response_hours"] == 0.0


def test_response_window(workspace: Workspace) -> None:
    write(workspace, [post("q1", "ann", 0, text="@NurseAmaraRN ok?", mentions=("nurse",)),
                      reply("q2", "nurse", 60 * 50, "q1", "ann")])
    assert by_account(measure(workspace))["nurse"]["response_rate"] == 0.0
    assert by_account(measure(workspace, window=72))["nurse"]["response_rate"] == 1.0
    assert measure(workspace, window=72).window_hours == 72.0
    with pytest.raises(SociableError, match="more than 0"):
        measure(workspace, window=0)
    with pytest.raises(OptionError, match="--window should be more than 0, not -1"):
        measure(workspace, window=-1)


def test_link_only_posts(workspace: Workspace) -> None:
    write(workspace, [
        post("l1", "corp", 0, text="https://t.co/abc", urls=("https://example.org/a",)),
        post("l2", "corp", 1, text="Read this #nhs https://t.co/abd", urls=("https://example.org/b",)),
        post("l3", "corp", 2, text="Our annual report is out with what we learnt https://t.co/abe",
             urls=("https://example.org/c",)),
        post("l4", "corp", 3, text="No link here at all"),
    ])
    assert by_account(measure(workspace))["corp"]["link_only_share"] == 0.5


def test_words_of_any_alphabet_count_against_link_only(workspace: Workspace) -> None:
    """A post written in Arabic, Greek or with accents has words: it is not a bare link."""
    write(workspace, [
        post("u1", "corp", 0, text="تقريرنا السنوي الجديد متاح الآن https://t.co/abf", urls=("https://example.org/d",)),
        post("u2", "corp", 1, text="Νέα έκθεση για την κοινωνική φροντίδα https://t.co/abg",
             urls=("https://example.org/e",)),
        post("u3", "corp", 2, text="Café 🙏 https://t.co/abh", urls=("https://example.org/f",)),
    ])
    assert by_account(measure(workspace))["corp"]["link_only_share"] == pytest.approx(1 / 3)


def test_people_share_needs_labels(workspace: Workspace) -> None:
    write(workspace, corporate_and_nurse())
    result = measure(workspace)
    assert by_account(result)["nurse"]["people_share"] is None
    assert any("run `sociable roles`" in note for note in result.notes)
    label(workspace, {"ann": ("person", "unknown"), "bob": ("person", "unknown"), "cat": ("professional", "health"),
                      "nurse": ("professional", "health"), "corp": ("organisation", "health")})
    result = measure(workspace)
    # the nurse's exchanges: 3 mentions received and 3 replies sent; 4 with people (ann, bob), 2 with cat
    assert by_account(result)["nurse"]["people_share"] == pytest.approx(4 / 6)
    roles = {row["group_name"]: row for row in result.role.to_pylist()}
    assert roles["organisation"]["broadcast_share"] == 1.0
    assert roles["professional"]["accounts"] == 2


def test_organisation_groups_pool_their_accounts(workspace: Workspace, tmp_path: Path) -> None:
    write(workspace, corporate_and_nurse())
    city = organisation_file(tmp_path, "city", "corp", "nurse")
    result = measure(workspace, organisations=[city], by="organisation")
    row = result.organisation.to_pylist()[0]
    assert (row["group_name"], row["accounts"], row["written"], row["received"]) == ("city", 2, 11, 5)
    assert row["response_rate"] == pytest.approx(3 / 5)
    assert result.shown_tables() == ["organisation"] and result.main_table() is result.organisation
    with pytest.raises(OptionError, match="--by organisation needs at least one --org FILE"):
        measure(workspace, by="organisation")
    with pytest.raises(OptionError, match="--by should be one of account, role, sector, organisation"):
        measure(workspace, by="team")


def test_hashtag_chat_hours(workspace: Workspace) -> None:
    background = [post(f"b{i}", "corp", i * 600, text="quiet #nhs", hashtags=("nhs",)) for i in range(30)]
    chat = [post(f"h{i}", f"user{i % 6}", 60 * 30 + i, text="A1 kindness #wecare", hashtags=("wecare",))
            for i in range(12)]
    write(workspace, background + chat + [post("h99", "user1", 60 * 200, hashtags=("wecare",))])
    rows = by_account(measure(workspace))
    assert rows["user0"]["chat_sessions"] == 1 and rows["user1"]["chat_sessions"] == 1
    assert rows["corp"]["chat_sessions"] == 0  # a steady hashtag never bursts


def test_collection_and_dates_scope(workspace: Workspace) -> None:
    write(workspace, [post("p1", "corp", 0)], collection="nhssm")
    write(workspace, [post("p2", "corp", 60 * 24 * 3)])
    assert by_account(measure(workspace, workspace.scope(collection="nhssm")))["corp"]["posts"] == 1
    assert by_account(measure(workspace, workspace.scope(since=T0 + timedelta(days=1))))["corp"]["posts"] == 1
    with pytest.raises(NoSuchCollection, match="nhssm"):
        measure(workspace, Scope.of("other"))


def test_every_number_has_a_definition(workspace: Workspace) -> None:
    write(workspace, corporate_and_nurse())
    result = measure(workspace)
    defined = {m.name for m in result.measures}
    shown = set(result.accounts.column_names) - {"platform", "account_id", "handle", "display_name", "role",
                                                            "subtype", "sector", "followers"}
    assert shown <= defined
    assert all(m.definition.endswith(".") for m in result.measures)
    assert "dialogue" in {spec.name for spec in registered_analyses()}


def test_organisation_file(workspace: Workspace, tmp_path: Path) -> None:
    write(workspace, corporate_and_nurse())
    path = tmp_path / "city.txt"
    path.write_text("# City hospital\n@cityhospitalnhs\n\nNurseAmaraRN  # staff\n", encoding="utf-8")
    org = load_organisation(workspace, path)
    assert (org.name, org.accounts) == ("city", (("twitter", "corp"), ("twitter", "nurse")))
    result = measure(workspace, organisations=[path])  # the option reads and resolves each file
    assert result.organisation.column("group_name").to_pylist() == ["city"]
    assert result.options["organisations"] == (path,)
    path.write_text("@CityHospitalNHS\n@nobody_here\n", encoding="utf-8")
    with pytest.raises(SociableError, match="@nobody_here is not an account in this workspace"):
        load_organisation(workspace, path)
    with pytest.raises(SociableError, match="@nobody_here is not an account in this workspace"):
        measure(workspace, organisations=[path])
    with pytest.raises(SociableError, match="does not exist"):
        load_organisation(workspace, tmp_path / "missing.txt")
    path.write_text("# only a comment\n", encoding="utf-8")
    with pytest.raises(SociableError, match="lists no accounts"):
        read_account_list(path)
