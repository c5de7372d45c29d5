"""``sdo``: run the suite, one service, mint a dev token, or walk the demo.

The one place that knows all three services.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from types import ModuleType
from uuid import UUID

import aio_pika
import uvicorn

from shared.auth import ALL_ROLES, mint_token
from shared.settings import DEV_JWT_SECRET

SERVICES = {"orders": 8001, "suppliers": 8002, "quality": 8003}


class _SharedSignalServer(uvicorn.Server):
    """Three servers share one process, so signals are handled once for all of them (below)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _app_factory(service: str):  # type: ignore[no-untyped-def]
    module = __import__(f"services.{service}.app", fromlist=["create_app"])
    return module.create_app()


async def _run_all(host: str, ports: dict[str, int], log_level: str) -> None:
    servers = [
        _SharedSignalServer(
            uvicorn.Config(_app_factory(name), host=host, port=port, log_level=log_level, lifespan="on")
        )
        for name, port in ports.items()
    ]
    loop = asyncio.get_running_loop()

    def stop() -> None:
        for server in servers:
            server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    await asyncio.gather(*(server.serve() for server in servers))


def cmd_up(args: argparse.Namespace) -> int:
    # One process: the in-process bus and a SQLite file per service unless told otherwise, and the
    # development secret that `sdo token` signs with when no key is configured.
    os.environ.setdefault("SDO_AMQP_URL", "memory://")
    os.environ.setdefault("SDO_DEV_MODE", "true")
    ports = {"orders": args.orders_port, "suppliers": args.suppliers_port, "quality": args.quality_port}
    for name, port in ports.items():
        print(f"{name:>9}: http://{args.host}:{port}/docs")
    asyncio.run(_run_all(args.host, ports, args.log_level))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    url = os.environ.get("SDO_AMQP_URL", "")
    if not url:
        print(
            "sdo serve: SDO_AMQP_URL is not set; set it to the broker, e.g. amqp://guest:guest@127.0.0.1:5672/",
            file=sys.stderr,
        )
        return 2
    if url.startswith("memory://"):
        print(
            "sdo serve: memory:// works only with every service in one process (sdo up); use amqp://", file=sys.stderr
        )
        return 2
    if not (os.environ.get("SDO_JWT_SECRET") or os.environ.get("SDO_JWT_PUBLIC_KEY") or _dev_mode()):
        print(
            "sdo serve: set SDO_JWT_SECRET (HS256) or SDO_JWT_PUBLIC_KEY (RS256) to check tokens with", file=sys.stderr
        )
        return 2
    port = args.port or SERVICES[args.service]
    uvicorn.run(
        f"services.{args.service}.app:create_app",
        factory=True,
        host=args.host,
        port=port,
        log_level=args.log_level,
        proxy_headers=True,
    )
    return 0


def _dev_mode() -> bool:
    return os.environ.get("SDO_DEV_MODE", "").lower() in ("1", "true", "yes")


def cmd_token(args: argparse.Namespace) -> int:
    if args.role == "supplier" and not args.supplier_id:
        print("sdo token: --supplier-id is required for role supplier", file=sys.stderr)
        return 2
    if args.supplier_id:
        try:
            UUID(args.supplier_id)
        except ValueError:
            print("sdo token: --supplier-id must be the supplier's UUID", file=sys.stderr)
            return 2
    secret = os.environ.get("SDO_JWT_SECRET") or DEV_JWT_SECRET
    print(mint_token(secret, roles=[args.role], sub=args.sub or args.role, supplier_id=args.supplier_id, ttl=args.ttl))
    return 0


def cmd_dlq(args: argparse.Namespace) -> int:
    from shared.messaging import dead_letters

    url = os.environ.get("SDO_AMQP_URL", "")
    if not url.startswith(("amqp://", "amqps://")):
        print(
            "sdo dlq: set SDO_AMQP_URL to the broker (amqp://...); the in-process bus keeps no dead letters",
            file=sys.stderr,
        )
        return 2
    try:
        return _dlq(dead_letters, url, args)
    except aio_pika.exceptions.ChannelNotFoundEntity:
        print(f"sdo dlq: no queue sdo.{args.service}.dlq on this broker (has the service started?)", file=sys.stderr)
        return 1


def _dlq(dead_letters: ModuleType, url: str, args: argparse.Namespace) -> int:
    if args.replay:
        moved = asyncio.run(dead_letters.replay(url, args.service, args.limit))
        print(f"replayed {moved} dead letter(s) to sdo.{args.service}")
        return 0
    letters = asyncio.run(dead_letters.inspect(url, args.service, args.limit or 100))
    for letter in letters:
        print(f"{letter.message_id}  {letter.routing_key or '-'}  reason={letter.reason}  deaths={letter.deaths}")
    print(f"{len(letters)} dead letter(s) shown in sdo.{args.service}.dlq")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from services.demo import run_demo

    return run_demo()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sdo", description="State defense order suite")
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="run all three services in one process")
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--orders-port", type=int, default=SERVICES["orders"])
    up.add_argument("--suppliers-port", type=int, default=SERVICES["suppliers"])
    up.add_argument("--quality-port", type=int, default=SERVICES["quality"])
    up.add_argument("--log-level", default="info")
    up.set_defaults(func=cmd_up)

    serve = sub.add_parser("serve", help="run one service (what a container runs)")
    serve.add_argument("service", choices=sorted(SERVICES))
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int)
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(func=cmd_serve)

    token = sub.add_parser("token", help="print a signed development token")
    token.add_argument("--role", required=True, choices=sorted(ALL_ROLES))
    token.add_argument("--supplier-id")
    token.add_argument("--sub")
    token.add_argument("--ttl", type=int, default=3600)
    token.set_defaults(func=cmd_token)

    dlq = sub.add_parser("dlq", help="show a service's dead letters, or replay them once the cause is fixed")
    dlq.add_argument("service", choices=sorted(SERVICES))
    dlq.add_argument("--replay", action="store_true", help="move them back to the service's queue")
    dlq.add_argument("--limit", type=int, help="at most this many")
    dlq.set_defaults(func=cmd_dlq)

    demo = sub.add_parser("demo", help="walk one order from specification to delivery")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
