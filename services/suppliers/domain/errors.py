"""Domain errors of the suppliers service.

Each error carries a stable ``code`` so the HTTP layer can map it to a problem type
without parsing messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.suppliers.domain.status import SupplierAction, SupplierStatus


class SupplierDomainError(Exception):
    """Base of every rule the suppliers domain refuses."""

    code: str = "supplier_domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidIdentityError(SupplierDomainError, ValueError):
    """An identity field (BIN, country, registration number) is unusable; answers 422.

    ``field`` names the request field so the caller can fill ``errors[].field``.
    """

    code = "invalid_identity"

    def __init__(self, field: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason


class SupplierStatusError(SupplierDomainError):
    """A status change that cannot happen now; answers 409 with the status context."""

    code = "supplier_status_conflict"

    def __init__(
        self,
        message: str,
        *,
        current_status: SupplierStatus,
        action: SupplierAction,
        allowed_actions: Sequence[SupplierAction],
    ) -> None:
        super().__init__(message)
        self.current_status = current_status
        self.action = action
        self.allowed_actions = list(allowed_actions)


class TransitionNotAllowedError(SupplierStatusError):
    """The action is not drawn from the current status in the transition table."""

    code = "transition_not_allowed"


class NoValidLicenseError(SupplierStatusError):
    """``verify`` needs at least one license valid on the given date."""

    code = "no_valid_license"
