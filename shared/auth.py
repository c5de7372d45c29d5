"""JWT bearer authentication, roles, supplier scoping, and the start-up rules for the signing key.

The algorithm is pinned by configuration (HS256 with a secret, or RS256 with a public key), so a
token cannot choose how it is checked (no ``alg: none``, no HS/RS confusion).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Annotated, Any
from uuid import UUID

import jwt
import structlog
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.http.problems import Forbidden, Unauthorized
from shared.principal import ALL_ROLES, Principal, Role
from shared.settings import DEV_JWT_SECRET, ServiceSettings

__all__ = [
    "ALL_ROLES",
    "InsecureSigningKey",
    "Principal",
    "Role",
    "RoleRule",
    "TokenVerifier",
    "allow",
    "allow_all",
    "authenticate",
    "check_signing_key",
]


# The audit log and the idempotency store keep the caller's `sub` in 200 characters.
MAX_SUB_LENGTH = 200
# An HS256 key shorter than the hash (RFC 7518 3.2) can be guessed offline from one token.
MIN_SECRET_BYTES = 32
# Verified tokens kept by their string until their `exp` (pollers send the same token all day).
VERIFIED_CACHE_SIZE = 4096


class InsecureSigningKey(RuntimeError):
    """The key tokens would be checked with is public or guessable, outside development mode."""


def check_signing_key(settings: ServiceSettings) -> None:
    """Refuse to start with a key anyone may know; in development mode, say loudly that it is on.

    Outside development mode the HS256 secret may be neither the published development secret nor
    shorter than 32 bytes. Called at start-up, before the service touches its database.
    """
    name = settings.service_name
    if settings.dev_mode:
        # Looked up here, not at import: the warning goes where the service's logging is configured now.
        structlog.get_logger("sdo.auth").warning(
            "DEVELOPMENT_MODE_IS_ON",
            service=name,
            detail="SDO_DEV_MODE is on: tokens signed with the published development secret are accepted "
            "and short secrets are allowed. Never run a deployment like this.",
        )
        return
    if settings.jwt_public_key:
        return  # RS256: only the public key is configured; a secret, if also set, is not used.
    secret = settings.jwt_secret
    if not secret:
        return  # resolved_jwt_secret() refuses this case with its own message.
    if secret == DEV_JWT_SECRET:
        raise InsecureSigningKey(
            f"{name}: SDO_JWT_SECRET is the published development secret, which anyone can sign tokens with; "
            f"set a secret of your own of at least {MIN_SECRET_BYTES} random bytes, or SDO_JWT_PUBLIC_KEY (RS256)"
        )
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise InsecureSigningKey(
            f"{name}: SDO_JWT_SECRET is {len(secret.encode())} bytes; an HS256 secret must be at least "
            f"{MIN_SECRET_BYTES} random bytes (e.g. 64 hex characters), or set SDO_JWT_PUBLIC_KEY (RS256)"
        )


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
        # token -> (exp, principal): only tokens that verified, each until its own expiry. A token
        # that fails is checked again every time, so the answer (and its reason) never changes.
        self._verified: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self.cache_size = VERIFIED_CACHE_SIZE

    def verify(self, token: str) -> Principal:
        """The principal of a valid token, or ``Unauthorized``; a token verified before is not decoded
        again until its ``exp`` (bounded LRU), when it is checked afresh and answers as expired."""
        cached = self._verified.get(token)
        if cached is not None:
            if time.time() < cached[0]:
                self._verified.move_to_end(token)
                return cached[1]
            del self._verified[token]
        principal = self._decode(token)
        exp = principal.claims.get("exp")
        if isinstance(exp, int | float) and not isinstance(exp, bool) and self.cache_size > 0:
            # PyJWT's own rule: expired once int(exp) <= now.
            self._verified[token] = (float(int(exp)), principal)
            if len(self._verified) > self.cache_size:
                self._verified.popitem(last=False)
        return principal

    def _decode(self, token: str) -> Principal:
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
        if Role.SUPPLIER in known and len(known) > 1:
            # A supplier's credentials are a supplier's only: no role may be added to them (contract section 10).
            raise Unauthorized("A supplier token must carry no other role.")
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

    def __init__(self, *roles: str, own_roles_only: bool = False) -> None:
        if not roles:
            raise ValueError("a route must name the roles it admits")
        self.roles = frozenset(roles)
        # True where a role another implies does not count (only the MoD itself endorses a defense need).
        self.own_roles_only = own_roles_only

    def admits(self, principal: Principal) -> bool:
        held = principal.roles if self.own_roles_only else principal.effective_roles
        return not held.isdisjoint(self.roles)

    async def __call__(self, principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not self.admits(principal):
            allowed = sorted(self.roles)
            raise Forbidden(f"This action needs one of the roles: {', '.join(allowed)}.", allowed_roles=allowed)
        return principal

    def __repr__(self) -> str:
        return f"RoleRule({', '.join(sorted(self.roles))})"


def allow(*roles: str, own_roles_only: bool = False) -> Any:
    """``principal: Annotated[Principal, allow(Role.MOD_OFFICER)]``."""
    return Depends(RoleRule(*roles, own_roles_only=own_roles_only))


def allow_all() -> Any:
    return Depends(RoleRule(*ALL_ROLES))
