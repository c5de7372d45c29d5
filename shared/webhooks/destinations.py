"""Where a webhook may be sent: the URL's shape, and the egress policy on the addresses it names.

A URL is ``http`` or ``https`` with a host, no credentials and no fragment. Its host is resolved
when the subscription is made (a refused or unknown destination answers 422 at once) and again at
every delivery; the delivery connects to an address that was checked, never to what a second
lookup might say (no DNS rebinding), and follows no redirect.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address
from urllib.parse import SplitResult, urlsplit

from shared.webhooks.settings import Network

Address = IPv4Address | IPv6Address

MAX_URL_LENGTH = 2000
RESOLVE_TIMEOUT = 5.0
URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[!-~]+$"


class DestinationRefused(ValueError):
    """The URL is malformed, does not resolve, or names only addresses the policy refuses."""


@dataclass(frozen=True)
class Destination:
    """A checked destination: connect to ``address``, name ``host`` in ``Host`` and TLS SNI."""

    url: str  # the URL with the checked address in place of the host name
    host: str
    host_header: str
    address: Address


def parse_url(url: str) -> SplitResult:
    """The URL's parts, or ``DestinationRefused`` saying what is wrong with it."""
    if len(url) > MAX_URL_LENGTH:
        raise DestinationRefused(f"is longer than {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or not ch.isprintable() or not ch.isascii() for ch in url):
        raise DestinationRefused("must be ASCII with no spaces or control characters (percent-encode the rest)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise DestinationRefused(f"is not a URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise DestinationRefused("must be an http:// or https:// URL")
    if not parts.hostname:
        raise DestinationRefused("must name a host")
    if parts.username is not None or parts.password is not None:
        raise DestinationRefused("must not carry credentials; the signature authenticates the sender")
    if parts.fragment or url.endswith("#"):
        raise DestinationRefused("must not have a fragment")
    if port == 0:
        raise DestinationRefused("must not name port 0")
    return parts


class EgressPolicy:
    """The addresses deliveries may connect to: inside the allowed networks, or any when there are none."""

    def __init__(self, networks: tuple[Network, ...] | None) -> None:
        self.networks = networks

    @property
    def enabled(self) -> bool:
        return self.networks is None or bool(self.networks)

    def admits(self, address: Address) -> bool:
        if self.networks is None:
            return True
        mapped = address.ipv4_mapped if isinstance(address, IPv6Address) else None
        candidate: Address = mapped or address
        return any(candidate.version == net.version and candidate in net for net in self.networks)

    def describe(self) -> str:
        if self.networks is None:
            return "any address"
        return ", ".join(str(n) for n in self.networks) or "no address"

    async def check(self, url: str) -> Destination:
        """Resolve ``url``'s host and pick an address the policy admits, or refuse it."""
        parts = parse_url(url)
        if not self.enabled:
            raise DestinationRefused(
                "cannot be delivered to: this service may deliver webhooks to no address "
                "(the operator names the networks in SDO_WEBHOOK_ALLOWED_NETWORKS)"
            )
        host = parts.hostname or ""
        addresses = await _resolve(host, parts.port or (443 if parts.scheme.lower() == "https" else 80))
        admitted = [a for a in addresses if self.admits(a)]
        if not admitted:
            shown = ", ".join(sorted({str(a) for a in addresses})[:4])
            raise DestinationRefused(
                f"resolves to {shown}, outside the networks this service may deliver to "
                f"(SDO_WEBHOOK_ALLOWED_NETWORKS: {self.describe()})"
            )
        address = admitted[0]
        literal = f"[{address}]" if address.version == 6 else str(address)
        netloc = literal if parts.port is None else f"{literal}:{parts.port}"
        host_header = parts.netloc.rpartition("@")[2]
        return Destination(parts._replace(netloc=netloc).geturl(), host, host_header, address)


async def _resolve(host: str, port: int) -> list[Address]:
    literal = host.strip("[]")
    try:
        return [ip_address(literal)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError, UnicodeError) as exc:
        raise DestinationRefused(f"names a host that does not resolve ({host})") from exc
    found: list[Address] = []
    for info in infos:
        try:
            address = ip_address(str(info[4][0]).split("%", 1)[0])
        except ValueError:
            continue
        if address not in found:
            found.append(address)
    if not found:
        raise DestinationRefused(f"names a host that does not resolve ({host})")
    return found
