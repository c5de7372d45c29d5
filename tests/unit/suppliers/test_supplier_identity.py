from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.suppliers.api.schemas import SupplierCreate
from services.suppliers.domain.errors import InvalidIdentityError
from services.suppliers.domain.identity import (
    BinProblem,
    bin_check_digit,
    bin_problem,
    is_valid_bin,
    is_valid_country,
    normalize_country,
    parse_country_list,
    validate_bin,
)
from services.suppliers.testdata import make_bin

# Worked by hand, weights 1..11 first:
#   950101400012: 9*1 + 5*2 + 0*3 + 1*4 + 0*5 + 1*6 + 4*7 + 0*8 + 0*9 + 0*10 + 1*11 = 68; 68 mod 11 = 2
#   050340001235: 0 + 5*2 + 0 + 3*4 + 4*5 + 0 + 0 + 0 + 1*9 + 2*10 + 3*11 = 104; 104 mod 11 = 5
FIRST_PASS_BINS = ["950101400012", "050340001235"]

# First pass gives 10, so weights 3,4,5,6,7,8,9,10,11,1,2 decide:
#   123456789013: 1+4+9+16+25+36+49+64+81+0+11 = 296 -> 10;
#                 1*3+2*4+3*5+4*6+5*7+6*8+7*9+8*10+9*11+0*1+1*2 = 377; 377 mod 11 = 3
#   071240004562: 0+7*2+1*3+2*4+4*5+0+0+0+4*9+5*10+6*11 = 197 -> 10;
#                 0+7*4+1*5+2*6+4*7+0+0+0+4*11+5*1+6*2 = 134; 134 mod 11 = 2
SECOND_PASS_BINS = ["123456789013", "071240004562"]

# 6050000000x: first 6*1 + 5*3 = 21 -> 10; second 6*3 + 5*5 = 43 -> 10: no check digit exists.
UNRESOLVABLE_PREFIX = "60500000000"

# Full-width digits pass str.isdigit() but are not BIN digits.
FULLWIDTH_BIN = "".join(chr(ord(ch) + 0xFEE0) for ch in "950101400012")


@pytest.mark.parametrize("value", FIRST_PASS_BINS)
def test_a_bin_whose_first_weighted_sum_gives_the_12th_digit_is_valid(value: str) -> None:
    assert bin_problem(value) is None
    assert is_valid_bin(value)
    assert validate_bin(value) == value


@pytest.mark.parametrize("value", SECOND_PASS_BINS)
def test_a_bin_needing_the_second_weights_is_valid_when_they_give_the_12th_digit(value: str) -> None:
    assert bin_check_digit(value[:11]) == int(value[11])
    assert is_valid_bin(value)


def test_a_wrong_12th_digit_is_a_bad_check_digit() -> None:
    assert bin_problem("950101400013") is BinProblem.BAD_CHECK_DIGIT


def test_a_wrong_12th_digit_on_the_second_weights_path_is_a_bad_check_digit() -> None:
    # The first pass result 10 must never be read as check digit 0.
    assert bin_problem("123456789010") is BinProblem.BAD_CHECK_DIGIT
    assert bin_problem("123456789014") is BinProblem.BAD_CHECK_DIGIT


@pytest.mark.parametrize("last_digit", "0123456789")
def test_a_bin_whose_both_weighted_sums_give_ten_is_unresolvable(last_digit: str) -> None:
    assert bin_check_digit(UNRESOLVABLE_PREFIX) is None
    assert bin_problem(UNRESOLVABLE_PREFIX + last_digit) is BinProblem.UNRESOLVABLE


@pytest.mark.parametrize("value", ["", "95010140001", "9501014000120", "1"])
def test_a_bin_of_other_than_12_digits_is_rejected_for_its_length(value: str) -> None:
    assert bin_problem(value) is BinProblem.NOT_12_DIGITS


@pytest.mark.parametrize("value", ["95010140001A", "9501-0140001", "950101 40001", FULLWIDTH_BIN, "95010140001\u00b2"])
def test_a_bin_with_anything_but_ascii_digits_is_rejected_as_non_digit(value: str) -> None:
    assert bin_problem(value) is BinProblem.NON_DIGIT


def test_validate_bin_strips_surrounding_whitespace() -> None:
    assert validate_bin("  950101400012\n") == "950101400012"


def test_validate_bin_names_the_field_and_the_reason() -> None:
    with pytest.raises(InvalidIdentityError) as caught:
        validate_bin("950101400013")
    assert caught.value.field == "bin"
    assert caught.value.reason == "bad_check_digit"
    assert "check digit" in caught.value.message


def test_make_bin_completes_a_prefix_into_a_valid_bin() -> None:
    assert make_bin("95010140001") == "950101400012"
    assert make_bin("12345678901") == "123456789013"
    for prefix in ("20010150007", "99123140055", "05034000123"):
        assert is_valid_bin(make_bin(prefix))


def test_make_bin_refuses_a_prefix_without_a_check_digit() -> None:
    with pytest.raises(ValueError, match="no resolvable"):
        make_bin(UNRESOLVABLE_PREFIX)


@pytest.mark.parametrize("prefix", ["1234567890", "123456789012", "1234567890a"])
def test_make_bin_needs_exactly_eleven_digits(prefix: str) -> None:
    with pytest.raises(ValueError):
        make_bin(prefix)


@pytest.mark.parametrize(("value", "expected"), [("KZ", "KZ"), ("kz", "KZ"), (" de ", "DE"), ("Ru", "RU")])
def test_a_country_code_is_normalised_to_upper_case(value: str, expected: str) -> None:
    assert normalize_country(value) == expected


@pytest.mark.parametrize("value", ["XX", "KAZ", "K", "", "398", "Kazakhstan", "\uff2b\uff3a"])
def test_a_country_that_is_not_iso_alpha_2_is_rejected(value: str) -> None:
    assert not is_valid_country(value)
    with pytest.raises(InvalidIdentityError) as caught:
        normalize_country(value)
    assert caught.value.field == "country"


def test_a_restricted_country_list_is_parsed_from_the_setting() -> None:
    assert parse_country_list("ru, by,,IR ") == frozenset({"RU", "BY", "IR"})
    assert parse_country_list("") == frozenset()
    with pytest.raises(InvalidIdentityError):
        parse_country_list("RU,XX")


def _supplier(**identity: str) -> SupplierCreate:
    return SupplierCreate.model_validate({"name": "X", "categories": ["repair"], "local_content_share": 10} | identity)


def _refused(**identity: str) -> tuple[str, str]:
    """(field, message) of the one error a new supplier's identity fields raise."""
    with pytest.raises(ValidationError) as raised:
        _supplier(**identity)
    [error] = raised.value.errors()
    return ".".join(str(part) for part in error["loc"]), str(error["msg"])


def test_a_kazakhstan_supplier_needs_a_valid_bin() -> None:
    supplier = _supplier(country="kz", bin="950101400012")
    assert (supplier.country, supplier.bin, supplier.registration_number) == ("KZ", "950101400012", None)
    assert _refused(country="KZ", registration_number="HRB 1234") == (
        "bin",
        "Value error, bin is required when country is KZ",
    )
    field, message = _refused(country="KZ", bin="950101400013")
    assert field == "bin" and "check digit" in message


def test_a_foreign_supplier_needs_a_registration_number() -> None:
    supplier = _supplier(country="de", registration_number=" HRB 1234 ")
    assert (supplier.country, supplier.bin, supplier.registration_number) == ("DE", None, "HRB 1234")
    assert _refused(country="DE", bin="950101400012") == (
        "registration_number",
        "Value error, registration_number is required when country is not KZ",
    )
    assert _refused(country="DE", bin="950101400013", registration_number="HRB 1234")[0] == "bin"
