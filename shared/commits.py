"""The commit signal: long-polling readers wait on it instead of polling the database.

Every unit of work of the service signals it after a commit that wrote anything, so a reader in
the same process wakes as soon as the change is visible. Across replicas on PostgreSQL the same
commit also sends ``NOTIFY sdo_commits_<service>`` (in its transaction, so it is delivered at
commit and never for a rollback); each replica LISTENs on one connection of its own, opened the
first time somebody long-polls. On SQLite one process owns the file, so the in-process signal is
all there is. Whatever the transport, a waiter also looks again every ``RECHECK_SECONDS``, so a
notification lost with a broken listening connection delays an answer, never loses it.

The same signal keeps ``KnownVersions`` coherent: the versions this process last read, used to
answer a conditional GET (304) without asking the database, forgotten at every commit signalled.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database
from shared.events.envelope import CloudEvent

log = structlog.get_logger("sdo.commits")

T = TypeVar("T")

# The longest a reader may wait (the changes feed's `wait`, contract: up to 30 seconds).
MAX_WAIT_SECONDS = 30
RECHECK_SECONDS = 5.0
LISTEN_RETRY_SECONDS = 5.0
LISTEN_READY_TIMEOUT = 2.0


async def _wait(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()


class CommitSignal:
    """Wakes the readers of one service when one of its transactions commits."""

    def __init__(self, db: Database, service: str) -> None:
        self.db = db
        self.channel = f"sdo_commits_{service}"
        self._event = asyncio.Event()
        self._listener: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        # Readers waiting now (for operators, and for tests that must know a reader is parked).
        self.waiting = 0
        self._closed = False
        # Counts the commits signalled (and the listener's losses): what KnownVersions is checked against.
        self.generation = 0
        self._callbacks: list[Callable[[], None]] = []

    def notify(self) -> None:
        """Wake every reader waiting now; later readers wait for the next commit."""
        self.generation += 1
        event, self._event = self._event, asyncio.Event()
        event.set()
        for callback in self._callbacks:
            callback()

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` at every commit signalled, this process's or (listening) another's: the
        outbox relay wakes for rows another replica committed instead of waiting for its poll."""
        self._callbacks.append(callback)

    @property
    def hears_every_commit(self) -> bool:
        """True while every commit of the service, in any process, reaches this one at once: on
        PostgreSQL while LISTEN is in place. Never on SQLite, where ``sdo serve --workers`` runs
        several processes on one file and no signal crosses between them."""
        return self.db.is_postgres and self._listening.is_set() and not self._closed

    def start_listening(self) -> None:
        """Begin LISTEN in the background (PostgreSQL), if not yet; nobody waits for it."""
        if self.db.is_postgres and not self._closed and (self._listener is None or self._listener.done()):
            self._listening.clear()
            self._listener = asyncio.create_task(self._listen(), name=f"listen-{self.channel}")

    def participant(self) -> _Participant:
        return _Participant(self)

    async def wait_for(self, probe: Callable[[], Awaitable[T]], seconds: float) -> T:
        """``probe()`` at once and after each commit, until it answers something truthy or ``seconds`` pass.

        The signal is taken before each probe, so a commit made while the probe runs wakes the next wait.
        """
        deadline = time.monotonic() + min(max(seconds, 0.0), MAX_WAIT_SECONDS)
        if seconds > 0:
            await self._ensure_listening()
        while True:
            seen = self._event
            result = await probe()
            remaining = deadline - time.monotonic()
            if result or remaining <= 0 or self._closed:
                return result
            self.waiting += 1
            try:
                await _wait(seen, min(remaining, RECHECK_SECONDS))
            finally:
                self.waiting -= 1

    async def _ensure_listening(self) -> None:
        if not self.db.is_postgres:
            return
        self.start_listening()
        # A reader that starts before LISTEN is in place would miss another replica's commit until
        # its recheck; wait for it a little (a database that does not answer does not hold the reader).
        await _wait(self._listening, LISTEN_READY_TIMEOUT)

    async def _listen(self) -> None:
        while True:
            try:
                async with self.db.engine.connect() as conn:
                    raw = await conn.get_raw_connection()
                    driver: Any = raw.driver_connection
                    lost = asyncio.Event()
                    await driver.add_listener(self.channel, lambda *_: self.notify())
                    driver.add_termination_listener(lambda *_, lost=lost: lost.set())
                    self._listening.set()
                    try:
                        while not lost.is_set() and not driver.is_closed():
                            await _wait(lost, RECHECK_SECONDS)
                    finally:
                        self._listening.clear()
                        # A connection that LISTENed is closed, never handed to anybody else by the pool.
                        await conn.invalidate()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("commit_listener_failed", channel=self.channel, error=repr(exc)[:300])
            # Whatever broke, readers missed nothing for long: they recheck on their own.
            self.notify()
            await asyncio.sleep(LISTEN_RETRY_SECONDS)

    async def stop(self) -> None:
        """At shutdown: no more listening, and waiting readers answer with what there is now."""
        self._closed = True
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
            self._listener = None
        self.notify()


class _Participant:
    """One unit of work's part: NOTIFY in the transaction (PostgreSQL; the unit of work sends it with
    its writer lock), wake the process after commit."""

    def __init__(self, signal: CommitSignal) -> None:
        self.signal = signal
        self.wrote = False

    @property
    def notifies(self) -> str | None:
        return self.signal.channel if self.signal.db.is_postgres else None

    async def at_commit(self, session: AsyncSession, events: Sequence[CloudEvent]) -> None:
        self.wrote = True

    def committed(self) -> None:
        if self.wrote:
            self.signal.notify()


# How long a known version is trusted at most, even with no commit signalled: a notification lost
# with a silently broken listening connection delays a changed answer by this much, never more.
KNOWN_VERSION_SECONDS = RECHECK_SECONDS
KNOWN_VERSIONS_SIZE = 10_000
# Final answers are feed pages (up to 500 changes, tens of KB each): fewer of them.
FINAL_ANSWERS_SIZE = 256


class KnownVersions:
    """The current answers (a version, an encoded body) this process has read, to answer the pollers
    without the database; all of it forgotten whenever the commit signal fires.

    Only trusted while the signal hears every commit of the service (``hears_every_commit``); an
    answer read before a commit is never kept after it (``stamp`` before the read, ``keep`` after),
    so a reader racing a writer cannot leave the old answer behind. Bounded (LRU) and aged.

    ``keep_final`` holds answers no later commit can change (a full page of the append-only changes
    feed): kept whatever the signal says, in an LRU of their own.
    """

    def __init__(
        self,
        signal: CommitSignal,
        *,
        size: int = KNOWN_VERSIONS_SIZE,
        max_age: float = KNOWN_VERSION_SECONDS,
        enabled: bool = True,
    ) -> None:
        self.signal = signal
        self.enabled = enabled
        self.size = size
        self.max_age = max_age
        self._generation = signal.generation
        self._known: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._final: OrderedDict[Hashable, Any] = OrderedDict()
        self.final_size = FINAL_ANSWERS_SIZE

    def _current(self) -> bool:
        signal = self.signal
        if not signal.hears_every_commit:
            signal.start_listening()
            self._known.clear()
            return False
        if signal.generation != self._generation:
            self._known.clear()
            self._generation = signal.generation
        return True

    def get(self, key: Hashable) -> Any | None:
        """What was kept for ``key``, if it is still current; else None (ask the database)."""
        if not self.enabled:
            return None
        final = self._final.get(key)
        if final is not None:
            self._final.move_to_end(key)
            return final
        if not self._current():
            return None
        found = self._known.get(key)
        if found is None:
            return None
        if time.monotonic() - found[0] > self.max_age:
            del self._known[key]
            return None
        return found[1]

    def stamp(self) -> int:
        """Taken before reading the database; ``keep`` refuses the read if a commit came in between."""
        return self.signal.generation

    def keep(self, key: Hashable, value: Any, stamp: int) -> None:
        if not self.enabled or stamp != self.signal.generation or not self._current():
            return
        self._known[key] = (time.monotonic(), value)
        self._known.move_to_end(key)
        if len(self._known) > self.size:
            self._known.popitem(last=False)

    def keep_final(self, key: Hashable, value: Any) -> None:
        """Keep an answer that no commit can change any more; the caller knows it is final."""
        if not self.enabled:
            return
        self._final[key] = value
        self._final.move_to_end(key)
        if len(self._final) > self.final_size:
            self._final.popitem(last=False)
