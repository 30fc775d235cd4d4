"""Themes: posts grouped by meaning with the shipped embedding, named by their distinctive words."""

from __future__ import annotations

import numpy as np
import pytest

from sociable.text import embed
from sociable.text.themes import choose_k, find_themes, name_groups, silhouette

PARKING = ["the car park at the hospital is full again", "car park charges went up, three pounds an hour now",
           "no spaces in the car park, drove round for 40 minutes", "why is the hospital car park always full",
           "parking permit for staff still not sorted", "car park barrier broken, queue out to the road",
           "paid for parking and the machine ate my coins", "disabled bays in the car park taken by vans",
           "car park lights out by the maternity entrance", "they want more for parking than my bus fare",
           "the multi storey car park is closed for repairs", "parking fines for staff on night shifts",
           "car park ticket machine only takes cards now", "car park was gridlocked at visiting time",
           "parking on the grass verge again because the car park is full"]
VACCINE = ["flu jab clinic on saturday at the health centre", "booked my covid booster at the pharmacy",
           "walk in vaccination clinic this weekend, no appointment needed", "got my flu vaccine today, sore arm",
           "children's nasal flu spray at school next week", "covid booster invitation came by text",
           "vaccine clinic queue was quick and friendly", "where can I get a flu jab without booking",
           "second dose of the shingles vaccine done", "pharmacy ran out of flu vaccines",
           "booster jabs for over 75s start monday", "my mum had her covid jab at the surgery",
           "is the vaccine clinic open on sunday", "nurses at the jab clinic were brilliant",
           "rsv vaccine offered to pregnant women from this month"]
PRAISE = ["huge thanks to the staff on ward 7, so kind", "the midwives were amazing, thank you",
          "thank you to the paramedics who looked after my dad", "nurses on the children's ward are heroes",
          "so grateful to the team in intensive care", "the porter made my gran smile, thank you",
          "brilliant care from the district nurses this week", "thank you to everyone in a&e last night",
          "the physio team got me walking again, thank you", "kind words from the receptionist made my day",
          "amazing care at the hospice for my aunt", "the cleaners on ward 3 deserve a medal",
          "thank you nhs staff for looking after my son", "incredible kindness from the night staff",
          "so thankful for the stroke team's care"]


def test_three_obvious_topics_are_found_and_named() -> None:
    texts = PARKING + VACCINE + PRAISE
    found = find_themes(texts)
    assert found.k == 3 and found.grouped == 45 and found.silhouette is not None
    groups = [set(t.members) for t in found.themes]
    for topic in (set(range(0, 15)), set(range(15, 30)), set(range(30, 45))):
        best = max(groups, key=lambda g: len(g & topic))
        assert len(best & topic) >= 12, (topic, groups)
    names = " | ".join(t.name for t in found.themes)
    assert "car park" in names and ("flu" in names or "vaccine" in names or "clinic" in names)
    assert "thank" in names or "staff" in names or "care" in names
    for theme in found.themes:
        assert 1 <= len(theme.examples) <= 3 and set(theme.examples) <= set(theme.members)
        assert 0 < theme.cohesion <= 1


def test_same_posts_same_themes() -> None:
    texts = PRAISE + PARKING
    a, b = find_themes(texts), find_themes(texts)
    assert [(t.members, t.terms) for t in a.themes] == [(t.members, t.terms) for t in b.themes]


def test_few_posts_make_one_theme_and_empty_posts_are_left_out() -> None:
    found = find_themes(["car park full again", "car park full today", "", "car park full, no spaces", "https://t.co/x"])
    assert found.k == 1 and found.grouped == 3
    assert found.themes[0].name.startswith("car park, full") and found.themes[0].members == (0, 1, 3)
    assert find_themes(["", None, "hi"]).themes == ()


def test_silhouette_matches_the_reference() -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    x = embed(PARKING + VACCINE)
    labels = np.array([0] * 15 + [1] * 15)
    assert silhouette(x, labels) == pytest.approx(metrics.silhouette_score(x, labels, metric="cosine"), abs=1e-5)


def test_k_is_one_when_there_is_too_little_to_divide() -> None:
    x = embed(PARKING)
    assert choose_k(x, 8, np.random.default_rng(7)) == (1, None)


def test_names_prefer_distinctive_terms() -> None:
    terms = [{"car", "park", "car park", "hospital"}] * 3 + [{"flu", "jab", "flu jab", "hospital"}] * 3
    names = name_groups(terms, np.array([0, 0, 0, 1, 1, 1]), 2)
    assert names[0][0] == "car park" and "hospital" not in names[0]
    assert names[1][0] == "flu jab"
