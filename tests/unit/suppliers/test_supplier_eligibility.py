from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from services.suppliers.domain.eligibility import (
    AwardRequirement,
    CertificationFacts,
    Eligibility,
    IneligibilityReason,
    LicenseFacts,
    SupplierFacts,
    assess,
    assess_registered,
)
from services.suppliers.domain.status import SupplierStatus

DEADLINE = date(2026, 6, 30)
RESTRICTED = frozenset({"RU", "BY"})

REQUIREMENT = AwardRequirement(
    category="repair",
    on=DEADLINE,
    required_certifications=("ISO 9001", "AQAP-2110"),
    min_local_content=Decimal("40"),
    requires_security_clearance=True,
)

GOOD_SUPPLIER = SupplierFacts(
    status=SupplierStatus.ACTIVE,
    country="KZ",
    local_content_share=Decimal("62.5"),
    security_clearance=True,
    licenses=(LicenseFacts("repair", date(2024, 1, 1), date(2027, 1, 1), "L-77"),),
    certifications=(
        CertificationFacts("ISO 9001", date(2027, 1, 1), "C-1"),
        CertificationFacts("AQAP-2110", date(2027, 1, 1), "C-2"),
    ),
)


def reasons_for(supplier: SupplierFacts, requirement: AwardRequirement = REQUIREMENT) -> list[str]:
    return assess(supplier, requirement, RESTRICTED).reasons


def test_a_supplier_meeting_every_requirement_is_eligible() -> None:
    assert assess(GOOD_SUPPLIER, REQUIREMENT, RESTRICTED) == Eligibility(eligible=True, reasons=[])


@pytest.mark.parametrize("status", [SupplierStatus.PENDING, SupplierStatus.SUSPENDED, SupplierStatus.EXCLUDED])
def test_a_supplier_that_is_not_active_is_declined(status: SupplierStatus) -> None:
    result = assess(replace(GOOD_SUPPLIER, status=status), REQUIREMENT, RESTRICTED)
    assert result == Eligibility(eligible=False, reasons=["not_active"])


def test_a_supplier_without_licenses_is_declined() -> None:
    assert reasons_for(replace(GOOD_SUPPLIER, licenses=())) == ["no_valid_license"]


def test_a_license_for_another_category_does_not_count() -> None:
    other = LicenseFacts("production", date(2024, 1, 1), date(2027, 1, 1))
    assert reasons_for(replace(GOOD_SUPPLIER, licenses=(other,))) == ["no_valid_license"]


def test_a_license_expiring_exactly_on_the_deadline_counts() -> None:
    license_ = LicenseFacts("repair", date(2024, 1, 1), DEADLINE)
    assert reasons_for(replace(GOOD_SUPPLIER, licenses=(license_,))) == []


def test_a_license_starting_exactly_on_the_deadline_counts() -> None:
    license_ = LicenseFacts("repair", DEADLINE, date(2027, 1, 1))
    assert reasons_for(replace(GOOD_SUPPLIER, licenses=(license_,))) == []


def test_a_license_expiring_the_day_before_the_deadline_does_not_count() -> None:
    license_ = LicenseFacts("repair", date(2024, 1, 1), date(2026, 6, 29))
    assert reasons_for(replace(GOOD_SUPPLIER, licenses=(license_,))) == ["no_valid_license"]


def test_a_license_starting_the_day_after_the_deadline_does_not_count() -> None:
    license_ = LicenseFacts("repair", date(2026, 7, 1), date(2027, 1, 1))
    assert reasons_for(replace(GOOD_SUPPLIER, licenses=(license_,))) == ["no_valid_license"]


def test_one_good_license_among_bad_ones_is_enough() -> None:
    licenses = (
        LicenseFacts("production", date(2024, 1, 1), date(2027, 1, 1)),
        LicenseFacts("repair", date(2020, 1, 1), date(2021, 1, 1)),
        LicenseFacts("Repair ", date(2024, 1, 1), date(2027, 1, 1)),
    )
    assert reasons_for(replace(GOOD_SUPPLIER, licenses=licenses)) == []


def test_a_supplier_without_aqap_is_declined() -> None:
    certifications = (CertificationFacts("ISO 9001", date(2027, 1, 1)),)
    result = assess(replace(GOOD_SUPPLIER, certifications=certifications), REQUIREMENT, RESTRICTED)
    assert result.reasons == ["missing_certification"]
    assert result.missing_certifications == ["AQAP-2110"]


def test_a_certification_matches_regardless_of_case_and_spacing() -> None:
    certifications = (
        CertificationFacts("iso   9001", date(2027, 1, 1)),
        CertificationFacts(" aqap-2110\t", date(2027, 1, 1)),
    )
    requirement = replace(REQUIREMENT, required_certifications=("ISO 9001", "AQAP-2110"))
    assert reasons_for(replace(GOOD_SUPPLIER, certifications=certifications), requirement) == []


def test_a_certification_expiring_exactly_on_the_deadline_counts() -> None:
    certifications = (
        CertificationFacts("ISO 9001", DEADLINE),
        CertificationFacts("AQAP-2110", DEADLINE),
    )
    assert reasons_for(replace(GOOD_SUPPLIER, certifications=certifications)) == []


def test_a_certification_expired_before_the_deadline_is_missing() -> None:
    certifications = (
        CertificationFacts("ISO 9001", date(2026, 6, 29)),
        CertificationFacts("AQAP-2110", date(2027, 1, 1)),
    )
    result = assess(replace(GOOD_SUPPLIER, certifications=certifications), REQUIREMENT, RESTRICTED)
    assert result.reasons == ["missing_certification"]
    assert result.missing_certifications == ["ISO 9001"]


def test_an_order_without_required_certifications_needs_none() -> None:
    requirement = replace(REQUIREMENT, required_certifications=())
    assert reasons_for(replace(GOOD_SUPPLIER, certifications=()), requirement) == []


def test_local_content_below_the_minimum_is_declined() -> None:
    supplier = replace(GOOD_SUPPLIER, local_content_share=Decimal("39.99"))
    assert reasons_for(supplier) == ["local_content_below_minimum"]


def test_local_content_equal_to_the_minimum_is_enough() -> None:
    assert reasons_for(replace(GOOD_SUPPLIER, local_content_share=40)) == []


@pytest.mark.parametrize("country", ["RU", "by"])
def test_a_supplier_from_a_restricted_country_is_declined(country: str) -> None:
    assert reasons_for(replace(GOOD_SUPPLIER, country=country)) == ["country_restricted"]


def test_restricted_countries_may_be_given_as_the_raw_setting() -> None:
    supplier = replace(GOOD_SUPPLIER, country="BY")
    assert assess(supplier, REQUIREMENT, "ru, by").reasons == ["country_restricted"]
    assert assess(supplier, REQUIREMENT, "").reasons == []


def test_a_supplier_without_clearance_is_declined_when_the_order_needs_it() -> None:
    assert reasons_for(replace(GOOD_SUPPLIER, security_clearance=False)) == ["no_security_clearance"]


def test_clearance_is_not_checked_when_the_order_does_not_need_it() -> None:
    requirement = replace(REQUIREMENT, requires_security_clearance=False)
    assert reasons_for(replace(GOOD_SUPPLIER, security_clearance=False), requirement) == []


def test_every_reason_is_returned_together_in_contract_order() -> None:
    supplier = SupplierFacts(
        status="suspended",
        country="ru",
        local_content_share=10.5,
        security_clearance=False,
        licenses=(LicenseFacts("production", date(2024, 1, 1), date(2027, 1, 1)),),
        certifications=(),
    )
    result = assess(supplier, REQUIREMENT, RESTRICTED)
    assert result.eligible is False
    assert result.reasons == [reason.value for reason in IneligibilityReason]
    assert result.reasons == [
        "not_active",
        "no_valid_license",
        "missing_certification",
        "local_content_below_minimum",
        "country_restricted",
        "no_security_clearance",
    ]
    assert result.missing_certifications == ["ISO 9001", "AQAP-2110"]
    assert all(type(reason) is str for reason in result.reasons)


def test_facts_are_normalised_on_construction() -> None:
    supplier = SupplierFacts(status="active", country=" kz ", local_content_share=12.1, security_clearance=True)
    assert supplier.status is SupplierStatus.ACTIVE
    assert supplier.country == "KZ"
    assert supplier.local_content_share == Decimal("12.1")
    requirement = AwardRequirement(category=" Repair", on=DEADLINE, required_certifications="ISO 9001")
    assert requirement.category == "repair"
    assert requirement.required_certifications == ("ISO 9001",)
    assert requirement.min_local_content == Decimal(0)


def test_an_id_missing_from_the_register_is_not_active() -> None:
    assert assess_registered(None, REQUIREMENT, RESTRICTED) == Eligibility(eligible=False, reasons=["not_active"])
    assert assess_registered(GOOD_SUPPLIER, REQUIREMENT, RESTRICTED).eligible
