"""Every request body of every service is bounded, field by field, in the document it serves.

The body limit (``SDO_MAX_BODY_BYTES``) caps a request as a whole; these bounds cap what one field
may hold, so that no list, map, string or number reaches the domain or its storage unbounded. The
services are the ones ``sdo`` knows (``services.cli.SERVICES``) and the bodies are read from each
one's served ``/openapi.json``, so a service, an operation or a field added tomorrow is checked
tomorrow. Every body schema is walked through ``$ref``, ``anyOf``, ``oneOf`` and ``allOf``, and:

- an array has ``maxItems``;
- a map (an object whose ``additionalProperties`` is not ``false``, or an object without
  ``properties``) has ``maxProperties`` and bounded keys: ``propertyNames`` with ``maxLength``, an
  ``enum``/``const`` or a bounding pattern;
- a string has ``maxLength``, or is bounded by what it may be: an ``enum`` or ``const``; a
  ``format`` whose grammar has a fixed length (``date``, ``date-time``, ``time``, ``uuid``: parsed
  into a value, never stored as sent); or a ``pattern`` anchored at both ends (``^...$``) with no
  unbounded repetition (``*``, ``+``, ``{n,}``);
- an integer or a number has a lower and an upper bound (``minimum``/``exclusiveMinimum`` and
  ``maximum``/``exclusiveMaximum``). Integers are stored in fixed-width columns; a JSON number
  without a range would also admit an integer literal of thousands of digits, which Python reads
  exactly and a JSON column keeps as sent. The widest range a number may declare is IEEE 754
  binary64's (RFC 8259 section 6: what JSON clients exchange reliably);
- a schema that admits any value (``{}``) is unbounded.

A finding names its service, its operation and the JSON pointer of the field in the body (``*``
for an array's items, ``{key}`` for a map's values).

The second half sends each bound added here one step past it and expects a 422 problem+json that
names the field, with nothing stored.
"""

from __future__ import annotations

import re
import sys
import typing
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from services.cli import SERVICES
from shared.events.types import EventType
from tests.support import JWT_SECRET, assert_problem, auth, eventually, inject, running

# --- the walk -------------------------------------------------------------------------------------

BOUNDED_FORMATS = frozenset({"date", "date-time", "time", "uuid"})
# A quantifier without an upper limit, not escaped (``\+`` is a literal plus).
_UNBOUNDED_REPEAT = re.compile(r"(?<!\\)(?:\*|\+|\{\d+,\})")
# Keywords that describe a schema without constraining it: a $ref beside only these is the $ref.
_ANNOTATIONS = frozenset({"title", "description", "examples", "example", "default", "deprecated", "readOnly"})


def pattern_bounds(pattern: str | None) -> bool:
    """Whether a pattern alone bounds a string's length: anchored at both ends, every repetition finite."""
    if not pattern:
        return False
    return pattern.startswith("^") and pattern.endswith("$") and not _UNBOUNDED_REPEAT.search(pattern)


def _string_bounded(schema: dict[str, Any]) -> bool:
    return (
        "maxLength" in schema
        or "enum" in schema
        or "const" in schema
        or schema.get("format") in BOUNDED_FORMATS
        or pattern_bounds(schema.get("pattern"))
    )


def _types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type")
    return kind if isinstance(kind, list) else [kind] if kind else []


def unbounded(
    document: dict[str, Any], schema: Any, pointer: str = "", seen: frozenset[str] = frozenset()
) -> Iterator[str]:
    """``"<pointer>: <what is missing>"`` for every unbounded place of ``schema`` (one body)."""
    where = pointer or "/"
    if schema is True or schema == {}:
        yield f"{where}: any value is admitted"
        return
    if not isinstance(schema, dict) or schema is False:
        return
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name not in seen:  # a recursive schema is walked once
            yield from unbounded(document, document["components"]["schemas"][name], pointer, seen | {name})
        schema = {k: v for k, v in schema.items() if k != "$ref" and k not in _ANNOTATIONS}
        if not schema:
            return
    for combinator in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(combinator, []):
            yield from unbounded(document, branch, pointer, seen)
    if "enum" in schema or "const" in schema:
        return
    types = _types(schema)
    structural = {"anyOf", "oneOf", "allOf", "properties", "additionalProperties", "items"}
    if not types and not structural & schema.keys():
        yield f"{where}: any value is admitted"
    if "array" in types or "items" in schema:
        if "maxItems" not in schema:
            yield f"{where}: array without maxItems"
        yield from unbounded(document, schema.get("items", {}), f"{pointer}/*", seen)
    if "object" in types or "properties" in schema or "additionalProperties" in schema:
        for name, field in schema.get("properties", {}).items():
            yield from unbounded(document, field, f"{pointer}/{name}", seen)
        extra = schema.get("additionalProperties")
        if extra not in (None, False) or (extra is None and "properties" not in schema):
            if "maxProperties" not in schema:
                yield f"{where}: map without maxProperties"
            keys = schema.get("propertyNames", {})
            if not (isinstance(keys, dict) and _string_bounded(keys)):
                yield f"{where}: map keys without maxLength or a bounding pattern (propertyNames)"
            if isinstance(extra, dict):
                yield from unbounded(document, extra, f"{pointer}/{{key}}", seen)
    if "string" in types and not _string_bounded(schema):
        yield f"{where}: string without maxLength (or an enum, a fixed-length format, a bounding pattern)"
    if {"integer", "number"} & set(types):
        low = "minimum" in schema or "exclusiveMinimum" in schema
        high = "maximum" in schema or "exclusiveMaximum" in schema
        if not (low and high):
            yield f"{where}: {'integer' if 'integer' in types else 'number'} without a lower and an upper bound"


def request_bodies(document: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """``(operation, media type, schema)`` of every request body the document declares."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                yield f"{method.upper()} {path}", media, content.get("schema", {})


def findings(service: str, document: dict[str, Any]) -> list[str]:
    return [
        f"{service} {operation} ({media}) {finding}"
        for operation, media, schema in request_bodies(document)
        for finding in unbounded(document, schema)
    ]


def build(service: str, database_url: str, bus_url: str) -> FastAPI:
    """The service's app, made by its own ``create_app`` with its own settings class."""
    module = __import__(f"services.{service}.app", fromlist=["create_app"])
    settings_class = next(
        arg for arg in typing.get_args(typing.get_type_hints(module.create_app)["settings"]) if arg is not type(None)
    )
    app: FastAPI = module.create_app(settings_class(database_url=database_url, amqp_url=bus_url, jwt_secret=JWT_SECRET))
    return app


@pytest.mark.parametrize("service", list(SERVICES))
async def test_every_request_body_is_bounded(service: str, sqlite_url: str, memory_url: str) -> None:
    async with running(build(service, sqlite_url, memory_url)) as client:
        response = await client.get("/openapi.json")
    assert response.status_code == 200, response.text
    document = response.json()
    bodies = list(request_bodies(document))
    assert len(bodies) >= 2, f"{service}: no request bodies found; the check would pass vacuously"
    found = findings(service, document)
    assert not found, "unbounded request fields:\n" + "\n".join(found)


def test_the_walk_names_each_unbounded_place() -> None:
    document: dict[str, Any] = {
        "paths": {
            "/api/v1/things": {
                "parameters": [],
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/T"}}}}
                },
            }
        },
        "components": {
            "schemas": {
                "T": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "tags": {"type": "array", "items": {"type": "string", "maxLength": 5}},
                        "bounded": {"type": "array", "maxItems": 3, "items": {"$ref": "#/components/schemas/T"}},
                        "readings": {"type": "object", "additionalProperties": {"type": "number"}},
                        "labels": {
                            "type": "object",
                            "maxProperties": 2,
                            "propertyNames": {"maxLength": 8},
                            "additionalProperties": {"type": "string", "pattern": "^[A-Z]{3}$"},
                        },
                        "name": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                        "code": {"type": "string", "pattern": "^[a-z]+$"},
                        "day": {"type": "string", "format": "date"},
                        "kind": {"type": "string", "enum": ["a", "b"]},
                        "count": {"type": "integer", "minimum": 1},
                        "share": {"type": "number", "minimum": 0, "maximum": 100},
                        "anything": {},
                        "money": {"$ref": "#/components/schemas/M", "description": "a $ref with an annotation"},
                    },
                },
                "M": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"amount": {"type": "string", "pattern": "^[0-9]{1,15}(\\.[0-9]{1,2})?$"}},
                },
            }
        },
    }
    assert findings("svc", document) == [
        "svc POST /api/v1/things (application/json) /tags: array without maxItems",
        "svc POST /api/v1/things (application/json) /readings: map without maxProperties",
        "svc POST /api/v1/things (application/json) /readings: map keys without maxLength or a bounding pattern "
        "(propertyNames)",
        "svc POST /api/v1/things (application/json) /readings/{key}: number without a lower and an upper bound",
        "svc POST /api/v1/things (application/json) /name: string without maxLength (or an enum, a fixed-length "
        "format, a bounding pattern)",
        "svc POST /api/v1/things (application/json) /code: string without maxLength (or an enum, a fixed-length "
        "format, a bounding pattern)",
        "svc POST /api/v1/things (application/json) /count: integer without a lower and an upper bound",
        "svc POST /api/v1/things (application/json) /anything: any value is admitted",
    ]


@pytest.mark.parametrize(
    ("pattern", "bounds"),
    [
        ("^[A-Z]{3}$", True),
        (r"^\+?[0-9][0-9 ()-]{3,28}[0-9]$", True),
        ("^[0-9]{1,15}(\\.[0-9]{1,2})?$", True),
        ("^[0-9]+(\\.[0-9]{1,2})?$", False),
        ("^[a-z]*$", False),
        ("^[a-z]{2,}$", False),
        ("[A-Z]{3}", False),
    ],
)
def test_a_pattern_bounds_a_string_only_when_anchored_and_finite(pattern: str, bounds: bool) -> None:
    assert pattern_bounds(pattern) is bounds


# --- one past each bound: 422 naming the field, nothing stored ----------------------------------------


def names(problem: dict[str, Any], field: str) -> bool:
    """Whether a 422's errors name ``field`` (or a place inside it: ``values.DIAM``, ``categories[5]``)."""
    return any(
        e["field"] == field or e["field"].startswith((f"{field}.", f"{field}[")) for e in problem.get("errors", [])
    )


def past(response: httpx.Response, field: str, bound: str) -> None:
    """A 422 problem+json whose error for exactly ``field`` is the bound's (its message names ``bound``)."""
    problem = assert_problem(response, 422)
    messages = [e["message"] for e in problem.get("errors", []) if e["field"] == field]
    assert any(bound in message for message in messages), (field, bound, problem)


@pytest.fixture
async def suppliers(sqlite_url: str, memory_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running(build("suppliers", sqlite_url, memory_url)) as client:
        yield client


MIC = auth("mic_officer")
SUPPLIER: dict[str, Any] = {
    "name": "Kazakhstan Engineering JSC",
    "country": "KZ",
    "bin": "040840005125",
    "categories": ["repair", "modernization"],
    "local_content_share": 72.5,
    "security_clearance": True,
}
ALL_CATEGORIES = ["procurement", "maintenance", "repair", "modernization", "production"]

# (field, the bound as its message names it, a body one past it)
SUPPLIER_CREATE_PAST: list[tuple[str, str, dict[str, Any]]] = [
    # Five order categories: a sixth entry can only repeat one.
    ("categories", "at most 5 items", {**SUPPLIER, "categories": [*ALL_CATEGORIES, "repair"]}),
    ("bin", "at most 100 characters", {**SUPPLIER, "bin": "0" * 101}),
    (
        "registration_number",
        "at most 100 characters",
        {**{k: v for k, v in SUPPLIER.items() if k != "bin"}, "country": "TR", "registration_number": "R" * 101},
    ),
]


@pytest.mark.parametrize(("field", "bound", "body"), SUPPLIER_CREATE_PAST, ids=[c[0] for c in SUPPLIER_CREATE_PAST])
async def test_a_supplier_past_a_bound_is_refused_and_not_registered(
    suppliers: httpx.AsyncClient, field: str, bound: str, body: dict[str, Any]
) -> None:
    past(await suppliers.post("/api/v1/suppliers", json=body, headers=MIC), field, bound)
    listed = await suppliers.get("/api/v1/suppliers", headers=MIC)
    assert listed.status_code == 200 and listed.json()["items"] == [], listed.text


async def test_a_supplier_at_the_bounds_is_registered(suppliers: httpx.AsyncClient) -> None:
    body = {**SUPPLIER, "categories": ALL_CATEGORIES, "bin": " " * 88 + SUPPLIER["bin"]}
    created = await suppliers.post("/api/v1/suppliers", json=body, headers=MIC)
    assert created.status_code == 201, created.text
    assert created.json()["bin"] == SUPPLIER["bin"] and created.json()["categories"] == ALL_CATEGORIES


async def test_a_supplier_patch_past_the_categories_bound_changes_nothing(suppliers: httpx.AsyncClient) -> None:
    created = await suppliers.post("/api/v1/suppliers", json=SUPPLIER, headers=MIC)
    assert created.status_code == 201, created.text
    path = f"/api/v1/suppliers/{created.json()['id']}"
    too_many = {"categories": [*ALL_CATEGORIES, "production"]}
    past(await suppliers.patch(path, json=too_many, headers=MIC), "categories", "at most 5 items")
    assert (await suppliers.get(path, headers=MIC)).json() == created.json()


@pytest.fixture
async def quality(sqlite_url: str, memory_url: str) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = build("quality", sqlite_url, memory_url)
    async with running(app) as client:
        yield app, client


INSPECTOR = auth("quality_inspector")
MOD = auth("mod_officer")
REQUIREMENTS = [
    {"code": "DIAM", "name": "Bore diameter", "unit": "mm", "min": 9.95, "max": 10.05, "critical": False},
    {"code": "PRESS", "name": "Burst pressure", "unit": "MPa", "min": 100, "critical": True},
]
GOOD = {"DIAM": 10.0, "PRESS": 120}


async def open_inspection(app: FastAPI, client: httpx.AsyncClient) -> str:
    """An order contracted and a lot submitted over the bus, as the orders service tells them; the inspection's id."""
    order_id, supplier_id = uuid4(), uuid4()
    order = {"order_id": str(order_id), "number": "SDO-2030-000001", "supplier_id": str(supplier_id)}
    contracted = {
        **order,
        "status": "contracted",
        "version": 4,
        "from_status": "award_pending",
        "category": "production",
        "quantity": 100,
        "aql": 10,
        "technical_requirements": REQUIREMENTS,
        "contract_price_kzt": "1000000.00",
    }
    await inject(app, EventType.ORDER_CONTRACTED, order_id, contracted)
    submitted = {
        **order,
        "status": "inspection",
        "version": 6,
        "from_status": "in_production",
        "round": 1,
        "lot_size": 50,
    }
    await inject(app, EventType.ORDER_SUBMITTED_FOR_INSPECTION, order_id, submitted)

    async def opened() -> list[dict[str, Any]]:
        response = await client.get("/api/v1/inspections", params={"order_id": str(order_id)}, headers=MOD)
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    return str((await eventually(opened, what="inspection opened"))[0]["id"])


BEYOND_BINARY64 = 10**309  # an integer literal Python reads exactly; as a double it would be infinite
TOO_LONG = "C" * 65
# (case, field, the bound as its message names it, values one past it)
MEASUREMENT_PAST: list[tuple[str, str, str, dict[str, Any]]] = [
    ("501 codes", "values", "at most 500 items", {**GOOD, **{f"X{n}": 1 for n in range(499)}}),
    ("a 65-character code", f"values.{TOO_LONG}.[key]", "at most 64 characters", {**GOOD, TOO_LONG: 1}),
    ("a reading beyond binary64", "values.PRESS", str(sys.float_info.max), {**GOOD, "PRESS": BEYOND_BINARY64}),
    ("a reading below binary64", "values.DIAM", str(sys.float_info.max), {**GOOD, "DIAM": -BEYOND_BINARY64}),
]


@pytest.mark.parametrize(
    ("field", "bound", "values"), [c[1:] for c in MEASUREMENT_PAST], ids=[c[0] for c in MEASUREMENT_PAST]
)
async def test_a_measurement_past_a_bound_is_refused_and_not_recorded(
    quality: tuple[FastAPI, httpx.AsyncClient], field: str, bound: str, values: dict[str, Any]
) -> None:
    app, client = quality
    inspection_id = await open_inspection(app, client)
    path = f"/api/v1/inspections/{inspection_id}/measurements"
    past(await client.post(path, json={"unit_serial": "SN-1", "values": values}, headers=INSPECTOR), field, bound)
    assert (await client.get(path, headers=MOD)).json()["items"] == []
    inspection = (await client.get(f"/api/v1/inspections/{inspection_id}", headers=MOD)).json()
    assert inspection["units_measured"] == 0, inspection


async def test_a_measurement_at_the_bounds_is_judged_by_the_plan(quality: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, client = quality
    inspection_id = await open_inspection(app, client)
    path = f"/api/v1/inspections/{inspection_id}/measurements"
    # Within every bound, the plan's own rules answer: 64-character codes the plan does not know.
    values = {**GOOD, **{f"{n:064d}": 1 for n in range(498)}}
    problem = assert_problem(
        await client.post(path, json={"unit_serial": "SN-1", "values": values}, headers=INSPECTOR), 422
    )
    assert names(problem, f"values.{0:064d}"), problem
    recorded = await client.post(
        path, json={"unit_serial": "SN-2", "values": {"DIAM": 10.0, "PRESS": sys.float_info.max}}, headers=INSPECTOR
    )
    assert recorded.status_code == 201, recorded.text


@pytest.fixture
async def orders(sqlite_url: str, memory_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running(build("orders", sqlite_url, memory_url)) as client:
        yield client


def order_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Overhaul of armoured personnel carriers",
        "category": "repair",
        "quantity": 100,
        "unit": "vehicle",
        "delivery_deadline": (date.today() + timedelta(days=180)).isoformat(),
        "delivery_location": "Astana",
        "price_ceiling": {"amount": "1000000.00", "currency": "KZT"},
        "funding_source": "state_budget",
        "min_local_content": 40,
        "required_certifications": ["ISO 9001"],
        "technical_requirements": [
            {"code": "LEN", "name": "Length", "unit": "mm", "min": 99.5, "max": 100.5, "critical": True},
        ],
    }
    return body | overrides


# 19 characters for one tenge: a value the amount rules would take, written longer than any amount needs.
LONG_AMOUNT = {"amount": "0000000000000001.00", "currency": "KZT"}
BINARY64 = str(sys.float_info.max).split("e")[0]  # as pydantic and this suite print it: 1.7976931348623157
REQUIREMENT = {"code": "LEN", "name": "Length", "unit": "mm", "critical": True}
# (case, field, the bound as its message names it, the order body one past it)
ORDER_PAST: list[tuple[str, str, str, dict[str, Any]]] = [
    ("long amount", "price_ceiling.amount", "at most 18 characters", order_body(price_ceiling=LONG_AMOUNT)),
    (
        "long certification",
        "required_certifications[1]",
        "at most 64 characters",
        order_body(required_certifications=["ISO 9001", "A" * 65]),
    ),
    (
        "limit beyond binary64",
        "technical_requirements[0].max",
        BINARY64,
        order_body(technical_requirements=[{**REQUIREMENT, "max": BEYOND_BINARY64}]),
    ),
    (
        "limit below binary64",
        "technical_requirements[0].min",
        BINARY64,
        order_body(technical_requirements=[{**REQUIREMENT, "min": -BEYOND_BINARY64}]),
    ),
]


@pytest.mark.parametrize(("field", "bound", "body"), [c[1:] for c in ORDER_PAST], ids=[c[0] for c in ORDER_PAST])
async def test_an_order_past_a_bound_is_refused_and_not_created(
    orders: httpx.AsyncClient, field: str, bound: str, body: dict[str, Any]
) -> None:
    past(await orders.post("/api/v1/orders", json=body, headers=MOD), field, bound)
    listed = await orders.get("/api/v1/orders", headers=MOD)
    assert listed.status_code == 200 and listed.json()["items"] == [], listed.text


@pytest.mark.parametrize(("field", "bound", "body"), [c[1:] for c in ORDER_PAST], ids=[c[0] for c in ORDER_PAST])
async def test_an_order_patch_past_a_bound_changes_nothing(
    orders: httpx.AsyncClient, field: str, bound: str, body: dict[str, Any]
) -> None:
    created = await orders.post("/api/v1/orders", json=order_body(), headers=MOD)
    assert created.status_code == 201, created.text
    path = f"/api/v1/orders/{created.json()['id']}"
    name = field.split(".")[0].split("[")[0]
    past(await orders.patch(path, json={name: body[name]}, headers=MOD), field, bound)
    assert (await orders.get(path, headers=MOD)).json() == created.json()


async def test_an_order_at_the_bounds_is_created(orders: httpx.AsyncClient) -> None:
    body = order_body(
        price_ceiling={"amount": "000000000000001.00", "currency": "KZT"},
        required_certifications=["ISO 9001", " " + "A" * 64 + " "],
        technical_requirements=[{**REQUIREMENT, "min": -sys.float_info.max, "max": sys.float_info.max}],
    )
    created = await orders.post("/api/v1/orders", json=body, headers=MOD)
    assert created.status_code == 201, created.text
    assert created.json()["price_ceiling"] == {"amount": "1.00", "currency": "KZT"}
    assert created.json()["required_certifications"] == ["ISO 9001", "A" * 64]


async def test_an_award_past_the_amount_bound_is_refused_and_changes_nothing(orders: httpx.AsyncClient) -> None:
    created = await orders.post("/api/v1/orders", json=order_body(), headers=MOD)
    path = f"/api/v1/orders/{created.json()['id']}"
    published = await orders.post(f"{path}/publish", headers=MOD)
    assert published.status_code == 200, published.text
    award = {"supplier_id": str(uuid4()), "contract_price": LONG_AMOUNT}
    past(await orders.post(f"{path}/award", json=award, headers=MOD), "contract_price.amount", "at most 18 characters")
    assert (await orders.get(path, headers=MOD)).json() == published.json()


async def test_a_rate_past_its_length_bound_is_refused_and_changes_nothing(orders: httpx.AsyncClient) -> None:
    before = (await orders.get("/api/v1/exchange-rates/USD", headers=MOD)).json()
    long_rate = {"kzt_per_unit": "451.27" + "0" * 35}
    assert len(long_rate["kzt_per_unit"]) == 41
    response = await orders.put("/api/v1/exchange-rates/USD", json=long_rate, headers=MOD)
    past(response, "kzt_per_unit", "at most 40 characters")
    assert (await orders.get("/api/v1/exchange-rates/USD", headers=MOD)).json() == before
