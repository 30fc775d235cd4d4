"""Labels: derived ones saved by the store, manual ones kept apart, and one `labels` view in which a manual label wins.

Everything that shows a role or sector reads that view: the web app's queries, the dialogue's
role join and the map's node labels; a workspace of schema 3 (labels stored as a table) is
migrated with its labels kept.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sociable
from sociable.analyses.base import get_analysis
from sociable.errors import SociableError
from sociable.store import Workspace
from sociable.store.schema import LABEL_COLUMNS, SCHEMA_VERSION
from sociable.web import queries

SECTORS = ("health", "social_care", "unknown")


def labels(rows: list[tuple[str, str, str, str | None, str | None, str, float]]) -> pa.Table:
    """Label rows (account_id, role, subtype, sector, role_source ...) on twitter, as the store keeps them."""
    return pa.table({
        "platform": ["twitter"] * len(rows),
        "account_id": [r[0] for r in rows],
        "role": [r[1] for r in rows],
        "subtype": pa.array([r[2] for r in rows], pa.string()),
        "sector": pa.array([r[3] for r in rows], pa.string()),
        "role_source": [r[4] for r in rows],
        "sector_source": [r[5] for r in rows],
        "confidence": pa.array([r[6] for r in rows], pa.float64()),
    })


DERIVED = labels([
    ("1", "professional", "nurse", "health", "rule", "rule", 0.9),
    ("2", "person", "carer", "social_care", "rule", "rule", 0.7),
    ("3", "organisation", "council", "local_government", "rule", "rule", 0.8),
])
MANUAL = labels([
    ("1", "organisation", None, None, "manual", "rule", 1.0),  # a blank sector keeps the derived one
    ("2", "unknown", None, None, "manual", "manual", 1.0),  # unknown with a blank sector: sector unknown
    ("9", "person", "public", "social_care", "manual", "manual", 1.0),  # an account with no derived label
])


def stored(ws: Workspace) -> dict[str, dict[str, object]]:
    return {row["account_id"]: row for row in ws.query("SELECT * FROM labels").to_pylist()}


def test_labels_is_a_view_where_a_manual_label_wins(workspace: Workspace) -> None:
    kinds = {row["table_name"]: row["table_type"] for row in workspace.query(
        "SELECT table_name, table_type FROM information_schema.tables WHERE table_name LIKE '%labels'").to_pylist()}
    assert kinds == {"labels": "VIEW", "derived_labels": "BASE TABLE", "manual_labels": "BASE TABLE"}
    workspace.save_labels(DERIVED)
    workspace.save_manual_labels(MANUAL)
    rows = stored(workspace)
    assert [rows["1"][c] for c in LABEL_COLUMNS[2:]] == ["organisation", None, "health", "manual", "rule", 1.0]
    assert [rows["2"][c] for c in LABEL_COLUMNS[2:]] == ["unknown", None, "unknown", "manual", "manual", 1.0]
    assert [rows["3"][c] for c in LABEL_COLUMNS[2:]] == ["organisation", "council", "local_government", "rule",
                                                          "rule", 0.8]
    assert rows["9"]["role"] == "person" and rows["9"]["sector"] == "social_care"
    assert workspace.scalar("SELECT count(*) FROM derived_labels") == 3


def test_saving_labels_replaces_those_accounts_only(workspace: Workspace) -> None:
    workspace.save_labels(DERIVED)
    workspace.save_labels(labels([("3", "person", None, "unknown", "rule", "rule", 0.5)]))
    rows = stored(workspace)
    assert (rows["3"]["role"], rows["1"]["role"]) == ("person", "professional")
    with pytest.raises(SociableError, match="need the columns"):
        workspace.save_labels(DERIVED.drop_columns(["confidence"]))


_ROLES = st.sampled_from(("organisation", "professional", "person", "unknown"))
_LABEL = st.tuples(_ROLES, st.sampled_from((None, "nurse")), st.sampled_from((None, *SECTORS)))


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.sampled_from("abcdef"), _LABEL), st.dictionaries(st.sampled_from("abcdefgh"), _LABEL),
       st.dictionaries(st.sampled_from("abcdefgh"), _LABEL))
def test_labels_with_manual_applies_the_view(tmp_path_factory: pytest.TempPathFactory,
                                             derived: dict[str, tuple[str, str | None, str | None]],
                                             kept: dict[str, tuple[str, str | None, str | None]],
                                             fresh: dict[str, tuple[str, str | None, str | None]]) -> None:
    """Manual labels applied to labels not stored yet give what the view gives once they are stored."""
    def table(values: dict[str, tuple[str, str | None, str | None]], source: str) -> pa.Table:
        return labels([(key, role, subtype, sector, source, source if sector else "rule", 1.0 if source == "manual"
                        else 0.6) for key, (role, subtype, sector) in sorted(values.items())])

    with sociable.open(tmp_path_factory.mktemp("labels") / "ws.duckdb") as ws:
        ws.save_manual_labels(table(kept, "manual"))
        applied = ws.labels_with_manual(table(derived, "rule"), table(fresh, "manual"))
        ws.save_labels(table(derived, "rule"))
        ws.save_manual_labels(table(fresh, "manual"))
        view = stored(ws)
    assert applied["account_id"].to_pylist() == sorted(derived)
    for row in applied.to_pylist():
        assert row == view[row["account_id"]]


def _v3(path: Path) -> None:
    """A workspace as schema 3 left it: labels stored as a table (manual ones applied), no view."""
    with sociable.open(path) as ws:
        ws.save_labels(DERIVED)
        ws.save_manual_labels(MANUAL.slice(0, 1))
        ws.query("DROP VIEW labels")
        ws.query("ALTER TABLE derived_labels RENAME TO labels")
        ws.query("UPDATE labels SET role = 'organisation', subtype = NULL, role_source = 'manual', confidence = 1 "
                 "WHERE account_id = '1'")
        ws.query("UPDATE meta SET value = '3' WHERE key = 'schema_version'")


@pytest.mark.parametrize("read_only", [False, True])
def test_a_schema_3_workspace_keeps_its_labels(tmp_path: Path, read_only: bool) -> None:
    path = tmp_path / "v3.duckdb"
    _v3(path)
    with sociable.open(path, read_only=read_only) as ws:
        assert ws.scalar("SELECT value FROM meta WHERE key = 'schema_version'") == str(SCHEMA_VERSION) == "9"
        rows = stored(ws)
        assert sorted(rows) == ["1", "2", "3"]
        assert (rows["1"]["role"], rows["1"]["sector"], rows["1"]["role_source"]) == ("organisation", "health",
                                                                                      "manual")
        assert (rows["2"]["role"], rows["3"]["subtype"]) == ("person", "council")
        assert ws.scalar("SELECT table_type FROM information_schema.tables WHERE table_name = 'labels'") == "VIEW"
    with sociable.open(path) as ws:  # and it goes on working: a new manual label wins at once
        ws.save_manual_labels(MANUAL.slice(1, 1))
        assert stored(ws)["2"]["role"] == "unknown"


# ---------------------------------------------------------------------- everything reads the view


def _conversation(ws: Workspace) -> None:
    """Nurse Amy (account 1) replies to the council (account 3); both are labelled by the rules."""
    ws.query("INSERT INTO accounts (platform, account_id, handle) VALUES ('twitter', '1', 'nurse_amy'), "
             "('twitter', '3', 'HolbyCC')")
    ws.query("INSERT INTO posts (platform, post_id, account_id, created_at, text) VALUES "
             "('twitter', 'p1', '3', TIMESTAMPTZ '2024-03-01 09:00+00', 'Clinic moved to Tuesday.')")
    ws.query("INSERT INTO posts (platform, post_id, account_id, created_at, text, reply_to, reply_to_account) "
             "VALUES ('twitter', 'p2', '1', TIMESTAMPTZ '2024-03-01 10:00+00', 'Thanks, sharing.', 'p1', '3')")
    ws.query("INSERT INTO interactions VALUES ('twitter', '1', '3', 'reply', 'p2', TIMESTAMPTZ '2024-03-01 10:00+00')")
    ws.save_labels(DERIVED)


def _roles_shown(ws: Workspace) -> dict[str, object]:
    dialogue = get_analysis("dialogue").run(ws)
    mapped = get_analysis("map").run(ws, with_layout=False)
    return {
        "web accounts": next(r["role"] for r in queries.accounts(ws) if r["account_id"] == "1"),
        "web account": queries.account(ws, "twitter", "1")["label"]["role"],
        "web choices": "organisation" in queries.label_choices(ws)["roles"]
                       and "professional" not in queries.label_choices(ws)["roles"],
        "dialogue": next(r["role"] for r in dialogue.accounts.to_pylist() if r["account_id"] == "1"),
        "map": next(r["role"] for r in mapped.nodes.to_pylist() if r["account_id"] == "1"),
    }


def test_a_manual_label_changes_the_role_everywhere(workspace: Workspace) -> None:
    _conversation(workspace)
    before = _roles_shown(workspace)
    assert before == {"web accounts": "professional", "web account": "professional", "web choices": False,
                      "dialogue": "professional", "map": "professional"}
    workspace.save_manual_labels(MANUAL.slice(0, 1))  # account 1 is an organisation after all
    assert _roles_shown(workspace) == {"web accounts": "organisation", "web account": "organisation",
                                       "web choices": True, "dialogue": "organisation", "map": "organisation"}
