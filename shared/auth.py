"""JWT bearer authentication, roles, and supplier scoping.

The algorithm is pinned by configuration (HS256 with a secret, or RS256 with a public key), so a
token cannot choose how it is checked (no ``alg: none``, no HS/RS confusion).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.http.problems import Forbidden, Unauthorized


class Role(StrEnum):
    MOD_OFFICER = "mod_officer"
    MIC_OFFICER = "mic_officer"
    QUALITY_INSPECTOR = "quality_inspector"
    SUPPLIER = "supplier"
    AUDITOR = "auditor"
    INTEGRATION = "integration"


ALL_ROLES: frozenset[str] = frozenset(Role)
# A ministry system may do what both ministries' officers may (contract section 2).
_IMPLIED: dict[str, frozenset[str]] = {Role.INTEGRATION: frozenset({Role.MOD_OFFICER, Role.MIC_OFFICER})}


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
    def supplier_scope(self) -> UUID | None:
        """The only supplier this caller may see, or None when it may see every supplier.

        A token that carries the supplier role is scoped to its supplier whatever else it carries,
        so adding a role can never widen what a supplier's credentials reach.
        """
        return self.supplier_id if Role.SUPPLIER in self.roles else None

    def can_see_supplier(self, supplier_id: UUID | None) -> bool:
        scope = self.supplier_scope
        return scope is None or scope == supplier_id


# The audit log and the idempotency store keep the caller's `sub` in 200 characters.
MAX_SUB_LENGTH = 200


def load_public_key(pem: str) -> RSAPublicKey:
    """The RS256 verification key; an unusable one stops the service at start, not each request."""
    if "\n" not in pem and "\\n" in pem:
        # Container platforms often pass a PEM on one line with literal "\n".
        pem = pem.replace("\\n", "\n")
    try:
        key = serialization.load_pem_public_key(pem.strip().encode())
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"SDO_JWT_PUBLIC_KEY is not a PEM public key: {exc}") from exc
    if not isinstance(key, RSAPublicKey):
        raise ValueError("SDO_JWT_PUBLIC_KEY must be an RSA public key (RS256)")
    return key


class TokenVerifier:
    def __init__(self, *, secret: str | None, public_key: str | None, issuer: str, audience: str) -> None:
        if public_key:
            self.key: Any = load_public_key(public_key)
            self.algorithm = "RS256"
        elif secret:
            self.key = secret
            self.algorithm = "HS256"
        else:
            raise ValueError("a JWT secret or public key is required")
        self.issuer = issuer
        self.audience = audience

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self.key,
                algorithms=[self.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The token has expired.") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"The token is not valid: {exc}.") from exc
        sub = claims["sub"]
        if not isinstance(sub, str) or not 0 < len(sub) <= MAX_SUB_LENGTH:
            raise Unauthorized(f"The token's sub claim must be 1 to {MAX_SUB_LENGTH} characters.")
        roles = claims.get("roles")
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise Unauthorized("The token's roles claim must be a list of role names.")
        known = frozenset(r for r in roles if r in ALL_ROLES)
        supplier_id = None
        if Role.SUPPLIER in known:
            try:
                supplier_id = UUID(str(claims.get("supplier_id")))
            except ValueError as exc:
                raise Unauthorized("A supplier token must carry a supplier_id (UUID).") from exc
        return Principal(sub=sub, roles=known, supplier_id=supplier_id, claims=claims)


def mint_token(
    key: str,
    *,
    roles: list[str],
    sub: str = "dev",
    supplier_id: UUID | str | None = None,
    ttl: int = 3600,
    issuer: str = "sdo",
    audience: str = "sdo-api",
    algorithm: str = "HS256",
) -> str:
    """A signed token, for development, the demo and tests."""
    now = int(time.time())
    claims: dict[str, Any] = {"sub": sub, "roles": roles, "iss": issuer, "aud": audience, "iat": now, "exp": now + ttl}
    if supplier_id is not None:
        claims["supplier_id"] = str(supplier_id)
    return jwt.encode(claims, key, algorithm=algorithm)


_bearer = HTTPBearer(auto_error=False, bearerFormat="JWT", description="JWT issued for `sdo-api` by `sdo`.")


async def authenticate(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        # RFC 6750 3.1: a request without credentials gets a challenge without an error code.
        raise Unauthorized("A bearer token is required.", error=None)
    verifier: TokenVerifier = request.app.state.runtime.verifier
    principal = verifier.verify(credentials.credentials)
    request.scope["sdo.principal"] = principal
    return principal


class RoleRule:
    """The access rule of one route: a dependency that also marks the route as guarded."""

    def __init__(self, *roles: str) -> None:
        if not roles:
            raise ValueError("a route must name the roles it admits")
        self.roles = frozenset(roles)

    async def __call__(self, principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not principal.has_any(self.roles):
            raise Forbidden(f"This action needs one of the roles: {', '.join(sorted(self.roles))}.")
        return principal

    def __repr__(self) -> str:
        return f"RoleRule({', '.join(sorted(self.roles))})"


def allow(*roles: str) -> Any:
    """``principal: Annotated[Principal, allow(Role.MOD_OFFICER)]``."""
    return Depends(RoleRule(*roles))


def allow_all() -> Any:
    return Depends(RoleRule(*ALL_ROLES))
