"""JWT bearer auth: every bad token is a 401 with a well-formed `WWW-Authenticate: Bearer` challenge."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from pathlib import Path
from uuid import uuid4

import httpx
import jwt
import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.integration.kernel.kernel_support import bearer, claims, forged, widgets
from tests.support import assert_problem, auth

# RFC 6750: auth-param values are quoted strings without '"' or '\' inside.
_CHALLENGE = re.compile(r'^Bearer realm="sdo"(, error="[a-z_]+", error_description="[\x20\x21\x23-\x5b\x5d-\x7e]*")?$')


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _hand_signed(header: dict, payload: dict, key: bytes | None) -> str:
    signing_input = f"{_b64(orjson.dumps(header))}.{_b64(orjson.dumps(payload))}"
    signature = _b64(hmac.new(key, signing_input.encode(), hashlib.sha256).digest()) if key else ""
    return f"{signing_input}.{signature}"


def assert_unauthorized(response: httpx.Response) -> dict:
    body = assert_problem(response, 401)
    challenge = response.headers["WWW-Authenticate"]
    assert _CHALLENGE.match(challenge), challenge
    return body


async def test_a_valid_token_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/widgets", headers=forged())
    assert response.status_code == 200, response.text


async def test_a_request_without_a_token_gets_a_bare_bearer_challenge(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/widgets")
    assert_unauthorized(response)
    # RFC 6750 3.1: no error code when the request carried no credentials at all.
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="sdo"'


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Authorization": "Basic dXNlcjpwYXNz"}, id="basic-scheme"),
        pytest.param({"Authorization": "Bearer"}, id="empty-bearer"),
        pytest.param(bearer("not-a-jwt"), id="garbage"),
        pytest.param(bearer("a.b.c"), id="three-garbage-segments"),
        pytest.param(forged(exp=1_000_000), id="expired"),
        pytest.param(forged(aud="another-api"), id="wrong-audience"),
        pytest.param(forged(iss="someone-else"), id="wrong-issuer"),
        pytest.param(forged(key="a-different-secret-of-enough-length-0123"), id="wrong-signature"),
        pytest.param(forged(exp=None), id="no-exp"),
        pytest.param(forged(aud=None), id="no-aud"),
        pytest.param(forged(sub=None), id="no-sub"),
        pytest.param(forged(sub="x" * 500), id="overlong-sub"),
        pytest.param(forged(roles="mod_officer"), id="roles-not-a-list"),
        pytest.param(forged(roles=[1, 2]), id="roles-not-strings"),
        pytest.param(forged(roles=["supplier"]), id="supplier-without-supplier-id"),
        pytest.param(forged(roles=["supplier"], supplier_id="acme"), id="supplier-id-not-a-uuid"),
        pytest.param(forged(nbf=4_000_000_000), id="not-yet-valid"),
        pytest.param(bearer(_hand_signed({"alg": "none", "typ": "JWT"}, claims(), None)), id="alg-none"),
        pytest.param(bearer(_hand_signed({"alg": "HS512", "typ": "JWT"}, claims(), b"x")), id="other-alg"),
    ],
)
async def test_a_bad_token_is_401_with_a_bearer_challenge(client: httpx.AsyncClient, headers: dict) -> None:
    assert_unauthorized(await client.get("/api/v1/widgets", headers=headers))


async def test_a_bad_token_is_401_on_a_command_too(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/widgets", json={"name": "w", "size": 1}, headers=forged(exp=1_000_000))
    body = assert_unauthorized(response)
    assert "expired" in body["detail"]


async def test_a_role_that_may_not_act_is_403(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/widgets", json={"name": "w", "size": 1}, headers=auth("auditor"))
    body = assert_problem(response, 403)
    assert "mod_officer" in body["detail"]


async def test_unknown_roles_grant_nothing(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/v1/widgets", headers=forged(roles=["root"])), 403)


async def test_a_supplier_with_a_supplier_id_is_accepted(client: httpx.AsyncClient) -> None:
    headers = auth("supplier", supplier_id=uuid4())
    assert (await client.get("/api/v1/widgets", headers=headers)).status_code == 200


@pytest.fixture
def rsa_keys() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.mark.parametrize("escaped", [False, True], ids=["pem", "pem-with-escaped-newlines"])
async def test_rs256_configured_through_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, rsa_keys: tuple[str, str], escaped: bool
) -> None:
    private, public = rsa_keys
    # Container platforms often pass a PEM in one line with literal "\n".
    monkeypatch.setenv("SDO_JWT_PUBLIC_KEY", public.replace("\n", "\\n") if escaped else public)
    monkeypatch.setenv("SDO_JWT_SECRET", "an-hs256-secret-that-must-be-ignored-0123")
    async with widgets(f"sqlite+aiosqlite:///{tmp_path / 'rs.db'}", jwt_secret=None) as (app, client):
        assert app.state.runtime.verifier.algorithm == "RS256"
        good = await client.get("/api/v1/widgets", headers=forged(key=private, algorithm="RS256"))
        assert good.status_code == 200, good.text
        # HS/RS confusion: an HS256 token whose HMAC key is the public PEM.
        confused = _hand_signed({"alg": "HS256", "typ": "JWT"}, claims(), public.encode())
        assert_unauthorized(await client.get("/api/v1/widgets", headers=bearer(confused)))
        secret_signed = forged(key="an-hs256-secret-that-must-be-ignored-0123")
        assert_unauthorized(await client.get("/api/v1/widgets", headers=secret_signed))
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        assert_unauthorized(await client.get("/api/v1/widgets", headers=forged(key=other, algorithm="RS256")))
        none = _hand_signed({"alg": "none"}, claims(), None)
        assert_unauthorized(await client.get("/api/v1/widgets", headers=bearer(none)))


async def test_an_unusable_public_key_stops_the_service_at_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="public key"):
        async with widgets(f"sqlite+aiosqlite:///{tmp_path / 'k.db'}", jwt_public_key="not a pem"):
            pass


def test_jwt_decode_is_pinned_to_one_algorithm() -> None:
    from shared.auth import TokenVerifier

    verifier = TokenVerifier(secret="s" * 64, public_key=None, issuer="sdo", audience="sdo-api")
    token = jwt.encode(claims(), "s" * 64, algorithm="HS384")
    with pytest.raises(Exception, match="token is not valid"):
        verifier.verify(token)
