"""Domain errors of the quality service.

Every validation error names the offending field with a path (``lot_size``, ``values.DIAM``,
``technical_requirements[0].min``) so the HTTP layer can turn it into the contract's
``errors: [{"field": ..., "message": ...}]`` list without knowing the rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Self


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class QualityDomainError(ValueError):
    """A rule of the quality domain was broken by the input; carries one or more field errors."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors: tuple[FieldError, ...] = tuple(errors)
        if not self.errors:
            raise ValueError("a domain error needs at least one field error")
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in self.errors))

    @classmethod
    def single(cls, field: str, message: str) -> Self:
        return cls([FieldError(field, message)])

    @property
    def field(self) -> str:
        """The first offending field (the only one for most errors)."""
        return self.errors[0].field

    @property
    def message(self) -> str:
        return self.errors[0].message


class SamplingError(QualityDomainError):
    """Bad input to the sampling-plan lookup: ``lot_size``, ``aql`` or ``level``."""


class RequirementError(QualityDomainError):
    """A technical requirement list that cannot become an acceptance plan."""


class MeasurementError(QualityDomainError):
    """A unit's measured values do not match the requirement codes."""


class CertificateError(QualityDomainError):
    """Bad input to a certificate number or body."""
