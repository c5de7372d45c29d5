"""Whether a supplier may take an order: one pure function returning every reason that applies."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from services.suppliers.domain.facts import (
    AwardRequirement,
    CertificationFacts,
    LicenseFacts,
    SupplierFacts,
)
from services.suppliers.domain.status import SupplierStatus

__all__ = [
    "AwardDecision",
    "AwardRequirement",
    "CertificationFacts",
    "Eligibility",
    "IneligibilityReason",
    "LicenseFacts",
    "SupplierFacts",
    "assess",
    "assess_registered",
    "decide_award",
]


class IneligibilityReason(StrEnum):
    """Reason codes named by the contract; the member order is the order of ``reasons``."""

    NOT_ACTIVE = "not_active"
    NO_VALID_LICENSE = "no_valid_license"
    MISSING_CERTIFICATION = "missing_certification"
    LOCAL_CONTENT_BELOW_MINIMUM = "local_content_below_minimum"
    COUNTRY_RESTRICTED = "country_restricted"
    NO_SECURITY_CLEARANCE = "no_security_clearance"


@dataclass(frozen=True, slots=True)
class Eligibility:
    """``reasons`` holds plain strings so it serializes as-is.

    ``missing_certifications`` lists the required standards not covered (as the order spelled
    them), for a decline message; it is empty unless ``missing_certification`` is a reason.
    """

    eligible: bool
    reasons: list[str]
    missing_certifications: list[str] = field(default_factory=list)


def assess(supplier: SupplierFacts, requirement: AwardRequirement, restricted_countries: Iterable[str]) -> Eligibility:
    on = requirement.on
    reasons: list[IneligibilityReason] = []

    if supplier.status_on(requirement.status_date) is not SupplierStatus.ACTIVE:
        reasons.append(IneligibilityReason.NOT_ACTIVE)

    if not any(lic.covers(requirement.category, on) for lic in supplier.licenses):
        reasons.append(IneligibilityReason.NO_VALID_LICENSE)

    missing = [
        standard
        for standard in requirement.required_certifications
        if not any(cert.covers(standard, on) for cert in supplier.certifications)
    ]
    if missing:
        reasons.append(IneligibilityReason.MISSING_CERTIFICATION)

    if supplier.local_content_share < requirement.min_local_content:
        reasons.append(IneligibilityReason.LOCAL_CONTENT_BELOW_MINIMUM)

    # A raw setting string ("RU,BY") would otherwise be iterated character by character.
    codes = restricted_countries.split(",") if isinstance(restricted_countries, str) else restricted_countries
    restricted = {code.strip().upper() for code in codes}
    if supplier.country in restricted:
        reasons.append(IneligibilityReason.COUNTRY_RESTRICTED)

    if requirement.requires_security_clearance and not supplier.security_clearance:
        reasons.append(IneligibilityReason.NO_SECURITY_CLEARANCE)

    return Eligibility(
        eligible=not reasons,
        reasons=[reason.value for reason in reasons],
        missing_certifications=missing,
    )


def assess_registered(
    supplier: SupplierFacts | None, requirement: AwardRequirement, restricted_countries: Iterable[str]
) -> Eligibility:
    """``assess`` for an id that may not be in the register: an unknown supplier is simply not active."""
    if supplier is None:
        return Eligibility(eligible=False, reasons=[IneligibilityReason.NOT_ACTIVE.value])
    return assess(supplier, requirement, restricted_countries)


@dataclass(frozen=True, slots=True)
class AwardDecision:
    """The answer to an order's award request: confirmed with who the supplier is, or declined with why."""

    order_id: UUID
    supplier_id: UUID
    category: str
    eligibility: Eligibility
    # Known when confirmed: what the orders service keeps for its KPI.
    supplier_country: str | None = None
    local_content_share: Decimal | None = None

    @property
    def confirmed(self) -> bool:
        return self.eligibility.eligible


def decide_award(
    order_id: UUID,
    supplier_id: UUID,
    supplier: SupplierFacts | None,
    requirement: AwardRequirement,
    restricted_countries: Iterable[str],
) -> AwardDecision:
    """Judged at the order's delivery deadline (``requirement.on``); an unregistered supplier is not active."""
    verdict = assess_registered(supplier, requirement, restricted_countries)
    if verdict.eligible and supplier is not None:
        return AwardDecision(
            order_id, supplier_id, requirement.category, verdict, supplier.country, supplier.local_content_share
        )
    return AwardDecision(order_id, supplier_id, requirement.category, verdict)
