"""A small conversation with a trust: two questions, one answered, and posts by listed accounts."""

from __future__ import annotations

from pathlib import Path

import pytest

from sociable.store import Workspace

POSTS = """id,created_at,from_user,from_user_id_str,text,in_reply_to_status_id_str,in_reply_to_user_id_str
1,2024-03-01T09:00:00Z,ann_patient,11,@northtrust how do I change my appointment?,,
2,2024-03-01T10:00:00Z,northtrust,99,@ann_patient ring 0100 000 000 and we can help,1,11
3,2024-03-02T09:00:00Z,bob_carer,12,@northtrust why is the car park closed?,,
4,2024-03-09T09:00:00Z,cat_nurse,13,@northtrust proud of our ward today,,
5,2024-03-10T09:00:00Z,dan_public,14,@northtrust can someone please call me back about my referral?,,
"""


def write_posts(folder: Path, extra: str = "") -> Path:
    path = folder / "posts.csv"
    path.write_text(POSTS + extra, encoding="utf-8")
    return path


@pytest.fixture
def trust(workspace: Workspace, tmp_path: Path) -> tuple[Workspace, Path]:
    options = {"map": "id=post_id,created_at=created_at,from_user=handle,from_user_id_str=account_id,text=text,"
                      "in_reply_to_status_id_str=reply_to,in_reply_to_user_id_str=reply_to_account",
               "platform": "twitter"}
    workspace.import_files([write_posts(tmp_path)], options=options, collection="trust")
    org = tmp_path / "northtrust.txt"
    org.write_text("northtrust\n", encoding="utf-8")
    return workspace, org


@pytest.fixture
def posts_file() -> object:
    """Write the conversation (and any extra lines) to posts.csv in a folder."""
    return write_posts
