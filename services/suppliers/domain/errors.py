"""What the suppliers' rules refuse, said without HTTP.

Each is one of the kernel's kinds (``shared.errors``), which ``shared/http`` maps to problem+json
once; ``code`` is the problem type's slug, extra keyword arguments become members of its body.
A transition the table does not draw is the kernel's ``IllegalTransition`` (the same 409 body in
every service); the refusals below name the supplier's status in the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from shared.errors import InvalidInput, NotFound, Refused


class InvalidIdentityError(InvalidInput):
    """An identity field (BIN, country, registration number) is unusable: 422 naming ``field``.

    ``reason`` is the machine-readable cause (``bad_check_digit``, ``unknown_country``...).
    """

    def __init__(self, field: str, reason: str, message: str) -> None:
        super().__init__(field, message)
        self.reason = reason


class StatusRefused(Refused):
    """A refusal that depends on the supplier's status; the body names it and what is allowed now."""

    def __init__(self, message: str, *, current_status: str, allowed_actions: Iterable[str], **details: Any) -> None:
        allowed = [str(action) for action in allowed_actions]
        super().__init__(message, current_status=str(current_status), allowed_actions=allowed, **details)
        self.current_status = str(current_status)
        self.allowed_actions = allowed


class NoValidLicense(StatusRefused):
    """``verify`` needs at least one license valid on the given date."""

    code = "no-valid-license"

    def __init__(self, on: date, *, current_status: str, allowed_actions: Iterable[str]) -> None:
        super().__init__(
            f"cannot verify: the supplier has no valid license on {on.isoformat()}",
            current_status=current_status,
            allowed_actions=allowed_actions,
        )


class SupplierExcluded(StatusRefused):
    """Exclusion is final: an excluded supplier's record takes no new license or certification."""

    code = "supplier-excluded"

    def __init__(self, what: str) -> None:
        super().__init__(
            f"Cannot {what} an excluded supplier; exclusion is final.", current_status="excluded", allowed_actions=[]
        )


class DuplicateSupplier(Refused):
    """One legal entity is registered once: by BIN, or by country and registration number."""

    code = "duplicate-supplier"

    def __init__(self, what: str = "this BIN or registration number", **details: Any) -> None:
        super().__init__(f"A supplier with {what} is already registered.", **details)


class DuplicateLicense(Refused):
    code = "duplicate-license"

    def __init__(self, number: str) -> None:
        super().__init__(f"The supplier already holds license {number}.")


class DuplicateCertification(Refused):
    code = "duplicate-certification"

    def __init__(self, standard: str, number: str) -> None:
        super().__init__(f"The supplier already holds {standard} certificate {number}.")


class HeldNotFound(NotFound):
    """A license or certification the supplier does not hold."""

    def __init__(self, kind: str, held_id: object, supplier_id: object) -> None:
        super().__init__(f"No {kind} {held_id} of supplier {supplier_id}.")


class AlreadyRevoked(Refused):
    """A license or certification is revoked once; the first revocation and its reason stand."""

    code = "already-revoked"

    def __init__(self, kind: str, held_id: object, revoked_at: datetime) -> None:
        super().__init__(
            f"The {kind} {held_id} was revoked at {revoked_at.isoformat()}; a revocation is final.",
            revoked_at=revoked_at.isoformat(),
        )
