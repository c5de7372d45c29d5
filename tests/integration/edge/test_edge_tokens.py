"""Tokens (contract section 10): a supplier token with another role is 401; outside development mode
a service refuses the published development secret or a short one; in development mode it says so
at start-up and in /readyz; `sdo token --role supplier` names the supplier in `sub`."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest

from services.cli import main as sdo
from shared.auth import InsecureSigningKey, mint_token
from shared.settings import DEV_JWT_SECRET
from tests.integration.edge.edge_app import create_app
from tests.integration.edge.edge_support import notes, settings, stored
from tests.support import JWT_SECRET, assert_problem, running

SUPPLIER_ID = "5b0f0c4e-8f5e-4d2a-9d1e-2f7c4b8a9e01"


def bearer(roles: list[str], supplier_id: str | None = SUPPLIER_ID, key: str = JWT_SECRET) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(key, roles=roles, sub='mixed', supplier_id=supplier_id)}"}


@pytest.mark.parametrize("other", ["auditor", "mod_officer", "mic_officer", "quality_inspector", "integration"])
async def test_a_supplier_token_with_any_other_role_is_401_everywhere(database_url: str, other: str) -> None:
    async with notes(database_url) as (app, client):
        headers = bearer(["supplier", other])
        answers = [
            await client.get("/api/v1/notes", headers=headers),
            await client.post("/api/v1/notes", json={"text": "t"}, headers={**headers, "Idempotency-Key": "m"}),
            await client.get("/api/v1/audit", headers=headers),
            await client.get("/api/v1/audit/verify", headers=headers),
        ]
        for answer in answers:
            body = assert_problem(answer, 401)
            assert "supplier token must carry no other role" in body["detail"]
            assert answer.headers["WWW-Authenticate"].startswith('Bearer realm="sdo", error="invalid_token"')
        assert await stored(app) == (0, 0, 0, 0)
        # The same supplier with its one role is served.
        assert (await client.get("/api/v1/notes", headers=bearer(["supplier"]))).status_code == 200


async def test_a_role_name_the_suite_does_not_know_is_ignored_not_mixed(sqlite_url: str) -> None:
    async with notes(sqlite_url) as (_, client):
        answer = await client.get("/api/v1/notes", headers=bearer(["supplier", "offline_access"]))
        assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        pytest.param(DEV_JWT_SECRET, "published development secret", id="dev-secret"),
        pytest.param("abc", "3 bytes", id="three-bytes"),
        pytest.param("x" * 31, "31 bytes", id="31-bytes"),
    ],
)
async def test_outside_dev_mode_a_guessable_secret_stops_the_service_before_its_database(
    tmp_path: Path, secret: str, reason: str
) -> None:
    database = tmp_path / "never.db"
    app = create_app(settings(f"sqlite+aiosqlite:///{database}", jwt_secret=secret))
    with pytest.raises(InsecureSigningKey) as refused:
        async with running(app):
            pass
    message = str(refused.value)
    assert reason in message and "SDO_JWT_SECRET" in message and "32" in message
    assert "DEV_MODE" not in message.upper().replace(" ", "_"), "the remedy is a real key, never dev mode"
    assert not database.exists()


async def test_a_32_byte_secret_is_enough(sqlite_url: str) -> None:
    secret = "k" * 32
    async with notes(sqlite_url, jwt_secret=secret) as (_, client):
        assert (await client.get("/api/v1/notes", headers=bearer(["auditor"], None, secret))).status_code == 200


async def test_without_a_key_the_message_names_the_keys_not_dev_mode(tmp_path: Path) -> None:
    app = create_app(settings(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", jwt_secret=None))
    with pytest.raises(RuntimeError) as refused:
        async with running(app):
            pass
    assert "SDO_JWT_SECRET" in str(refused.value) and "DEV_MODE" not in str(refused.value)


async def test_in_dev_mode_readyz_says_so_and_stays_ready(sqlite_url: str, capfd: pytest.CaptureFixture[str]) -> None:
    async with notes(sqlite_url, jwt_secret=None, dev_mode=True) as (_, client):
        logged = capfd.readouterr().err
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        body = ready.json()
        assert body["status"] == "ready"
        assert body["checks"]["dev_mode"]["status"] == "warning"
        assert "development secret" in body["checks"]["dev_mode"]["detail"]
        # The published secret is accepted here, and only here.
        assert (await client.get("/api/v1/notes", headers=bearer(["auditor"], None, DEV_JWT_SECRET))).status_code == 200
    assert "DEVELOPMENT_MODE_IS_ON" in logged and "warning" in logged


async def test_outside_dev_mode_readyz_has_no_dev_mode_check(sqlite_url: str) -> None:
    async with notes(sqlite_url) as (_, client):
        assert "dev_mode" not in (await client.get("/readyz")).json()["checks"]


def _minted(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert sdo(["token", *args]) == 0
    token = capsys.readouterr().out.strip()
    return jwt.decode(token, DEV_JWT_SECRET, algorithms=["HS256"], audience="sdo-api")


def test_sdo_token_names_the_supplier_in_sub(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SDO_JWT_SECRET", raising=False)
    claims = _minted(capsys, "--role", "supplier", "--supplier-id", SUPPLIER_ID)
    assert claims["sub"] == SUPPLIER_ID and claims["supplier_id"] == SUPPLIER_ID and claims["roles"] == ["supplier"]
    assert (
        _minted(capsys, "--role", "supplier", "--supplier-id", SUPPLIER_ID, "--sub", "acme-desk")["sub"] == "acme-desk"
    )
    assert _minted(capsys, "--role", "auditor")["sub"] == "auditor"
