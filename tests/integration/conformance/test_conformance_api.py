"""Property-based conformance of each service to its own OpenAPI document (schemathesis, in-process ASGI).

For every operation schemathesis draws valid and invalid requests and checks each answer: never a 500,
a status the operation declares, the declared content type, a body matching the declared schema,
the declared headers, ``Allow`` on a 405 that names only documented methods. ``http_semantics``
adds what the contract requires beyond the document: every error is problem+json with its
``status``, a 401 carries a bearer challenge, a 405 ``Allow``, a 429/503 ``Retry-After``, and
every answer ``X-Request-ID``.

Each case is sent once per principal: ``integration`` (may do most things), a supplier scoped to its
own data, the quality inspector who writes quality records, and nobody (no token). Seeded resources
stand in for some generated path ids, so reads and commands reach their handlers, not just the 404.

The schema is built from the app at import (building an app creates nothing). The app that answers is
built per module on its own SQLite file and in-process bus, seeded through ``tests.support.running``
first; schemathesis then runs its lifespan (migrations, bus) on its own event loop and ends it after
each test.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import Case, Response
from schemathesis.checks import CheckContext
from schemathesis.core.failures import Failure
from schemathesis.core.parameters import ParameterLocation
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.schemas import BaseSchema
from starlette.types import Receive, Scope, Send

from services.orders.app import create_app as create_orders
from services.orders.settings import OrdersSettings
from services.quality.app import create_app as create_quality
from services.quality.settings import QualitySettings
from services.suppliers.app import create_app as create_suppliers
from services.suppliers.settings import SuppliersSettings
from shared.events.types import EventType
from tests.integration.orders.orders_helpers import spec as order_spec
from tests.integration.quality.quality_fixtures import GOOD, open_inspection
from tests.integration.suppliers.supplier_fixtures import active_supplier, add_certification, kz_body
from tests.support import JWT_SECRET, auth, eventually, inject, running

PROBLEM = "application/problem+json"

# Bounded and deterministic: the same requests on every run, the whole module well under a minute.
BOUNDED = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)

Factory = Callable[[str, str], FastAPI]


def _orders(database_url: str, amqp_url: str) -> FastAPI:
    return create_orders(OrdersSettings(database_url=database_url, amqp_url=amqp_url, jwt_secret=JWT_SECRET))


def _suppliers(database_url: str, amqp_url: str) -> FastAPI:
    return create_suppliers(SuppliersSettings(database_url=database_url, amqp_url=amqp_url, jwt_secret=JWT_SECRET))


def _quality(database_url: str, amqp_url: str) -> FastAPI:
    return create_quality(QualitySettings(database_url=database_url, amqp_url=amqp_url, jwt_secret=JWT_SECRET))


@dataclass
class UnderTest:
    """The ASGI app schemathesis talks to; the real app behind it is set by the module's fixture."""

    name: str
    factory: Factory
    app: FastAPI | None = None
    # Seeded ids by path parameter name: drawn instead of a generated one now and then.
    known: dict[str, list[str]] = field(default_factory=dict)
    principals: list[dict[str, str]] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None, f"{self.name}: the fixture has not set the app up"
        await self.app(scope, receive, send)


def _load(target: UnderTest) -> BaseSchema:
    schema = schemathesis.openapi.from_dict(target.factory("sqlite+aiosqlite://", "memory://").openapi())
    schema.app = target
    # Credentials are the test's to choose (see ``_exercise``); generated Authorization values would
    # only be overridden.
    schema.config.generation.update(with_security_parameters=False)
    # A stale If-Match is 412 by the contract, whatever the request looks like.
    acceptance = schema.config.checks.positive_data_acceptance
    acceptance.expected_statuses = [*acceptance.expected_statuses, "412"]

    @schema.hook
    def flatmap_case(ctx: Any, case: Case) -> st.SearchStrategy[Case]:
        # Seeded ids stand in for generated ones, so handlers run past their 404. Only in a case whose
        # path is valid: a negative one stays negative.
        path = case.path_parameters or {}
        known = {name: ids for name, ids in target.known.items() if name in path}
        if not known or (case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH)):
            return st.just(case)

        def swap(chosen: dict[str, str]) -> Case:
            case.path_parameters = {**path, **chosen}
            return case

        return st.fixed_dictionaries({n: st.sampled_from([path[n], *ids]) for n, ids in known.items()}).map(swap)

    @schema.hook
    def filter_failure(ctx: Any, failure: Failure, case: Case, response: Response) -> bool:
        return not _beyond_the_schema(failure, case, response)

    return schema


def _beyond_the_schema(failure: Failure, case: Case, response: Response) -> bool:
    """A schema-valid request refused for a rule JSON Schema cannot state: not a conformance failure.

    ``positive_data_acceptance`` expects every request matching the document to be accepted. Some 422s
    are right all the same: a cursor is opaque (only one the API issued decodes); an Idempotency-Key
    already used with another body is refused by the contract; and a body can break rules that are
    the domain's, not a type's (a BIN check digit, ``valid_until`` before ``valid_from``, a lot larger
    than the order, readings for codes the inspection does not have, printable text). Parameters and
    body types stay checked: a 422 naming a parameter, or saying a value has the wrong type
    (pydantic's "Input should be ..."), means the document does not say what the server enforces.
    """
    if not isinstance(failure, RejectedPositiveData) or response.status_code != 422:
        return False
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        return False
    parameters = {p["name"] for p in case.operation.definition.raw.get("parameters", [])}
    if not errors:
        return False  # e.g. a value the database cannot store: the document should bound it
    for error in errors:
        field, message = str(error.get("field", "")), str(error.get("message", ""))
        if field == "cursor" or (field == "Idempotency-Key" and "already used" in message):
            continue
        if re.split(r"[.\[]", field)[0] in parameters or message.startswith("Input should be"):
            return False
    return True


def http_semantics(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """What the contract adds to the document: RFC 9457 errors and the RFC 9110 headers."""
    status = response.status_code
    headers = response.headers  # lower-case names, lists of values
    where = f"{case.method} {case.formatted_path} -> {status}"
    assert headers.get("x-request-id"), f"{where}: no X-Request-ID"
    if status >= 400:
        content_type = (headers.get("content-type") or [""])[0].split(";")[0].strip()
        assert content_type == PROBLEM, f"{where}: an error as {content_type!r}, not {PROBLEM}"
        body = response.json()
        assert {"type", "title", "status", "detail"} <= body.keys(), f"{where}: not a problem: {body}"
        assert body["status"] == status, f"{where}: problem status {body['status']}"
    if status == 401:
        assert (headers.get("www-authenticate") or [""])[0].startswith("Bearer"), f"{where}: no bearer challenge"
    if status == 405:
        assert headers.get("allow"), f"{where}: no Allow"
    if status in (429, 503):
        assert headers.get("retry-after"), f"{where}: no Retry-After"
    return None


def _without_long_polling(case: Case) -> None:
    """A long-poll (``wait=SECONDS`` on the changes feed) waits by design while nothing changes: its answer's
    shape is checked without the wait (tests/integration/webhooks covers the waiting). Invalid values stay."""
    wait = (case.query or {}).get("wait")
    if isinstance(wait, int) and not isinstance(wait, bool) and 0 < wait <= 30:
        case.query["wait"] = 0


def _exercise(case: Case, target: UnderTest) -> None:
    _without_long_polling(case)
    for principal in target.principals:
        case.call_and_validate(headers=principal, additional_checks=[http_semantics])


ORDERS = UnderTest("orders", _orders)
SUPPLIERS = UnderTest("suppliers", _suppliers)
QUALITY = UnderTest("quality", _quality)
ORDERS_SCHEMA, SUPPLIERS_SCHEMA, QUALITY_SCHEMA = (_load(t) for t in (ORDERS, SUPPLIERS, QUALITY))
NOBODY: dict[str, str] = {}


async def _serve(target: UnderTest, tmp: Path, seed: Callable[[FastAPI, httpx.AsyncClient], Awaitable[None]]) -> None:
    """Seed through a first app (its own bus), then hand the same database to the app under test."""
    database = f"sqlite+aiosqlite:///{tmp / f'{target.name}.db'}"
    seeder = target.factory(database, f"memory://conformance-seed-{target.name}-{uuid4().hex}")
    async with running(seeder) as client:
        await seed(seeder, client)
    # Its bus is of its own too: the in-process broker belongs to the loop that first used it.
    target.app = target.factory(database, f"memory://conformance-{target.name}-{uuid4().hex}")


def _reset(target: UnderTest) -> None:
    target.app = None
    target.known.clear()
    target.principals.clear()


async def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture(scope="module")
async def orders_api(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[UnderTest]:
    supplier_id = uuid4()
    officer = auth("integration")

    async def seed(app: FastAPI, client: httpx.AsyncClient) -> None:
        draft = await _ok(await client.post("/api/v1/orders", json=order_spec(), headers=officer), 201)
        contracted_order = await _ok(await client.post("/api/v1/orders", json=order_spec(), headers=officer), 201)
        url = f"/api/v1/orders/{contracted_order['id']}"
        await _ok(await client.post(f"{url}/publish", headers=officer))
        award = {"supplier_id": str(supplier_id), "contract_price": {"amount": "900000.00", "currency": "KZT"}}
        await _ok(await client.post(f"{url}/award", json=award, headers=officer))
        confirmed = {
            "order_id": contracted_order["id"],
            "supplier_id": str(supplier_id),
            "supplier_country": "KZ",
            "local_content_share": "60",
        }
        await inject(app, EventType.SUPPLIER_AWARD_CONFIRMED, supplier_id, confirmed, source="sdo/suppliers")

        async def is_contracted() -> bool:
            return (await client.get(f"{url}/status", headers=officer)).json()["status"] == "contracted"

        await eventually(is_contracted, what="order contracted")
        ORDERS.known["order_id"] = [draft["id"], contracted_order["id"]]

    await _serve(ORDERS, tmp_path_factory.mktemp("orders"), seed)
    ORDERS.principals.extend([officer, auth("supplier", supplier_id=supplier_id), NOBODY])
    yield ORDERS
    _reset(ORDERS)


@pytest.fixture(scope="module")
async def suppliers_api(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[UnderTest]:
    seeded: dict[str, Any] = {}

    async def seed(app: FastAPI, client: httpx.AsyncClient) -> None:
        active = await active_supplier(client, kz_body())
        certification = await add_certification(client, active["id"], "ISO 9001")
        pending = await _ok(await client.post("/api/v1/suppliers", json=kz_body(), headers=auth("integration")), 201)
        record = await _ok(await client.get(f"/api/v1/suppliers/{active['id']}", headers=auth("auditor")))
        seeded["active"] = active["id"]
        SUPPLIERS.known["supplier_id"] = [active["id"], pending["id"]]
        SUPPLIERS.known["license_id"] = [lic["id"] for lic in record["licenses"]]
        SUPPLIERS.known["certification_id"] = [certification["id"]]

    await _serve(SUPPLIERS, tmp_path_factory.mktemp("suppliers"), seed)
    SUPPLIERS.principals.extend([auth("integration"), auth("supplier", supplier_id=seeded["active"]), NOBODY])
    yield SUPPLIERS
    _reset(SUPPLIERS)


@pytest.fixture(scope="module")
async def quality_api(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[UnderTest]:
    supplier_id = uuid4()
    inspector = auth("quality_inspector")

    async def seed(app: FastAPI, client: httpx.AsyncClient) -> None:
        # One inspection accepted (with its certificate), one left open for the fuzzer to measure.
        done = await open_inspection(app, client, lot_size=5, supplier_id=supplier_id)
        url = f"/api/v1/inspections/{done['id']}"
        serials = [f"U-{n}" for n in range(done["sample_size"])]
        for serial in serials:
            await _ok(
                await client.post(
                    f"{url}/measurements", json={"unit_serial": serial, "values": GOOD}, headers=inspector
                ),
                201,
            )
        completed = await _ok(await client.post(f"{url}/complete", headers=inspector))
        still_open = await open_inspection(app, client, lot_size=50, supplier_id=supplier_id)
        QUALITY.known["order_id"] = [done["order_id"], still_open["order_id"]]
        QUALITY.known["inspection_id"] = [done["id"], still_open["id"]]
        QUALITY.known["certificate_id"] = [completed["certificate_id"]]
        QUALITY.known["unit_serial"] = serials[:2]

    await _serve(QUALITY, tmp_path_factory.mktemp("quality"), seed)
    QUALITY.principals.extend([inspector, auth("integration"), auth("supplier", supplier_id=supplier_id), NOBODY])
    yield QUALITY
    _reset(QUALITY)


@ORDERS_SCHEMA.parametrize()
@BOUNDED
def test_orders_conforms_to_its_document(case: Case, orders_api: UnderTest) -> None:
    _exercise(case, orders_api)


@SUPPLIERS_SCHEMA.parametrize()
@BOUNDED
def test_suppliers_conforms_to_its_document(case: Case, suppliers_api: UnderTest) -> None:
    _exercise(case, suppliers_api)


@QUALITY_SCHEMA.parametrize()
@BOUNDED
def test_quality_conforms_to_its_document(case: Case, quality_api: UnderTest) -> None:
    _exercise(case, quality_api)
