"""Engine, migrations and the unit of work on both engines: one commit or nothing, in commit order."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import orjson
import pytest

from shared.migrations import SHARED_VERSIONS
from shared.service import BrokerNotConfigured
from tests.integration.kernel.kernel_support import rows, scalar, widgets
from tests.support import auth

OFFICER = auth("mod_officer")


def _shared_head() -> str:
    """The last revision of the kernel's branch (``shared/migration_versions``), whichever it is."""
    revisions = {}
    for path in SHARED_VERSIONS.glob("sdo_shared_*.py"):
        text = path.read_text()
        revision = re.search(r'^revision: str = "([^"]+)"', text, re.M)
        down = re.search(r'^down_revision: .* = "([^"]+)"', text, re.M)
        assert revision, path
        revisions[revision.group(1)] = down.group(1) if down else None
    (head,) = set(revisions) - set(revisions.values())
    return head


# One row per head: the service's chain and the kernel's branch it depends on.
HEADS = {"0001", _shared_head()}
COUNTS = "SELECT (SELECT count(*) FROM sdo_outbox) AS events, (SELECT count(*) FROM sdo_audit_log) AS entries"


async def test_migrations_run_at_start_and_again_harmlessly(database_url: str) -> None:
    async with widgets(database_url) as (app, client):
        assert {r["version_num"] for r in await rows(app, "SELECT version_num FROM alembic_version")} == HEADS
        await client.post("/api/v1/widgets", json={"name": "kept", "size": 1}, headers=OFFICER)
    async with widgets(database_url) as (app, client):  # a restart: already at head
        assert await scalar(app, "SELECT count(*) FROM alembic_version") == len(HEADS)
        listed = (await client.get("/api/v1/widgets", headers=OFFICER)).json()["items"]
        assert [w["name"] for w in listed] == ["kept"]


async def test_replicas_starting_together_migrate_once(postgres_url: str) -> None:
    async with widgets(postgres_url) as (app, _), widgets(postgres_url):
        assert await scalar(app, "SELECT count(*) FROM alembic_version") == len(HEADS)


async def test_concurrent_commands_all_commit_in_one_order(database_url: str) -> None:
    async with widgets(database_url) as (app, client):

        async def create(n: int) -> int:
            response = await client.post("/api/v1/widgets", json={"name": f"c-{n:02d}", "size": n}, headers=OFFICER)
            return response.status_code

        assert await asyncio.gather(*(create(n) for n in range(30))) == [201] * 30
        assert await scalar(app, "SELECT count(*) FROM widgets") == 30
        # Outbox order and audit order are the same commit order.
        bodies = await rows(app, "SELECT body FROM sdo_outbox ORDER BY id")
        outbox = [orjson.loads(r["body"])["subject"] for r in bodies]
        audit = [r["resource_id"] for r in await rows(app, "SELECT resource_id FROM sdo_audit_log ORDER BY seq")]
        assert outbox == audit and len(set(audit)) == 30
        verified = (await client.get("/api/v1/audit/verify", headers=auth("auditor"))).json()
        assert verified == {"valid": True, "entries": 30}


async def test_a_failed_command_leaves_no_trace(database_url: str) -> None:
    async with widgets(database_url) as (app, client):
        first = (await client.post("/api/v1/widgets", json={"name": "a", "size": 1}, headers=OFFICER)).json()
        second = (await client.post("/api/v1/widgets", json={"name": "b", "size": 1}, headers=OFFICER)).json()
        before = await rows(app, COUNTS)
        # The rename queues an audit entry and an event, then the database refuses the name at commit.
        response = await client.post(
            f"/api/v1/widgets/{second['id']}/rename",
            json={"name": first["name"]},
            headers={**OFFICER, "Idempotency-Key": "doomed"},
        )
        assert response.status_code == 409
        assert await rows(app, COUNTS) == before
        assert await scalar(app, "SELECT version FROM widgets WHERE name = 'b'") == 1
        assert await scalar(app, "SELECT count(*) FROM sdo_idempotency") == 0


async def test_sqlite_runs_in_wal_mode(sqlite_url: str) -> None:
    async with widgets(sqlite_url) as (app, _):
        assert (await scalar(app, "PRAGMA journal_mode")).lower() == "wal"
        assert await scalar(app, "PRAGMA foreign_keys") == 1


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+asyncpg"),
        ("postgres://u@h/db", "postgresql+asyncpg"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg"),
        ("sqlite:///x.db", "sqlite+aiosqlite"),
    ],
)
def test_plain_urls_get_the_async_driver(given: str, expected: str, tmp_path: Path) -> None:
    from shared.db import Database

    if given.startswith("sqlite"):
        given = f"sqlite:///{tmp_path / 'x.db'}"
    db = Database(given)
    assert db.url.drivername == expected


async def test_a_service_refuses_to_start_without_a_broker_url(sqlite_url: str) -> None:
    with pytest.raises(BrokerNotConfigured, match="SDO_AMQP_URL"):
        async with widgets(sqlite_url, amqp_url=None):
            pass
