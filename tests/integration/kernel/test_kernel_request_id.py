"""X-Request-ID: echoed when sane, generated otherwise, carried into events and audit entries."""

from __future__ import annotations

from uuid import UUID

import orjson
import pytest

from tests.integration.kernel.kernel_support import rows, widgets
from tests.support import auth

OFFICER = auth("mod_officer")


def generated(value: str) -> bool:
    return str(UUID(value)) == value


async def test_a_sane_request_id_is_echoed_on_every_kind_of_response(sqlite_url: str) -> None:
    async with widgets(sqlite_url) as (_, client):
        for method, url, headers in (
            ("GET", "/healthz", {}),
            ("GET", "/api/v1/widgets", OFFICER),
            ("GET", "/api/v1/widgets", {}),  # 401
            ("GET", "/nowhere", {}),  # 404
            ("DELETE", "/api/v1/widgets", OFFICER),  # 405
        ):
            response = await client.request(method, url, headers={**headers, "X-Request-ID": "req-42.a:b_c"})
            assert response.headers["X-Request-ID"] == "req-42.a:b_c", (method, url)


@pytest.mark.parametrize(
    "sent", ["", "has spaces", "x" * 129, "semi;colon", "new\\nline", 'quote"d', "ünicode"], ids=repr
)
async def test_an_insane_or_missing_request_id_is_replaced(sqlite_url: str, sent: str) -> None:
    async with widgets(sqlite_url) as (_, client):
        headers = {"X-Request-ID": sent.encode()} if sent else {}
        response = await client.get("/healthz", headers=headers)
        assert generated(response.headers["X-Request-ID"])
        assert response.headers.get_list("X-Request-ID") == [response.headers["X-Request-ID"]]


async def test_the_request_id_travels_into_the_event_and_the_audit_entry(database_url: str) -> None:
    async with widgets(database_url) as (app, client):
        created = await client.post(
            "/api/v1/widgets", json={"name": "traced", "size": 1}, headers={**OFFICER, "X-Request-ID": "trace-7"}
        )
        assert created.headers["X-Request-ID"] == "trace-7"
        outbox = await rows(app, "SELECT event_type, body FROM sdo_outbox")
        assert len(outbox) == 1
        event = orjson.loads(outbox[0]["body"])
        assert event["type"] == "kz.sdo.widget.created.v1"
        assert event["correlationid"] == "trace-7"
        assert event["subject"] == created.json()["id"]
        assert event["source"] == "sdo/widgets"
        audit = await rows(app, "SELECT request_id, actor FROM sdo_audit_log")
        assert audit == [{"request_id": "trace-7", "actor": "mod_officer-user"}]

        untraced = await client.post("/api/v1/widgets", json={"name": "untraced", "size": 1}, headers=OFFICER)
        generated_id = untraced.headers["X-Request-ID"]
        assert generated(generated_id)
        bodies = [orjson.loads(r["body"]) for r in await rows(app, "SELECT body FROM sdo_outbox ORDER BY id")]
        assert bodies[-1]["correlationid"] == generated_id


async def test_a_replay_answers_with_the_new_request_id(sqlite_url: str) -> None:
    async with widgets(sqlite_url) as (_, client):
        headers = {**OFFICER, "Idempotency-Key": "k"}
        body = {"name": "once", "size": 1}
        await client.post("/api/v1/widgets", json=body, headers={**headers, "X-Request-ID": "first"})
        replay = await client.post("/api/v1/widgets", json=body, headers={**headers, "X-Request-ID": "second"})
        assert replay.headers["Idempotent-Replayed"] == "true"
        assert replay.headers.get_list("X-Request-ID") == ["second"]
