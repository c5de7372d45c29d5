"""The fallback load generator, for machines without wrk: pure Python on asyncio (uvloop when installed).

Each connection is a keep-alive HTTP/1.1 stream that sends one request, reads the whole answer
(Content-Length or chunked), and sends the next, as wrk does; the requests are built as the Lua
scripts build them (slots, If-None-Match, a unique token in each body). A Python client still costs
far more CPU per request than wrk: on a small machine it saturates before a fast server does, so its
absolute numbers (the bare app's above all) are lower and its ratios closer to 1. Prefer wrk
(`apt-get install wrk`) for numbers to compare.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from urllib.parse import urlsplit
from uuid import uuid4

from load import LoadResult, LoadSettings, Target
from stats import percentile


def _request(target: Target, host: str, slot: int, token: str) -> bytes:
    lines = [f"{target.method} {target.paths[slot]} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in target.headers.items()]
    if target.etags and target.etags[slot] != "-":
        lines.append(f"If-None-Match: {target.etags[slot]}")
    body = b""
    if target.body is not None:
        body = target.body.replace("{{n}}", token).encode()
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _response(reader: asyncio.StreamReader) -> int:
    """Reads one whole response; returns its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines if h)}
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif status not in (204, 304):
        raise ConnectionError("a response without a length: the load generator cannot keep the connection")
    return status


async def _run(target: Target, settings: LoadSettings, seconds: float) -> LoadResult:
    url = urlsplit(target.base_url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    latencies: list[float] = []
    unexpected, last_unexpected, socket_errors = 0, None, 0
    counter = itertools.count(1)
    prefix = uuid4().hex[:10]
    deadline = time.perf_counter() + seconds

    async def connection() -> None:
        nonlocal unexpected, last_unexpected, socket_errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                n = next(counter)
                request = _request(target, f"{host}:{port}", n % len(target.paths), f"{prefix}-{n}")
                started = time.perf_counter()
                try:
                    writer.write(request)
                    async with asyncio.timeout(settings.timeout):
                        status = await _response(reader)
                except (OSError, ConnectionError, TimeoutError, asyncio.IncompleteReadError):
                    socket_errors += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                    continue
                latencies.append(time.perf_counter() - started)
                if status != target.expect:
                    unexpected += 1
                    last_unexpected = status
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(settings.connections)))
    elapsed = time.perf_counter() - began
    return LoadResult(
        requests=len(latencies),
        seconds=elapsed,
        p50_ms=percentile(latencies, 50) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
        unexpected=unexpected,
        last_unexpected=last_unexpected,
        socket_errors=socket_errors,
        command=f"benchmarks/python_load.py: {settings.connections} connections, {seconds:g} s, {target.method}",
    )


def run_python(target: Target, settings: LoadSettings, seconds: float) -> LoadResult:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(_run(target, settings, seconds))
    return uvloop.run(_run(target, settings, seconds))
