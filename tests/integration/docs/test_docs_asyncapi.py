"""The AsyncAPI documents: valid AsyncAPI 3.0, every reference resolving, generated from the declarations.

Checked for each service's document (what ``/asyncapi.json`` serves) and the suite's
(``docs/asyncapi.yaml``): against the official AsyncAPI 3.0.0 JSON Schema (kept in ``asyncapi-schema/``),
and by what the schema cannot say: every ``$ref`` resolves, an operation's messages are its channel's,
each service's operations are exactly what it declares it publishes and consumes, on the channels of
the topology, and every payload schema is its pydantic model's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import jsonschema_rs
import pytest

from shared.asyncapi import SCHEMAS, service_document, suite_document
from shared.events.envelope import CloudEvent, routing_key_for
from shared.events.payloads import OrderCancelled, payload_model
from shared.events.types import EventType
from shared.messaging import topology
from tests.integration.docs.conftest import service_apps

OFFICIAL = json.loads((Path(__file__).parent / "asyncapi-schema" / "3.0.0.json").read_text())
APPS = service_apps()
SPECS = {name: app.state.service_spec for name, app in APPS.items()}
DOCUMENTS = {
    **{name: service_document(spec) for name, spec in SPECS.items()},
    "suite": suite_document(list(SPECS.values())),
}


@pytest.fixture(params=sorted(DOCUMENTS))
def document(request: pytest.FixtureRequest) -> dict[str, Any]:
    return DOCUMENTS[str(request.param)]


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"dangling {ref}"
        node = node[part]
    return node


def test_the_document_is_valid_against_the_asyncapi_3_schema(document: dict[str, Any]) -> None:
    errors = [
        f"{list(e.instance_path)}: {e.message[:300]}"
        for e in jsonschema_rs.Draft7Validator(OFFICIAL).iter_errors(document)
    ]
    assert not errors, errors


def test_the_schema_check_catches_a_broken_document() -> None:
    broken = json.loads(json.dumps(DOCUMENTS["suite"]))
    next(iter(broken["operations"].values()))["action"] = "publish"  # AsyncAPI 2's word, not 3's
    assert not jsonschema_rs.Draft7Validator(OFFICIAL).is_valid(broken)


def test_the_structure_and_every_reference_resolve(document: dict[str, Any]) -> None:
    assert document["asyncapi"] == "3.0.0"
    assert document["info"]["title"] and document["info"]["version"]
    assert document["channels"] and document["operations"] and document["components"]["messages"]
    for ref in set(refs(document)):
        resolve(document, ref)
    for name, operation in document["operations"].items():
        assert operation["action"] in ("send", "receive"), name
        channel_ref = operation["channel"]["$ref"]
        channel = resolve(document, channel_ref)
        assert operation["messages"], name
        for message in operation["messages"]:
            # An operation's messages are its channel's (AsyncAPI 3.0, Operation Object).
            assert message["$ref"].startswith(channel_ref + "/messages/"), (name, message)
            assert resolve(document, message["$ref"]) in channel["messages"].values()
    for name, message in document["components"]["messages"].items():
        payload = message["payload"]
        assert resolve(document, payload["allOf"][0]["$ref"]) == document["components"]["schemas"]["CloudEvent"]
        data = resolve(document, payload["allOf"][1]["properties"]["data"]["$ref"])
        assert data.get("type") == "object", name


@pytest.mark.parametrize("service", sorted(SPECS))
def test_the_operations_are_what_the_service_declares_on_the_topology_channels(service: str) -> None:
    spec, document = SPECS[service], DOCUMENTS[service]
    operations, channels = document["operations"], document["channels"]
    sends = {op["messages"][0]["$ref"].rsplit("/", 1)[1]: op for op in operations.values() if op["action"] == "send"}
    receives = {
        op["messages"][0]["$ref"].rsplit("/", 1)[1]: op for op in operations.values() if op["action"] == "receive"
    }
    assert set(sends) == set(map(str, spec.publishes))
    assert set(receives) == set(map(str, spec.subscriptions))
    for event_type, operation in sends.items():
        channel = resolve(document, operation["channel"]["$ref"])
        assert channel["address"] == routing_key_for(event_type)
        assert channel["bindings"]["amqp"]["is"] == "routingKey"
        exchange = channel["bindings"]["amqp"]["exchange"]
        assert (exchange["name"], exchange["type"]) == (topology.EXCHANGE, "topic")
    queues = {c["address"]: c for c in channels.values() if c["bindings"]["amqp"]["is"] == "queue"}
    queue = queues[topology.queue_name(service)]
    assert queue["x-queue-arguments"] == topology.queue_arguments(service)
    assert set(queue["messages"]) == set(map(str, spec.subscriptions))
    for operation in receives.values():
        assert resolve(document, operation["channel"]["$ref"]) is queue
    dlq = queues[topology.dead_letter_queue_name(service)]
    assert set(dlq["messages"]) == set(queue["messages"])
    dead_letters = [
        c
        for c in channels.values()
        if c["bindings"]["amqp"].get("exchange", {}).get("name") == topology.DEAD_LETTER_EXCHANGE
    ]
    assert [(c["address"], c["bindings"]["amqp"]["exchange"]["type"]) for c in dead_letters] == [
        (topology.queue_name(service), "direct")
    ]


def test_every_payload_schema_is_its_models_serialization_schema(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for event_type, message in document["components"]["messages"].items():
        own = message["payload"]["allOf"][1]
        assert own["properties"]["type"] == {"const": event_type}
        expected = payload_model(event_type).model_json_schema(mode="serialization", ref_template=SCHEMAS + "{model}")
        nested = expected.pop("$defs", {})
        assert resolve(document, own["properties"]["data"]["$ref"]) == expected, event_type
        for name, schema in nested.items():
            assert schemas[name] == schema, (event_type, name)


def test_the_suite_document_has_every_service_and_the_events_nobody_consumes() -> None:
    suite = DOCUMENTS["suite"]
    addresses = {c["address"] for c in suite["channels"].values()}
    for service in SPECS:
        assert {topology.queue_name(service), topology.dead_letter_queue_name(service)} <= addresses
        assert set(DOCUMENTS[service]["operations"]) <= set(suite["operations"])
    consumed = {str(t) for spec in SPECS.values() for t in spec.subscriptions}
    unrouted = next(c for c in suite["channels"].values() if c["address"] == topology.UNROUTED_QUEUE)
    assert set(unrouted["messages"]) == set(suite["components"]["messages"]) - consumed


def _validator(document: dict[str, Any], event_type: str) -> jsonschema_rs.Draft7Validator:
    payload = document["components"]["messages"][event_type]["payload"]
    return jsonschema_rs.Draft7Validator({**payload, "components": document["components"]})


def test_an_event_as_the_outbox_publishes_it_matches_its_message() -> None:
    suite = DOCUMENTS["suite"]
    event_type = EventType.ORDER_CANCELLED
    data = OrderCancelled(order_id=uuid4(), number="SDO-2026-000001", status="cancelled", version=3, reason="budget")
    event = CloudEvent(
        source="sdo/orders", type=event_type, subject=str(data.order_id), data=data.model_dump(mode="json")
    )
    validator = _validator(suite, event_type)
    assert validator.is_valid(json.loads(event.to_bytes()))
    without_reason = event.model_copy(update={"data": {k: v for k, v in event.data.items() if k != "reason"}})
    assert not validator.is_valid(json.loads(without_reason.to_bytes()))
    from_elsewhere = event.model_copy(update={"source": "sdo/quality"})
    assert not validator.is_valid(json.loads(from_elsewhere.to_bytes()))
