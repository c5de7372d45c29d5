"""The quality API end to end over the in-process bus: sampling, plans, inspections, verdicts, certificates."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI
from quality_fixtures import GOOD, INSPECTOR, OFFICER, contracted, inspections_of, measure, open_inspection

from shared.events.types import EventType
from tests.support import EventTap, assert_problem, auth, eventually, inject

ALL_ROLES = ["mod_officer", "mic_officer", "quality_inspector", "auditor", "integration"]


# --- sampling plan ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [*ALL_ROLES, "supplier"])
async def test_every_role_looks_up_lot_1000_at_aql_1_as_plan_j_80_accept_2(
    client: httpx.AsyncClient, role: str
) -> None:
    headers = auth(role, supplier_id=uuid4() if role == "supplier" else None)
    response = await client.get("/api/v1/sampling-plan", params={"lot_size": 1000, "aql": "1.0"}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"code_letter": "J", "sample_size": 80, "accept": 2, "reject": 3}


async def test_the_sampling_plan_follows_the_level_and_the_arrows(client: httpx.AsyncClient) -> None:
    level_iii = await client.get(
        "/api/v1/sampling-plan", params={"lot_size": 1000, "aql": 1, "level": "III"}, headers=OFFICER
    )
    assert level_iii.json() == {"code_letter": "K", "sample_size": 125, "accept": 3, "reject": 4}
    # Lot 50 (letter D) at AQL 1.0 points down to E: 13 units, Ac 0, Re 1.
    arrow = await client.get("/api/v1/sampling-plan", params={"lot_size": 50, "aql": "1.0"}, headers=OFFICER)
    assert arrow.json() == {"code_letter": "E", "sample_size": 13, "accept": 0, "reject": 1}


async def test_bad_sampling_inputs_answer_422_naming_every_field(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/v1/sampling-plan", params={"lot_size": 0, "aql": "0.3", "level": "IV"}, headers=OFFICER
    )
    body = assert_problem(response, 422)
    assert {e["field"] for e in body["errors"]} == {"lot_size", "aql", "level"}
    not_a_number = await client.get("/api/v1/sampling-plan", params={"lot_size": "many", "aql": 1}, headers=OFFICER)
    assert [e["field"] for e in assert_problem(not_a_number, 422)["errors"]] == ["lot_size"]
    missing = await client.get("/api/v1/sampling-plan", params={"lot_size": 10}, headers=OFFICER)
    assert [e["field"] for e in assert_problem(missing, 422)["errors"]] == ["aql"]


async def test_the_sampling_plan_needs_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/sampling-plan", params={"lot_size": 10, "aql": 1})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


# --- acceptance plans ------------------------------------------------------------------------


async def test_a_contracted_order_gets_a_plan_its_supplier_sees_and_another_does_not(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    order_id, supplier_id = uuid4(), uuid4()
    await inject(app, EventType.ORDER_CONTRACTED, order_id, contracted(order_id, supplier_id, aql=1.0))

    async def plan() -> httpx.Response | None:
        response = await client.get(f"/api/v1/plans/{order_id}", headers=OFFICER)
        return response if response.status_code == 200 else None

    body = (await eventually(plan, what="plan made")).json()
    assert body["aql"] == 1.0 and body["inspection_level"] == "II" and body["standard"] == "ISO 2859-1"
    assert [r["code"] for r in body["requirements"]] == ["DIAM", "PRESS"]
    assert body["requirements"][0] == {
        "code": "DIAM",
        "name": "Bore diameter",
        "unit": "mm",
        "min": 9.95,
        "max": 10.05,
        "critical": False,
    }
    assert body["critical_codes"] == ["PRESS"]
    own = await client.get(f"/api/v1/plans/{order_id}", headers=auth("supplier", supplier_id=supplier_id))
    assert own.status_code == 200
    assert own.headers["ETag"] == '"1"'
    cached = await client.get(f"/api/v1/plans/{order_id}", headers=OFFICER | {"If-None-Match": '"1"'})
    assert cached.status_code == 304
    assert_problem(await client.get(f"/api/v1/plans/{order_id}", headers=auth("supplier", supplier_id=uuid4())), 404)
    assert_problem(await client.get(f"/api/v1/plans/{uuid4()}", headers=OFFICER), 404)
    assert_problem(await client.get("/api/v1/plans/not-a-uuid", headers=OFFICER), 422)


# --- inspections and measurements ------------------------------------------------------------


async def test_a_submitted_lot_opens_an_inspection_sized_by_the_tables(app: FastAPI, client: httpx.AsyncClient) -> None:
    inspection = await open_inspection(app, client, lot_size=50, aql=10)
    assert {k: inspection[k] for k in ("round", "lot_size", "code_letter", "sample_size", "accept", "reject")} == {
        "round": 1,
        "lot_size": 50,
        "code_letter": "D",
        "sample_size": 8,
        "accept": 2,
        "reject": 3,
    }
    assert inspection["status"] == "open"
    assert (inspection["units_measured"], inspection["defective_units"], inspection["critical_failures"]) == (0, 0, 0)
    assert inspection["nonconformities"] == [] and inspection["certificate_id"] is None
    single = await client.get(f"/api/v1/inspections/{inspection['id']}", headers=auth("auditor"))
    assert single.json() == inspection
    assert single.headers["ETag"] == '"1"'


async def test_measurements_count_defective_and_critical_units(app: FastAPI, client: httpx.AsyncClient) -> None:
    inspection = await open_inspection(app, client, lot_size=50, aql=10)
    good = await measure(client, inspection["id"], "SN-1")
    assert good.status_code == 201, good.text
    assert good.json()["defective"] is False
    assert good.headers["Location"] == f"/api/v1/inspections/{inspection['id']}/measurements/SN-1"
    assert good.headers["ETag"] == '"2"'
    await measure(client, inspection["id"], "SN-2", {"DIAM": 10.06, "PRESS": 120})
    critical = await measure(client, inspection["id"], "SN/3", {"DIAM": 9.0, "PRESS": 99.5})
    assert (
        critical.json().items()
        >= {"failed_codes": ["DIAM", "PRESS"], "critical_codes": ["PRESS"], "defective": True}.items()
    )
    current = (await client.get(f"/api/v1/inspections/{inspection['id']}", headers=OFFICER)).json()
    assert (current["units_measured"], current["defective_units"], current["critical_failures"]) == (3, 2, 1)
    one = await client.get(critical.headers["Location"], headers=OFFICER)
    assert one.json()["unit_serial"] == "SN/3" and one.json()["values"] == {"DIAM": 9.0, "PRESS": 99.5}
    page = await client.get(f"/api/v1/inspections/{inspection['id']}/measurements?limit=2", headers=OFFICER)
    rest = await client.get(
        f"/api/v1/inspections/{inspection['id']}/measurements",
        params={"limit": 2, "cursor": page.json()["next_cursor"]},
        headers=OFFICER,
    )
    assert [m["unit_serial"] for m in page.json()["items"] + rest.json()["items"]] == ["SN-1", "SN-2", "SN/3"]
    assert rest.json()["next_cursor"] is None


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"DIAM": 10.0, "PRESS": 120, "MASS": 1.0}, "values.MASS"),
        ({"DIAM": 10.0}, "values.PRESS"),
        ({"DIAM": "ten", "PRESS": 120}, "values.DIAM"),
        ({"DIAM": "10.0", "PRESS": 120}, "values.DIAM"),
        ({"DIAM": True, "PRESS": 120}, "values.DIAM"),
        ({"DIAM": None, "PRESS": 120}, "values.DIAM"),
        ([10.0, 120], "values"),
    ],
)
async def test_bad_readings_answer_422_naming_the_code_and_record_nothing(
    app: FastAPI, client: httpx.AsyncClient, values: object, field: str
) -> None:
    inspection = await open_inspection(app, client, lot_size=10, aql=10)
    body = assert_problem(await measure(client, inspection["id"], "SN-1", values), 422)  # type: ignore[arg-type]
    assert field in [e["field"] for e in body["errors"]]
    after = (await client.get(f"/api/v1/inspections/{inspection['id']}", headers=OFFICER)).json()
    assert after["units_measured"] == 0 and after["version"] == 1


async def test_a_blank_serial_or_a_missing_body_field_answers_422(app: FastAPI, client: httpx.AsyncClient) -> None:
    inspection = await open_inspection(app, client, lot_size=10, aql=10)
    url = f"/api/v1/inspections/{inspection['id']}/measurements"
    blank = await client.post(url, json={"unit_serial": "  ", "values": GOOD}, headers=INSPECTOR)
    assert [e["field"] for e in assert_problem(blank, 422)["errors"]] == ["unit_serial"]
    no_values = await client.post(url, json={"unit_serial": "SN-1"}, headers=INSPECTOR)
    assert [e["field"] for e in assert_problem(no_values, 422)["errors"]] == ["values"]
    malformed = await client.post(url, content=b"{not json", headers=INSPECTOR | {"Content-Type": "application/json"})
    assert_problem(malformed, 400)


async def test_a_serial_counts_once_and_the_sample_does_not_overflow(app: FastAPI, client: httpx.AsyncClient) -> None:
    inspection = await open_inspection(app, client, lot_size=10, aql=10)  # C: 5 units, Ac 1, Re 2
    assert (await measure(client, inspection["id"], "SN-1")).status_code == 201
    again = assert_problem(await measure(client, inspection["id"], "SN-1", {"DIAM": 9.0, "PRESS": 1}), 409)
    assert "already measured" in again["detail"]
    for serial in ("SN-2", "SN-3", "SN-4", "SN-5"):
        assert (await measure(client, inspection["id"], serial)).status_code == 201
    full = assert_problem(await measure(client, inspection["id"], "SN-6"), 409)
    assert full["allowed_actions"] == ["complete"] and full["units_measured"] == 5
    after = (await client.get(f"/api/v1/inspections/{inspection['id']}", headers=OFFICER)).json()
    assert (after["units_measured"], after["defective_units"]) == (5, 0)


@pytest.mark.parametrize("role", ["mod_officer", "mic_officer", "auditor", "integration", "supplier"])
async def test_only_a_quality_inspector_measures_and_completes(
    app: FastAPI, client: httpx.AsyncClient, role: str
) -> None:
    inspection = await open_inspection(app, client, lot_size=10, aql=10)
    headers = auth(role, supplier_id=inspection["supplier_id"] if role == "supplier" else None)
    url = f"/api/v1/inspections/{inspection['id']}"
    assert_problem(
        await client.post(f"{url}/measurements", json={"unit_serial": "S", "values": GOOD}, headers=headers), 403
    )
    assert_problem(await client.post(f"{url}/complete", headers=headers), 403)


async def test_a_stale_if_match_answers_412_and_an_unknown_inspection_404(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    inspection = await open_inspection(app, client, lot_size=10, aql=10)
    assert (await measure(client, inspection["id"], "SN-1", None, **{"If-Match": '"1"'})).status_code == 201
    stale = assert_problem(await measure(client, inspection["id"], "SN-2", None, **{"If-Match": '"1"'}), 412)
    assert stale["current_version"] == 2
    assert_problem(await measure(client, str(uuid4()), "SN-1"), 404)
    assert_problem(await client.post(f"/api/v1/inspections/{uuid4()}/complete", headers=INSPECTOR), 404)


async def test_a_retried_measurement_with_its_idempotency_key_is_replayed_not_counted_twice(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    inspection = await open_inspection(app, client, lot_size=10, aql=10)
    key = {"Idempotency-Key": "measure-sn-1"}
    first = await measure(client, inspection["id"], "SN-1", None, **key)
    replay = await measure(client, inspection["id"], "SN-1", None, **key)
    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay.json() == first.json() and replay.headers["Idempotent-Replayed"] == "true"
    after = (await client.get(f"/api/v1/inspections/{inspection['id']}", headers=OFFICER)).json()
    assert after["units_measured"] == 1


# --- verdicts and certificates ---------------------------------------------------------------


async def test_completing_an_incomplete_sample_answers_409_saying_how_far_it_is(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    inspection = await open_inspection(app, client, lot_size=10, aql=10)
    await measure(client, inspection["id"], "SN-1")
    body = assert_problem(await client.post(f"/api/v1/inspections/{inspection['id']}/complete", headers=INSPECTOR), 409)
    assert (body["units_measured"], body["sample_size"], body["allowed_actions"]) == (1, 5, ["measure"])
    assert body["current_status"] == "open"


async def test_a_lot_with_fewer_than_re_defectives_is_accepted_certified_and_announced(
    app: FastAPI, client: httpx.AsyncClient, memory_url: str
) -> None:
    supplier_id = uuid4()
    inspection = await open_inspection(app, client, lot_size=10, aql=10, supplier_id=supplier_id)  # Ac 1, Re 2
    await measure(client, inspection["id"], "SN-1", {"DIAM": 10.2, "PRESS": 120})
    for serial in ("SN-2", "SN-3", "SN-4", "SN-5"):
        await measure(client, inspection["id"], serial)
    async with EventTap(memory_url) as tap:
        done = await client.post(f"/api/v1/inspections/{inspection['id']}/complete", headers=INSPECTOR)
        assert done.status_code == 200, done.text
        accepted = await eventually(lambda: _published(tap, EventType.QUALITY_LOT_ACCEPTED), what="lot_accepted")
    body = done.json()
    assert body["status"] == "accepted" and body["closed_reason"] == "verdict"
    assert body["defective_units"] == 1 and body["nonconformities"][0]["code"] == "DIAM"
    assert accepted[0]["subject"] == inspection["order_id"]
    assert accepted[0]["data"] == {
        "order_id": inspection["order_id"],
        "inspection_id": inspection["id"],
        "certificate_id": body["certificate_id"],
        "supplier_id": str(supplier_id),
        "round": 1,
        # Section 7: the units the acceptance covers, and no concession on a lot that passed.
        "lot_size": inspection["lot_size"],
        "concession": False,
        "price_reduction_kzt": None,
        "nonconformance_id": None,
    }
    certificate = (await client.get(f"/api/v1/certificates/{body['certificate_id']}", headers=OFFICER)).json()
    assert certificate["number"].startswith("QC-") and certificate["inspection_id"] == inspection["id"]
    assert_problem(await measure(client, inspection["id"], "SN-6"), 409)
    assert_problem(await client.post(f"/api/v1/inspections/{inspection['id']}/complete", headers=INSPECTOR), 409)


async def test_a_critical_failure_rejects_the_lot_with_its_nonconformities(
    app: FastAPI, client: httpx.AsyncClient, memory_url: str
) -> None:
    inspection = await open_inspection(app, client, lot_size=10, aql=10)  # Re 2: one defective alone would pass
    await measure(client, inspection["id"], "SN-4", {"DIAM": 10.0, "PRESS": 97.5})
    for serial in ("SN-1", "SN-2", "SN-3", "SN-5"):
        await measure(client, inspection["id"], serial)
    async with EventTap(memory_url) as tap:
        done = (await client.post(f"/api/v1/inspections/{inspection['id']}/complete", headers=INSPECTOR)).json()
        rejected = await eventually(lambda: _published(tap, EventType.QUALITY_LOT_REJECTED), what="lot_rejected")
    assert (done["status"], done["defective_units"], done["critical_failures"]) == ("rejected", 1, 1)
    assert done["certificate_id"] is None
    assert done["nonconformities"] == [
        {
            "code": "PRESS",
            "name": "Burst pressure",
            "unit": "MPa",
            "min": 100,
            "max": None,
            "critical": True,
            "units": [{"unit_serial": "SN-4", "value": 97.5}],
        }
    ]
    nonconformity = rejected[0]["data"]["nonconformities"][0]
    assert (nonconformity["code"], nonconformity["critical"], nonconformity["units"]) == ("PRESS", True, ["SN-4"])
    assert float(nonconformity["measured"]["SN-4"]) == 97.5 and float(nonconformity["min"]) == 100
    certificates = await client.get(
        "/api/v1/certificates", params={"order_id": inspection["order_id"]}, headers=OFFICER
    )
    assert certificates.json()["items"] == []


async def test_re_defective_units_reject_the_lot(app: FastAPI, client: httpx.AsyncClient) -> None:
    inspection = await open_inspection(app, client, lot_size=10, aql=10)  # Re 2
    await measure(client, inspection["id"], "SN-1", {"DIAM": 10.1, "PRESS": 120})
    await measure(client, inspection["id"], "SN-2", {"DIAM": 9.9, "PRESS": 120})
    for serial in ("SN-3", "SN-4", "SN-5"):
        await measure(client, inspection["id"], serial)
    done = (await client.post(f"/api/v1/inspections/{inspection['id']}/complete", headers=INSPECTOR)).json()
    assert (done["status"], done["defective_units"], done["critical_failures"]) == ("rejected", 2, 0)
    assert [u["unit_serial"] for u in done["nonconformities"][0]["units"]] == ["SN-1", "SN-2"]


async def test_certificates_carry_the_digest_of_their_canonical_json_and_are_scoped_to_their_supplier(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    supplier_id = uuid4()
    ids = []
    for _ in range(2):
        inspection = await open_inspection(app, client, lot_size=2, aql=10, supplier_id=supplier_id)  # 2 units
        for serial in ("A", "B"):
            await measure(client, inspection["id"], serial)
        done = await client.post(f"/api/v1/inspections/{inspection['id']}/complete", headers=INSPECTOR)
        ids.append(done.json()["certificate_id"])
    own = auth("supplier", supplier_id=supplier_id)
    first = await client.get(f"/api/v1/certificates/{ids[0]}", headers=own)
    assert first.status_code == 200 and first.headers["ETag"] == '"1"'
    body = first.json()
    # The digest covers every member but itself: the whole conformity document (no floats in it).
    signed = {k: v for k, v in body.items() if k != "sha256"}
    assert {"id", "number", "order_id", "inspection_id", "issued_at", "statement", "requirements"} <= signed.keys()
    canonical = json.dumps(signed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert body["sha256"] == hashlib.sha256(canonical).hexdigest()
    assert body["issued_at"].endswith("Z")
    page = await client.get("/api/v1/certificates", params={"limit": 1}, headers=own)
    rest = await client.get(
        "/api/v1/certificates", params={"limit": 1, "cursor": page.json()["next_cursor"]}, headers=own
    )
    numbers = [c["number"] for c in page.json()["items"] + rest.json()["items"]]
    assert numbers == sorted(numbers) and len(set(numbers)) == 2
    assert int(numbers[1][-6:]) == int(numbers[0][-6:]) + 1
    other = auth("supplier", supplier_id=uuid4())
    assert_problem(await client.get(f"/api/v1/certificates/{ids[0]}", headers=other), 404)
    assert (await client.get("/api/v1/certificates", headers=other)).json() == {"items": [], "next_cursor": None}


# --- lists and scoping -----------------------------------------------------------------------


async def test_inspection_lists_filter_page_and_scope_to_the_supplier(app: FastAPI, client: httpx.AsyncClient) -> None:
    supplier_id = uuid4()
    mine = [await open_inspection(app, client, lot_size=2, aql=10, supplier_id=supplier_id) for _ in range(3)]
    theirs = await open_inspection(app, client, lot_size=2, aql=10)
    for serial in ("A", "B"):
        await measure(client, mine[0]["id"], serial)
    await client.post(f"/api/v1/inspections/{mine[0]['id']}/complete", headers=INSPECTOR)

    own = auth("supplier", supplier_id=supplier_id)
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/inspections", params=params, headers=own)).json()
        seen += [i["id"] for i in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == [i["id"] for i in mine]
    accepted = await client.get("/api/v1/inspections", params={"status": "accepted"}, headers=own)
    assert [i["id"] for i in accepted.json()["items"]] == [mine[0]["id"]]
    assert_problem(await client.get(f"/api/v1/inspections/{theirs['id']}", headers=own), 404)
    assert_problem(await client.get(f"/api/v1/inspections/{theirs['id']}/measurements", headers=own), 404)
    assert await inspections_of(client, uuid4()) == []
    bad_status = await client.get("/api/v1/inspections", params={"status": "closed"}, headers=OFFICER)
    assert [e["field"] for e in assert_problem(bad_status, 422)["errors"]] == ["status"]
    bad_cursor = await client.get("/api/v1/inspections", params={"cursor": "forged"}, headers=OFFICER)
    assert [e["field"] for e in assert_problem(bad_cursor, 422)["errors"]] == ["cursor"]


# --- documentation and audit -----------------------------------------------------------------


async def test_every_quality_operation_is_documented_with_roles_and_errors(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    kernel = ("/api/v1/audit", "/api/v1/webhooks")
    quality_paths = [p for p in schema["paths"] if p.startswith("/api/v1/") and not p.startswith(kernel)]
    assert len(quality_paths) == 13
    for path in quality_paths:
        for method, operation in schema["paths"][path].items():
            assert operation["summary"] and "Role" in operation["description"], (method, path)
            assert operation["security"], (method, path)
            assert {"401", "403", "404", "422"} <= operation["responses"].keys(), (method, path)
    assert "409" in schema["paths"]["/api/v1/inspections/{inspection_id}/complete"]["post"]["responses"]
    for path in ("/api/v1/plans/{order_id}/resume", "/api/v1/nonconformances/{nonconformance_id}/disposition"):
        assert {"409", "412", "422"} <= schema["paths"][path]["post"]["responses"].keys()
    certificate = schema["paths"]["/api/v1/certificates/{certificate_id}"]["get"]["responses"]
    assert {"application/json", "application/pdf"} <= certificate["200"]["content"].keys()


async def test_every_change_lands_in_a_valid_audit_chain(app: FastAPI, client: httpx.AsyncClient) -> None:
    inspection = await open_inspection(app, client, lot_size=2, aql=10)
    for serial in ("A", "B"):
        await measure(client, inspection["id"], serial)
    done = (await client.post(f"/api/v1/inspections/{inspection['id']}/complete", headers=INSPECTOR)).json()
    verify = await client.get("/api/v1/audit/verify", headers=auth("auditor"))
    assert verify.json() == {"valid": True, "entries": 6}
    trail = await client.get("/api/v1/audit", params={"resource_id": inspection["id"]}, headers=auth("auditor"))
    assert [e["action"] for e in trail.json()["items"]] == [
        "inspection.opened",
        "inspection.measured",
        "inspection.measured",
        "inspection.completed",
    ]
    cert = await client.get("/api/v1/audit", params={"resource_id": done["certificate_id"]}, headers=auth("auditor"))
    assert [e["action"] for e in cert.json()["items"]] == ["certificate.issued"]


async def _published(tap: EventTap, event_type: str) -> list[dict[str, Any]]:
    return tap.of_type(event_type)
