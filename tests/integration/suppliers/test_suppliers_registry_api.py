"""Keeping the register over HTTP (contract section 8): corrections, revocations, suspensions that end,
what is about to lapse, and the diversification table as CSV. SQLite and PostgreSQL where it matters."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from supplier_fixtures import (
    AUDITOR,
    OFFICER,
    active_supplier,
    add_certification,
    add_license,
    contracted,
    foreign_body,
    kz_body,
    register,
    suppliers_app,
    tell,
)

from shared import clock
from shared.clock import DEFAULT_TIMEZONE
from shared.events.types import EventType
from tests.support import EventTap, assert_problem, auth, eventually, running

CONTACT = {"name": "Айгуль Нурланова", "role": "менеджер по качеству", "email": "a.nurlanova@kazeng.kz"}
CYRILLIC_NAME = "ТОО «Казахстан Инжиниринг»"  # noqa: RUF001


def ministry_today() -> date:
    return clock.today(DEFAULT_TIMEZONE)


async def record(client: httpx.AsyncClient, supplier_id: str) -> httpx.Response:
    return await client.get(f"/api/v1/suppliers/{supplier_id}", headers=AUDITOR)


async def history(client: httpx.AsyncClient, supplier_id: str) -> list[dict[str, Any]]:
    return (await client.get(f"/api/v1/suppliers/{supplier_id}/history", headers=AUDITOR)).json()["items"]


async def audit_entries(client: httpx.AsyncClient) -> int:
    return (await client.get("/api/v1/audit/verify", headers=AUDITOR)).json()["entries"]


# Corrections of the record.


async def test_a_correction_changes_the_fields_given_with_if_match_and_the_history_says_what_changed(
    database_url: str, memory_url: str
) -> None:
    async with running(suppliers_app(database_url, memory_url)) as client:
        supplier = await active_supplier(client, kz_body(local_content_share=60))
        sid, path = supplier["id"], f"/api/v1/suppliers/{supplier['id']}"
        etag = (await record(client, sid)).headers["etag"]

        patch = {"name": CYRILLIC_NAME, "local_content_share": 64.5, "contacts": [CONTACT]}
        changed = await client.patch(path, json=patch, headers={**OFFICER, "If-Match": etag})

        assert changed.status_code == 200, changed.text
        body = changed.json()
        assert (body["name"], body["local_content_share"], body["version"]) == (CYRILLIC_NAME, 64.5, 4)
        assert body["contacts"] == [{**CONTACT, "phone": None}]
        assert body["categories"] == supplier["categories"] and body["status"] == "active"
        assert changed.headers["etag"] == '"4"'
        assert (await record(client, sid)).json() == body

        stale = await client.patch(path, json={"security_clearance": False}, headers={**OFFICER, "If-Match": etag})
        assert assert_problem(stale, 412)["current_version"] == 4
        assert (await record(client, sid)).json()["security_clearance"] is True

        [entry] = [h for h in await history(client, sid) if h["kind"] == "updated"]
        assert (entry["from_status"], entry["to_status"], entry["event_id"]) == ("active", "active", None)
        assert entry["changes"] == {
            "name": {"before": "Kazakhstan Engineering JSC", "after": CYRILLIC_NAME},
            "local_content_share": {"before": 60.0, "after": 64.5},
            "contacts": {"before": [], "after": [{**CONTACT, "phone": None}]},
        }
        assert entry["actor"] == "mic_officer-user"
        trail = (await client.get("/api/v1/audit", params={"resource_id": sid}, headers=AUDITOR)).json()["items"]
        [audited] = [e for e in trail if e["action"] == "supplier_updated"]
        assert audited["details"]["changes"] == entry["changes"]

        # The same values again: nothing changes, the version stays.
        again = await client.patch(path, json={"local_content_share": "64.50"}, headers=OFFICER)
        assert again.json()["version"] == 4
        assert len([h for h in await history(client, sid) if h["kind"] == "updated"]) == 1


BAD_PATCHES: list[tuple[dict[str, Any], str]] = [
    ({}, "body"),
    ({"name": None}, "name"),
    ({"name": "  "}, "name"),
    ({"categories": []}, "categories"),
    ({"categories": ["catering"]}, "categories[0]"),
    ({"local_content_share": 100.5}, "local_content_share"),
    ({"security_clearance": None}, "security_clearance"),
    ({"country": "TR"}, "country"),
    ({"bin": "040840005125"}, "bin"),
    ({"status": "active"}, "status"),
    ({"contacts": None}, "contacts"),
    ({"contacts": [{"name": "No way to reach"}]}, "contacts[0]"),
    ({"contacts": [{"name": "A", "email": "not-an-address"}]}, "contacts[0].email"),
    ({"contacts": [{"name": "A", "phone": "call me"}]}, "contacts[0].phone"),
    ({"contacts": [{"name": "A", "email": "a@kz.kz", "fax": "1"}]}, "contacts[0].fax"),
    ({"contacts": [CONTACT, CONTACT]}, "contacts"),
    ({"contacts": [{"name": f"C{n}", "email": f"c{n}@kz.kz"} for n in range(11)]}, "contacts"),
]


async def test_every_bad_correction_answers_422_naming_the_field_and_changes_nothing(
    database_url: str, memory_url: str
) -> None:
    async with running(suppliers_app(database_url, memory_url)) as client:
        await _bad_corrections_change_nothing(client)


async def _bad_corrections_change_nothing(client: httpx.AsyncClient) -> None:
    sid = (await register(client))["id"]
    before, entries = (await record(client, sid)).json(), await audit_entries(client)

    for patch, field in BAD_PATCHES:
        response = await client.patch(f"/api/v1/suppliers/{sid}", json=patch, headers=OFFICER)
        assert field in [e["field"] for e in assert_problem(response, 422)["errors"]], (patch, response.text)
    malformed = await client.patch(
        f"/api/v1/suppliers/{sid}", content=b"{", headers={**OFFICER, "Content-Type": "application/json"}
    )
    assert_problem(malformed, 400)

    assert (await record(client, sid)).json() == before
    assert await audit_entries(client) == entries
    assert [h["kind"] for h in await history(client, sid)] == ["registered"]


async def test_a_correction_of_an_unknown_or_excluded_supplier_or_by_another_role_is_refused(
    client: httpx.AsyncClient,
) -> None:
    sid = (await register(client))["id"]
    path = f"/api/v1/suppliers/{sid}"
    for role in ("auditor", "mod_officer", "quality_inspector", "supplier"):
        headers = auth(role, supplier_id=sid if role == "supplier" else None)
        assert_problem(await client.patch(path, json={"name": "X"}, headers=headers), 403)
    assert_problem(await client.patch(path, json={"name": "X"}), 401)
    assert_problem(await client.patch(f"/api/v1/suppliers/{uuid4()}", json={"name": "X"}, headers=OFFICER), 404)
    by_integration = await client.patch(path, json={"contacts": [CONTACT]}, headers=auth("integration"))
    assert by_integration.status_code == 200

    await client.post(f"{path}/exclude", json={"reason": "false documents"}, headers=OFFICER)
    frozen = assert_problem(await client.patch(path, json={"name": "Renamed"}, headers=OFFICER), 409)
    assert (frozen["type"], frozen["current_status"]) == ("urn:sdo:problem:supplier-excluded", "excluded")
    assert (await record(client, sid)).json()["name"] == "Kazakhstan Engineering JSC"


async def test_contacts_given_at_registration_are_kept_and_bad_ones_refused(client: httpx.AsyncClient) -> None:
    created = await register(client, kz_body(contacts=[CONTACT]))
    assert created["contacts"] == [{**CONTACT, "phone": None}]

    bad = await client.post("/api/v1/suppliers", json=kz_body(contacts=[{"name": "A"}]), headers=OFFICER)
    assert [e["field"] for e in assert_problem(bad, 422)["errors"]] == ["contacts[0]"]
    assert len((await client.get("/api/v1/suppliers", headers=AUDITOR)).json()["items"]) == 1


# Revocations.


async def test_a_revoked_license_is_never_valid_again_and_is_revoked_once(database_url: str, memory_url: str) -> None:
    async with running(suppliers_app(database_url, memory_url)) as client:
        sid = (await register(client))["id"]
        held = await add_license(client, sid)
        path = f"/api/v1/suppliers/{sid}/licenses/{held['id']}"

        revoked = await client.post(f"{path}/revoke", json={"reason": "withdrawn by the authority"}, headers=OFFICER)

        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["revocation_reason"] == "withdrawn by the authority"
        assert revoked.json()["revoked_at"] is not None
        assert (revoked.json()["version"], revoked.headers["etag"]) == (2, '"2"')
        assert (await client.get(path, headers=AUDITOR)).json() == revoked.json()
        assert (await record(client, sid)).json()["version"] == 3

        again = assert_problem(await client.post(f"{path}/revoke", json={"reason": "again"}, headers=OFFICER), 409)
        assert again["type"] == "urn:sdo:problem:already-revoked"
        no_license = assert_problem(await client.post(f"/api/v1/suppliers/{sid}/verify", headers=OFFICER), 409)
        assert no_license["type"] == "urn:sdo:problem:no-valid-license"
        eligibility = await client.get(
            f"/api/v1/suppliers/{sid}/eligibility", params={"category": "repair"}, headers=AUDITOR
        )
        assert "no_valid_license" in eligibility.json()["reasons"]
        kinds = [(h["kind"], h["reason"]) for h in await history(client, sid)]
        assert kinds == [
            ("registered", None),
            ("license_added", None),
            ("license_revoked", "withdrawn by the authority"),
        ]


async def test_a_revoked_certification_no_longer_meets_a_requirement(client: httpx.AsyncClient) -> None:
    sid = (await active_supplier(client))["id"]
    cert = await add_certification(client, sid, "AQAP-2110")
    query = {"category": "repair", "certifications": "AQAP-2110"}
    eligibility = f"/api/v1/suppliers/{sid}/eligibility"
    assert (await client.get(eligibility, params=query, headers=AUDITOR)).json()["eligible"] is True

    revoke = f"/api/v1/suppliers/{sid}/certifications/{cert['id']}/revoke"
    revoked = await client.post(revoke, json={"reason": "surveillance audit failed"}, headers=auth("integration"))

    assert revoked.json()["revocation_reason"] == "surveillance audit failed"
    verdict = (await client.get(eligibility, params=query, headers=AUDITOR)).json()
    assert (verdict["reasons"], verdict["missing_certifications"]) == (["missing_certification"], ["AQAP-2110"])
    assert_problem(await client.post(revoke, json={"reason": "again"}, headers=OFFICER), 409)


async def test_a_bad_revocation_answers_a_clear_4xx_and_changes_nothing(database_url: str, memory_url: str) -> None:
    async with running(suppliers_app(database_url, memory_url)) as client:
        await _bad_revocations_change_nothing(client)


async def _bad_revocations_change_nothing(client: httpx.AsyncClient) -> None:
    sid = (await register(client))["id"]
    held = await add_license(client, sid)
    revoke = f"/api/v1/suppliers/{sid}/licenses/{held['id']}/revoke"
    before, entries = (await record(client, sid)).json(), await audit_entries(client)

    for body, field in [(None, "reason"), ({}, "reason"), ({"reason": " "}, "reason"), ({"reason": "r", "x": 1}, "x")]:
        response = await client.post(revoke, json=body, headers=OFFICER)
        assert [e["field"] for e in assert_problem(response, 422)["errors"]] == [field], response.text
    assert_problem(await client.post(revoke, json={"reason": "r"}, headers={**OFFICER, "If-Match": '"1"'}), 412)
    other = f"/api/v1/suppliers/{sid}/licenses/{uuid4()}/revoke"
    assert_problem(await client.post(other, json={"reason": "r"}, headers=OFFICER), 404)
    missing = f"/api/v1/suppliers/{sid}/certifications/{uuid4()}/revoke"
    assert_problem(await client.post(missing, json={"reason": "r"}, headers=OFFICER), 404)
    assert_problem(await client.post(revoke, json={"reason": "r"}, headers=auth("auditor")), 403)

    assert (await record(client, sid)).json() == before
    assert await audit_entries(client) == entries


# Suspensions that end.


async def test_a_suspension_with_an_end_lapses_on_its_own_and_eligibility_honours_it_before(
    database_url: str, memory_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = suppliers_app(database_url, memory_url)
    async with running(app) as client, EventTap(memory_url) as tap:
        sid = (await active_supplier(client))["id"]
        today = ministry_today()
        until = today + timedelta(days=3)
        suspended = await client.post(
            f"/api/v1/suppliers/{sid}/suspend",
            json={"reason": "late deliveries", "until": until.isoformat()},
            headers=OFFICER,
        )
        assert suspended.status_code == 200, suspended.text
        assert (suspended.json()["status"], suspended.json()["suspended_until"]) == ("suspended", until.isoformat())

        eligibility = f"/api/v1/suppliers/{sid}/eligibility"

        async def reasons(on: date) -> list[str]:
            query = {"category": "repair", "on": on.isoformat()}
            return (await client.get(eligibility, params=query, headers=AUDITOR)).json()["reasons"]

        assert await reasons(until - timedelta(days=1)) == ["not_active"]
        assert await reasons(until) == []
        assert (await client.get(eligibility, params={"category": "repair"}, headers=AUDITOR)).json()["reasons"] == [
            "not_active"
        ]

        # The day comes: the sweeper reinstates the supplier by itself.
        monkeypatch.setattr(clock, "today", lambda timezone=None: until)
        app.state.suspension_sweeper.wake()

        async def reinstated() -> dict[str, Any] | None:
            body = (await record(client, sid)).json()
            return body if body["status"] == "active" else None

        body = await eventually(reinstated, what="suspension lapsed")
        assert (body["status_reason"], body["suspended_until"]) == ("suspension_expired", None)
        lapsed = await eventually(
            lambda: _status_changes(tap, "suspension_expired"), what="status_changed with suspension_expired"
        )
        assert lapsed[0]["data"] == {
            "supplier_id": sid,
            "old_status": "suspended",
            "new_status": "active",
            "reason": "suspension_expired",
        }
        last = (await history(client, sid))[-1]
        assert (last["kind"], last["from_status"], last["to_status"], last["actor"]) == (
            "status_changed",
            "suspended",
            "active",
            "system",
        )
        assert last["event_id"] == lapsed[0]["id"]
        trail = (await client.get("/api/v1/audit", params={"resource_id": sid}, headers=AUDITOR)).json()["items"]
        assert trail[-1]["action"] == "suspension_expired" and trail[-1]["actor"] == "system"
        assert (await client.get("/api/v1/audit/verify", headers=AUDITOR)).json()["valid"] is True


async def _status_changes(tap: EventTap, reason: str) -> list[dict[str, Any]] | None:
    found = [e for e in tap.of_type(EventType.SUPPLIER_STATUS_CHANGED) if e["data"]["reason"] == reason]
    return found or None


async def test_a_suspension_must_end_after_today_and_a_bad_one_changes_nothing(
    database_url: str, memory_url: str
) -> None:
    async with running(suppliers_app(database_url, memory_url)) as client:
        await _bad_suspensions_change_nothing(client)


async def _bad_suspensions_change_nothing(client: httpx.AsyncClient) -> None:
    sid = (await active_supplier(client))["id"]
    path = f"/api/v1/suppliers/{sid}/suspend"
    before, entries = (await record(client, sid)).json(), await audit_entries(client)
    today = ministry_today()

    for until in (today, today - timedelta(days=1)):
        response = await client.post(path, json={"reason": "r", "until": until.isoformat()}, headers=OFFICER)
        problem = assert_problem(response, 422)
        assert [e["field"] for e in problem["errors"]] == ["until"]
        assert today.isoformat() in problem["errors"][0]["message"]
    for body, field in [({"reason": "r", "until": "next week"}, "until"), ({"until": "2030-01-01"}, "reason")]:
        response = await client.post(path, json=body, headers=OFFICER)
        assert [e["field"] for e in assert_problem(response, 422)["errors"]] == [field]

    assert (await record(client, sid)).json() == before
    assert await audit_entries(client) == entries


async def test_reinstating_by_hand_before_the_end_clears_it(client: httpx.AsyncClient) -> None:
    sid = (await active_supplier(client))["id"]
    until = (ministry_today() + timedelta(days=30)).isoformat()
    await client.post(f"/api/v1/suppliers/{sid}/suspend", json={"reason": "r", "until": until}, headers=OFFICER)

    reinstated = await client.post(f"/api/v1/suppliers/{sid}/reinstate", headers=OFFICER)

    assert (reinstated.json()["status"], reinstated.json()["suspended_until"]) == ("active", None)


async def test_an_award_request_of_a_lapsed_suspension_is_confirmed_before_the_task_runs(
    memory_url: str, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = suppliers_app(sqlite_url, memory_url)
    async with running(app) as client, EventTap(memory_url) as tap:
        sid = (await active_supplier(client))["id"]
        until = ministry_today() + timedelta(days=2)
        await client.post(
            f"/api/v1/suppliers/{sid}/suspend", json={"reason": "r", "until": until.isoformat()}, headers=OFFICER
        )
        app.state.suspension_sweeper.every = 3600  # the task does not run again in this test
        monkeypatch.setattr(clock, "today", lambda timezone=None: until)
        order_id = uuid4()
        data = {
            "order_id": str(order_id),
            "number": "SDO-2026-000001",
            "status": "award_pending",
            "version": 3,
            "supplier_id": sid,
            "category": "repair",
            "min_local_content": "0",
            "requires_security_clearance": False,
            "delivery_deadline": (until + timedelta(days=30)).isoformat(),
            "contract_price_kzt": "1000.00",
        }
        await tell(app, EventType.ORDER_AWARD_REQUESTED, order_id, data)

        async def answer() -> dict[str, Any] | None:
            found = [e for e in tap.events if e["type"].startswith("kz.sdo.supplier.award_")]
            return found[0] if found else None

        assert (await eventually(answer, what="award answer"))["type"] == EventType.SUPPLIER_AWARD_CONFIRMED


# What is about to lapse.


async def test_the_expiring_list_shows_what_lapses_within_n_days_soonest_first_and_pages(
    database_url: str, memory_url: str
) -> None:
    async with running(suppliers_app(database_url, memory_url)) as client:
        today = ministry_today()
        kz = await register(client, kz_body(name=CYRILLIC_NAME))
        tr = await register(client, foreign_body("TR"))
        soon = await add_license(client, kz["id"], until=today + timedelta(days=5))
        await add_license(client, kz["id"], until=today + timedelta(days=40))
        cert = await add_certification(client, tr["id"], "AQAP-2110", until=today + timedelta(days=10))
        last_day = await add_certification(client, kz["id"], "ISO 9001", until=today)
        revoked = await add_license(client, tr["id"], until=today + timedelta(days=2))
        await client.post(
            f"/api/v1/suppliers/{tr['id']}/licenses/{revoked['id']}/revoke", json={"reason": "r"}, headers=OFFICER
        )
        excluded = await register(client, foreign_body("DE"))
        await add_license(client, excluded["id"], until=today + timedelta(days=1))
        await client.post(f"/api/v1/suppliers/{excluded['id']}/exclude", json={"reason": "r"}, headers=OFFICER)

        listed = (await client.get("/api/v1/suppliers/expiring", headers=AUDITOR)).json()
        assert [(i["kind"], i["id"], i["days_left"]) for i in listed["items"]] == [
            ("certification", last_day["id"], 0),
            ("license", soon["id"], 5),
            ("certification", cert["id"], 10),
        ]
        assert listed["items"][1] == {
            "kind": "license",
            "id": soon["id"],
            "supplier_id": kz["id"],
            "supplier_name": CYRILLIC_NAME,
            "supplier_status": "pending",
            "category": "repair",
            "standard": None,
            "number": soon["number"],
            "valid_until": soon["valid_until"],
            "days_left": 5,
        }
        wider = (await client.get("/api/v1/suppliers/expiring?within_days=60", headers=AUDITOR)).json()["items"]
        assert len(wider) == 4
        licenses = (await client.get("/api/v1/suppliers/expiring?within_days=60&kind=license", headers=AUDITOR)).json()
        assert [i["kind"] for i in licenses["items"]] == ["license", "license"]

        seen, cursor = [], None
        while True:
            params: dict[str, Any] = {"within_days": 60, "limit": 1, **({"cursor": cursor} if cursor else {})}
            page = (await client.get("/api/v1/suppliers/expiring", params=params, headers=AUDITOR)).json()
            seen += [i["id"] for i in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == [i["id"] for i in wider]

        own = (await client.get("/api/v1/suppliers/expiring", headers=auth("supplier", supplier_id=tr["id"]))).json()
        assert [i["id"] for i in own["items"]] == [cert["id"]]
        for params, field in [
            ({"within_days": -1}, "within_days"),
            ({"within_days": 731}, "within_days"),
            ({"within_days": "soon"}, "within_days"),
            ({"kind": "permit"}, "kind"),
            ({"cursor": "nonsense"}, "cursor"),
        ]:
            response = await client.get("/api/v1/suppliers/expiring", params=params, headers=AUDITOR)
            assert [e["field"] for e in assert_problem(response, 422)["errors"]] == [field]
        assert_problem(await client.get("/api/v1/suppliers/expiring"), 401)


# The diversification table for spreadsheets.


async def test_diversification_answers_csv_when_asked_with_its_own_etag(app: Any, client: httpx.AsyncClient) -> None:
    kz = (await active_supplier(client, kz_body(categories=["repair"])))["id"]
    ru_one = (await active_supplier(client, foreign_body("RU", categories=["repair"])))["id"]
    ru_two = (await active_supplier(client, foreign_body("RU", categories=["repair"])))["id"]
    for supplier_id in (kz, ru_one, ru_two):
        order_id = uuid4()
        await tell(app, EventType.ORDER_CONTRACTED, order_id, contracted(order_id, supplier_id, price="1000000.00"))

    async def counted() -> dict[str, Any] | None:
        body = (await client.get("/api/v1/analytics/diversification", headers=AUDITOR)).json()
        repair = next(row for row in body["categories"] if row["category"] == "repair")
        return body if repair["awarded_value_kzt"] == "3000000.00" else None

    body = await eventually(counted, what="three contracts counted")
    repair = next(row for row in body["categories"] if row["category"] == "repair")
    assert (repair["hhi"], repair["hhi_by_country"]) == (3333.33, 5555.56)
    assert repair["by_country"] == {"RU": 66.67, "KZ": 33.33}

    as_csv = await client.get("/api/v1/analytics/diversification", headers={**AUDITOR, "Accept": "text/csv"})
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in as_csv.headers["content-disposition"]
    assert as_csv.headers["vary"] == "Accept"
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8"))))
    assert [row["category"] for row in rows] == [row["category"] for row in body["categories"]]
    assert rows[2] == {
        "category": "repair",
        "active_suppliers": "3",
        "awarded_value_kzt": "3000000.00",
        "domestic_share": "33.33",
        "hhi": "3333.33",
        "hhi_by_country": "5555.56",
        "by_country": "RU 66.67; KZ 33.33",
    }
    assert rows[0]["hhi"] == "" and rows[0]["by_country"] == ""

    as_json = await client.get("/api/v1/analytics/diversification", headers=AUDITOR)
    assert as_json.headers["content-type"].startswith("application/json")
    assert as_json.headers["etag"] != as_csv.headers["etag"]
    cached = await client.get(
        "/api/v1/analytics/diversification",
        headers={**AUDITOR, "Accept": "text/csv", "If-None-Match": as_csv.headers["etag"]},
    )
    assert cached.status_code == 304
    # JSON stays the default, and wins a tie or a preference.
    for accept in ("*/*", "application/json, text/csv", "text/csv;q=0.5, application/json", "application/xml"):
        answer = await client.get("/api/v1/analytics/diversification", headers={**AUDITOR, "Accept": accept})
        assert answer.headers["content-type"].startswith("application/json"), accept
    preferred = await client.get(
        "/api/v1/analytics/diversification", headers={**AUDITOR, "Accept": "application/json;q=0.4, text/*"}
    )
    assert preferred.headers["content-type"].startswith("text/csv")
    assert_problem(
        await client.get(
            "/api/v1/analytics/diversification", headers={**auth("supplier", supplier_id=uuid4()), "Accept": "text/csv"}
        ),
        403,
    )


async def test_the_document_declares_both_representations_and_every_new_operation(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    content = spec["paths"]["/api/v1/analytics/diversification"]["get"]["responses"]["200"]["content"]
    assert set(content) == {"application/json", "text/csv"}
    assert content["text/csv"]["example"].startswith("category,active_suppliers")
    operations = [
        ("/api/v1/suppliers/{supplier_id}", "patch", {"404", "409", "412", "422"}),
        ("/api/v1/suppliers/{supplier_id}/licenses/{license_id}/revoke", "post", {"404", "409", "412", "422"}),
        ("/api/v1/suppliers/{supplier_id}/certifications/{certification_id}/revoke", "post", {"404", "409", "422"}),
        ("/api/v1/suppliers/{supplier_id}/suspend", "post", {"409", "412", "422"}),
        ("/api/v1/suppliers/expiring", "get", {"304", "401", "403", "422"}),
    ]
    for path, method, errors in operations:
        op = spec["paths"][path][method]
        assert op["summary"] and op["description"], path
        assert errors <= set(op["responses"]), (path, set(op["responses"]))
    schemas = spec["components"]["schemas"]
    for name in ("SupplierPatch", "SuspendRequest", "RevokeRequest", "ContactBody", "ExpiringPublic"):
        assert schemas[name]["examples"], name
    assert schemas["SupplierPatch"]["minProperties"] == 1
    assert schemas["HistoryEntryPublic"]["properties"]["kind"]["enum"][:2] == ["registered", "status_changed"]
