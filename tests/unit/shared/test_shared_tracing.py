"""Tracing configuration and the trace context carried by events: off by default, nothing on the wire then."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.events.envelope import CloudEvent
from shared.telemetry import tracing

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    spans = InMemorySpanExporter()
    tracing.configure(lambda: SimpleSpanProcessor(spans))
    try:
        yield spans
    finally:
        tracing.configure(None)


def test_nothing_is_traced_unless_an_exporter_is_chosen() -> None:
    assert tracing.processor_factory({}) is None
    assert tracing.processor_factory({"SDO_OTEL_EXPORTER": "none"}) is None
    assert tracing.processor_factory({"SDO_OTEL_EXPORTER": " Console "}) is not None
    assert tracing.processor_factory({"SDO_OTEL_EXPORTER": "otlp"}) is not None


def test_an_unknown_exporter_is_refused_naming_the_choices() -> None:
    with pytest.raises(ValueError, match="none, console, otlp"):
        tracing.processor_factory({"SDO_OTEL_EXPORTER": "jaeger"})


def test_an_untraced_process_writes_no_trace_context_into_events() -> None:
    assert not tracing.active()
    assert tracing.event_context() == {}
    assert tracing.tracer("orders") is None


def test_an_event_without_trace_context_is_byte_for_byte_what_it_was() -> None:
    event = CloudEvent(source="sdo/orders", type="kz.sdo.order.published.v1", data={})
    assert b"traceparent" not in event.to_bytes() and b"tracestate" not in event.to_bytes()
    traced = event.model_copy(update={"traceparent": TRACEPARENT})
    assert CloudEvent.from_bytes(traced.to_bytes()).traceparent == TRACEPARENT


def test_a_traced_service_writes_the_current_span_into_events_and_flushes_when_its_last_app_stops(
    exporter: InMemorySpanExporter,
) -> None:
    assert tracing.start("widgets") and tracing.start("widgets")
    try:
        tracer = tracing.tracer("widgets")
        assert tracer is not None
        with tracer.start_as_current_span("work") as span:
            context = tracing.event_context()
            trace_id = format(span.get_span_context().trace_id, "032x")
        assert context["traceparent"].split("-")[1] == trace_id
        headers = tracing.outgoing_headers({})
        assert "traceparent" not in headers  # no span is current any more
        tracing.stop("widgets")
        assert tracing.tracer("widgets") is not None  # one app of the service still runs
    finally:
        tracing.stop("widgets")
    assert tracing.tracer("widgets") is None
    (finished,) = exporter.get_finished_spans()
    assert finished.resource.attributes["service.name"] == "sdo-widgets"


def test_the_consume_span_continues_the_trace_the_event_carries(exporter: InMemorySpanExporter) -> None:
    event = CloudEvent(source="sdo/orders", type="kz.sdo.order.published.v1", data={}, traceparent=TRACEPARENT)
    tracing.start("widgets")
    try:
        with tracing.consuming("widgets", event.to_bytes()):
            tracing.annotate("sdo.consumer.outcome", "applied")
            inner = trace.get_current_span().get_span_context()
        with tracing.consuming("widgets", b"not json"):
            pass
    finally:
        tracing.stop("widgets")
    carried, fresh = exporter.get_finished_spans()
    assert format(inner.trace_id, "032x") == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert carried.name == "process kz.sdo.order.published.v1" and carried.parent is not None
    assert format(carried.parent.span_id, "016x") == "00f067aa0ba902b7"
    assert carried.attributes is not None and carried.attributes["sdo.consumer.outcome"] == "applied"
    assert fresh.name == "process unknown" and fresh.parent is None  # unreadable: a trace of its own


def test_the_publish_span_is_a_child_of_the_emitting_span_and_links_to_it(exporter: InMemorySpanExporter) -> None:
    event = CloudEvent(source="sdo/orders", type="kz.sdo.order.published.v1", data={}, traceparent=TRACEPARENT)
    tracing.start("widgets")
    try:
        with tracing.publishing("widgets", event.to_bytes(), "order.published"):
            pass
    finally:
        tracing.stop("widgets")
    (published,) = exporter.get_finished_spans()
    assert published.name == "publish order.published"
    assert published.parent is not None and format(published.parent.span_id, "016x") == "00f067aa0ba902b7"
    assert [format(link.context.span_id, "016x") for link in published.links] == ["00f067aa0ba902b7"]
