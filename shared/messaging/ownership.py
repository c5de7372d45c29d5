"""Who may publish what on the bus (contract section 10): the one place the rules live.

Pure: no broker, no database. The consumer asks :func:`refusal` about every event before it applies
it; ``deploy/rabbitmq/definitions.json`` carries :func:`topic_write_pattern` for each broker user,
and the tests hold the two together.

- ``sdo/<service>`` publishes only the types of its own domain (``sdo/orders``: ``kz.sdo.order.*``).
- Every service publishes ``kz.sdo.audit.checkpoint.v1``, about its own chain only
  (``data.service`` is the service named by ``source``).
- Where the broker user of each service is known (``SDO_BUS_PUBLISHERS``), an event whose AMQP
  ``user_id`` (which RabbitMQ checks against the connection's user) is not the user of the service
  named by its ``source`` is refused too: a valid ``source`` alone proves nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from shared.events.envelope import TYPE_PREFIX, routing_key_for
from shared.events.types import EventType

# Service -> the domain of the event types it owns (``kz.sdo.<domain>.<name>.v<N>``).
DOMAINS: Mapping[str, str] = {
    "orders": "order",
    "suppliers": "supplier",
    "quality": "quality",
    "fund": "fund",
}
# Published by every service, each about its own audit chain.
CHECKPOINT = str(EventType.AUDIT_CHECKPOINT)
CHECKPOINT_ROUTING_KEY = routing_key_for(CHECKPOINT)
SOURCE_PREFIX = "sdo/"


def service_of(source: str) -> str | None:
    """``sdo/orders`` -> ``orders``; None for a source that names no service."""
    name = source.removeprefix(SOURCE_PREFIX)
    if not source.startswith(SOURCE_PREFIX) or not name or "/" in name:
        return None
    return name


def source_of(service: str) -> str:
    return f"{SOURCE_PREFIX}{service}"


def domain_of(event_type: str) -> str | None:
    """``kz.sdo.order.published.v1`` -> ``order``."""
    if not event_type.startswith(TYPE_PREFIX):
        return None
    domain, _, rest = event_type.removeprefix(TYPE_PREFIX).partition(".")
    return domain if domain and rest else None


def owner_of(event_type: str) -> str | None:
    """The one service that may publish ``event_type``; None for the checkpoint (every service) and
    for a type of a domain no service owns."""
    domain = domain_of(event_type)
    return next((service for service, owned in DOMAINS.items() if owned == domain), None)


def owns(service: str, event_type: str) -> bool:
    return event_type == CHECKPOINT or owner_of(event_type) == service


def topic_write_pattern(service: str) -> str:
    """The routing keys ``service``'s broker user may publish to ``sdo.events`` (a RabbitMQ topic
    permission is a regular expression over the routing key)."""
    keys = [rf"{re.escape(DOMAINS[service])}\.[a-z_]+"] if service in DOMAINS else []
    keys.append(re.escape(CHECKPOINT_ROUTING_KEY))
    return f"^({'|'.join(keys)})$"


def broker_user(service: str) -> str:
    """The broker user the deployment files give ``service``."""
    return f"sdo-{service}"


def parse_publishers(text: str | None) -> dict[str, str]:
    """``SDO_BUS_PUBLISHERS``: ``orders=sdo-orders,suppliers=sdo-suppliers,...`` (service=broker user)."""
    publishers: dict[str, str] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        service, sep, user = (part.strip() for part in item.partition("="))
        if not sep or not service or not user:
            raise ValueError(f"{item.strip()!r} is not service=broker-user (e.g. orders=sdo-orders)")
        if service in publishers:
            raise ValueError(f"{service!r} is named twice")
        publishers[service] = user
    return publishers


def refusal(
    source: str,
    event_type: str,
    data: Mapping[str, Any],
    *,
    user_id: str | None = None,
    publishers: Mapping[str, str] | None = None,
) -> str | None:
    """Why an event may not be applied as its publisher's, or None when its publisher owns it.

    ``publishers`` (service -> broker user) is given only where the transport carries a verified
    ``user_id``; without it the check rests on ``source`` alone (``memory://``).
    """
    service = service_of(source)
    if service is None:
        return f"source {source!r} names no service"
    if event_type == CHECKPOINT:
        if data.get("service") != service:
            return f"{source} may publish checkpoints of its own audit chain only, not of {data.get('service')!r}"
    elif owner_of(event_type) != service:
        owner = owner_of(event_type)
        return f"{event_type} belongs to {source_of(owner) if owner else 'no service'}, not to {source}"
    if publishers is not None:
        expected = publishers.get(service)
        if expected is None:
            return f"no broker user is mapped to {service} (SDO_BUS_PUBLISHERS)"
        if user_id != expected:
            return f"published by broker user {user_id!r}, but {service} publishes as {expected!r}"
    return None
