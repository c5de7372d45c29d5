"""Traces: OpenTelemetry spans of HTTP requests, outbox publishes and event consumption.

One trace follows a command across the services. The HTTP server span takes its parent from the
caller's W3C ``traceparent`` header; every event emitted while it is current carries its trace
context in the CloudEvents distributed-tracing extension attributes ``traceparent`` and
``tracestate`` (written at emit, so it survives the outbox); the relay's publish span is a child of
that context and links to it; the consuming service restores it as the parent of its process span,
and the events that handler emits carry that span on. An award's trace thus runs orders (HTTP) ->
suppliers (process ``order.award_requested``) -> orders (process ``supplier.award_confirmed``).

``SDO_OTEL_EXPORTER`` picks where spans go: ``none`` (the default: nothing is recorded and each hook
returns at its first line), ``console`` (spans printed to stderr) or ``otlp`` (OTLP over HTTP to
``OTEL_EXPORTER_OTLP_ENDPOINT``, default ``http://localhost:4318``; the other standard
``OTEL_EXPORTER_OTLP_*`` variables and ``OTEL_TRACES_SAMPLER`` apply). Each service has a tracer
provider of its own, so spans name their service (``service.name`` ``sdo-orders``, ...) even when
the services share a process (``sdo up``).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
import structlog
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, SpanKind, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.routes import RouteTemplates

if TYPE_CHECKING:  # the SDK and the exporters are imported only by a process that traces
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

ENV_EXPORTER = "SDO_OTEL_EXPORTER"
EXPORTERS = ("none", "console", "otlp")
# Probes and scrapes every few seconds would bury the requests that matter.
UNTRACED_PATHS = r"/(?:healthz|readyz|metrics)$"

ProcessorFactory = Callable[[], "SpanProcessor"]

_W3C = TraceContextTextMapPropagator()


@dataclass
class _Traced:
    provider: TracerProvider
    tracer: Tracer
    users: int = 1


_explicit: ProcessorFactory | None = None
_traced: dict[str, _Traced] = {}


def configure(factory: ProcessorFactory | None) -> None:
    """Send spans through processors made by ``factory`` (one per service), whatever the environment says.

    None goes back to ``SDO_OTEL_EXPORTER``. Takes effect for services started afterwards. Tests use it
    with the SDK's in-memory exporter: ``configure(lambda: SimpleSpanProcessor(exporter))``.
    """
    global _explicit
    _explicit = factory


def processor_factory(environ: Mapping[str, str] = os.environ) -> ProcessorFactory | None:
    """What ``configure`` or ``SDO_OTEL_EXPORTER`` chose; None when nothing is traced."""
    if _explicit is not None:
        return _explicit
    choice = (environ.get(ENV_EXPORTER) or "none").strip().lower()
    if choice == "none":
        return None
    if choice == "console":
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

        return lambda: BatchSpanProcessor(ConsoleSpanExporter(out=sys.stderr))
    if choice == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        return lambda: BatchSpanProcessor(OTLPSpanExporter())
    raise ValueError(f"{ENV_EXPORTER}={choice!r} is not an exporter; use one of {', '.join(EXPORTERS)}")


def start(service: str) -> bool:
    """Trace ``service`` from now on, if an exporter is chosen; True when it is traced."""
    traced = _traced.get(service)
    if traced is not None:  # another app of the same service in this process (tests, replicas)
        traced.users += 1
        return True
    factory = processor_factory()
    if factory is None:
        return False
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    provider = TracerProvider(resource=Resource.create({"service.name": f"sdo-{service}", "service.namespace": "sdo"}))
    provider.add_span_processor(factory())
    _traced[service] = _Traced(provider, provider.get_tracer("sdo"))
    return True


def stop(service: str) -> None:
    """The service stopped: its spans are flushed to the exporter once its last app in the process stops."""
    traced = _traced.get(service)
    if traced is None:
        return
    traced.users -= 1
    if traced.users <= 0:
        del _traced[service]
        traced.provider.shutdown()


def tracer(service: str) -> Tracer | None:
    traced = _traced.get(service)
    return traced.tracer if traced else None


def active() -> bool:
    """Is any service of this process traced?"""
    return bool(_traced)


# -- context in events and HTTP headers ---------------------------------------------------------------


def event_context() -> dict[str, str]:
    """``traceparent`` (and ``tracestate``) of the current span, for an event emitted now; {} untraced."""
    if not _traced:
        return {}
    carrier: dict[str, str] = {}
    _W3C.inject(carrier)
    return carrier


def outgoing_headers(headers: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Add the current span's ``traceparent`` to the headers of an HTTP request this process sends."""
    if _traced:
        _W3C.inject(headers)
    return headers


def _envelope(body: bytes) -> dict[str, Any]:
    try:
        decoded = orjson.loads(body)
    except orjson.JSONDecodeError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


def _parent(envelope: Mapping[str, Any]) -> Context | None:
    """The context the event was emitted in, from its distributed-tracing attributes; None when it has none."""
    traceparent = envelope.get("traceparent")
    if not isinstance(traceparent, str):
        return None
    carrier = {"traceparent": traceparent}
    tracestate = envelope.get("tracestate")
    if isinstance(tracestate, str) and tracestate:
        carrier["tracestate"] = tracestate
    return _W3C.extract(carrier)


def _event_attributes(envelope: Mapping[str, Any]) -> dict[str, str]:
    names = {
        "id": "cloudevents.event_id",
        "type": "cloudevents.event_type",
        "source": "cloudevents.event_source",
        "subject": "cloudevents.event_subject",
        "correlationid": "sdo.correlation_id",
    }
    return {attribute: str(envelope[key]) for key, attribute in names.items() if envelope.get(key) is not None}


def _trace_id(span: trace.Span) -> str:
    return format(span.get_span_context().trace_id, "032x")


# -- spans of the bus ---------------------------------------------------------------------------------


@contextlib.contextmanager
def publishing(service: str, body: bytes, routing_key: str) -> Iterator[None]:
    """The relay's span around publishing one outbox row: a child of the context the event was emitted in,
    with a link to it (a publish span's link to the message's creation context, as OpenTelemetry's
    messaging conventions draw it)."""
    traced = _traced.get(service)
    if traced is None:
        yield
        return
    envelope = _envelope(body)
    parent = _parent(envelope)
    emitted = trace.get_current_span(parent).get_span_context() if parent is not None else None
    links = [Link(emitted, {"sdo.link": "emitted"})] if emitted is not None and emitted.is_valid else []
    attributes = {
        "messaging.operation.type": "send",
        "messaging.destination.name": "sdo.events",
        "messaging.rabbitmq.destination.routing_key": routing_key,
        **_event_attributes(envelope),
    }
    with traced.tracer.start_as_current_span(
        f"publish {routing_key}", context=parent, kind=SpanKind.PRODUCER, links=links, attributes=attributes
    ):
        yield


@contextlib.contextmanager
def consuming(service: str, body: bytes) -> Iterator[None]:
    """The consumer's span around one delivery, its parent restored from the event's ``traceparent``.

    Events the handler emits carry this span's context, so the trace goes on to the next service.
    """
    traced = _traced.get(service)
    if traced is None:
        yield
        return
    envelope = _envelope(body)
    event_type = str(envelope.get("type") or "unknown")
    attributes = {
        "messaging.operation.type": "process",
        "messaging.destination.name": f"sdo.{service}",
        **_event_attributes(envelope),
    }
    with (
        traced.tracer.start_as_current_span(
            f"process {event_type}", context=_parent(envelope), kind=SpanKind.CONSUMER, attributes=attributes
        ) as span,
        structlog.contextvars.bound_contextvars(trace_id=_trace_id(span)),
    ):
        yield


def annotate(key: str, value: str) -> None:
    """Set an attribute on the current span, if one is being recorded (e.g. a consumer's outcome)."""
    if _traced:
        span = trace.get_current_span()
        if span.is_recording():
            span.set_attribute(key, value)


# -- spans of HTTP requests ---------------------------------------------------------------------------


class TracingMiddleware:
    """The server span of each HTTP request, its parent from the caller's ``traceparent`` header, named
    by the route template (``POST /api/v1/orders/{order_id}/award``). A pass-through while the service
    is not traced: one dictionary look-up per request."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service
        self._tracer: Tracer | None = None
        self._instrumented: ASGIApp = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        traced = _traced.get(self.service) if scope["type"] == "http" else None
        if traced is None:
            await self.app(scope, receive, send)
            return
        if self._tracer is not traced.tracer:
            from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

            self._instrumented = OpenTelemetryMiddleware(
                _NamedByRoute(self.app),
                tracer=traced.tracer,
                excluded_urls=UNTRACED_PATHS,
                exclude_spans=["receive", "send"],
            )
            self._tracer = traced.tracer
        await self._instrumented(scope, receive, send)


class _NamedByRoute:
    """Inside the server span: names it by the served route and ties the request id and logs to it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.templates = RouteTemplates()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        span = trace.get_current_span()

        async def send_named(message: Message) -> None:
            # Named as the answer starts: the instrumentation ends the span with the answer's last byte.
            if message["type"] == "http.response.start":
                self._name(span, scope)
            await send(message)

        try:
            with structlog.contextvars.bound_contextvars(trace_id=_trace_id(span)):
                await self.app(scope, receive, send_named)
        finally:
            if span.is_recording():  # no answer was started (an unexpected error)
                self._name(span, scope)

    def _name(self, span: trace.Span, scope: Scope) -> None:
        template = self.templates.template(scope)
        if template:
            span.update_name(f"{scope['method']} {template}")
            span.set_attribute("http.route", template)
        request_id = scope.get("sdo.request_id")
        if request_id:
            span.set_attribute("sdo.request_id", str(request_id))


__all__ = [
    "ENV_EXPORTER",
    "EXPORTERS",
    "TracingMiddleware",
    "active",
    "annotate",
    "configure",
    "consuming",
    "event_context",
    "outgoing_headers",
    "processor_factory",
    "publishing",
    "start",
    "stop",
    "tracer",
]
