"""Unusual input gets a sensible answer: empty, very long, non-English, emoji-only and odd Unicode."""

from __future__ import annotations

import time

import pytest

from sociable.reports.exports import redact
from sociable.safety import check


def test_empty_post_is_ok() -> None:
    result = check("")
    assert (result.verdict, result.findings) == ("ok", ())
    assert redact("") == ""


def test_whitespace_only_post_is_ok() -> None:
    assert check(" \n\t  ").verdict == "ok"


def test_a_100_kb_post_is_checked_and_its_identifier_found_at_the_right_place() -> None:
    filler = "Lovely to see the team at the community fair today, thank you all for coming along. " * 1250
    text = filler + "Pt NHS no 943 476 5919 is on the referral."
    assert len(text.encode()) > 100_000
    started = time.perf_counter()
    result = check(text)
    assert time.perf_counter() - started < 10
    assert result.verdict == "do not post"
    [finding] = [f for f in result.findings if f.category == "R1"]
    assert text[finding.start : finding.end] == "943 476 5919"


@pytest.mark.parametrize(
    "text",
    [
        "Diolch i bawb a ddaeth i'r digwyddiad heddiw, roedd yn wych gweld cymaint o wynebau newydd.",
        "Dziękujemy wszystkim za udział w dzisiejszym spotkaniu zespołu pielęgniarek.",
        "شكراً لجميع الممرضات على عملهن الرائع هذا الأسبوع",
        "感谢所有护士本周的辛勤工作",
        "Merci à toutes les équipes de soins à domicile pour leur travail cette semaine.",
    ],
)
def test_ordinary_posts_in_other_languages_are_ok(text: str) -> None:
    result = check(text)
    assert (result.verdict, result.findings) == ("ok", ())


def test_an_identifier_inside_non_english_text_is_still_found() -> None:
    result = check("Numer NHS pacjenta 943 476 5919 jest na skierowaniu.")
    assert [f.text for f in result.findings if f.category == "R1"] == ["943 476 5919"]


@pytest.mark.parametrize("text", ["😀" * 500, "🏥👩‍⚕️💙🙌🏽" * 40, "🇬🇧", "\u200d\u200b\u2060" * 10])
def test_emoji_only_posts_are_ok(text: str) -> None:
    result = check(text)
    assert (result.verdict, result.findings) == ("ok", ())
    assert redact(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "\ud800 lone surrogate",
        "İstanbul ſtreet ıi",
        "combining e\u0301\u0301\u0301",
        "\x00\x01\x02 control",
        "‮reversed",
    ],
)
def test_odd_unicode_does_not_raise(text: str) -> None:
    assert check(text).verdict in {"ok", "advice", "think again", "do not post"}


def test_emoji_next_to_a_risk_keeps_exact_spans() -> None:
    text = "🙄🙄 bed 4 is a total bed blocker 🙄"
    result = check(text)
    assert result.flagged
    assert all(text[f.start : f.end] == f.text for f in result.findings)
