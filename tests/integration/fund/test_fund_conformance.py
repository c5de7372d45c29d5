"""The fund conforms to its own OpenAPI document (schemathesis, in-process ASGI), as the other services do.

Valid and invalid requests for every operation, sent as integration, a fund officer, the MoD,
an enterprise (a supplier's token) and nobody: never a 500, a declared status and content type, a
body matching its schema, problem+json errors with their headers. Seeded projects and a loan stand
in for some generated path ids so commands reach their handlers. The machinery is the conformance
module's (``tests/integration/conformance/test_conformance_api.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fund_fixtures import MOD, OFFICER, announce, fund_app, known_as, loan_body, ok, project_body
from schemathesis import Case

from tests.integration.conformance.test_conformance_api import (
    BOUNDED,
    NOBODY,
    UnderTest,
    _exercise,
    _load,
    _reset,
    _serve,
)
from tests.support import auth

FUND = UnderTest("fund", fund_app)
FUND_SCHEMA = _load(FUND)


@pytest.fixture(scope="module")
async def fund_api(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[UnderTest]:
    seeded: dict[str, Any] = {}

    async def seed(app: FastAPI, client: httpx.AsyncClient) -> None:
        from uuid import uuid4

        enterprise_id = uuid4()
        await announce(app, enterprise_id, "active")
        await known_as(client, enterprise_id, "active")
        submitted = await ok(
            await client.post("/api/v1/projects", json=project_body(enterprise_id), headers=OFFICER), 201
        )
        approved = await ok(
            await client.post("/api/v1/projects", json=project_body(enterprise_id), headers=OFFICER), 201
        )
        url = f"/api/v1/projects/{approved['id']}"
        await ok(await client.post(f"{url}/endorse", headers=MOD))
        await ok(await client.post(f"{url}/approve", headers=OFFICER))
        loan = await ok(await client.post(f"{url}/loans", json=loan_body(), headers=OFFICER), 201)
        await ok(
            await client.post(
                f"/api/v1/loans/{loan['id']}/repayments", json={"amount": loan["level_payment"]}, headers=OFFICER
            ),
            201,
        )
        seeded["enterprise"] = str(enterprise_id)
        FUND.known["project_id"] = [submitted["id"], approved["id"]]
        FUND.known["loan_id"] = [loan["id"]]
        FUND.known["enterprise_id"] = [str(enterprise_id)]
        FUND.known["n"] = ["1", "2"]
        FUND.known["seq"] = ["1"]

    await _serve(FUND, tmp_path_factory.mktemp("fund"), seed)
    FUND.principals.extend(
        [auth("integration"), auth("fund_officer"), MOD, auth("supplier", supplier_id=seeded["enterprise"]), NOBODY]
    )
    yield FUND
    _reset(FUND)


@FUND_SCHEMA.parametrize()
@BOUNDED
def test_the_fund_conforms_to_its_document(case: Case, fund_api: UnderTest) -> None:
    _exercise(case, fund_api)
