"""The edge's rules without a service: callers, supplier tokens, signing keys, body counting, headers."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import orjson
import pytest
from pydantic import ValidationError
from structlog.testing import capture_logs

from shared.auth import InsecureSigningKey, Principal, TokenVerifier, check_signing_key, mint_token
from shared.http.edge import BodyLimitMiddleware, SecurityHeadersMiddleware
from shared.http.idempotency import _lock_id
from shared.http.problems import Unauthorized
from shared.settings import DEV_JWT_SECRET, ServiceSettings

SECRET = "s" * 48


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.upper().startswith("SDO_"):
            monkeypatch.delenv(name)


def _verifier() -> TokenVerifier:
    return TokenVerifier(secret=SECRET, public_key=None, issuer="sdo", audience="sdo-api")


def test_a_caller_is_its_issuer_sub_and_supplier() -> None:
    supplier = uuid4()
    principal = _verifier().verify(mint_token(SECRET, roles=["supplier"], sub="desk", supplier_id=supplier))
    assert principal.caller == ("sdo", "desk", str(supplier))
    officer = _verifier().verify(mint_token(SECRET, roles=["mod_officer"], sub="desk"))
    assert officer.caller == ("sdo", "desk", "")
    assert Principal(sub="bare", roles=frozenset()).caller == ("", "bare", "")


@pytest.mark.parametrize("other", ["auditor", "mod_officer", "mic_officer", "quality_inspector", "integration"])
def test_a_supplier_token_with_another_role_is_refused(other: str) -> None:
    token = mint_token(SECRET, roles=["supplier", other], sub="s", supplier_id=uuid4())
    with pytest.raises(Unauthorized, match="no other role"):
        _verifier().verify(token)


def test_the_advisory_lock_of_a_key_differs_per_caller_and_fits_a_bigint() -> None:
    a, b = ("sdo", "supplier", str(uuid4())), ("sdo", "supplier", str(uuid4()))
    assert _lock_id(a, "k") != _lock_id(b, "k")
    assert _lock_id(a, "k") == _lock_id(a, "k")
    assert -(2**63) <= _lock_id(a, "k") < 2**63


@pytest.mark.parametrize("secret", [DEV_JWT_SECRET, "", "short", "x" * 31])
def test_outside_dev_mode_a_public_or_short_secret_is_refused(secret: str) -> None:
    settings = ServiceSettings(jwt_secret=secret)
    if not secret:
        check_signing_key(settings)  # no secret at all: resolved_jwt_secret() names the missing key
        return
    with pytest.raises(InsecureSigningKey) as refused:
        check_signing_key(settings)
    assert "SDO_DEV_MODE" not in str(refused.value) and "dev mode" not in str(refused.value).lower()


def test_a_long_secret_or_a_public_key_is_accepted() -> None:
    check_signing_key(ServiceSettings(jwt_secret="x" * 32))
    check_signing_key(ServiceSettings(jwt_secret="ключ" * 4))  # 32 bytes in UTF-8, 16 characters
    # RS256: the secret is not what tokens are checked with.
    check_signing_key(ServiceSettings(jwt_secret="short", jwt_public_key="-----BEGIN PUBLIC KEY-----"))


def test_dev_mode_accepts_any_key_and_warns() -> None:
    with capture_logs() as logs:
        check_signing_key(ServiceSettings(dev_mode=True, jwt_secret=DEV_JWT_SECRET))
        check_signing_key(ServiceSettings(dev_mode=True))
    assert [entry["log_level"] for entry in logs] == ["warning", "warning"]
    assert all(entry["event"] == "DEVELOPMENT_MODE_IS_ON" for entry in logs)


def test_the_missing_key_message_does_not_suggest_dev_mode() -> None:
    with pytest.raises(RuntimeError) as refused:
        ServiceSettings().resolved_jwt_secret()
    assert "DEV_MODE" not in str(refused.value)


def test_edge_settings_defaults_and_bounds() -> None:
    settings = ServiceSettings()
    assert settings.max_body_bytes == 1024 * 1024 and settings.rate_limit is None
    with pytest.raises(ValidationError):
        ServiceSettings(max_body_bytes=0)
    with pytest.raises(ValidationError):
        ServiceSettings(jwt_issuer="i" * 201)


def test_the_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDO_MAX_BODY_BYTES", "4096")
    monkeypatch.setenv("SDO_RATE_LIMIT", "100/second")
    settings = ServiceSettings()
    assert (settings.max_body_bytes, settings.rate_limit) == (4096, "100/second")


class _Reader:
    """An ASGI app that reads the whole body, then answers 200 with its length."""

    def __init__(self) -> None:
        self.read = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            self.read += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": str(self.read).encode()})


async def _call(app: Any, chunks: list[bytes], headers: list[tuple[bytes, bytes]] | None = None) -> list[Any]:
    pending = list(chunks)
    pulled = 0
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/v1/x", "headers": headers or []}
    await app(scope, receive, send)
    return [pulled, *sent]


async def test_a_streamed_body_is_counted_and_stopped_at_the_limit() -> None:
    inner = _Reader()
    pulled, start, body = await _call(BodyLimitMiddleware(inner, max_bytes=10), [b"12345", b"67890", b"1", b"2"])
    assert pulled == 3 and start["status"] == 413
    assert orjson.loads(body["body"])["type"] == "urn:sdo:problem:payload-too-large"
    assert (b"connection", b"close") in start["headers"]
    # At the limit exactly, the app reads it all and answers itself.
    inner = _Reader()
    pulled, start, body = await _call(BodyLimitMiddleware(inner, max_bytes=10), [b"12345", b"67890"])
    assert (pulled, start["status"], body["body"]) == (2, 200, b"10")


async def test_an_announced_length_over_the_limit_reads_nothing() -> None:
    inner = _Reader()
    sent = await _call(BodyLimitMiddleware(inner, max_bytes=10), [b"x"], [(b"content-length", b"11")])
    assert sent[0] == 0 and sent[1]["status"] == 413 and inner.read == 0


async def test_security_headers_replace_nothing_else() -> None:
    sent = await _call(SecurityHeadersMiddleware(_Reader()), [b"abc"])
    headers = dict(sent[1]["headers"])
    assert headers[b"x-content-type-options"] == b"nosniff" and headers[b"cache-control"] == b"no-store"
    assert headers[b"content-type"] == b"text/plain"
