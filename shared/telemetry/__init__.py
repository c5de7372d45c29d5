"""What operators see of a running service beyond its logs: traces, scrape-time probes, the status screen.

``tracing``: OpenTelemetry spans joined by W3C trace context over HTTP and inside CloudEvents.
``probes``: figures computed when ``/metrics`` is scraped (resources by status, queue depths).
``status``: what ``sdo status`` gathers from each service and shows on one screen.
"""
