"""The broker users of ``deploy/rabbitmq/definitions.json``, created with rabbitmqctl on the test's vhost.

Each service's user gets the permissions and topic permissions the file declares for it, on the
test's own vhost; its name carries a suffix of the test's (users are broker-wide) and its password
is the test's. The administrator is left out (the tests' guest user plays the operator). All are
deleted afterwards.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

from yarl import URL

from shared.messaging import ownership
from tests.integration.messaging.rabbitmqctl import rabbitmqctl, vhost_of

ROOT = Path(__file__).resolve().parents[3]
DEFINITIONS = ROOT / "deploy/rabbitmq/definitions.json"


def definitions() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DEFINITIONS.read_text())
    return loaded


@dataclass(frozen=True)
class BrokerUsers:
    """Each service's broker user on the test's vhost and the URL it connects with."""

    users: dict[str, str]
    urls: dict[str, str]

    @property
    def publishers(self) -> str:
        """``SDO_BUS_PUBLISHERS`` for these users."""
        return ",".join(f"{service}={user}" for service, user in self.users.items())


@asynccontextmanager
async def broker_users(rabbitmq_url: str) -> AsyncIterator[BrokerUsers]:
    vhost = vhost_of(rabbitmq_url)
    suffix = uuid4().hex[:8]
    defs = definitions()
    base = URL(rabbitmq_url)
    users: dict[str, str] = {}
    urls: dict[str, str] = {}
    created: list[str] = []
    try:
        for service in ownership.DOMAINS:
            declared = ownership.broker_user(service)
            user, password = f"{declared}-{suffix}", uuid4().hex
            await rabbitmqctl("add_user", user, password)
            created.append(user)
            for p in (p for p in defs["permissions"] if p["user"] == declared):
                await rabbitmqctl("set_permissions", "-p", vhost, user, p["configure"], p["write"], p["read"])
            for t in (t for t in defs["topic_permissions"] if t["user"] == declared):
                await rabbitmqctl("set_topic_permissions", "-p", vhost, user, t["exchange"], t["write"], t["read"])
            users[service] = user
            urls[service] = str(base.with_user(user).with_password(password))
        yield BrokerUsers(users, urls)
    finally:
        for user in created:
            await rabbitmqctl("delete_user", user)
