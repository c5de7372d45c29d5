"""One trace follows an award across two services and the bus (W3C trace context in HTTP and CloudEvents)."""

from __future__ import annotations

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from shared.events.types import EventType
from shared.telemetry import tracing
from tests.integration.observability.conftest import Pair
from tests.integration.observability.walk import contracted_order
from tests.support import EventTap, eventually

# The caller's own trace: the award request carries it, so every span of the saga must be in it.
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN}-01"


def service_of(span: ReadableSpan) -> str:
    return str(span.resource.attributes["service.name"])


def named(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    found = [s for s in spans if s.name == name]
    assert len(found) == 1, [s.name for s in spans]
    return found[0]


async def test_an_awards_trace_spans_orders_the_bus_suppliers_and_orders_again(
    spans: InMemorySpanExporter, traced_pair: Pair, memory_url: str
) -> None:
    async with EventTap(memory_url) as tap:
        await contracted_order(traced_pair, headers={"traceparent": TRACEPARENT})

        def in_trace() -> list[ReadableSpan]:
            return [s for s in spans.get_finished_spans() if format(s.context.trace_id, "032x") == TRACE_ID]

        # The saga's last step: suppliers consumed order.contracted (its span ends after the commit).
        await eventually(
            lambda: _async([s for s in in_trace() if s.name == f"process {EventType.ORDER_CONTRACTED}"]),
            what="the contracted event consumed in the trace",
        )
        trace = in_trace()

    award = named(trace, "POST /api/v1/orders/{order_id}/award")
    assert service_of(award) == "sdo-orders" and award.kind == SpanKind.SERVER
    assert award.parent is not None and format(award.parent.span_id, "016x") == CALLER_SPAN
    assert award.attributes is not None and award.attributes["http.route"] == "/api/v1/orders/{order_id}/award"

    requested = named(trace, f"process {EventType.ORDER_AWARD_REQUESTED}")
    confirmed = named(trace, f"process {EventType.SUPPLIER_AWARD_CONFIRMED}")
    contracted = named(trace, f"process {EventType.ORDER_CONTRACTED}")
    assert (service_of(requested), service_of(confirmed), service_of(contracted)) == (
        "sdo-suppliers",
        "sdo-orders",
        "sdo-suppliers",
    )
    assert all(s.kind == SpanKind.CONSUMER for s in (requested, confirmed, contracted))

    # Each hop's parent is the span the event was emitted in: the request, then each consumer in turn.
    publish_requested = named(trace, "publish order.award_requested")
    publish_confirmed = named(trace, "publish supplier.award_confirmed")
    assert publish_requested.kind == SpanKind.PRODUCER and service_of(publish_requested) == "sdo-orders"
    assert requested.parent is not None and requested.parent.span_id == award.context.span_id
    assert publish_requested.parent is not None and publish_requested.parent.span_id == award.context.span_id
    assert [link.context.span_id for link in publish_requested.links] == [award.context.span_id]
    assert confirmed.parent is not None and confirmed.parent.span_id == requested.context.span_id
    assert publish_confirmed.parent is not None and publish_confirmed.parent.span_id == requested.context.span_id
    assert contracted.parent is not None and contracted.parent.span_id == confirmed.context.span_id
    assert {service_of(s) for s in trace} == {"sdo-orders", "sdo-suppliers"}
    assert requested.attributes is not None and requested.attributes["sdo.consumer.outcome"] == "applied"

    # On the bus: the trace context rides in the CloudEvents distributed-tracing attribute.
    for event_type in (EventType.ORDER_AWARD_REQUESTED, EventType.SUPPLIER_AWARD_CONFIRMED, EventType.ORDER_CONTRACTED):
        (event,) = tap.of_type(event_type)
        assert event["traceparent"].split("-")[1] == TRACE_ID, event


async def test_untraced_services_record_nothing_and_events_carry_no_trace_context(pair: Pair, memory_url: str) -> None:
    assert not tracing.active()
    async with EventTap(memory_url) as tap:
        await contracted_order(pair, headers={"traceparent": TRACEPARENT})
        await eventually(lambda: _async(tap.of_type(EventType.ORDER_CONTRACTED)), what="order.contracted published")
    assert tap.events and all("traceparent" not in event for event in tap.events)


async def _async(value: object) -> object:
    return value
