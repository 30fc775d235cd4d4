"""Property tests for the identifier validators, against independent implementations of each rule."""

from __future__ import annotations

from datetime import date

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sociable.safety.recognisers import (
    is_chi_number,
    is_hc_number,
    is_nhs_number,
    nhs_like_numbers,
    ni_numbers,
    postcodes,
)

DIGITS = st.text(alphabet="0123456789", min_size=9, max_size=9)
LAYOUTS = ("{0}{1}{2}", "{0} {1} {2}", "{0}-{1}-{2}")


def mod11(nine: str) -> int | None:
    """The NHS check digit as the NHS Data Dictionary states it, written independently of the recogniser."""
    remainder = sum(int(d) * (10 - i) for i, d in enumerate(nine)) % 11
    check = 11 - remainder
    return None if check == 10 else (0 if check == 11 else check)


def luhn_style(nine: str) -> int:
    """The newer CHI check digit: double every other digit from the first, sum the digits, round up to ten."""
    total = 0
    for i, d in enumerate(nine):
        value = int(d) * (2 if i % 2 == 0 else 1)
        total += value // 10 + value % 10
    return (10 - total % 10) % 10


def spaced(number: str, layout: str) -> str:
    return layout.format(number[:3], number[3:6], number[6:])


@st.composite
def nhs_numbers(draw: st.DrawFn) -> str:
    nine = draw(DIGITS.filter(lambda d: mod11(d) is not None))
    return nine + str(mod11(nine))


@given(nhs_numbers(), st.sampled_from(LAYOUTS))
def test_every_valid_nhs_number_is_accepted_in_every_layout(number: str, layout: str) -> None:
    text = spaced(number, layout)
    assert is_nhs_number(text)
    hits = list(nhs_like_numbers(f"NHS no {text} on the referral"))
    assert [(h.kind, h.text, h.confirmed) for h in hits] == [("nhs", text, True)]


@given(nhs_numbers(), st.integers(0, 9), st.integers(1, 9))
def test_every_single_digit_change_is_rejected(number: str, position: int, step: int) -> None:
    digits = list(number)
    digits[position] = str((int(digits[position]) + step) % 10)
    changed = "".join(digits)
    assert not is_nhs_number(changed)
    assert not list(nhs_like_numbers(f"NHS no {spaced(changed, '{0} {1} {2}')} on the referral"))


@given(nhs_numbers(), st.integers(0, 8))
def test_adjacent_transpositions_that_change_the_check_are_rejected(number: str, position: int) -> None:
    digits = list(number)
    assume(digits[position] != digits[position + 1])
    digits[position], digits[position + 1] = digits[position + 1], digits[position]
    swapped = "".join(digits)
    expected = mod11(swapped[:9])
    assert is_nhs_number(swapped) == (expected is not None and expected == int(swapped[9]))
    if position < 8:  # within the weighted digits a swap always moves the sum by a non-multiple of 11
        assert not is_nhs_number(swapped)


@given(st.integers(320000001, 399999999))
def test_hc_numbers_are_the_northern_ireland_range_with_a_valid_check(nine: int) -> None:
    check = mod11(str(nine))
    assume(check is not None)
    number = f"{nine}{check}"
    assert is_hc_number(number)
    hits = list(nhs_like_numbers(f"H&C number {spaced(number, '{0} {1} {2}')} on the form"))
    assert [h.kind for h in hits] == ["hc"]


@given(st.integers(100000000, 319999999) | st.integers(400000000, 999999999))
def test_numbers_outside_the_hc_range_are_not_hc(nine: int) -> None:
    check = mod11(str(nine))
    assume(check is not None)
    assert not is_hc_number(f"{nine}{check}")


@st.composite
def chi_numbers(draw: st.DrawFn) -> str:
    born = draw(st.dates(min_value=date(1920, 1, 1), max_value=date(2019, 12, 31)))
    nine = born.strftime("%d%m%y") + draw(st.text(alphabet="0123456789", min_size=3, max_size=3))
    check = mod11(nine) if draw(st.booleans()) else luhn_style(nine)
    assume(check is not None)
    return f"{nine}{check}"


@given(chi_numbers(), st.sampled_from(["{0}{1}{2}", "{0}{1} {2}", "{0}{1}-{2}"]))
def test_every_valid_chi_number_is_accepted(number: str, layout: str) -> None:
    text = layout.format(number[:3], number[3:6], number[6:])
    assert is_chi_number(text)
    hits = list(nhs_like_numbers(f"CHI {text} for the clinic letter"))
    assert [(h.kind, h.text) for h in hits] == [("chi", text)]


@given(chi_numbers(), st.integers(6, 9), st.integers(1, 9))
def test_chi_digit_changes_pass_only_when_a_check_still_holds(number: str, position: int, step: int) -> None:
    digits = list(number)
    digits[position] = str((int(digits[position]) + step) % 10)
    changed = "".join(digits)
    still_valid = int(changed[9]) in (mod11(changed[:9]), luhn_style(changed[:9]))
    assert is_chi_number(changed) == still_valid


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_chi_needs_a_real_date(number: str) -> None:
    day, month = int(number[:2]), int(number[2:4])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        assert not is_chi_number(number)


# ---- National Insurance numbers -------------------------------------------------------------

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
NOT_ALLOCATED = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def nino_allowed(first: str, second: str, suffix: str) -> bool:
    """HMRC's rules: no D, F, I, Q, U or V in either letter, no O second, seven prefixes never used, suffix A–D."""
    return (
        first not in "DFIQUV" and second not in "DFIQUVO" and first + second not in NOT_ALLOCATED and suffix in "ABCD"
    )


@given(
    st.sampled_from(LETTERS),
    st.sampled_from(LETTERS),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.sampled_from("ABCDEFZ"),
    st.booleans(),
)
def test_ni_numbers_follow_the_prefix_and_suffix_rules(
    first: str, second: str, digits: str, suffix: str, spaced_out: bool
) -> None:
    body = f"{digits[:2]} {digits[2:4]} {digits[4:]} " if spaced_out else digits
    value = f"{first}{second}{' ' if spaced_out else ''}{body}{suffix}"
    found = [h.text for h in ni_numbers(f"NI number {value} on the benefits form")]
    assert found == ([value] if nino_allowed(first, second, suffix) else [])


# ---- postcodes ------------------------------------------------------------------------------

FIRST = "ABCDEFGHIJKLMNOPRSTUWYZ"  # never Q, V or X
SECOND = "ABCDEFGHKLMNOPQRSTUVWXY"  # never I, J or Z
THIRD = "ABCDEFGHJKPSTUW"  # the letter in A9A
INWARD = "ABDEFGHJLNPQRSTUWXYZ"  # never C, I, K, M, O or V


@st.composite
def full_postcodes(draw: st.DrawFn) -> str:
    digit = st.sampled_from("0123456789")
    shape = draw(st.sampled_from(["A9", "A99", "AA9", "AA99", "A9A", "AA9A"]))
    outward = draw(st.sampled_from(FIRST))
    if shape.startswith("AA"):
        outward += draw(st.sampled_from(SECOND))
    outward += draw(st.sampled_from("123456789"))
    if shape.endswith("99"):
        outward += draw(digit)
    elif shape == "A9A":
        outward += draw(st.sampled_from(THIRD))
    elif shape == "AA9A":
        outward += draw(st.sampled_from("ABEHMNPRVWXY"))
    inward = draw(digit) + draw(st.sampled_from(INWARD)) + draw(st.sampled_from(INWARD))
    return f"{outward} {inward}"


@settings(max_examples=200)
@given(full_postcodes(), st.booleans())
def test_every_full_postcode_is_found_with_or_without_its_space(postcode: str, squeezed: bool) -> None:
    value = postcode.replace(" ", "") if squeezed else postcode
    assert [h.text for h in postcodes(f"Home visit at {value} this morning")] == [value]


@given(full_postcodes())
def test_an_outward_code_alone_is_not_a_postcode(postcode: str) -> None:
    outward = postcode.split()[0]
    assert list(postcodes(f"Clinics across {outward} this week")) == []


@given(full_postcodes(), st.sampled_from("CIKMOV"))
def test_inward_codes_never_use_the_excluded_letters(postcode: str, letter: str) -> None:
    broken = postcode[:-1] + letter
    assert list(postcodes(f"Home visit at {broken} this morning")) == []
