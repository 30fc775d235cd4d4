"""Each identifier recogniser: valid and invalid check digits, edge formats, service numbers."""

from __future__ import annotations

import pytest

from sociable.safety.names import ages, person_names
from sociable.safety.recognisers import (
    dates_of_birth,
    emails,
    identifiers,
    is_chi_number,
    is_hc_number,
    is_nhs_number,
    modulus10_check,
    modulus11_check,
    nhs_like_numbers,
    ni_numbers,
    phone_numbers,
    postcodes,
)


def kinds(text: str) -> list[tuple[str, str]]:
    return [(h.kind, h.text) for h in identifiers(text)]


def test_modulus11_worked_example() -> None:
    assert modulus11_check("943476591") == 9
    assert is_nhs_number("943 476 5919")


@pytest.mark.parametrize("number", ["943 476 5919", "9434765919", "943-476-5919", "401 023 2137"])
def test_valid_nhs_numbers_in_every_layout(number: str) -> None:
    assert is_nhs_number(number)
    hits = list(nhs_like_numbers(f"NHS no {number} on the letter"))
    assert [(h.kind, h.text, h.confirmed) for h in hits] == [("nhs", number, True)]


@pytest.mark.parametrize("number", ["943 476 5918", "999 123 4560", "123 456 7890", "900 000 0001"])
def test_wrong_check_digit_is_not_an_nhs_number(number: str) -> None:
    assert not is_nhs_number(number)
    assert list(nhs_like_numbers(f"NHS number {number}")) == []


def test_check_result_of_ten_means_invalid() -> None:
    # Find a nine-digit stem whose weighted sum leaves remainder 1: no tenth digit can make it valid.
    stem = next(f"{n:09d}" for n in range(400000000, 400001000) if modulus11_check(f"{n:09d}") is None)
    assert all(not is_nhs_number(stem + str(d)) for d in range(10))


def test_mixed_separators_and_longer_numbers_are_not_matched() -> None:
    assert list(nhs_like_numbers("ref 943 4765919")) == []
    assert list(nhs_like_numbers("order 94347659190")) == []


def test_bare_valid_number_is_kept_but_unconfirmed() -> None:
    (hit,) = nhs_like_numbers("booking 9434765919 done")
    assert not hit.confirmed


def test_chi_modulus11_and_modulus10() -> None:
    assert is_chi_number("0101011237")  # the catalogue's worked example
    assert modulus10_check("140352435") == 6
    assert is_chi_number("1403524356")  # passes only the newer modulus-10 check
    assert not is_nhs_number("1403524356")
    assert not is_chi_number("3202524831")  # 32 February is not a date
    assert not is_chi_number("1403524830")
    (hit,) = nhs_like_numbers("CHI 1403524356 on the form")
    assert hit.kind == "chi"


def test_hc_number_range() -> None:
    assert is_hc_number("3340756457")
    assert not is_hc_number("3340756450")  # wrong check digit
    assert not is_hc_number("9434765919")  # valid NHS number, outside the H&C range
    (hit,) = nhs_like_numbers("H&C number 3340756457")
    assert hit.kind == "hc"


@pytest.mark.parametrize("value", ["JM 48 21 67 C", "AB123456D", "PR 73 19 55 B"])
def test_valid_ni_numbers(value: str) -> None:
    assert [h.text for h in ni_numbers(f"NI {value} ok")] == [value]


@pytest.mark.parametrize(
    "value",
    ["QQ 12 34 56 A", "GB 12 34 56 A", "BG123456A", "AO 12 34 56 A", "DA 12 34 56 A", "AB 12 34 56 E", "ZZ 12 34 56 A"],
)
def test_disallowed_ni_prefixes_and_suffixes(value: str) -> None:
    assert list(ni_numbers(value)) == []


@pytest.mark.parametrize(
    "value",
    ["LS6 2QB", "M1 1AE", "EC1A 1BB", "W1A 0AX", "B33 8TH", "CR2 6XH", "DN55 1PT", "ls6 2qb", "GIR 0AA", "ZZ99 3VZ"],
)
def test_full_postcodes(value: str) -> None:
    assert [h.text for h in postcodes(f"at {value} today")] == [value]


@pytest.mark.parametrize("text", ["the LS6 area", "QA1 1AA", "LS6 2CB", "up at 5am", "on the M62 9pm"])
def test_outward_codes_and_lookalikes_are_not_postcodes(text: str) -> None:
    assert list(postcodes(text)) == []


def test_phone_numbers_mark_service_ranges() -> None:
    found = {
        h.text: h.personal
        for h in phone_numbers(
            "07700 900412, +44 7700 900123, 0113 496 0000, 0300 555 0101, 0800 169 0199, 0845 000 0000"
        )
    }
    assert found == {
        "07700 900412": True,
        "+44 7700 900123": True,
        "0113 496 0000": True,
        "0300 555 0101": False,
        "0800 169 0199": False,
        "0845 000 0000": False,
    }
    assert list(phone_numbers("call 111 or 999, or 101 for police")) == []


def test_generic_mailboxes_are_not_personal() -> None:
    found = {h.text: h.personal for h in emails("jo.bloggs77@example.com enquiries@trust.example.nhs.uk PALS@x.org")}
    assert found == {"jo.bloggs77@example.com": True, "enquiries@trust.example.nhs.uk": False, "PALS@x.org": False}
    assert list(emails("thanks @nurse_jo and @DrLee")) == []


@pytest.mark.parametrize(
    "text,value",
    [
        ("DOB 02/03/51 on file", "02/03/51"),
        ("date of birth: 2 July 1938", "2 July 1938"),
        ("D.O.B. 14.03.1952", "14.03.1952"),
        ("born on March 3rd, 1960", "March 3rd, 1960"),
    ],
)
def test_dates_of_birth_need_a_cue(text: str, value: str) -> None:
    assert [h.text for h in dates_of_birth(text)] == [value]


def test_dates_without_cue_or_about_the_author_are_not_dobs() -> None:
    assert list(dates_of_birth("clinic on 02/03/2025 as usual")) == []
    assert list(dates_of_birth("my DOB is 02/03/1980, yes I'm old")) == []
    assert list(dates_of_birth("DOB 31/13/1950")) == []


def test_ages() -> None:
    assert [(h.kind, h.text) for h in ages("an 82-year-old man, a 23yo, aged 94, a 6 weeks old baby")] == [
        ("age", "82-year-old"),
        ("age", "23yo"),
        ("age_over_89", "aged 94"),
        ("age_infant", "6 weeks old"),
    ]
    assert ages("My 5-year-old drew me; as a 38 year old nurse I know") == []


@pytest.mark.parametrize(
    "text,name",
    [
        ("bed 4's Mrs K refused her meds", "Mrs K"),
        ("Mr Ahmed on Ward 12 was readmitted", "Mr Ahmed"),
        ("Our patient Kieran Doyle was transferred", "Kieran Doyle"),
        ("Doris in bay 3 turned 100", "Doris"),
        ("post op pt in bed 14, Alan, keeps pulling", "Alan"),
    ],
)
def test_names_tied_to_care(text: str, name: str) -> None:
    assert [h.text for h in person_names(text)] == [name]


@pytest.mark.parametrize(
    "text",
    [
        "Congratulations to Sarah Jones on her promotion to matron",
        "Big thanks to Dr Patel for the teaching session",
        "Great to meet our new director of nursing, Mrs Hale, on the ward",
        "Happy Christmas everyone",
    ],
)
def test_names_of_staff_or_no_one_are_not_patient_names(text: str) -> None:
    assert person_names(text) == []


def test_overlapping_identifiers_keep_one_span() -> None:
    assert kinds("NHS 943 476 5919 and 07700 900412") == [("nhs", "943 476 5919"), ("phone", "07700 900412")]
