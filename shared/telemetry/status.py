"""``sdo status``: each service's readiness, outbox, queue and dead-letter depths, and the last changes.

Everything comes over HTTP from the services themselves, as an operator on the network would see
it: ``/readyz`` (readiness, naming what is down), ``/metrics`` (the outbox backlog and its oldest
row's age, the depths of the service's queue and dead-letter queue, events published and
dead-lettered) and ``/api/v1/audit`` (the last entries of each service's audit log, read with an
auditor token). One screen, or refreshed in place with ``--watch``.

The audit log is listed oldest first with keyset cursors (``shared.http.pagination``); the last
entries are found by probing cursors past a sequence number (a few one-entry pages, ``log2`` of the
log's length), and ``--watch`` then asks only for what follows the last entry it showed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from shared.auth import mint_token
from shared.http.pagination import encode_cursor

TIMEOUT_SECONDS = 3.0
AUDIT = "/api/v1/audit"


@dataclass
class ServiceStatus:
    name: str
    url: str
    ready: bool = False
    readiness: str = "unreachable"
    figures: dict[str, float] = field(default_factory=dict)
    queues: dict[str, float] = field(default_factory=dict)
    dead_letters: dict[str, float] = field(default_factory=dict)
    audit_note: str | None = None


@dataclass
class Change:
    when: str  # RFC 3339, for ordering the services' entries together
    at: str
    service: str
    actor: str
    action: str
    resource: str


@dataclass
class _Tail:
    """Where the audit log of one service was last read up to, and its last entries."""

    last_seq: int | None = None
    entries: list[Change] = field(default_factory=list)


class StatusBoard:
    def __init__(self, urls: Mapping[str, str], secret: str, *, events: int = 10) -> None:
        self.urls = dict(urls)
        self.events = events
        token = mint_token(secret, roles=["auditor"], sub="sdo-status", ttl=3600)
        self.headers = {"Authorization": f"Bearer {token}"}
        self.tails = {name: _Tail() for name in self.urls}

    async def gather(self, client: httpx.AsyncClient) -> list[ServiceStatus]:
        return list(await asyncio.gather(*(self._service(client, name, url) for name, url in self.urls.items())))

    async def _service(self, client: httpx.AsyncClient, name: str, url: str) -> ServiceStatus:
        status = ServiceStatus(name, url)
        try:
            ready = await client.get(f"{url}/readyz")
        except httpx.HTTPError as exc:
            status.readiness = f"unreachable ({type(exc).__name__})"
            return status
        status.ready = ready.status_code == 200
        status.readiness = "ready" if status.ready else _not_ready(ready)
        await asyncio.gather(self._metrics(client, status), self._audit(client, status))
        return status

    async def _metrics(self, client: httpx.AsyncClient, status: ServiceStatus) -> None:
        try:
            response = await client.get(f"{status.url}/metrics")
        except httpx.HTTPError:
            return
        if response.status_code != 200:
            return
        status.figures = {"backlog": 0.0, "published": 0.0, "dead_lettered": 0.0, "failed": 0.0}
        wanted = {
            "sdo_outbox_backlog": "backlog",
            "sdo_outbox_oldest_unsent_age_seconds": "oldest",
            "sdo_events_published_total": "published",
            "sdo_events_dead_lettered_total": "dead_lettered",
            "sdo_events_failed_total": "failed",
        }
        for family in text_string_to_metric_families(response.text):
            for sample in family.samples:
                if sample.name in wanted:
                    key = wanted[sample.name]
                    status.figures[key] = status.figures.get(key, 0.0) + float(sample.value)
                elif sample.name == "sdo_queue_depth":
                    status.queues[sample.labels.get("queue", "?")] = float(sample.value)
                elif sample.name == "sdo_dlq_depth":
                    status.dead_letters[sample.labels.get("queue", "?")] = float(sample.value)

    async def _audit(self, client: httpx.AsyncClient, status: ServiceStatus) -> None:
        tail = self.tails[status.name]
        try:
            if tail.last_seq is None:
                last = await self._last_seq(client, status.url)
                tail.last_seq = max(0, last - self.events)
            entries, tail.last_seq = await self._entries_after(client, status.url, tail.last_seq)
        except _AuditRefused as exc:
            status.audit_note = str(exc)
            return
        except httpx.HTTPError as exc:
            status.audit_note = f"audit log unreachable ({type(exc).__name__})"
            return
        tail.entries = (tail.entries + [_change(status.name, e) for e in entries])[-self.events :]

    async def _page(self, client: httpx.AsyncClient, url: str, after: int, limit: int) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": limit}
        if after > 0:
            params["cursor"] = encode_cursor([after])
        response = await client.get(f"{url}{AUDIT}", params=params, headers=self.headers)
        if response.status_code != 200:
            raise _AuditRefused(f"audit log answered {response.status_code}")
        page: dict[str, Any] = response.json()
        return page

    async def _last_seq(self, client: httpx.AsyncClient, url: str) -> int:
        """The highest sequence number in the log (0 when it is empty), in O(log n) one-entry pages."""

        async def any_after(seq: int) -> bool:
            return bool((await self._page(client, url, seq, 1))["items"])

        if not await any_after(0):
            return 0
        low, high = 0, 1
        while await any_after(high):
            low, high = high, high * 2
        while high - low > 1:  # an entry follows low, none follows high
            middle = (low + high) // 2
            if await any_after(middle):
                low = middle
            else:
                high = middle
        return high

    async def _entries_after(self, client: httpx.AsyncClient, url: str, after: int) -> tuple[list[Any], int]:
        entries: list[Any] = []
        while True:
            page = await self._page(client, url, after, 500)
            entries.extend(page["items"])
            if page["items"]:
                after = int(page["items"][-1]["seq"])
            if not page.get("next_cursor"):
                return entries[-self.events :], after

    def last_changes(self) -> list[Change]:
        changes = [change for tail in self.tails.values() for change in tail.entries]
        return sorted(changes, key=lambda c: c.when)[-self.events :]

    def render(self, statuses: list[ServiceStatus]) -> RenderableType:
        services = Table(title="SDO services", title_justify="left", expand=False)
        for column in ("service", "url", "readiness"):
            services.add_column(column)
        for column in ("outbox", "oldest unsent", "queue", "DLQ", "published", "dead-lettered"):
            services.add_column(column, justify="right")
        for s in statuses:
            readiness = Text(s.readiness, style="green" if s.ready else "bold red")
            dlq = sum(s.dead_letters.values()) if s.dead_letters else None
            services.add_row(
                s.name,
                s.url,
                readiness,
                _count(s.figures.get("backlog")),
                _seconds(s.figures.get("oldest")),
                _count(sum(s.queues.values()) if s.queues else None),
                Text(_count(dlq), style="bold red" if dlq else ""),
                _count(s.figures.get("published")),
                _count(s.figures.get("dead_lettered")),
            )
        changes = Table(title=f"Last {self.events} changes (audit logs)", title_justify="left")
        for column in ("at", "service", "action", "resource", "actor"):
            changes.add_column(column)
        for change in self.last_changes():
            changes.add_row(change.at, change.service, change.action, change.resource, change.actor)
        notes = [Text(f"{s.name}: {s.audit_note}", style="yellow") for s in statuses if s.audit_note]
        stamp = Text(time.strftime("as of %Y-%m-%d %H:%M:%S"), style="dim")
        return Group(services, *notes, changes, stamp)


class _AuditRefused(Exception):
    pass


def _not_ready(response: httpx.Response) -> str:
    try:
        checks = response.json().get("checks") or {}
    except ValueError:
        return f"not ready ({response.status_code})"
    down = [name for name, check in checks.items() if isinstance(check, dict) and check.get("status") == "down"]
    return f"not ready: {', '.join(down)} down" if down else f"not ready ({response.status_code})"


def _change(service: str, entry: Mapping[str, Any]) -> Change:
    when = str(entry.get("at", ""))
    return Change(
        when=when,
        at=when[:19].replace("T", " "),
        service=service,
        actor=str(entry.get("actor", "")),
        action=str(entry.get("action", "")),
        resource=f"{entry.get('resource_type', '')} {entry.get('resource_id', '')}".strip(),
    )


def _count(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def console() -> Console:
    """The terminal's width on a terminal; wide enough for every column when the output is a file or pipe."""
    out = Console()
    return out if out.is_terminal else Console(width=200)


async def show(urls: Mapping[str, str], secret: str, *, events: int = 10) -> bool:
    """One screen; True when every service is ready."""
    board = StatusBoard(urls, secret, events=events)
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
        statuses = await board.gather(client)
    console().print(board.render(statuses))
    return all(s.ready for s in statuses)


async def watch(urls: Mapping[str, str], secret: str, *, events: int = 10, interval: float = 2.0) -> None:
    """The same screen, refreshed every ``interval`` seconds until interrupted."""
    board = StatusBoard(urls, secret, events=events)
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
        with Live(board.render(await board.gather(client)), console=console(), screen=False) as live:
            while True:
                await asyncio.sleep(interval)
                live.update(board.render(await board.gather(client)))
