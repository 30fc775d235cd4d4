"""The triage queue: filled by listening, worked by people, emptied by answers, kept across re-imports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sociable.errors import SociableError
from sociable.library import refresh_queue
from sociable.store import Workspace
from sociable.store.followup import BadQueueState, NotInQueue

OPTIONS = {"map": "id=post_id,created_at=created_at,from_user=handle,from_user_id_str=account_id,text=text,"
                  "in_reply_to_status_id_str=reply_to,in_reply_to_user_id_str=reply_to_account",
           "platform": "twitter"}


def states(ws: Workspace) -> dict[str, str]:
    return {row["post_id"]: row["state"] for row in ws.queue("northtrust").to_pylist()}


def test_listening_fills_the_queue(trust: tuple[Workspace, Path]) -> None:
    ws, org = trust
    assert "2 new" in refresh_queue(ws, [org])
    assert states(ws) == {"3": "new", "5": "new"}  # 1 was answered within the hour; 4 asks nothing


def test_states_survive_listening_again_and_reimport(trust: tuple[Workspace, Path], tmp_path: Path,
                                                    posts_file: Any) -> None:
    ws, org = trust
    refresh_queue(ws, [org])
    ws.mark_queue("3", "handled", by="comms team", note="replied by DM")
    assert "0 new" in refresh_queue(ws, [org])
    ws.import_files([posts_file(tmp_path)], options=OPTIONS, collection="trust")
    ws.remap()
    refresh_queue(ws, [org])
    assert states(ws) == {"3": "handled", "5": "new"}
    row = next(r for r in ws.queue("northtrust").to_pylist() if r["post_id"] == "3")
    assert (row["assignee"], row["note"]) == ("comms team", "replied by DM")


def test_an_answer_on_the_platform_takes_the_item_off(trust: tuple[Workspace, Path], tmp_path: Path,
                                                     posts_file: Any) -> None:
    ws, org = trust
    refresh_queue(ws, [org])
    answer = "6,2024-03-10T12:00:00Z,northtrust,99,@dan_public we will call you today,5,14\n"
    ws.import_files([posts_file(tmp_path, answer)], options=OPTIONS, collection="trust")
    assert "1 answered on the platform" in refresh_queue(ws, [org])
    assert states(ws) == {"3": "new"}
    closed = {r["post_id"]: r["closed_reason"] for r in ws.queue("northtrust", include_closed=True).to_pylist()}
    assert closed["5"] == "answered on the platform"


def test_the_audit_says_who_did_what(trust: tuple[Workspace, Path]) -> None:
    ws, org = trust
    refresh_queue(ws, [org])
    ws.mark_queue("5", "in-progress", by="Sam")
    events = [(e["actor"], e["action"], e["state"]) for e in ws.queue_audit("northtrust").to_pylist()]
    assert events[0] == ("Sam", "marked", "in progress")
    assert ("sociable", "added", "new") in events


def test_bad_marks_say_what_to_do(trust: tuple[Workspace, Path]) -> None:
    ws, org = trust
    refresh_queue(ws, [org])
    with pytest.raises(BadQueueState, match="the states are: new, in progress, handled, no reply needed"):
        ws.mark_queue("3", "done", by="Sam")
    with pytest.raises(NotInQueue, match="is not in the queue"):
        ws.mark_queue("4", "handled", by="Sam")
    with pytest.raises(SociableError, match="--by"):
        ws.mark_queue("3", "handled", by=" ")
