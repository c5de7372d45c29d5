"""The supplier registry over HTTP: identity, status machine, licenses, roles, scoping, ETags and idempotency."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import httpx
from supplier_fixtures import (
    AUDITOR,
    NEXT_YEAR,
    OFFICER,
    TODAY,
    active_supplier,
    add_certification,
    add_license,
    foreign_body,
    kz_body,
    register,
    suppliers_app,
)

from shared.events.types import EventType
from tests.support import EventTap, assert_problem, auth, eventually, running

READERS = ["mod_officer", "mic_officer", "quality_inspector", "auditor", "integration"]


async def audit_count(client: httpx.AsyncClient) -> int:
    return (await client.get("/api/v1/audit/verify", headers=AUDITOR)).json()["entries"]


async def test_a_registered_supplier_starts_pending_publishes_its_status_and_is_audited(
    database_url: str, memory_url: str
) -> None:
    app = suppliers_app(database_url, memory_url)
    async with running(app) as client, EventTap(memory_url) as tap:
        body = kz_body(categories=["modernization", "repair", "repair"])
        created = await client.post("/api/v1/suppliers", json=body, headers=OFFICER)

        assert created.status_code == 201, created.text
        supplier = created.json()
        assert created.headers["location"] == f"/api/v1/suppliers/{supplier['id']}"
        assert created.headers["etag"] == '"1"'
        assert supplier["status"] == "pending"
        assert supplier["bin"] == body["bin"]
        assert supplier["categories"] == ["repair", "modernization"]
        assert supplier["local_content_share"] == 72.5
        assert supplier["scorecard"]["acceptance_rate"] is None

        read = await client.get(created.headers["location"], headers=auth("mod_officer"))
        assert read.json() == supplier
        assert read.headers["etag"] == '"1"'
        cached = await client.get(created.headers["location"], headers={**AUDITOR, "If-None-Match": '"1"'})
        assert cached.status_code == 304

        changed = await eventually(lambda: _of_type(tap, EventType.SUPPLIER_STATUS_CHANGED), what="status_changed")
        assert changed[0]["subject"] == supplier["id"]
        assert changed[0]["data"] == {
            "supplier_id": supplier["id"],
            "old_status": None,
            "new_status": "pending",
            "reason": None,
        }
        trail = (await client.get("/api/v1/audit", params={"resource_id": supplier["id"]}, headers=AUDITOR)).json()
        assert [entry["action"] for entry in trail["items"]] == ["supplier_registered"]
        assert (await client.get("/api/v1/audit/verify", headers=AUDITOR)).json() == {"valid": True, "entries": 1}


async def _of_type(tap: EventTap, event_type: str) -> list[dict[str, Any]]:
    return tap.of_type(event_type)


async def test_a_foreign_supplier_is_identified_by_its_registration_number(client: httpx.AsyncClient) -> None:
    supplier = await register(client, foreign_body("TR"))
    assert supplier["country"] == "TR"
    assert supplier["bin"] is None

    missing = await client.post("/api/v1/suppliers", json=foreign_body("DE", registration_number=None), headers=OFFICER)
    assert assert_problem(missing, 422)["errors"] == [
        {"field": "registration_number", "message": "registration_number is required when country is not KZ"}
    ]


async def test_a_second_supplier_with_the_same_bin_or_registration_number_answers_409(
    database_url: str, memory_url: str
) -> None:
    async with running(suppliers_app(database_url, memory_url)) as client:
        first = await register(client)
        same_bin = await client.post("/api/v1/suppliers", json=kz_body(bin=first["bin"], name="Other"), headers=OFFICER)
        assert assert_problem(same_bin, 409)["existing_id"] == first["id"]

        foreign = foreign_body("TR")
        await register(client, foreign)
        same_registration = await client.post("/api/v1/suppliers", json={**foreign, "name": "Copy"}, headers=OFFICER)
        assert_problem(same_registration, 409)
        # The same number in another country is another company.
        await register(client, {**foreign, "country": "DE"})

        listed = (await client.get("/api/v1/suppliers", headers=AUDITOR)).json()["items"]
        assert len(listed) == 3


BAD_SUPPLIERS: list[tuple[dict[str, Any], str]] = [
    (kz_body(bin="040840005124"), "bin"),
    (kz_body(bin="04084000512"), "bin"),
    (kz_body(bin=None), "bin"),
    (kz_body(country="XX"), "country"),
    (kz_body(country="KAZ"), "country"),
    (kz_body(categories=["repair", "catering"]), "categories[1]"),
    (kz_body(categories=[]), "categories"),
    (kz_body(local_content_share=100.5), "local_content_share"),
    (kz_body(local_content_share=-1), "local_content_share"),
    (kz_body(local_content_share="lots"), "local_content_share"),
    (kz_body(name="  "), "name"),
    (kz_body(rating="AAA"), "rating"),
]


async def test_every_invalid_body_answers_422_naming_the_field_and_writes_nothing(client: httpx.AsyncClient) -> None:
    supplier = await register(client)
    entries = await audit_count(client)

    for body, field in BAD_SUPPLIERS:
        response = await client.post("/api/v1/suppliers", json=body, headers=OFFICER)
        assert field in [e["field"] for e in assert_problem(response, 422)["errors"]], (body, response.text)

    licenses = f"/api/v1/suppliers/{supplier['id']}/licenses"
    license_body = {"category": "repair", "number": "L-1", "valid_from": "2026-01-01", "valid_until": "2025-12-31"}
    bad_requests = [
        (licenses, license_body, "valid_until"),
        (licenses, {**license_body, "valid_until": "2027-01-01", "category": "catering"}, "category"),
        (licenses, {**license_body, "valid_until": "2027-01-01", "number": ""}, "number"),
        (licenses, {**license_body, "valid_until": "2027-01-01", "issuer": "MIC"}, "issuer"),
        (
            f"/api/v1/suppliers/{supplier['id']}/certifications",
            {"number": "C-1", "valid_until": "2027-01-01"},
            "standard",
        ),
        (f"/api/v1/suppliers/{supplier['id']}/exclude", {}, "reason"),
        (f"/api/v1/suppliers/{supplier['id']}/exclude", {"reason": " "}, "reason"),
    ]
    for path, body, field in bad_requests:
        response = await client.post(path, json=body, headers=OFFICER)
        assert field in [e["field"] for e in assert_problem(response, 422)["errors"]], (path, response.text)

    no_body = await client.post(f"/api/v1/suppliers/{supplier['id']}/suspend", headers=OFFICER)
    assert assert_problem(no_body, 422)["errors"] == [{"field": "reason", "message": "Field required"}]
    malformed = await client.post(
        "/api/v1/suppliers", content=b"{not json", headers={**OFFICER, "Content-Type": "application/json"}
    )
    assert_problem(malformed, 400)
    assert len((await client.get("/api/v1/suppliers", headers=AUDITOR)).json()["items"]) == 1
    unchanged = (await client.get(f"/api/v1/suppliers/{supplier['id']}", headers=AUDITOR)).json()
    assert unchanged["version"] == 1
    assert unchanged["licenses"] == []
    assert await audit_count(client) == entries


async def test_the_status_machine_keeps_reasons_and_refuses_what_is_not_drawn(
    database_url: str, memory_url: str
) -> None:
    async with running(suppliers_app(database_url, memory_url)) as client, EventTap(memory_url) as tap:
        sid = (await register(client))["id"]
        path = f"/api/v1/suppliers/{sid}"

        no_license = assert_problem(await client.post(f"{path}/verify", headers=OFFICER), 409)
        assert "no valid license" in no_license["detail"]
        assert no_license["current_status"] == "pending"

        await add_license(client, sid)
        verified = await client.post(f"{path}/verify", json={"reason": "documents checked"}, headers=OFFICER)
        assert verified.json()["status"] == "active"
        again = assert_problem(await client.post(f"{path}/verify", headers=OFFICER), 409)
        assert again["current_status"] == "active"
        assert again["allowed_actions"] == ["suspend", "exclude"]

        suspended = await client.post(f"{path}/suspend", json={"reason": "audit pending"}, headers=OFFICER)
        assert (suspended.json()["status"], suspended.json()["status_reason"]) == ("suspended", "audit pending")
        assert (await client.post(f"{path}/reinstate", headers=OFFICER)).json()["status"] == "active"
        excluded = await client.post(f"{path}/exclude", json={"reason": "false documents"}, headers=OFFICER)
        assert excluded.json()["status"] == "excluded"
        assert excluded.json()["allowed_actions"] == []

        final = assert_problem(await client.post(f"{path}/reinstate", headers=OFFICER), 409)
        assert (final["current_status"], final["allowed_actions"]) == ("excluded", [])
        assert_problem(await client.post(f"{path}/licenses", json=_license(), headers=OFFICER), 409)

        entries = (await client.get(f"{path}/history", headers=auth("supplier", supplier_id=sid))).json()["items"]
        # The history lists every change of the record; its status changes are these.
        history = [h for h in entries if h["kind"] in ("registered", "status_changed")]
        assert [h["kind"] for h in entries if h not in history] == ["license_added"]
        assert [(h["from_status"], h["to_status"], h["reason"]) for h in history] == [
            (None, "pending", None),
            ("pending", "active", "documents checked"),
            ("active", "suspended", "audit pending"),
            ("suspended", "active", None),
            ("active", "excluded", "false documents"),
        ]
        published = await eventually(
            lambda: _count(tap, EventType.SUPPLIER_STATUS_CHANGED, 5), what="five status_changed events"
        )
        assert [e["data"]["new_status"] for e in published] == ["pending", "active", "suspended", "active", "excluded"]
        assert {h["event_id"] for h in history} == {e["id"] for e in published}


async def _count(tap: EventTap, event_type: str, n: int) -> list[dict[str, Any]] | None:
    events = tap.of_type(event_type)
    return events if len(events) >= n else None


def _license(**overrides: Any) -> dict[str, Any]:
    body = {
        "category": "repair",
        "number": f"L-{uuid4().hex[:8]}",
        "valid_from": (TODAY - timedelta(days=1)).isoformat(),
        "valid_until": NEXT_YEAR.isoformat(),
    }
    return {**body, **overrides}


async def test_verify_needs_a_license_valid_today(client: httpx.AsyncClient) -> None:
    sid = (await register(client))["id"]
    expired = _license(valid_from="2020-01-01", valid_until=(TODAY - timedelta(days=1)).isoformat())
    future = _license(valid_from=(TODAY + timedelta(days=1)).isoformat())
    for body in (expired, future):
        assert (await client.post(f"/api/v1/suppliers/{sid}/licenses", json=body, headers=OFFICER)).status_code == 201
    assert_problem(await client.post(f"/api/v1/suppliers/{sid}/verify", headers=OFFICER), 409)

    ends_today = _license(valid_until=TODAY.isoformat())
    assert (await client.post(f"/api/v1/suppliers/{sid}/licenses", json=ends_today, headers=OFFICER)).status_code == 201
    assert (await client.post(f"/api/v1/suppliers/{sid}/verify", headers=OFFICER)).json()["status"] == "active"


async def test_licenses_and_certifications_are_added_once_and_readable_where_created(
    client: httpx.AsyncClient,
) -> None:
    sid = (await register(client))["id"]
    body = _license(number="MIC-42")
    created = await client.post(f"/api/v1/suppliers/{sid}/licenses", json=body, headers=OFFICER)
    assert created.status_code == 201
    read = await client.get(created.headers["location"], headers=auth("supplier", supplier_id=sid))
    assert read.json() == created.json()
    assert read.json()["valid_until"] == body["valid_until"]
    duplicate = await client.post(f"/api/v1/suppliers/{sid}/licenses", json=body, headers=OFFICER)
    assert_problem(duplicate, 409)

    cert = await add_certification(client, sid, "AQAP-2110")
    cert_path = f"/api/v1/suppliers/{sid}/certifications/{cert['id']}"
    assert (await client.get(cert_path, headers=AUDITOR)).json()["standard"] == "AQAP-2110"
    assert_problem(await client.get(cert_path, headers=auth("supplier", supplier_id=uuid4())), 404)
    assert_problem(await client.get(f"/api/v1/suppliers/{sid}/licenses/{uuid4()}", headers=AUDITOR), 404)

    record = (await client.get(f"/api/v1/suppliers/{sid}", headers=AUDITOR)).json()
    assert [lic["number"] for lic in record["licenses"]] == ["MIC-42"]
    assert [c["id"] for c in record["certifications"]] == [cert["id"]]
    assert record["version"] == 3


async def test_only_registry_officers_change_the_register(client: httpx.AsyncClient) -> None:
    sid = (await register(client))["id"]
    writes = [
        ("/api/v1/suppliers", kz_body()),
        (f"/api/v1/suppliers/{sid}/licenses", _license()),
        (
            f"/api/v1/suppliers/{sid}/certifications",
            {"standard": "ISO 9001", "number": "C", "valid_until": "2030-01-01"},
        ),
        (f"/api/v1/suppliers/{sid}/verify", {}),
        (f"/api/v1/suppliers/{sid}/suspend", {"reason": "r"}),
        (f"/api/v1/suppliers/{sid}/reinstate", {}),
        (f"/api/v1/suppliers/{sid}/exclude", {"reason": "r"}),
    ]
    for role in ("auditor", "mod_officer", "quality_inspector", "supplier"):
        headers = auth(role, supplier_id=sid if role == "supplier" else None)
        for path, body in writes:
            assert_problem(await client.post(path, json=body, headers=headers), 403)
    unauthenticated = await client.post("/api/v1/suppliers", json=kz_body())
    assert_problem(unauthenticated, 401)
    assert unauthenticated.headers["www-authenticate"].startswith("Bearer")

    by_integration = await client.post("/api/v1/suppliers", json=kz_body(), headers=auth("integration"))
    assert by_integration.status_code == 201
    for role in READERS:
        assert (await client.get(f"/api/v1/suppliers/{sid}", headers=auth(role))).status_code == 200
    record = (await client.get(f"/api/v1/suppliers/{sid}", headers=AUDITOR)).json()
    assert (record["status"], record["version"], record["licenses"]) == ("pending", 1, [])


async def test_a_supplier_sees_only_itself(client: httpx.AsyncClient) -> None:
    own = (await register(client))["id"]
    other = (await register(client))["id"]
    me = auth("supplier", supplier_id=own)

    assert (await client.get(f"/api/v1/suppliers/{own}", headers=me)).status_code == 200
    assert (await client.get(f"/api/v1/suppliers/{own}/scorecard", headers=me)).status_code == 200
    for path in ("", "/scorecard", "/history"):
        assert_problem(await client.get(f"/api/v1/suppliers/{other}{path}", headers=me), 404)
    assert [s["id"] for s in (await client.get("/api/v1/suppliers", headers=me)).json()["items"]] == [own]
    assert_problem(await client.get(f"/api/v1/suppliers/{own}/eligibility?category=repair", headers=me), 403)
    assert_problem(await client.get("/api/v1/analytics/diversification", headers=me), 403)
    assert_problem(await client.get("/api/v1/audit", headers=me), 403)


async def test_a_stale_if_match_answers_412_and_changes_nothing(client: httpx.AsyncClient) -> None:
    sid = (await register(client))["id"]
    await add_license(client, sid, category="repair")  # version 2

    stale = await client.post(f"/api/v1/suppliers/{sid}/verify", headers={**OFFICER, "If-Match": '"1"'})
    assert assert_problem(stale, 412)["current_version"] == 2
    stale_license = await client.post(
        f"/api/v1/suppliers/{sid}/licenses", json=_license(), headers={**OFFICER, "If-Match": '"1"'}
    )
    assert_problem(stale_license, 412)
    assert (await client.get(f"/api/v1/suppliers/{sid}", headers=AUDITOR)).json()["status"] == "pending"

    current = await client.post(f"/api/v1/suppliers/{sid}/verify", headers={**OFFICER, "If-Match": '"2"'})
    assert current.status_code == 200
    assert current.headers["etag"] == '"3"'


async def test_an_idempotency_key_replays_the_first_response_and_registers_once(
    client: httpx.AsyncClient, memory_url: str
) -> None:
    body = kz_body()
    keyed = {**OFFICER, "Idempotency-Key": "register-kz-1"}
    first = await client.post("/api/v1/suppliers", json=body, headers=keyed)
    replay = await client.post("/api/v1/suppliers", json=body, headers=keyed)

    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers["location"] == first.headers["location"]
    assert replay.headers["idempotent-replayed"] == "true"
    other_body = await client.post("/api/v1/suppliers", json=kz_body(), headers=keyed)
    assert assert_problem(other_body, 422)["errors"][0]["field"] == "Idempotency-Key"

    sid = first.json()["id"]
    await add_license(client, sid)
    verify_key = {**OFFICER, "Idempotency-Key": "verify-1"}
    verified = await client.post(f"/api/v1/suppliers/{sid}/verify", headers=verify_key)
    assert (await client.post(f"/api/v1/suppliers/{sid}/verify", headers=verify_key)).json() == verified.json()

    assert len((await client.get("/api/v1/suppliers", headers=AUDITOR)).json()["items"]) == 1
    history = (await client.get(f"/api/v1/suppliers/{sid}/history", headers=AUDITOR)).json()["items"]
    assert [h["to_status"] for h in history if h["kind"] != "license_added"] == ["pending", "active"]


async def test_eligibility_gives_every_reason_judged_on_the_given_date(client: httpx.AsyncClient) -> None:
    restricted = (await register(client, foreign_body("RU", local_content_share=5)))["id"]
    everything = await client.get(
        f"/api/v1/suppliers/{restricted}/eligibility",
        params={
            "category": "repair",
            "certifications": "ISO 9001",
            "min_local_content": 30,
            "security_clearance": True,
        },
        headers=auth("mod_officer"),
    )
    assert everything.json()["reasons"] == [
        "not_active",
        "no_valid_license",
        "missing_certification",
        "local_content_below_minimum",
        "country_restricted",
        "no_security_clearance",
    ]
    assert everything.json()["eligible"] is False

    sid = (await active_supplier(client))["id"]
    await add_certification(client, sid, "ISO 9001", until=TODAY + timedelta(days=60))
    query = {"category": "repair", "certifications": "ISO 9001, AQAP-2110", "min_local_content": 50}
    path = f"/api/v1/suppliers/{sid}/eligibility"
    assert (await client.get(path, params={**query, "certifications": "ISO 9001"}, headers=AUDITOR)).json()[
        "eligible"
    ] is True
    missing = (await client.get(path, params=query, headers=AUDITOR)).json()
    assert (missing["reasons"], missing["missing_certifications"]) == (["missing_certification"], ["AQAP-2110"])
    later = await client.get(path, params={**query, "on": (NEXT_YEAR + timedelta(days=1)).isoformat()}, headers=AUDITOR)
    assert later.json()["reasons"] == ["no_valid_license", "missing_certification"]
    assert later.json()["missing_certifications"] == ["ISO 9001", "AQAP-2110"]

    for params, field in [
        ({"category": "catering"}, "category"),
        ({}, "category"),
        ({"category": "repair", "min_local_content": 101}, "min_local_content"),
        ({"category": "repair", "on": "next week"}, "on"),
    ]:
        response = await client.get(path, params=params, headers=AUDITOR)
        assert [e["field"] for e in assert_problem(response, 422)["errors"]] == [field]
    assert_problem(await client.get(f"/api/v1/suppliers/{uuid4()}/eligibility?category=repair", headers=AUDITOR), 404)


async def test_the_list_filters_and_pages_with_a_cursor(client: httpx.AsyncClient) -> None:
    kz_active = (await active_supplier(client, kz_body(categories=["repair"])))["id"]
    kz_pending = (await register(client, kz_body(categories=["production"])))["id"]
    tr_pending = (await register(client, foreign_body("TR", categories=["production", "repair"])))["id"]

    async def ids(**params: Any) -> list[str]:
        page = (await client.get("/api/v1/suppliers", params=params, headers=AUDITOR)).json()
        return [s["id"] for s in page["items"]]

    assert await ids(status="active") == [kz_active]
    assert await ids(category="production") == [kz_pending, tr_pending]
    assert await ids(country="tr") == [tr_pending]
    assert await ids(status="pending", category="repair") == [tr_pending]

    first = (await client.get("/api/v1/suppliers", params={"limit": 2}, headers=AUDITOR)).json()
    second = (
        await client.get("/api/v1/suppliers", params={"limit": 2, "cursor": first["next_cursor"]}, headers=AUDITOR)
    ).json()
    assert [s["id"] for s in first["items"] + second["items"]] == [kz_active, kz_pending, tr_pending]
    assert second["next_cursor"] is None

    listed = await client.get("/api/v1/suppliers", headers=AUDITOR)
    assert (
        await client.get("/api/v1/suppliers", headers={**AUDITOR, "If-None-Match": listed.headers["etag"]})
    ).status_code == 304
    for params, field in [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"status": "asleep"}, "status"),
        ({"category": "catering"}, "category"),
        ({"country": "ZZ"}, "country"),
        ({"limit": 501}, "limit"),
    ]:
        response = await client.get("/api/v1/suppliers", params=params, headers=AUDITOR)
        assert [e["field"] for e in assert_problem(response, 422)["errors"]] == [field]


async def test_openapi_documents_every_suppliers_operation(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    operations = [
        (path, method, op)
        for path, item in spec["paths"].items()
        if path.startswith("/api/v1/suppliers") or path.startswith("/api/v1/analytics")
        for method, op in item.items()
    ]
    # Section 4's operations, and section 8's: PATCH, the expiring list and the two revocations.
    assert len(operations) == 19
    for path, method, op in operations:
        assert op.get("summary") and op.get("description"), (path, method)
        assert op.get("security"), (path, method)
        assert "application/problem+json" in op["responses"]["403"]["content"], (path, method)
    create = spec["paths"]["/api/v1/suppliers"]["post"]
    assert "201" in create["responses"]
    assert spec["components"]["schemas"]["SupplierCreate"]["examples"]
