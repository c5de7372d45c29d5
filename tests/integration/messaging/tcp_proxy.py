"""A TCP proxy in front of RabbitMQ (or PostgreSQL), to cut the network without stopping the shared server."""

from __future__ import annotations

import asyncio

from yarl import URL

from tests import support


class TcpProxy:
    """Forwards 127.0.0.1:<port> to the upstream server.

    ``cut`` drops every connection and refuses new ones until ``restore``; ``stall`` keeps the
    connections open but forwards nothing (a black hole, which only timeouts and heartbeats notice).
    """

    def __init__(self, upstream: str = support.AMQP_BASE) -> None:
        parsed = URL(upstream)
        self.upstream_host = parsed.host or "127.0.0.1"
        self.upstream_port = parsed.port or 5672
        self.refusing = False
        self._flowing = asyncio.Event()
        self._flowing.set()
        self.accepted = 0
        self.refused = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()

    async def __aenter__(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._drop_all()
        if self._server is not None:
            self._server.close()

    def url(self, upstream_url: str) -> str:
        """The same URL (vhost or database, credentials), through the proxy."""
        return str(URL(upstream_url).with_host("127.0.0.1").with_port(self.port))

    def cut(self) -> None:
        self.refusing = True
        self._drop_all()
        self._flowing.set()  # a stalled pipe wakes up to find its connection gone

    def restore(self) -> None:
        self.refusing = False
        self._flowing.set()

    def stall(self) -> None:
        self._flowing.clear()

    async def outage(self, seconds: float) -> None:
        self.cut()
        try:
            await asyncio.sleep(seconds)
        finally:
            self.restore()

    def _drop_all(self) -> None:
        for writer in list(self._links):
            writer.transport.abort()
        self._links.clear()

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            self.refused += 1
            client_writer.transport.abort()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(self.upstream_host, self.upstream_port)
        except OSError:
            client_writer.transport.abort()
            return
        self.accepted += 1
        self._links.update((client_writer, upstream_writer))
        await asyncio.gather(
            self._pipe(client_reader, upstream_writer, client_writer),
            self._pipe(upstream_reader, client_writer, upstream_writer),
            return_exceptions=True,
        )
        self._links.difference_update((client_writer, upstream_writer))

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, other: asyncio.StreamWriter
    ) -> None:
        try:
            while data := await reader.read(65536):
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        finally:
            # Either side gone: drop both, like a broken network path.
            writer.transport.abort()
            other.transport.abort()
