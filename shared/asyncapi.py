"""AsyncAPI 3.0 for the bus, generated from the services' declarations and the payload models.

Nothing here is written by hand: the channels come from what each service declares it publishes and
consumes (``ServiceSpec.publishes`` and ``subscriptions``), the names and queue arguments from
``shared.messaging.topology``, the envelope from ``CloudEvent`` and every event type's ``data`` from
``payload_model(type)``. A service serves the document of its own channels at ``/asyncapi.json``;
``sdo docs`` writes the suite's (every service) to ``docs/asyncapi.yaml``.

Shape (RabbitMQ, AMQP 0-9-1 bindings 0.3.0):

- one channel per routing key on the topic exchange ``sdo.events`` (``order.published``): the
  producer's ``send`` operations point at it;
- per service, its quorum queue ``sdo.<service>`` (bound to the routing keys it consumes): its
  ``receive`` operations point at it; the dead-letter exchange ``sdo.events.dlx`` (direct, routed by
  queue name) and the dead-letter queue ``sdo.<service>.dlq`` where a message lands after
  ``DELIVERY_LIMIT`` failed deliveries;
- in the suite document, the alternate exchange's queue ``sdo.unrouted`` for the events no service
  consumes.

Every message is a CloudEvents 1.0 event in structured mode: the AMQP body is the envelope (content
type ``application/cloudevents+json``, message id the event id) with the event type's payload as
``data``. Schemas are the models' serialization schemas: what is on the wire (money as decimal strings).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, Protocol

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema
from pydantic_core import core_schema

from shared.events.envelope import CONTENT_TYPE, CloudEvent, routing_key_for
from shared.events.payloads import payload_model
from shared.messaging import topology

ASYNCAPI_VERSION = "3.0.0"
AMQP_BINDING_VERSION = "0.3.0"
SCHEMAS = "#/components/schemas/"
ENVELOPE = "CloudEvent"
AMQP_HEADERS = "AmqpHeaders"
TRAIT = "cloudEvent"
# The host the compose file gives the broker; a deployment names its own in SDO_AMQP_URL.
BROKER_HOST = "rabbitmq:5672"


class Participant(Protocol):
    """What the document needs of a service: ``shared.service.ServiceSpec`` is one."""

    @property
    def name(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def publishes(self) -> Collection[str]: ...
    @property
    def subscriptions(self) -> Mapping[str, Any]: ...


class _Emitted(GenerateJsonSchema):
    """Serialization schema where every field a dump always writes is required (the envelope)."""

    def field_is_required(
        self,
        field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField,
        total: bool,
    ) -> bool:
        return field.get("serialization_exclude_if") is None


def _published(participant: Participant) -> list[str]:
    return sorted(map(str, participant.publishes))


def _consumed(participant: Participant) -> list[str]:
    return sorted(map(str, participant.subscriptions))


def _ref(*parts: str) -> dict[str, str]:
    return {"$ref": "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)}


def _listing(items: Iterable[str]) -> str:
    return ", ".join(f"`{item}`" for item in items) or "none"


def _exchange(name: str, kind: str) -> dict[str, Any]:
    return {"name": name, "type": kind, "durable": True, "autoDelete": False, "vhost": "/"}


def _queue(name: str) -> dict[str, Any]:
    return {"name": name, "durable": True, "exclusive": False, "autoDelete": False, "vhost": "/"}


def _amqp(binding: dict[str, Any]) -> dict[str, Any]:
    return {"amqp": {**binding, "bindingVersion": AMQP_BINDING_VERSION}}


def _schemas(event_types: Iterable[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """``components.schemas`` (envelope, payloads and what they nest) and the schema name of each type."""
    models: dict[str, type[BaseModel]] = {t: payload_model(t) for t in event_types}
    distinct = list(dict.fromkeys(models.values()))
    schemas: dict[str, Any] = {}
    names: dict[type[BaseModel], str] = {}
    if distinct:
        keys, definitions = models_json_schema(
            [(model, "serialization") for model in distinct], ref_template=SCHEMAS + "{model}"
        )
        schemas.update(definitions.get("$defs", {}))
        names = {model: keys[(model, "serialization")]["$ref"].removeprefix(SCHEMAS) for model in distinct}
    envelope = CloudEvent.model_json_schema(
        mode="serialization", ref_template=SCHEMAS + "{model}", schema_generator=_Emitted
    )
    envelope["description"] = (
        "CloudEvents 1.0, structured mode: the AMQP body. `data` is the event type's payload; "
        "`correlationid` is the X-Request-ID of the request that caused the event, `causationid` the id "
        "of the event that did."
    )
    schemas[ENVELOPE] = envelope
    schemas[AMQP_HEADERS] = {
        "type": "object",
        "description": "AMQP headers. Producers set none (the envelope is in the body); the broker adds these.",
        "properties": {
            "x-delivery-count": {
                "type": "integer",
                "description": "Deliveries of this message so far (quorum queue); at "
                f"{topology.DELIVERY_LIMIT} failures it is dead-lettered.",
            },
            "x-death": {
                "type": "array",
                "description": "On a dead letter: the queue it left, why and how often.",
                "items": {"type": "object"},
            },
        },
        "additionalProperties": True,
    }
    return dict(sorted(schemas.items())), {t: names[m] for t, m in models.items()}


def _message(event_type: str, schema: str, producers: Sequence[str], consumers: Sequence[str]) -> dict[str, Any]:
    envelope: dict[str, Any] = {
        "type": "object",
        "required": ["type", "source", "subject", "data"],
        "properties": {
            "type": {"const": event_type},
            "subject": {"type": "string", "description": "The id of the resource the event is about."},
            "data": {"$ref": SCHEMAS + schema},
        },
    }
    sources = [f"sdo/{p}" for p in producers]
    if sources:
        envelope["properties"]["source"] = {"const": sources[0]} if len(sources) == 1 else {"enum": sources}
    return {
        "name": event_type,
        "title": routing_key_for(event_type),
        "summary": f"Published by {_listing(producers)}; consumed by {_listing(consumers)}.",
        "description": (
            f"A CloudEvent of type `{event_type}` with routing key `{routing_key_for(event_type)}`; "
            f"its `data` is `{schema}`. The AMQP message id is the event id; messages are persistent."
        ),
        "traits": [_ref("components", "messageTraits", TRAIT)],
        "payload": {"allOf": [{"$ref": SCHEMAS + ENVELOPE}, envelope]},
        "bindings": _amqp({"messageType": event_type}),
    }


def _routing_key_channel(key: str, messages: Iterable[str]) -> dict[str, Any]:
    return {
        "address": key,
        "title": f"{topology.EXCHANGE} {key}",
        "description": f"Routing key `{key}` on the topic exchange `{topology.EXCHANGE}`.",
        "messages": {m: _ref("components", "messages", m) for m in messages},
        "bindings": _amqp({"is": "routingKey", "exchange": _exchange(topology.EXCHANGE, "topic")}),
    }


def _queue_channel(name: str, description: str, messages: Iterable[str], arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "address": name,
        "title": name,
        "description": description,
        "messages": {m: _ref("components", "messages", m) for m in messages},
        "bindings": _amqp({"is": "queue", "queue": _queue(name)}),
        "x-queue-arguments": arguments,
    }


def _service_channels(participant: Participant) -> dict[str, dict[str, Any]]:
    service, consumed = participant.name, _consumed(participant)
    queue, dlq = topology.queue_name(service), topology.dead_letter_queue_name(service)
    keys = sorted({routing_key_for(t) for t in consumed})
    return {
        f"{service}.queue": _queue_channel(
            queue,
            f"The {service} service's quorum queue, bound to `{topology.EXCHANGE}` with {_listing(keys)}. "
            f"Consumers ack after their own transaction commits and skip event ids already processed; a "
            f"message that fails {topology.DELIVERY_LIMIT} times is dead-lettered to "
            f"`{topology.DEAD_LETTER_EXCHANGE}`.",
            consumed,
            topology.queue_arguments(service),
        ),
        f"{service}.deadLetters": {
            "address": queue,
            "title": f"{topology.DEAD_LETTER_EXCHANGE} {queue}",
            "description": f"Where `{queue}` dead-letters: the direct exchange `{topology.DEAD_LETTER_EXCHANGE}`, "
            f"routed by the name of the queue the message left, to `{dlq}`.",
            "messages": {m: _ref("components", "messages", m) for m in consumed},
            "bindings": _amqp({"is": "routingKey", "exchange": _exchange(topology.DEAD_LETTER_EXCHANGE, "direct")}),
        },
        f"{service}.dlq": _queue_channel(
            dlq,
            f"The {service} service's dead letters, kept for operators: `sdo dlq {service}` lists them and "
            f"`sdo dlq {service} --replay` sends them back to `{queue}` once the cause is fixed.",
            consumed,
            topology.dead_letter_queue_arguments(),
        ),
    }


def _operations(participant: Participant) -> dict[str, dict[str, Any]]:
    service = participant.name
    operations: dict[str, dict[str, Any]] = {}
    for event_type in _published(participant):
        key = routing_key_for(event_type)
        operations[f"{service}.send.{event_type}"] = {
            "action": "send",
            "title": f"{service} publishes {key}",
            "summary": f"Published from the {service} outbox after the transaction that caused it commits.",
            "channel": _ref("channels", key),
            "messages": [_ref("channels", key, "messages", event_type)],
            "bindings": _amqp({"deliveryMode": 2, "mandatory": True}),
        }
    for event_type in _consumed(participant):
        operations[f"{service}.receive.{event_type}"] = {
            "action": "receive",
            "title": f"{service} consumes {routing_key_for(event_type)}",
            "summary": f"Taken from `{topology.queue_name(service)}`, acknowledged once handled.",
            "channel": _ref("channels", f"{service}.queue"),
            "messages": [_ref("channels", f"{service}.queue", "messages", event_type)],
            "bindings": _amqp({"ack": True}),
        }
    return operations


def asyncapi_document(
    participants: Sequence[Participant],
    *,
    title: str,
    description: str,
    version: str,
    suite: bool = False,
) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of these services' channels; ``suite`` adds the unrouted queue."""
    producers: dict[str, list[str]] = {}
    consumers: dict[str, list[str]] = {}
    for participant in participants:
        for event_type in _published(participant):
            producers.setdefault(event_type, []).append(participant.name)
        for event_type in _consumed(participant):
            consumers.setdefault(event_type, []).append(participant.name)
    event_types = sorted(producers.keys() | consumers.keys())
    schemas, schema_of = _schemas(event_types)
    by_key: dict[str, list[str]] = {}
    for event_type in event_types:
        by_key.setdefault(routing_key_for(event_type), []).append(event_type)
    channels = {key: _routing_key_channel(key, types) for key, types in sorted(by_key.items())}
    operations: dict[str, Any] = {}
    for participant in participants:
        channels.update(_service_channels(participant))
        operations.update(_operations(participant))
    if suite:
        unrouted = [t for t in event_types if t not in consumers]
        channels["unrouted"] = _queue_channel(
            topology.UNROUTED_QUEUE,
            f"Events no service consumes reach the alternate exchange `{topology.UNROUTED_EXCHANGE}` (fanout) "
            f"of `{topology.EXCHANGE}` and wait here, so operators can follow them.",
            unrouted,
            topology.unrouted_queue_arguments(),
        )
    messages = {
        t: _message(t, schema_of[t], sorted(producers.get(t, [])), sorted(consumers.get(t, []))) for t in event_types
    }
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {"title": title, "version": version, "description": description},
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "broker": {
                "host": BROKER_HOST,
                "protocol": "amqp",
                "protocolVersion": "0.9.1",
                "description": "RabbitMQ; each deployment names its broker in `SDO_AMQP_URL`.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": schemas,
            "messages": messages,
            "messageTraits": {
                TRAIT: {
                    "contentType": CONTENT_TYPE,
                    "headers": {"$ref": SCHEMAS + AMQP_HEADERS},
                    "correlationId": {
                        "description": "The X-Request-ID of the HTTP request that started the chain.",
                        "location": "$message.payload#/correlationid",
                    },
                }
            },
        },
    }


def service_document(participant: Participant) -> dict[str, Any]:
    """A service's own channels: what it publishes and consumes, its queue, dead-letter exchange and queue."""
    return asyncapi_document(
        [participant],
        title=f"{participant.title}: events",
        description=(
            f"{participant.description}\n\nThe bus as the {participant.name} service uses it. Publishes "
            f"{_listing(_published(participant))}; consumes {_listing(_consumed(participant))}."
        ),
        version=participant.version,
    )


def suite_document(participants: Sequence[Participant], version: str = "1.0.0") -> dict[str, Any]:
    names = ", ".join(p.name for p in participants)
    return asyncapi_document(
        participants,
        title="SDO suite: events",
        description=(
            f"Every service's channels on the bus ({names}): CloudEvents 1.0 on the topic exchange "
            f"`{topology.EXCHANGE}`, one quorum queue per service with its dead-letter queue."
        ),
        version=version,
        suite=True,
    )
