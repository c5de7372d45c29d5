"""Names and arguments of the broker topology (contract section 6), in one place."""

from __future__ import annotations

from typing import Any

EXCHANGE = "sdo.events"
DEAD_LETTER_EXCHANGE = "sdo.events.dlx"
DELIVERY_LIMIT = 5


def queue_name(service: str) -> str:
    return f"sdo.{service}"


def dead_letter_queue_name(service: str) -> str:
    return f"sdo.{service}.dlq"


def queue_arguments(service: str) -> dict[str, Any]:
    return {
        "x-queue-type": "quorum",
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        # The DLX is a direct exchange: dead letters are routed by the name of the queue they left.
        "x-dead-letter-routing-key": queue_name(service),
        "x-delivery-limit": DELIVERY_LIMIT,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


def dead_letter_queue_arguments() -> dict[str, Any]:
    return {"x-queue-type": "quorum"}


# Events no service consumes (e.g. order.published) land here instead of being returned,
# so mandatory publishing still catches a broken topology while operators can follow them.
UNROUTED_EXCHANGE = "sdo.events.unrouted"
UNROUTED_QUEUE = "sdo.unrouted"


def exchange_arguments() -> dict[str, Any]:
    return {"alternate-exchange": UNROUTED_EXCHANGE}


def unrouted_queue_arguments() -> dict[str, Any]:
    return {"x-queue-type": "quorum", "x-max-length": 100_000, "x-overflow": "drop-head"}
