"""The installed suite: import contracts, the `sdo` console script, nothing created at import time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared.auth import TokenVerifier
from shared.settings import DEV_JWT_SECRET

ROOT = Path(__file__).resolve().parents[3]


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SDO_")}
    env.update(extra)
    return env


def _sdo(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "sdo"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "services.cli"]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=60, env=_environment(**env), cwd=ROOT
    )


def test_the_import_contracts_hold() -> None:
    # The console script's own entry point, run by this interpreter (the venv's), config from pyproject.toml.
    entry = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    result = subprocess.run(
        [sys.executable, "-c", entry, "--no-cache", "pyproject.toml"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "shared imports no service KEPT" in result.stdout
    assert "services are independent KEPT" in result.stdout
    assert "0 broken" in result.stdout


def test_sdo_serve_refuses_to_start_without_a_broker() -> None:
    result = _sdo("serve", "orders")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SDO_AMQP_URL" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_sdo_serve_refuses_the_in_process_bus() -> None:
    result = _sdo("serve", "quality", SDO_AMQP_URL="memory://")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "memory://" in result.stderr


def test_sdo_serve_refuses_to_start_without_a_key_to_check_tokens() -> None:
    result = _sdo("serve", "suppliers", SDO_AMQP_URL="amqp://guest:guest@127.0.0.1:5672/")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SDO_JWT_SECRET" in lines[0] and "SDO_JWT_PUBLIC_KEY" in lines[0], result.stderr


def test_sdo_token_for_a_supplier_needs_a_supplier_id() -> None:
    result = _sdo("token", "--role", "supplier")
    assert result.returncode == 2
    assert "--supplier-id" in result.stderr and not result.stdout


@pytest.mark.parametrize("secret", [None, "a-secret-from-the-environment-0123456789"], ids=["default", "env"])
def test_sdo_token_prints_a_token_the_services_accept(secret: str | None) -> None:
    env = {"SDO_JWT_SECRET": secret} if secret else {}
    result = _sdo("token", "--role", "auditor", "--sub", "ops-desk", "--ttl", "120", **env)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert token.count(".") == 2 and "\n" not in token
    verifier = TokenVerifier(secret=secret or DEV_JWT_SECRET, public_key=None, issuer="sdo", audience="sdo-api")
    principal = verifier.verify(token)
    assert principal.sub == "ops-desk" and principal.roles == {"auditor"}
    assert principal.claims["exp"] - principal.claims["iat"] == 120


def test_importing_the_services_creates_nothing(tmp_path: Path) -> None:
    code = "import services.orders.app, services.suppliers.app, services.quality.app, services.cli, shared.service"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=_environment(SDO_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/would-be-created.db"),
    )
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []
