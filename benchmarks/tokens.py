"""Bearer tokens for the run, minted by `sdo token` with the run's secret (the contract's own tool)."""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache
from uuid import uuid4

from processes import suite_root

SECRET = f"benchmark-secret-{uuid4().hex}"
TTL_SECONDS = 6 * 3600


@cache
def token(role: str, supplier_id: str | None = None) -> str:
    command = [sys.executable, "-m", "services.cli", "token", "--role", role, "--sub", f"bench-{role}"]
    command += ["--ttl", str(TTL_SECONDS)]
    if supplier_id:
        command += ["--supplier-id", supplier_id]
    env = {**os.environ, "SDO_JWT_SECRET": SECRET}
    return subprocess.run(command, cwd=suite_root(), env=env, check=True, capture_output=True, text=True).stdout.strip()


def bearer(role: str, supplier_id: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, supplier_id)}"}
