"""Principals, roles and the token verifier's configuration."""

from __future__ import annotations

from uuid import uuid4

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from shared.auth import Principal, Role, RoleRule, TokenVerifier, load_public_key, mint_token
from shared.http.problems import Unauthorized


def test_integration_may_do_what_both_ministries_may() -> None:
    principal = Principal(sub="erp", roles=frozenset({Role.INTEGRATION}))
    assert principal.has_any({Role.MOD_OFFICER}) and principal.has_any({Role.MIC_OFFICER})
    assert not principal.has_any({Role.QUALITY_INSPECTOR, Role.AUDITOR})


def test_a_supplier_is_scoped_to_itself_and_other_roles_are_not() -> None:
    me, other = uuid4(), uuid4()
    supplier = Principal(sub="s", roles=frozenset({Role.SUPPLIER}), supplier_id=me)
    assert supplier.supplier_scope == me
    assert supplier.can_see_supplier(me) and not supplier.can_see_supplier(other)
    assert not supplier.can_see_supplier(None)
    officer = Principal(sub="o", roles=frozenset({Role.MOD_OFFICER}))
    assert officer.supplier_scope is None and officer.can_see_supplier(other)


def test_a_role_rule_must_name_roles() -> None:
    with pytest.raises(ValueError):
        RoleRule()


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def test_a_one_line_pem_with_escaped_newlines_is_accepted() -> None:
    pem = _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    assert load_public_key(pem.replace("\n", "\\n")).key_size == 2048


@pytest.mark.parametrize(
    "value",
    ["", "garbage", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"],
)
def test_an_unusable_public_key_is_refused_at_configuration(value: str) -> None:
    with pytest.raises(ValueError, match="SDO_JWT_PUBLIC_KEY"):
        load_public_key(value)


def test_a_private_key_or_a_non_rsa_key_is_refused() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    with pytest.raises(ValueError):
        TokenVerifier(secret=None, public_key=private, issuer="sdo", audience="sdo-api")
    with pytest.raises(ValueError, match="RSA"):
        load_public_key(_pem(ec.generate_private_key(ec.SECP256R1())))


def test_a_verifier_needs_a_secret_or_a_key() -> None:
    with pytest.raises(ValueError):
        TokenVerifier(secret=None, public_key=None, issuer="sdo", audience="sdo-api")


def test_a_minted_token_verifies_into_its_principal() -> None:
    secret = "s" * 48
    supplier = uuid4()
    verifier = TokenVerifier(secret=secret, public_key=None, issuer="sdo", audience="sdo-api")
    principal = verifier.verify(mint_token(secret, roles=["supplier", "unknown"], sub="acme", supplier_id=supplier))
    assert principal == Principal(sub="acme", roles=frozenset({"supplier"}), supplier_id=supplier)
    with pytest.raises(Unauthorized):
        verifier.verify(mint_token(secret, roles=["auditor"], ttl=-5))
