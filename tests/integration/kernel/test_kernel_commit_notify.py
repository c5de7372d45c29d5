"""The commit signal's NOTIFY on a real PostgreSQL, heard by a plain LISTEN connection of the test's own.

The unit of work sends it with its writer lock (one statement); NOTIFY is transactional, so a
listener hears it once per committed write and never for a command that was turned down.
"""

from __future__ import annotations

import asyncio

import asyncpg
from sqlalchemy.engine import make_url

from tests.integration.kernel.kernel_support import widgets
from tests.support import auth, eventually

OFFICER = auth("mod_officer")
CHANNEL = "sdo_commits_widgets"


async def test_a_committed_write_notifies_once_and_a_refused_one_not_at_all(postgres_url: str) -> None:
    heard: list[str] = []
    dsn = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    listener = await asyncpg.connect(dsn)
    try:
        await listener.add_listener(CHANNEL, lambda *args: heard.append(args[2]))
        async with widgets(postgres_url) as (_, client):
            created = await client.post("/api/v1/widgets", json={"name": "one", "size": 1}, headers=OFFICER)
            assert created.status_code == 201, created.text
            await eventually(lambda: _heard(heard, 1), what="the commit's notification")

            refused = await client.post("/api/v1/widgets", json={"name": "one", "size": 2}, headers=OFFICER)
            assert refused.status_code == 409, refused.text
            renamed = await client.post(
                f"/api/v1/widgets/{created.json()['id']}/rename", json={"name": "two"}, headers=OFFICER
            )
            assert renamed.status_code == 200, renamed.text
            await eventually(lambda: _heard(heard, 2), what="the rename's notification")
            # A notification for the refused create would have arrived before the rename's.
            await asyncio.sleep(0.2)
            assert heard == [CHANNEL, CHANNEL]
    finally:
        await listener.close()


async def _heard(heard: list[str], n: int) -> bool:
    return len(heard) >= n
