"""check(), check_many(), redact() and the guidance catalogue."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sociable.reports.exports import redact
from sociable.safety import CheckResult, UnknownProfession, catalogue, check, check_many
from sociable.safety.rules import rules


def test_json_schema_is_stable() -> None:
    result = check("Can someone read this? NHS no 943 476 5919, DOB 02/03/51", id="d1")
    data = json.loads(result.to_json())
    assert list(data) == ["id", "verdict", "findings"]
    assert data["id"] == "d1" and data["verdict"] == "do not post"
    for finding in data["findings"]:
        assert list(finding) == ["category", "severity", "start", "end", "text", "why", "principles", "suggestion"]
    assert [(f["category"], f["text"], f["suggestion"]) for f in data["findings"]] == [
        ("R1", "943 476 5919", "[NHS NUMBER]"),
        ("R1", "02/03/51", "[DATE OF BIRTH]"),
    ]


def test_ok_post_has_no_findings() -> None:
    result = check("Flu clinic on Saturday at the health centre, all welcome 💉")
    assert (result.verdict, result.findings, result.flagged) == ("ok", (), False)


def test_verdict_is_the_worst_finding() -> None:
    result = check("Our new hub is at 12 Market Street, LS1 4AB. Management are clueless though")
    assert [f.severity for f in result.findings] == ["advice", "think again"]
    assert result.verdict == "think again" and result.flagged


@pytest.mark.parametrize(
    "profession,bodies",
    [
        ("nurse", {"NMC", "RCN", "NHSE"}),
        ("midwife", {"NMC", "RCN", "NHSE"}),
        ("social worker", {"SWE", "SSSC"}),
        ("doctor", {"GMC", "BMA"}),
        ("paramedic", {"HCPC"}),
        ("AHP", {"HCPC"}),
    ],
)
def test_principles_follow_the_profession(profession: str, bodies: set[str]) -> None:
    result = check("Another frequent flyer in majors tonight, why do we bother", profession)
    finding = next(f for f in result.findings if f.category == "R5")
    assert finding.principles and {p.rsplit("-", 1)[0] for p in finding.principles} <= bodies


def test_without_profession_principles_span_bodies() -> None:
    (finding,) = check("Another frequent flyer in majors tonight").findings
    assert len({p.split("-")[0] for p in finding.principles}) == len(finding.principles) == 3


def test_unknown_profession_is_a_clear_error() -> None:
    with pytest.raises(UnknownProfession, match="astronaut"):
        check("hello", "astronaut")


def test_catalogue_is_complete() -> None:
    cat = catalogue()
    assert sorted(cat.categories, key=lambda c: int(c[1:])) == [f"R{i}" for i in range(1, 14)]
    assert all(cat.principles_for(c) for c in cat.categories)
    assert {r.category for r in rules()} == {f"R{i}" for i in range(3, 14)}


def test_check_many_keeps_ids_and_order() -> None:
    results = list(check_many([("a", "Kettle on ☕"), ("b", "@jo_88 take double ibuprofen and skip the GP")]))
    assert [(r.id, r.flagged) for r in results] == [("a", False), ("b", True)]
    assert results[1].categories == ("R9",)


def test_redact_replaces_identifiers_and_keeps_service_numbers() -> None:
    text = "Mrs K at LS6 2QB, NHS 943 476 5919, DOB 02/03/51, 07700 900412, jo.b@example.com; PALS 0300 555 0101"
    assert redact(text) == (
        "[NAME] at [POSTCODE], NHS [NHS NUMBER], DOB [DATE OF BIRTH], [PHONE], [EMAIL]; PALS 0300 555 0101"
    )


def test_jigsaw_needs_two_details_about_one_person() -> None:
    flagged = check("On shift tonight: a 94 year old retired vicar from Whitby with a broken hip")
    assert "R2" in flagged.categories and flagged.flagged
    assert not check("Cared for lots of people with heart failure this week").findings
    assert not check("Scenario: a 70-year-old with sepsis in ED at 3am. What first?").findings


@pytest.mark.parametrize(
    "text",
    [
        "I'm 42 and just got diagnosed with diabetes, any tips?",
        "#ad Paid partnership with a vitamin brand. Ask your GP before taking supplements",
        "I disagree with @DrLee on this; the trial data don't support it",
        "We're recruiting nurses for Ward 7, apply now!",
        "Our switchboard is 0113 496 0000",
        "Test NHS number 999 123 4560 for the training system",
        "We must stop calling people bed blockers",
    ],
)
def test_near_misses_stay_quiet(text: str) -> None:
    assert not check(text).flagged


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_spans_always_match_the_text(text: str) -> None:
    result = check(text)
    assert isinstance(result, CheckResult)
    for f in result.findings:
        assert text[f.start : f.end] == f.text and f.start < f.end


def test_non_text_input_is_refused_with_a_sentence() -> None:
    with pytest.raises(TypeError, match="needs the post as text"):
        check(42)  # type: ignore[arg-type]
