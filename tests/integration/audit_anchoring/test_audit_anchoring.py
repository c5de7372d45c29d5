"""A chain rewritten whole, head included, still verifies as valid; the checkpoints the other services
keep of it show that it is no longer the chain they saw. ``sdo audit verify`` says so for the suite."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys

from services.suppliers.testdata import kz_body
from tests import support
from tests.integration.audit_anchoring.suite import Served, kept, rewrite_whole_chain, rows, suite, verify
from tests.integration.orders.orders_helpers import MOD, spec
from tests.support import eventually

ORDERS = 3


async def test_a_chain_rewritten_whole_verifies_but_is_no_longer_anchored(database_url: str, memory_url: str) -> None:
    async with suite(database_url, memory_url) as services:
        orders, suppliers, quality = services["orders"], services["suppliers"], services["quality"]
        for _ in range(ORDERS):
            assert (await orders.client.post("/api/v1/orders", json=spec(), headers=MOD)).status_code == 201
        mic = support.auth("mic_officer")
        assert (await suppliers.client.post("/api/v1/suppliers", json=kz_body(), headers=mic)).status_code == 201
        entries = (await verify(orders))["entries"]
        assert entries >= ORDERS

        # Both peers keep the orders' head; the suppliers' head is kept by orders and quality.
        await eventually(lambda: _holds(quality, "orders", entries), what="quality keeps the orders' head")
        await eventually(lambda: _holds(suppliers, "orders", entries), what="suppliers keep the orders' head")
        await eventually(lambda: _holds(orders, "suppliers", 1), what="orders keep the suppliers' head")
        # A service never keeps its own checkpoints, though the bus brings them back to it.
        assert await kept(orders, "orders") == []

        before = await verify(orders)
        assert before["valid"] is True and before["anchored"] is True, before
        assert before["anchoring"]["anchored_entries"] == entries
        assert {p["service"]: p["reachable"] for p in before["anchoring"]["peers"]} == {
            "suppliers": True,
            "quality": True,
        }
        assert (await verify(suppliers))["anchored"] is True
        suite_ok = await _sdo_audit_verify(services)
        assert suite_ok.returncode == 0, suite_ok.stdout + suite_ok.stderr
        assert "anchored" in suite_ok.stdout

        rewritten = await rewrite_whole_chain(orders.app, actor="mallory")
        after = await verify(orders)
        mismatches = after["anchoring"]["mismatches"]
        print(
            f"\nchain_rewrite[{_engine(orders)}]: entries={entries} rewritten={rewritten}"
            f" valid={after['valid']} anchored={after['anchored']} checkpoints={after['anchoring']['checkpoints']}"
            f" mismatches={len(mismatches)} anchored_entries={after['anchoring']['anchored_entries']}"
        )
        assert after["valid"] is True, after  # consistent all through: the local chain alone cannot tell
        assert after["anchored"] is False, after
        assert mismatches and all(m["local_hash"] != m["head_hash"] for m in mismatches)
        latest = max(mismatches, key=lambda m: m["entries"])
        assert latest["entries"] == entries and latest["held_by"] == ["quality", "suppliers"]
        (head,) = await rows(orders.app, "SELECT hash FROM sdo_audit_head")
        assert latest["local_hash"] == head["hash"]
        assert after["anchoring"]["anchored_entries"] == 0

        suite_broken = await _sdo_audit_verify(services)
        print(suite_broken.stdout)
        assert suite_broken.returncode == 1
        orders_line = next(line for line in suite_broken.stdout.splitlines() if line.strip().startswith("orders:"))
        assert "NOT ANCHORED" in orders_line and "quality, suppliers" in orders_line
        assert "suppliers: valid" in suite_broken.stdout and "1 service(s) failed" in suite_broken.stdout


async def test_a_peer_that_does_not_answer_is_named_and_the_chain_not_called_anchored(
    sqlite_url: str, memory_url: str
) -> None:
    closed = _closed_port()
    async with suite(sqlite_url, memory_url, ["orders"], audit_peers=f"quality=http://127.0.0.1:{closed}") as services:
        orders = services["orders"]
        assert (await orders.client.post("/api/v1/orders", json=spec(), headers=MOD)).status_code == 201
        answer = await verify(orders)
        (peer,) = answer["anchoring"]["peers"]
        print(f"\nunreachable_peer: anchored={answer['anchored']} peer={peer}")
        assert answer["valid"] is True and answer["anchored"] is False
        assert peer["service"] == "quality" and peer["reachable"] is False and peer["error"]
        assert answer["anchoring"]["mismatches"] == []


async def test_without_peers_the_answer_says_nothing_of_anchoring(sqlite_url: str, memory_url: str) -> None:
    async with suite(sqlite_url, memory_url, ["orders"], audit_peers=None) as services:
        answer = await verify(services["orders"])
        assert answer == {"valid": True, "entries": 0}


async def _sdo_audit_verify(services: dict[str, Served]) -> subprocess.CompletedProcess[str]:
    """``sdo audit verify`` in a process of its own (the services answer from this one's event loop)."""
    env = {**os.environ, "SDO_JWT_SECRET": support.JWT_SECRET}
    args = []
    for name, service in services.items():
        env[f"SDO_{name.upper()}_URL"] = service.url
        args += ["--service", name]
    command = [sys.executable, "-m", "services.cli", "audit", "verify", *args]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return subprocess.CompletedProcess(command, process.returncode, out.decode(), err.decode())


async def _holds(service: Served, of: str, entries: int) -> bool:
    return any(c["entries"] >= entries for c in await kept(service, of))


def _engine(service: Served) -> str:
    return "postgres" if service.app.state.runtime.db.is_postgres else "sqlite"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
