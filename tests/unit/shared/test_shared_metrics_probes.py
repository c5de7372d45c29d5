"""Scrape-time probes and the consumer's outcome counters: what /metrics says and how often it asks."""

from __future__ import annotations

import asyncio

import pytest

from shared import observability
from shared.observability import ServiceMetrics


def value(metrics: ServiceMetrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_each_outcome_also_counts_in_the_plain_counters_operators_chart() -> None:
    metrics = ServiceMetrics("widgets")
    for outcome in ("applied", "duplicate", "retried", "retried", "dead_lettered", "malformed", "forged", "ignored"):
        metrics.events_consumed.labels("kz.sdo.widget.made.v1", outcome).inc()
    t = "kz.sdo.widget.made.v1"
    assert value(metrics, "sdo_events_consumed_total", type=t, outcome="retried") == 2
    assert value(metrics, "sdo_events_failed_total", type=t) == 3  # two retries, one past the delivery limit
    assert value(metrics, "sdo_events_dead_lettered_total", type=t) == 3  # limit, malformed, forged
    assert value(metrics, "sdo_inbox_duplicates_total", type=t) == 1


async def test_a_probe_runs_at_most_once_per_period_however_often_metrics_are_scraped() -> None:
    metrics = ServiceMetrics("widgets")
    runs: list[int] = []

    async def probe() -> None:
        runs.append(1)
        metrics.queue_depth.labels("sdo.widgets").set(len(runs))

    metrics.add_probe("queues", probe, every=3600)
    await metrics.refresh()
    await metrics.refresh()
    assert len(runs) == 1 and value(metrics, "sdo_queue_depth", queue="sdo.widgets") == 1
    metrics.probes[0].last = None  # the period has passed
    await metrics.refresh()
    assert len(runs) == 2


async def test_a_failing_or_hanging_probe_is_counted_and_the_scrape_still_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(observability, "PROBE_TIMEOUT_SECONDS", 0.01)
    metrics = ServiceMetrics("widgets")

    async def broken() -> None:
        raise ConnectionError("broker away")

    async def hanging() -> None:
        await asyncio.Event().wait()

    metrics.add_probe("queues", broken)
    metrics.add_probe("status", hanging)
    await metrics.refresh()
    assert value(metrics, "sdo_metrics_probe_failures_total", probe="queues") == 1
    assert value(metrics, "sdo_metrics_probe_failures_total", probe="status") == 1
    assert b"sdo_metrics_probe_failures_total" in metrics.render()
