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
import httpx
import uvicorn

from shared.auth import ALL_ROLES, mint_token
from shared.settings import DEV_JWT_SECRET

SERVICES = {"orders": 8001, "suppliers": 8002, "quality": 8003, "fund": 8004}


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
    ports = {
        "orders": args.orders_port,
        "suppliers": args.suppliers_port,
        "quality": args.quality_port,
        "fund": args.fund_port,
    }
    # Each service anchors its audit chain with the others (/audit/verify asks them), found where it runs.
    os.environ.setdefault("SDO_AUDIT_PEERS", ",".join(ports))
    reach = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    for name, port in ports.items():
        os.environ.setdefault(f"SDO_{name.upper()}_URL", f"http://{reach}:{port}")
        print(f"{name:>9}: http://{args.host}:{port}/")
    asyncio.run(_run_all(args.host, ports, args.log_level))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    # The service's own broker user (SDO_<SERVICE>_AMQP_URL) or the suite's broker URL.
    url = os.environ.get(f"SDO_{args.service.upper()}_AMQP_URL") or os.environ.get("SDO_AMQP_URL", "")
    if not url:
        print(
            f"sdo serve: neither SDO_{args.service.upper()}_AMQP_URL nor SDO_AMQP_URL is set; set it to the broker, "
            "e.g. amqp://guest:guest@127.0.0.1:5672/",
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
    workers = args.workers if args.workers is not None else _env_workers()
    if workers is None or workers < 1:
        print("sdo serve: --workers (or SDO_WORKERS) must be a whole number of at least 1", file=sys.stderr)
        return 2
    port = args.port or SERVICES[args.service]
    loop, http = _loop_and_parser()
    # Said at start, so an operator sees what serves: uvloop and httptools where installed.
    print(
        f"sdo serve {args.service}: {workers} worker process(es) on {args.host}:{port}, "
        f"event loop {loop}, HTTP parser {http}",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(
        f"services.{args.service}.app:create_app",
        factory=True,
        host=args.host,
        port=port,
        log_level=args.log_level,
        proxy_headers=True,
        workers=workers,
        loop=loop,
        http=http,
    )
    return 0


def _env_workers() -> int | None:
    raw = os.environ.get("SDO_WORKERS", "").strip()
    if not raw:
        return 1
    return int(raw) if raw.isdigit() else None


def _loop_and_parser() -> tuple[str, str]:
    """uvloop and httptools when installed (what uvicorn's "auto" picks), else asyncio's loop and h11."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        loop = "asyncio"
    else:
        loop = "uvloop"
    try:
        import httptools  # noqa: F401
    except ImportError:
        http = "h11"
    else:
        http = "httptools"
    return loop, http


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
    # A supplier's token names that supplier, so no two suppliers' tokens share a `sub`.
    sub = args.sub or (args.supplier_id if args.role == "supplier" else args.role)
    print(mint_token(secret, roles=[args.role], sub=sub, supplier_id=args.supplier_id, ttl=args.ttl))
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


def cmd_docs(args: argparse.Namespace) -> int:
    """Write (or with --check, compare) docs/openapi/<service>.json and docs/asyncapi.yaml."""
    from pathlib import Path

    from shared.documents import generated_files, stale_files, write_files

    files = generated_files({name: _app_factory(name) for name in SERVICES})
    directory = Path(args.dir)
    if args.check:
        stale = stale_files(directory, files)
        for relative in stale:
            print(f"stale: {directory / relative}", file=sys.stderr)
        if stale:
            print("sdo docs: the documents are out of date; run `sdo docs` and commit them", file=sys.stderr)
            return 1
        print(f"{len(files)} document(s) in {directory} are up to date")
        return 0
    changed = write_files(directory, files)
    for relative in changed:
        print(f"wrote {directory / relative}")
    print(f"{len(changed)} of {len(files)} document(s) changed in {directory}")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Ask every service whether its audit chain is valid and anchored in the checkpoints its peers keep."""
    token = args.token or os.environ.get("SDO_TOKEN")
    if not token:
        secret = os.environ.get("SDO_JWT_SECRET") or DEV_JWT_SECRET
        token = mint_token(secret, roles=["auditor"], sub="sdo-audit-verify", ttl=300)
    names = args.service or list(SERVICES)
    failed = 0
    with httpx.Client(timeout=args.timeout, headers={"Authorization": f"Bearer {token}"}) as client:
        for name in names:
            url = os.environ.get(f"SDO_{name.upper()}_URL", f"http://127.0.0.1:{SERVICES[name]}").rstrip("/")
            ok, line = _audit_verdict(client, url)
            failed += not ok
            print(f"{name:>9}: {line}")
    print("the suite's audit chains are valid and anchored" if not failed else f"{failed} service(s) failed")
    return 0 if not failed else 1


def _audit_verdict(client: httpx.Client, url: str) -> tuple[bool, str]:
    try:
        response = client.get(f"{url}/api/v1/audit/verify")
    except httpx.HTTPError as exc:
        return False, f"unreachable at {url} ({exc or type(exc).__name__})"
    if response.status_code != 200:
        return False, f"{url} answered {response.status_code}: {response.text[:200]}"
    body = response.json()
    if not body["valid"]:
        broken = body.get("broken_at") or {}
        return False, f"BROKEN at entry {broken.get('seq')}: {broken.get('reason')} ({body['entries']} entries hold)"
    head = f"valid, {body['entries']} entries"
    anchoring = body.get("anchoring")
    if "anchored" not in body or anchoring is None:
        return False, f"{head}; anchoring not checked (the service has no SDO_AUDIT_PEERS)"
    unreachable = [f"{p['service']} ({p.get('error')})" for p in anchoring["peers"] if not p["reachable"]]
    held = ", ".join(p["service"] for p in anchoring["peers"] if p["reachable"]) or "no peer"
    if body["anchored"]:
        return True, (
            f"{head}, anchored: {anchoring['checkpoints']} checkpoint(s) kept by {held},"
            f" up to entry {anchoring['anchored_entries']}"
        )
    problems = [f"unreachable peer {u}" for u in unreachable]
    for mismatch in anchoring["mismatches"]:
        found = (mismatch["local_hash"] or "missing")[:12]
        held_by = ", ".join(mismatch["held_by"])
        problems.append(f"entry {mismatch['entries']} is {found}, {held_by} hold {mismatch['head_hash'][:12]}")
    return False, f"{head}, NOT ANCHORED: " + "; ".join(problems)


def cmd_status(args: argparse.Namespace) -> int:
    """One screen of the running suite (or refreshed with --watch); exit 1 when a service is not ready."""
    from shared.telemetry import status

    urls = {
        name: os.environ.get(f"SDO_{name.upper()}_URL", f"http://127.0.0.1:{port}") for name, port in SERVICES.items()
    }
    secret = os.environ.get("SDO_JWT_SECRET") or DEV_JWT_SECRET  # the auditor token, minted as `sdo token` does
    if args.watch:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(status.watch(urls, secret, events=args.events, interval=args.interval))
        return 0
    return 0 if asyncio.run(status.show(urls, secret, events=args.events)) else 1


def cmd_demo(args: argparse.Namespace) -> int:
    from services.demo import run_demo

    return run_demo()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sdo", description="State defense order suite")
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="run all four services in one process")
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--orders-port", type=int, default=SERVICES["orders"])
    up.add_argument("--suppliers-port", type=int, default=SERVICES["suppliers"])
    up.add_argument("--quality-port", type=int, default=SERVICES["quality"])
    up.add_argument("--fund-port", type=int, default=SERVICES["fund"])
    up.add_argument("--log-level", default="info")
    up.set_defaults(func=cmd_up)

    serve = sub.add_parser("serve", help="run one service (what a container runs)")
    serve.add_argument("service", choices=sorted(SERVICES))
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int)
    serve.add_argument("--log-level", default="info")
    serve.add_argument(
        "--workers",
        type=int,
        help="uvicorn worker processes (default: SDO_WORKERS, else 1); each runs the whole service: "
        "API, relay and consumer",
    )
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

    docs = sub.add_parser("docs", help="write each service's OpenAPI and the suite's AsyncAPI under docs/")
    docs.add_argument("--dir", default="docs", help="where to write them (default: docs)")
    docs.add_argument("--check", action="store_true", help="only compare; exit 1 naming every stale file")
    docs.set_defaults(func=cmd_docs)

    audit = sub.add_parser("audit", help="the audit chains of the suite")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_verify = audit_sub.add_parser(
        "verify", help="check every service's chain, and that it holds every checkpoint its peers keep of it"
    )
    audit_verify.add_argument("--service", action="append", choices=sorted(SERVICES), help="only these (repeatable)")
    audit_verify.add_argument(
        "--token", help="an auditor's token (default: SDO_TOKEN, or one signed with SDO_JWT_SECRET)"
    )
    audit_verify.add_argument("--timeout", type=float, default=30.0, help="seconds per service (default: 30)")
    audit_verify.set_defaults(func=cmd_audit_verify)

    status = sub.add_parser(
        "status", help="each service's readiness, outbox, queue and DLQ depths, and the last changes, on one screen"
    )
    status.add_argument("--watch", action="store_true", help="refresh the screen until Ctrl-C")
    status.add_argument("--interval", type=float, default=2.0, help="seconds between refreshes (default 2)")
    status.add_argument("--events", type=int, default=10, help="how many of the last changes to show (default 10)")
    status.set_defaults(func=cmd_status)

    demo = sub.add_parser("demo", help="walk one order from specification to delivery")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
