"""Webhook settings, from ``SDO_WEBHOOK_*`` environment variables (the same for every service)."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Network = IPv4Network | IPv6Network


def parse_networks(value: str | None) -> tuple[Network, ...] | None:
    """``"10.20.0.0/16, 192.168.7.10"`` -> networks; ``"*"`` -> None (any address); empty -> ()."""
    if value is None or not value.strip():
        return ()
    if value.strip() == "*":
        return None
    networks: list[Network] = []
    for part in value.split(","):
        if part.strip():
            try:
                networks.append(ip_network(part.strip(), strict=False))
            except ValueError as exc:
                raise ValueError(f"{part.strip()!r} is not an IP network (CIDR, e.g. 10.20.0.0/16) or '*'") from exc
    return tuple(networks)


class WebhookSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SDO_WEBHOOK_", extra="ignore")

    # The egress allowlist: comma-separated networks (CIDR) a delivery may connect to, or "*" for any
    # address. Unset: "*" in development mode (SDO_DEV_MODE), no address otherwise, so a deployment
    # names the networks its supplier and ministry systems are on and nothing else (the suite's own
    # database, broker and cloud metadata addresses stay out of reach: no SSRF by default).
    allowed_networks: str | None = None
    # Attempts before a delivery is parked; the n-th retry waits base * 2^(n-1), at most max, with jitter.
    max_attempts: int = Field(default=12, ge=1, le=50)
    retry_base_seconds: float = Field(default=10.0, gt=0)
    retry_max_seconds: float = Field(default=6 * 3600.0, gt=0)
    # One POST's whole budget: connect, send, and the receiver's status line.
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    # Deliveries in flight at once, per replica.
    concurrency: int = Field(default=8, ge=1, le=100)
    # How often the dispatcher looks for due deliveries when no commit woke it.
    poll_seconds: float = Field(default=1.0, gt=0)
    # Subscriptions one caller (a supplier, or a ministry system's sub) may hold.
    max_per_owner: int = Field(default=20, ge=1, le=1000)

    @field_validator("allowed_networks")
    @classmethod
    def _networks(cls, value: str | None) -> str | None:
        try:
            parse_networks(value)
        except ValueError as exc:
            raise ValueError(f"SDO_WEBHOOK_ALLOWED_NETWORKS: {exc}") from exc
        return value

    def networks(self, *, dev_mode: bool) -> tuple[Network, ...] | None:
        """The networks deliveries may reach; None: any address."""
        if self.allowed_networks is None or not self.allowed_networks.strip():
            return None if dev_mode else ()
        return parse_networks(self.allowed_networks)
