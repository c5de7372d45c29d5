"""CloudEvents 1.0 structured-mode envelope, the one message shape on the bus."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID, uuid4

import orjson
from pydantic import BaseModel, ConfigDict, Field

CONTENT_TYPE = "application/cloudevents+json"
TYPE_PREFIX = "kz.sdo."
_TYPE_PATTERN = re.compile(r"^kz\.sdo\.[a-z_]+\.[a-z_]+\.v[0-9]+$")
_VERSION_SUFFIX = re.compile(r"\.v[0-9]+$")


def _absent(value: object) -> bool:
    """The tracing attributes are left out rather than written as null: an untraced event is byte for
    byte what it was before the extension (and the AsyncAPI document does not require them)."""
    return value is None


def routing_key_for(event_type: str) -> str:
    """``kz.sdo.order.published.v1`` -> ``order.published`` (contract section 6)."""
    return _VERSION_SUFFIX.sub("", event_type.removeprefix(TYPE_PREFIX))


class CloudEvent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: Literal["1.0"] = "1.0"
    id: UUID = Field(default_factory=uuid4)
    source: str = Field(min_length=1)
    type: str = Field(pattern=_TYPE_PATTERN.pattern)
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str | None = None
    datacontenttype: Literal["application/json"] = "application/json"
    data: dict[str, Any]
    correlationid: str | None = None
    causationid: str | None = None
    # CloudEvents distributed-tracing extension: the W3C trace context the event was emitted in.
    # Present only when the emitting service is traced (SDO_OTEL_EXPORTER); omitted otherwise. Not
    # checked here: a value the consumer cannot read starts a new trace, it never makes the event malformed.
    traceparent: str | None = Field(
        default=None,
        exclude_if=_absent,
        description="W3C `traceparent` of the span the event was emitted in (distributed-tracing extension); "
        "absent when the emitting service is not traced.",
    )
    tracestate: str | None = Field(
        default=None,
        exclude_if=_absent,
        description="W3C `tracestate` that goes with `traceparent`, when the trace carries vendor state.",
    )

    @property
    def routing_key(self) -> str:
        return routing_key_for(self.type)

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))

    @classmethod
    def from_bytes(cls, body: bytes) -> CloudEvent:
        return cls.model_validate_json(body)
