"""The pure parts of webhooks: Standard Webhooks signatures, the egress policy, event patterns."""

from __future__ import annotations

import base64
import time
from ipaddress import ip_address

import pytest
from standardwebhooks import Webhook as StandardWebhook

from shared.webhooks import signing
from shared.webhooks.destinations import DestinationRefused, EgressPolicy, parse_url
from shared.webhooks.fanout import in_scope, matches, unmatched
from shared.webhooks.settings import WebhookSettings, parse_networks

# The specification's published test vector (its reference libraries' sign test).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_signature_of_the_published_vector() -> None:
    assert signing.sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY) == VECTOR_SIGNATURE
    # The prefix is optional for the key, as in the reference libraries.
    assert signing.sign(VECTOR_SECRET.removeprefix("whsec_"), VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY) == (
        VECTOR_SIGNATURE
    )


def test_the_reference_library_verifies_what_is_signed_here_and_the_other_way_round() -> None:
    secret = signing.new_secret()
    body = '{"order_id": "d0c1", "title": "Ремонт БТР"}'.encode()
    headers = signing.headers(secret, "evt-1", body)
    assert StandardWebhook(secret).verify(body, headers) == {"order_id": "d0c1", "title": "Ремонт БТР"}
    theirs = StandardWebhook(VECTOR_SECRET)
    from datetime import UTC, datetime

    now = int(time.time())
    signature = theirs.sign(VECTOR_ID, datetime.fromtimestamp(now, UTC), VECTOR_BODY.decode())
    received = {"webhook-id": VECTOR_ID, "webhook-timestamp": str(now), "webhook-signature": signature}
    signing.verify(VECTOR_SECRET, received, VECTOR_BODY)


def test_a_secret_is_whsec_and_32_random_bytes() -> None:
    first, second = signing.new_secret(), signing.new_secret()
    assert first.startswith("whsec_") and first != second
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32


@pytest.mark.parametrize(
    "change",
    [
        {"body": b'{"test": 2432232315}'},
        {"webhook-id": "msg_other"},
        {"webhook-timestamp": str(VECTOR_TIMESTAMP + 1)},
        {"webhook-signature": "v2," + VECTOR_SIGNATURE[3:]},
        {"webhook-signature": ""},
    ],
)
def test_a_changed_message_does_not_verify(change: dict[str, object]) -> None:
    headers = {"webhook-id": VECTOR_ID, "webhook-timestamp": str(VECTOR_TIMESTAMP), "webhook-signature": ""}
    headers["webhook-signature"] = VECTOR_SIGNATURE
    body = VECTOR_BODY
    for name, value in change.items():
        if name == "body":
            body = value  # type: ignore[assignment]
        else:
            headers[name] = value  # type: ignore[assignment]
    with pytest.raises(signing.InvalidSignature):
        signing.verify(VECTOR_SECRET, headers, body, now=VECTOR_TIMESTAMP)


def test_an_old_timestamp_does_not_verify() -> None:
    headers = {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        "webhook-signature": VECTOR_SIGNATURE,
    }
    signing.verify(VECTOR_SECRET, headers, VECTOR_BODY, now=VECTOR_TIMESTAMP + 299)
    with pytest.raises(signing.InvalidSignature):
        signing.verify(VECTOR_SECRET, headers, VECTOR_BODY, now=VECTOR_TIMESTAMP + 301)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://erp.example/hooks",
        "https://user:pw@erp.example/hooks",
        "https://erp.example/hooks#top",
        "https:///hooks",
        "https://erp.example/ho oks",
        "https://erp.example:99999/hooks",
        "https://erp.example:0/hooks",
        "https://erp.example/" + "a" * 2000,
    ],
)
def test_a_url_must_be_plain_http_or_https(url: str) -> None:
    with pytest.raises(DestinationRefused):
        parse_url(url)


def test_the_egress_policy_admits_only_the_allowed_networks() -> None:
    policy = EgressPolicy(parse_networks("10.20.0.0/16, 192.168.7.10, fd00::/8"))
    assert policy.enabled
    assert policy.admits(ip_address("10.20.3.4"))
    assert policy.admits(ip_address("192.168.7.10"))
    assert policy.admits(ip_address("::ffff:10.20.0.9"))  # IPv4-mapped IPv6 is the IPv4 address
    assert policy.admits(ip_address("fd00::1"))
    for refused in ("127.0.0.1", "10.21.0.1", "169.254.169.254", "192.168.7.11", "::1"):
        assert not policy.admits(ip_address(refused)), refused
    assert EgressPolicy(None).admits(ip_address("127.0.0.1"))
    assert not EgressPolicy(()).enabled


def test_unset_networks_mean_any_address_in_dev_mode_and_none_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SDO_WEBHOOK_ALLOWED_NETWORKS", raising=False)
    assert WebhookSettings().networks(dev_mode=True) is None
    assert WebhookSettings().networks(dev_mode=False) == ()
    monkeypatch.setenv("SDO_WEBHOOK_ALLOWED_NETWORKS", "*")
    assert WebhookSettings().networks(dev_mode=False) is None
    monkeypatch.setenv("SDO_WEBHOOK_ALLOWED_NETWORKS", "10.0.0.0/8,bogus")
    with pytest.raises(ValueError, match="SDO_WEBHOOK_ALLOWED_NETWORKS"):
        WebhookSettings()


async def test_a_destination_connects_to_the_address_it_checked() -> None:
    policy = EgressPolicy(parse_networks("127.0.0.0/8"))
    checked = await policy.check("http://localhost:8080/hooks/sdo?x=1")
    assert checked.address == ip_address("127.0.0.1")
    assert checked.url == "http://127.0.0.1:8080/hooks/sdo?x=1"
    assert checked.host_header == "localhost:8080" and checked.host == "localhost"
    literal = await policy.check("https://127.0.0.2/in")
    assert literal.url == "https://127.0.0.2/in" and literal.host_header == "127.0.0.2"


@pytest.mark.parametrize("url", ["http://10.0.0.5/hooks", "http://169.254.169.254/latest/meta-data", "http://[::1]/"])
async def test_a_destination_outside_the_networks_is_refused_before_any_connection(url: str) -> None:
    with pytest.raises(DestinationRefused, match="outside the networks"):
        await EgressPolicy(parse_networks("127.0.0.0/8")).check(url)


async def test_no_destination_at_all_without_allowed_networks() -> None:
    with pytest.raises(DestinationRefused, match="SDO_WEBHOOK_ALLOWED_NETWORKS"):
        await EgressPolicy(()).check("http://127.0.0.1/hooks")


def test_patterns_match_event_types() -> None:
    assert matches(["kz.sdo.order.*"], "kz.sdo.order.contracted.v1")
    assert matches(["*"], "kz.sdo.quality.lot_accepted.v1")
    assert matches(["kz.sdo.order.contracted.v1"], "kz.sdo.order.contracted.v1")
    assert not matches(["kz.sdo.order.contracted.v1"], "kz.sdo.order.contracted.v2")
    assert not matches(["kz.sdo.supplier.*"], "kz.sdo.order.contracted.v1")
    published = {"kz.sdo.order.contracted.v1", "kz.sdo.order.published.v1"}
    assert unmatched(["kz.sdo.order.*", "kz.sdo.ordr.*", "kz.sdo.quality.*"], published) == [
        "kz.sdo.ordr.*",
        "kz.sdo.quality.*",
    ]


def test_a_suppliers_scope_is_the_events_supplier_id() -> None:
    supplier = "5d0bf3c5-0b83-4c1c-9e1c-3e1b6f0a8f11"
    assert in_scope(None, {"order_id": "x"})
    assert in_scope(supplier, {"supplier_id": supplier.upper()})
    assert not in_scope(supplier, {"supplier_id": "00000000-0000-0000-0000-000000000000"})
    assert not in_scope(supplier, {"order_id": "x"})
    assert not in_scope(supplier, {"supplier_id": None})
