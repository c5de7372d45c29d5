"""ETag on reads, If-None-Match -> 304, a stale If-Match -> 412 with nothing changed."""

from __future__ import annotations

from fastapi import FastAPI

from tests.integration.kernel.kernel_support import scalar, widgets
from tests.support import assert_problem, auth

OFFICER = auth("mod_officer")
READER = auth("supplier", supplier_id="5b1f1c1e-0000-4000-8000-000000000001")


async def side_effects(app: FastAPI) -> tuple[int, int]:
    """Events and audit entries written so far."""
    return (
        await scalar(app, "SELECT count(*) FROM sdo_outbox"),
        await scalar(app, "SELECT count(*) FROM sdo_audit_log"),
    )


async def test_a_read_carries_its_version_as_etag_and_answers_304_when_unchanged(database_url: str) -> None:
    async with widgets(database_url) as (_, client):
        created = await client.post("/api/v1/widgets", json={"name": "w", "size": 1}, headers=OFFICER)
        url = created.headers["Location"]
        read = await client.get(url, headers=READER)
        assert read.status_code == 200 and read.headers["ETag"] == '"1"'
        for tag in ('"1"', 'W/"1"', '"0", "1"', "*"):
            cached = await client.get(url, headers={**READER, "If-None-Match": tag})
            assert cached.status_code == 304, (tag, cached.text)
            assert cached.content == b""
            assert cached.headers["ETag"] == '"1"'
            assert "content-type" not in cached.headers
        assert (await client.get(url, headers={**READER, "If-None-Match": '"2"'})).status_code == 200


async def test_a_stale_if_match_is_412_and_changes_nothing(database_url: str) -> None:
    async with widgets(database_url) as (app, client):
        created = await client.post("/api/v1/widgets", json={"name": "before", "size": 1}, headers=OFFICER)
        url = created.headers["Location"]
        renamed = await client.post(f"{url}/rename", json={"name": "after"}, headers={**OFFICER, "If-Match": '"1"'})
        assert renamed.status_code == 200 and renamed.headers["ETag"] == '"2"'
        assert renamed.json()["version"] == 2
        before = await side_effects(app)

        stale = await client.post(f"{url}/rename", json={"name": "lost"}, headers={**OFFICER, "If-Match": '"1"'})
        problem = assert_problem(stale, 412)
        assert problem["current_version"] == 2

        current = await client.get(url, headers=READER)
        assert current.json()["name"] == "after" and current.headers["ETag"] == '"2"'
        assert await side_effects(app) == before
        # The old ETag no longer matches on reads either.
        assert (await client.get(url, headers={**READER, "If-None-Match": '"1"'})).status_code == 200


async def test_if_match_star_and_no_if_match_proceed(database_url: str) -> None:
    async with widgets(database_url) as (_, client):
        created = await client.post("/api/v1/widgets", json={"name": "a", "size": 1}, headers=OFFICER)
        url = created.headers["Location"]
        star = await client.post(f"{url}/rename", json={"name": "b"}, headers={**OFFICER, "If-Match": "*"})
        assert star.status_code == 200 and star.headers["ETag"] == '"2"'
        bare = await client.post(f"{url}/rename", json={"name": "c"}, headers=OFFICER)
        assert bare.status_code == 200 and bare.headers["ETag"] == '"3"'
