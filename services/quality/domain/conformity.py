"""The certificate of conformity of an accepted lot, with what AQAP-2131 asks one to say.

AQAP-2131 (final inspection) and its certificate of conformity: who supplied what under which
contract (supplier, order, lot), how much was accepted, how it was inspected (the sampling plan and
severity used, the requirements checked and what the sample showed), who inspected it, any
concession, and the statement of conformity. The document is JSON-ready (strings, integers,
booleans, null; exact decimals as strings), so its canonical JSON and SHA-256 are fixed at issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final
from uuid import UUID

from services.quality.domain.certificate import Certificate, certificate_number, rfc3339_utc
from services.quality.domain.inspection import Inspection
from services.quality.domain.nonconformance import CURRENCY, Nonconformance
from services.quality.domain.plan import STANDARD, OrderPlan

FORMAT: Final = "sdo-certificate-of-conformity/1"


@dataclass(frozen=True, slots=True)
class Concession:
    """A nonconforming lot accepted as it is, for a price reduction (FAR 46.407)."""

    nonconformance: Nonconformance
    authorized_by: str


def _limit(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _as_text(value: Any) -> Any:
    """Numbers as exact decimal strings, so the document never carries a float."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        return format(Decimal(repr(value)) if isinstance(value, float) else Decimal(value), "f")
    if isinstance(value, dict):
        return {k: _as_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_as_text(v) for v in value]
    return value


def _statement(plan: OrderPlan, inspection: Inspection, lot: str, concession: Concession | None) -> str:
    order = plan.order_number or str(plan.order_id)
    inspected = (
        f"The {inspection.lot_size} units of {lot} of order {order} were inspected by sampling under {STANDARD}, "
        f"{inspection.severity.value} inspection, level {plan.rules.inspection_level}, AQL {plan.rules.aql}"
    )
    if concession is None:
        return (
            f"{inspected}. It is certified that they conform to the technical requirements of the contract listed here."
        )
    report = concession.nonconformance
    amount = _limit(report.price_reduction)
    return (
        f"{inspected}, and do not conform in every respect to the technical requirements listed here. They are "
        f"accepted under concession by {concession.authorized_by} (nonconformance report {report.id}), for a price "
        f"reduction of {amount} {CURRENCY}."
    )


def issue_certificate(
    certificate_id: UUID,
    *,
    sequence: int,
    issued_at: datetime,
    plan: OrderPlan,
    inspection: Inspection,
    concession: Concession | None = None,
) -> Certificate:
    """The certificate of ``inspection``'s lot: accepted, or accepted under ``concession``."""
    number = certificate_number(issued_at.year, sequence)
    lot = f"lot {inspection.lot_no}" if inspection.lot_no is not None else f"inspection round {inspection.round}"
    terms: dict[str, Any] | None = None
    if concession is not None:
        report = concession.nonconformance
        terms = {
            "nonconformance_id": str(report.id),
            "reason": report.reason,
            "price_reduction": {"amount": _limit(report.price_reduction), "currency": CURRENCY},
            "authorized_by": concession.authorized_by,
            "nonconformities": [_as_text(dict(d)) for d in report.defects],
        }
    document: dict[str, Any] = {
        "format": FORMAT,
        "id": str(certificate_id),
        "number": number,
        "issued_at": rfc3339_utc(issued_at),
        "supplier_id": str(plan.supplier_id),
        "order_id": str(plan.order_id),
        "order_number": plan.order_number,
        "inspection_id": str(inspection.id),
        "lot_no": inspection.lot_no,
        "round": inspection.round,
        "lot_size": inspection.lot_size,
        "quantity_accepted": inspection.lot_size,
        "standard": STANDARD,
        "inspection_level": plan.rules.inspection_level,
        "severity": inspection.severity.value,
        "aql": str(plan.rules.aql),
        "code_letter": inspection.code_letter,
        "sample_size": inspection.sample_size,
        "accept": inspection.accept,
        "reject": inspection.reject,
        "units_measured": inspection.units_measured,
        "defective_units": inspection.defective_units,
        "critical_failures": inspection.critical_failures,
        "requirements": [
            {
                "code": r.code,
                "name": r.name,
                "unit": r.unit,
                "min": _limit(r.min),
                "max": _limit(r.max),
                "critical": r.critical,
            }
            for r in plan.rules.requirements
        ],
        "inspector": inspection.inspected_by,
        "concession": concession is not None,
        "concession_terms": terms,
        "statement": _statement(plan, inspection, lot, concession),
    }
    return Certificate(certificate_id, number, plan.order_id, inspection.id, issued_at, document=document)


__all__ = ["FORMAT", "Concession", "issue_certificate"]
