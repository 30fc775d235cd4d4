"""Feedback figures on five stories and four responses, each worked out by hand (see docs/feedback.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sociable.analyses.feedback import is_stock, opening
from sociable.store import Workspace

DIR = Path(__file__).parent.parent / "fixtures" / "careopinion"


@pytest.fixture
def stories(workspace: Workspace) -> Workspace:
    workspace.import_files([DIR / "opinions.json", DIR / "responses.json", DIR / "stories.csv"], collection="fb")
    return workspace


def test_totals(stories: Workspace) -> None:
    result = stories.run("feedback", collection="fb")
    # as of the last response (2024-04-15 08:00): first responses after 24 h (1001), 240 h (1002), 864 h (1005)
    assert (result.stories, result.responses) == (5, 4)
    assert result.response_rate == pytest.approx(3 / 5)
    assert result.median_hours_to_response == pytest.approx(240)
    assert result.unanswered_7d == 4  # 1002 (answered after 10 days), 1003, 1004 (9.8 days old), 1005 (36 days)
    assert result.unanswered_28d == 2  # 1003 (41 days, none), 1005 (answered after 36 days)
    assert result.changed == 2  # 1002 change planned, 1005 changes made
    assert result.templated_share == pytest.approx(2 / 4)


def test_by_service(stories: Workspace) -> None:
    rows = {r["group_name"]: r for r in stories.run("feedback", by="service").groups.to_pylist()}
    ward = rows["Ward 7"]
    assert (ward["stories"], ward["responses"], ward["response_rate"]) == (2, 3, 1.0)
    assert ward["median_hours_to_response"] == pytest.approx((24 + 240) / 2)
    assert (ward["unanswered_7d"], ward["unanswered_28d"], ward["changed"]) == (1, 0, 1)
    assert (ward["templated_responses"], ward["personal_responses"]) == (2, 1)
    maternity = rows["Maternity Unit"]
    assert (maternity["stories"], maternity["response_rate"], maternity["unanswered_28d"]) == (2, 0.5, 1)
    home = rows["Home Care South"]
    assert (home["median_hours_to_response"], home["templated_responses"], home["personal_responses"]) == (864, 0, 1)


def test_by_organisation(stories: Workspace) -> None:
    rows = {r["group_name"]: r for r in stories.run("feedback", by="organisation").groups.to_pylist()}
    assert set(rows) == {"Northshire NHS Trust", "Southvale Council"}
    assert (rows["Northshire NHS Trust"]["stories"], rows["Northshire NHS Trust"]["response_rate"]) == (3, 2 / 3)


def test_waiting_and_as_of(stories: Workspace) -> None:
    early = stories.run("feedback", as_of="2024-03-12T00:00")
    # on 12 March: 1001 answered; 1002, 1003, 1005 waiting (1004 not published yet but in scope); 5002 not yet out
    assert early.responses == 1
    assert early.unanswered_7d == 1  # only 1003 (published 5 March) is a week old and unanswered
    waiting = stories.run("feedback").waiting.column("story_id").to_pylist()
    assert waiting == ["1003", "1004"]


def test_openings() -> None:
    assert opening("Dear Sunflower,\n\nI am the ward manager. More.") == "I am the ward manager."
    assert is_stock("Thank you for your feedback.")
    assert is_stock("Thank you for taking the time to share your story.")
    assert not is_stock("I am sorry your mum waited so long.")


def test_repeated_openings_count_as_templated(workspace: Workspace, tmp_path: Path) -> None:
    rows = ["Story ID,Title,Story,Submitted,Author role,Services,Organisation,Response ID,Response,Response date,"
            "Responder organisation"]
    for n in range(3):
        rows.append(f"{n},t,s,2024-01-0{n + 1}T00:00:00Z,patient,S1,Org,{n}r,Lovely to hear from you. More {n}.,"
                    f"2024-01-0{n + 2}T00:00:00Z,Org")
    path = tmp_path / "repeat.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    workspace.import_files([path])
    assert workspace.run("feedback").templated_share == 1.0
