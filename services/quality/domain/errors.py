"""Domain errors of the quality service: kinds of ``shared.errors``, mapped to problem+json once.

Every validation error names the offending field with a path (``lot_size``, ``values.DIAM``,
``technical_requirements[0].min``), so the contract's ``errors: [{"field", "message"}]`` list comes
from the rules themselves. Refusals of an inspection answer 409 with ``current_status`` and
``allowed_actions`` as every service does, plus ``units_measured`` and ``sample_size``.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from shared.errors import IllegalTransition, InvalidInput, NotFound, Refused


class QualityDomainError(InvalidInput):
    """A rule of the quality domain was broken by the input (422 naming each field)."""


class SamplingError(QualityDomainError):
    """Bad input to the sampling-plan lookup: ``lot_size``, ``aql`` or ``level``."""


class MeasurementError(QualityDomainError):
    """A unit's measured values do not match the requirement codes."""


class CertificateError(QualityDomainError):
    """Bad input to a certificate number or body."""


class DispositionError(QualityDomainError):
    """Bad input to a disposition: its reason or price reduction."""


class InspectionNotFound(NotFound):
    def __init__(self, inspection_id: UUID) -> None:
        super().__init__(f"No inspection {inspection_id}.")


class SampleRefusal(IllegalTransition):
    """The sample forbids the action: a full sample takes no more units, a short one cannot complete."""

    def __init__(
        self,
        detail: str,
        *,
        action: str,
        current_status: str,
        allowed_actions: Iterable[str],
        units_measured: int,
        sample_size: int,
    ) -> None:
        super().__init__("inspection", current_status, action, allowed_actions)
        self.message = detail
        self.args = (detail,)
        self.details.update(units_measured=units_measured, sample_size=sample_size)


class UnitAlreadyMeasured(Refused):
    """A unit serial counts once per inspection."""

    def __init__(
        self,
        unit_serial: str,
        *,
        current_status: str,
        allowed_actions: list[str],
        units_measured: int,
        sample_size: int,
    ) -> None:
        super().__init__(
            f"Unit {unit_serial!r} was already measured in this inspection.",
            current_status=current_status,
            allowed_actions=allowed_actions,
            units_measured=units_measured,
            sample_size=sample_size,
        )


class PlanNotFound(NotFound):
    def __init__(self, order_id: UUID) -> None:
        super().__init__(f"No acceptance plan for order {order_id}.")


class NonconformanceNotFound(NotFound):
    def __init__(self, nonconformance_id: UUID) -> None:
        super().__init__(f"No nonconformance report {nonconformance_id}.")


class CriticalNonconformance(Refused):
    """``use_as_is`` is refused when a critical requirement failed."""

    code = "critical-requirement-failed"


class PlanCancelled(Refused):
    """The order was cancelled: its lots are settled no more."""

    code = "order-cancelled"

    def __init__(self, order_id: UUID) -> None:
        super().__init__(f"Order {order_id} was cancelled; its nonconformances are no longer dispositioned.")
