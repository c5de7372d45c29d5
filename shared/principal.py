"""Who is calling: roles and supplier scoping, with no framework in sight.

Handlers and commands carry a ``Principal``; ``shared/auth.py`` makes one from a verified token.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from uuid import UUID


class Role(StrEnum):
    MOD_OFFICER = "mod_officer"
    MIC_OFFICER = "mic_officer"
    QUALITY_INSPECTOR = "quality_inspector"
    SUPPLIER = "supplier"
    AUDITOR = "auditor"
    INTEGRATION = "integration"
    # The Defense Industry Development Fund's officer (contract section 9).
    FUND_OFFICER = "fund_officer"


ALL_ROLES: frozenset[str] = frozenset(Role)
# Issuer, sub and supplier id ("" when none): one caller, for what is kept per caller.
Caller = tuple[str, str, str]
# A ministry system may do what both ministries' officers may (contract section 2), and what the
# Fund's officer may (section 9). What only the MoD itself may do (endorse a defense need) is a rule
# of that aggregate's domain, which reads the token's own roles.
_IMPLIED: dict[str, frozenset[str]] = {
    Role.INTEGRATION: frozenset({Role.MOD_OFFICER, Role.MIC_OFFICER, Role.FUND_OFFICER})
}


@dataclass(frozen=True)
class Principal:
    sub: str
    roles: frozenset[str]
    supplier_id: UUID | None = None
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def effective_roles(self) -> frozenset[str]:
        extra: set[str] = set()
        for role in self.roles:
            extra |= _IMPLIED.get(role, frozenset())
        return self.roles | extra

    def has_any(self, roles: Iterable[str]) -> bool:
        return bool(self.effective_roles & set(roles))

    @property
    def caller(self) -> Caller:
        """Who is calling, as idempotency keys and the rate limit count callers: issuer, ``sub`` and
        supplier. Two suppliers' tokens with the same ``sub`` are two callers."""
        return (str(self.claims.get("iss") or ""), self.sub, str(self.supplier_id) if self.supplier_id else "")

    @property
    def supplier_scope(self) -> UUID | None:
        """The only supplier this caller may see, or None when it may see every supplier.

        A verified token with the supplier role carries no other role (``shared/auth.py`` refuses
        one that does); a principal made otherwise is still narrowed to its supplier.
        """
        return self.supplier_id if Role.SUPPLIER in self.roles else None

    def can_see_supplier(self, supplier_id: UUID | None) -> bool:
        scope = self.supplier_scope
        return scope is None or scope == supplier_id
