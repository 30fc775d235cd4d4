"""Names with the real named-entity model, phones and dates of birth as people write them, and the
labelled names set (tests/safety/names_set.jsonl: our own posts, a dev half and a held-out half)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sociable.reports.exports import redact
from sociable.safety import check, check_many
from sociable.safety.findings import FLAGS
from sociable.safety.names import person_names, place_names, who
from sociable.safety.ner import Entity, entities, entities_many, may_name, pipeline
from sociable.safety.prefilter import Scan
from sociable.safety.recognisers import dates_of_birth, identifiers, phone_numbers

NAMES_SET = Path(__file__).with_name("names_set.jsonl")


def names(text: str) -> list[str]:
    return [h.text for h in person_names(text)]


def test_the_model_loads_offline_from_its_package() -> None:
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    nlp = pipeline()
    assert "ner" in nlp.pipe_names and "parser" not in nlp.pipe_names
    assert pipeline() is nlp  # loaded once


def test_the_model_finds_people_and_places() -> None:
    found = entities("Kwame Mensah flew from Lagos to Manchester on Friday")
    assert Entity("person", 0, 12, "Kwame Mensah") in found
    assert {e.text for e in found if e.label == "place"} >= {"Lagos", "Manchester"}
    assert [h.text for h in place_names("Kwame Mensah flew from Lagos to Manchester on Friday")] == [
        "Lagos", "Manchester"
    ]


def test_batches_give_what_single_posts_give() -> None:
    texts = ["Priya Raman in bed 4 is asking for tea", "lol ok", "Thanks to Sister Ama Owusu for today"]
    assert entities_many(texts) == [entities(t) for t in texts]


def test_may_name_is_cheap_and_quiet_on_everyday_capitals() -> None:
    assert not may_name("The ward was busy. I'm tired. Thanks all")
    assert may_name("Priya in bay 2")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Kwame Mensah in bed 3 pressed his buzzer all night", "Kwame Mensah"),  # not in the name list
        ("Discharged Agnieszka home today after six weeks with us", "Agnieszka"),
        ("Our patient Priya Raman was transferred to the stroke unit", "Priya Raman"),
        ("Mr Okonkwo on ward 12 refused his insulin again", "Mr Okonkwo"),
        ("Guess who's back in bay 3, bed 2 on Heron ward... Mrs Kemi Atkinson, third time", "Mrs Kemi Atkinson"),
    ],
)
def test_patients_are_named(text: str, name: str) -> None:
    assert name in names(text)
    assert check(text).verdict == "do not post"


@pytest.mark.parametrize(
    ("text", "name", "role"),
    [
        ("Huge thanks to Sister Adaeze Okafor for covering the shift on the ward", "Adaeze Okafor", "staff"),
        ("Hi I'm Grace Adeyemi, newly qualified RN on the acute medical unit", "Grace Adeyemi", "author"),
        ("President Joe Biden was admitted to hospital, reports say", "Joe Biden", "public"),
        ("RIP Bobby Charlton, deceased at 86, a legend of the game", "Bobby Charlton", "public"),
        ("Tomasz Nowak in bay 4 is asking for his wife", "Tomasz Nowak", "patient"),
    ],
)
def test_who_a_name_belongs_to(text: str, name: str, role: str) -> None:
    start = text.index(name)
    assert who(Scan(text), start, start + len(name)) == role


@pytest.mark.parametrize(
    "text",
    [
        "Welcome to our new matron Siobhan Kelly, starting on the ward Monday!",
        "RIP Bobby Charlton, deceased at 86. A legend of the game, thoughts with the family",
        "Queen Elizabeth has died aged 96, the BBC reported. Flags at half mast across the trust",
        "Sending prayers to the Gifford family on Frank Gifford's passing. RIP",
    ],
)
def test_colleagues_authors_and_public_figures_stay_quiet(text: str) -> None:
    assert not check(text).flagged, check(text).findings


@pytest.mark.parametrize(
    ("text", "number", "personal"),
    [
        ("call me on (212) 555-0142 tonight", "(212) 555-0142", True),
        ("her cell is 212.555.0142", "212.555.0142", True),
        ("+1 212 555 0142 is her number", "+1 212 555 0142", True),
        ("toll free 1-800-555-0199", "1-800-555-0199", False),
        ("Mobile: +33 6 12 34 56 78", "+33 6 12 34 56 78", True),
        ("+49 (0)30 1234567 for the family", "+49 (0)30 1234567", True),
        ("Phone: 780 6326", "780 6326", True),
        ("07700.900.123 is mum's", "07700.900.123", True),
        ("ring 0300 123 7000", "0300 123 7000", False),
    ],
)
def test_phone_shapes(text: str, number: str, personal: bool) -> None:
    assert [(h.text, h.personal) for h in phone_numbers(text)] == [(number, personal)]


def test_a_phone_shaped_number_passing_the_nhs_check_is_a_phone() -> None:
    assert [(h.kind, h.text) for h in identifiers("call 943-476-5919 please")] == [("phone", "943-476-5919")]
    assert [(h.kind, h.text) for h in identifiers("ring +1 943 476 5919")] == [("phone", "+1 943 476 5919")]
    assert [(h.kind, h.text) for h in identifiers("NHS no 943-476-5919")] == [("nhs", "943-476-5919")]
    assert [(h.kind, h.text) for h in identifiers("pt 943 476 5919")] == [("nhs", "943 476 5919")]


@pytest.mark.parametrize(
    ("text", "dob"),
    [
        ("She was born on 2/16/1942 in Ohio", "2/16/1942"),
        ("What is your DOB? It's 6/24/1991", "6/24/1991"),
        ("DOB 1951-03-02 on the form", "1951-03-02"),
        ("date of birth on the referral is 14.02.1939", "14.02.1939"),
        ("born June 3, 1950, retired bus driver", "June 3, 1950"),
    ],
)
def test_dates_of_birth_as_people_write_them(text: str, dob: str) -> None:
    assert [h.text for h in dates_of_birth(text)] == [dob]


@pytest.mark.parametrize(
    "text",
    ["I was born on 2/16/1942", "Born on 4 July 1990, so yes my birthday is a bank holiday", "Meeting on 12/11/2019"],
)
def test_the_authors_own_birthday_and_other_dates_are_not_dates_of_birth(text: str) -> None:
    assert list(dates_of_birth(text)) == []


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("Mary, 82, from Bexhill was admitted to Ward 7 after a fall on Church Road",
         "from the area was admitted to a ward after an accident on a local street"),
        ("Just admitted a 102 year old lady to Ward 3, sharpest woman I've met", "lady to a ward"),
        ("Police officer from our town came into A&E tonight after the stabbing, 42, stable now",
         "Someone from our town came into A&E recently after an incident"),
    ],
)
def test_jigsaw_suggestions_read_as_english(text: str, suggestion: str) -> None:
    (finding,) = [f for f in check(text).findings if f.category == "R2"]
    assert finding.suggestion == suggestion


def test_news_and_check_ins_are_not_jigsaw_detail() -> None:
    assert not check("15-year-old Swedish boy stabbed to death by refugee classmate - police say").flagged
    assert not check("These babies grown fast. Vera is 8 years old today! @ John Street Cafe").flagged


def test_lets_all_is_a_pile_on_only_with_a_target() -> None:
    assert not check("Let's all take a deep breath and relax this Christmas").flagged
    assert "R7" in check("Let's all flood @SWManagerJo's mentions until she backs down").categories


def test_redaction_takes_every_name_whoever_it_is() -> None:
    assert redact("Thanks to Sister Adaeze Okafor and Kwame Mensah") == "Thanks to Sister [NAME] and [NAME]"
    assert redact("my name is Ama Owusu") == "my name is [NAME]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a middle initial makes a name of words nobody listed
        ("Referral letter signed by Oluwaseun T Adeyemi yesterday", "Referral letter signed by [NAME] yesterday"),
        ("Forms from Wiktoria K. Zielińska arrived", "Forms from [NAME] arrived"),
        # ... but not a vitamin, a plan or a ward
        ("Low Vitamin D Levels again", "Low Vitamin D Levels again"),
        # a post written in lower case names its author in lower case
        ("hi all, my name is tomasz nowak and i'm new here", "hi all, my name is [NAME] and i'm new here"),
        ("everyone calls me bash", "everyone calls me [NAME]"),
        # a name at the head of an address is a person, the street under it is not
        ("Send it to:\nGrazyna Wozniak  14 Mill Lane  Leeds", "Send it to:\n[NAME]  14 Mill Lane  Leeds"),
    ],
)
def test_redaction_reads_name_shapes(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_a_person_the_model_calls_an_organisation_is_still_a_person() -> None:
    from sociable.safety.names import _person_mislabelled

    assert _person_mislabelled(Entity("org", 0, 13, "Hanna Ukkonen"))
    assert not _person_mislabelled(Entity("org", 0, 19, "Russell Investments"))
    assert not _person_mislabelled(Entity("place", 0, 13, "Victoria Park"))
    assert not _person_mislabelled(Entity("person", 0, 13, "Hanna Ukkonen"))
    assert _person_mislabelled(Entity("org", 0, 5, "Scott"))
    assert not _person_mislabelled(Entity("place", 0, 6, "France"))  # a given name too, but the model says place
    assert redact("She named him Tomasz") == "She named him [NAME]"


def test_check_many_gives_the_same_results_as_check() -> None:
    rows = [json.loads(line) for line in NAMES_SET.read_text(encoding="utf-8").splitlines()]
    pairs = [(r["id"], r["text"]) for r in rows]
    assert [r.to_dict() for r in check_many(pairs)] == [check(t, id=i).to_dict() for i, t in pairs]


def _scores(half: str) -> tuple[int, int, int, int, int]:
    rows = [json.loads(line) for line in NAMES_SET.read_text(encoding="utf-8").splitlines()]
    tp = fp = fn = spans = found = 0
    for row in (r for r in rows if r["half"] == half):
        result = check(row["text"])
        tp += row["flag"] and result.flagged
        fn += row["flag"] and not result.flagged
        fp += not row["flag"] and result.flagged
        for span in row["spans"]:
            start = row["text"].index(span["text"])
            end = start + len(span["text"])
            spans += 1
            found += any(f.start < end and start < f.end for f in result.findings if f.severity in FLAGS)
    return tp, fp, fn, spans, found


@pytest.mark.parametrize("half", ["dev", "holdout"])
def test_names_set(half: str) -> None:
    tp, fp, fn, spans, found = _scores(half)
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    assert precision >= 0.9 and recall >= 0.9, (half, tp, fp, fn)
    assert found / spans >= 0.9, (half, found, spans)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the sentence says who is a person, whether or not anyone listed the word
        ('"Not again," said Oluwadamilare to Bartosz', '"Not again," said [NAME] to [NAME]'),
        ("She shouted at Tavita: come back!", "She shouted at [NAME]: come back!"),
        ("Picked up my daughter Ngozi from school", "Picked up my daughter [NAME] from school"),
        ("It was Bartosz's wife who rang", "It was [NAME]'s wife who rang"),
        ("Please ask for ms. Adaeze at the desk", "Please ask for ms. [NAME] at the desk"),
        ("Kalani lives on the corner of our street", "[NAME] lives on the corner of our street"),
        ("Dorothea, could you send me the rota?", "[NAME], could you send me the rota?"),
    ],
)
def test_redaction_takes_names_the_sentence_marks(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_redaction_takes_the_speakers_of_a_transcript() -> None:
    text = "Sarah: is that you?\nOluwadamilare: yes, running late\nSarah: again?"
    assert redact(text) == "[NAME]: is that you?\n[NAME]: yes, running late\n[NAME]: again?"
    assert redact("mary: where are my keys\nkalani: in the car") == "[NAME]: where are my keys\n[NAME]: in the car"
    # roles and labels are not speakers' names
    transcript = "Me: any pain today?\nPatient: only when I laugh"
    assert redact(transcript) == transcript
    assert redact("Update: Sarah: all fine") == "Update: [NAME]: all fine"


def test_redaction_takes_names_listed_beside_a_name() -> None:
    assert redact("Thanks to Jennifer, Oluwadamilare and Bartosz for today") == (
        "Thanks to [NAME], [NAME] and [NAME] for today"
    )
    assert redact("we had 5 round: jennifer, tavita, kalani, ngozi and michael.") == (
        "we had 5 round: [NAME], [NAME], [NAME], [NAME] and [NAME]."
    )
    # a list of words in lower case is not a list of names because one of them is
    assert redact("me and jennifer, ugh, what a shift") == "me and [NAME], ugh, what a shift"


@pytest.mark.parametrize(
    "text",
    [
        "Sister, can you cover bay 3?",
        "Matron, please sign the off duty",
        "told Matron and Sister about it",
        "said Mum to Dad on the way in",
        "Thanks to Theatre and Recovery for today",
        "Jennifer and Ward 4 were slammed tonight",
        "he told Bexhill Hospital about the fall",
        "Vodafone, can you fix my signal please",
        "Boris said Google is down again",
        "The Clark, Romero and Hall Orchestra played on the ward",
    ],
)
def test_cues_leave_roles_places_and_firms_alone(text: str) -> None:
    redacted = redact(text)
    for word in ("Sister", "Matron", "Mum", "Dad", "Theatre", "Recovery", "Ward 4", "Bexhill Hospital", "Vodafone",
                 "Google", "Hall Orchestra"):
        if word in text:
            assert word in redacted, redacted


@pytest.mark.parametrize("text", [
    "Ramadan Mubarak to all our patients observing 🌙 if you take regular medicines, ask our pharmacist about fasting",
    "Eid Mubarak to every patient and family on Ward 6 from all the staff",
    "Happy Diwali to our patients and their families from the renal unit 🪔",
])
def test_a_festival_greeting_to_patients_is_no_name(text: str) -> None:
    assert not [f for f in check(text).findings if f.category == "R1"]


def test_a_titled_surname_that_is_also_a_greeting_is_still_a_name() -> None:
    assert any(f.category == "R1" and f.text == "Mr Mubarak"
               for f in check("Mr Mubarak in bed 4 was discharged today, lovely man").findings)


def test_labels_heading_lines_of_data_are_no_speakers() -> None:
    for text in ("Red: 2 wards\nAmber: 3 wards\nGreen: all the rest", "Jan: 120\nFeb: 98\nMar: 143",
                 "Maria: morning all\nUpdate: bay 4 is closed to admissions"):
        redacted = redact(text)
        for line in text.splitlines():
            label = line.split(":")[0]
            if label != "Maria":
                assert any(row.startswith(f"{label}:") for row in redacted.splitlines()), redacted
    assert redact("Maria: morning all\nUpdate: bay 4 is closed").startswith("[")


def test_a_list_of_names_is_followed_to_its_end() -> None:
    redacted = redact("said Nowak to Okafor, Hughes and Jones")
    assert "Nowak" not in redacted and "Okafor" not in redacted and "Jones" not in redacted, redacted
