"""Organisation files: handles with or without '@', with or without their server."""

from __future__ import annotations

import pytest

from sociable.analyses.organisations import resolve_organisation
from sociable.errors import SociableError
from sociable.store import Workspace


def _accounts(ws: Workspace, *rows: tuple[str, str, str]) -> None:
    with ws.transaction() as con:
        for platform, account_id, handle in rows:
            con.execute("INSERT INTO accounts (platform, account_id, handle) VALUES (?, ?, ?)",
                        [platform, account_id, handle])


def test_a_handle_without_its_server_matches_the_one_account_of_that_name(workspace: Workspace) -> None:
    _accounts(workspace, ("mastodon", "https://social.example/users/trust", "LeedsTrust@social.example"),
              ("twitter", "42", "CityCouncil"))
    found = resolve_organisation(workspace, "leeds", ["@leedstrust", "citycouncil"])
    assert set(found.accounts) == {("mastodon", "https://social.example/users/trust"), ("twitter", "42")}


def test_a_server_less_name_two_accounts_share_is_not_guessed(workspace: Workspace) -> None:
    _accounts(workspace, ("mastodon", "https://a.example/users/nhs", "nhs@a.example"),
              ("mastodon", "https://b.example/users/nhs", "nhs@b.example"))
    with pytest.raises(SociableError, match="@nhs is not an account"):
        resolve_organisation(workspace, "x", ["@nhs"])
    found = resolve_organisation(workspace, "x", ["@nhs@b.example"])
    assert found.accounts == (("mastodon", "https://b.example/users/nhs"),)
