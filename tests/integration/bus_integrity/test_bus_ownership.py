"""The ownership rules in one place: which service may publish which event, and as which broker user."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from services.fund.app import create_app as fund_app
from services.orders.app import create_app as orders_app
from services.orders.settings import OrdersSettings
from services.quality.app import create_app as quality_app
from services.suppliers.app import create_app as suppliers_app
from shared.events.types import EventType
from shared.messaging import ownership
from shared.messaging.ownership import refusal
from shared.settings import ServiceSettings
from tests.support import JWT_SECRET

PUBLISHERS = {"orders": "sdo-orders", "suppliers": "sdo-suppliers", "quality": "sdo-quality", "fund": "sdo-fund"}
CHECKPOINT = {"service": "orders", "entries": 3, "head_hash": "a" * 64}


def test_each_service_owns_the_types_of_its_domain() -> None:
    assert ownership.owner_of(EventType.ORDER_CONTRACTED) == "orders"
    assert ownership.owner_of(EventType.SUPPLIER_AWARD_CONFIRMED) == "suppliers"
    assert ownership.owner_of(EventType.QUALITY_LOT_ACCEPTED) == "quality"
    assert ownership.owner_of(EventType.FUND_TRANCHE_DISBURSED) == "fund"
    assert ownership.owner_of(EventType.AUDIT_CHECKPOINT) is None  # every service publishes its own
    assert ownership.owner_of("kz.sdo.widget.created.v1") is None
    for event_type in EventType:
        owner = ownership.owner_of(event_type)
        assert owner is not None or event_type == EventType.AUDIT_CHECKPOINT, event_type


def test_an_owner_publishing_its_own_event_is_accepted() -> None:
    data = {"order_id": "o-1"}
    assert refusal("sdo/suppliers", EventType.SUPPLIER_AWARD_CONFIRMED, data) is None
    assert refusal("sdo/orders", EventType.AUDIT_CHECKPOINT, CHECKPOINT) is None
    accepted = EventType.QUALITY_LOT_ACCEPTED
    assert refusal("sdo/quality", accepted, data, user_id="sdo-quality", publishers=PUBLISHERS) is None


@pytest.mark.parametrize(
    ("source", "event_type", "data", "user_id", "reason"),
    [
        ("sdo/quality", EventType.SUPPLIER_AWARD_CONFIRMED, {}, None, "belongs to sdo/suppliers, not to sdo/quality"),
        ("sdo/test", EventType.QUALITY_LOT_ACCEPTED, {}, None, "belongs to sdo/quality"),
        ("mallory", EventType.QUALITY_LOT_ACCEPTED, {}, None, "names no service"),
        ("sdo/", EventType.QUALITY_LOT_ACCEPTED, {}, None, "names no service"),
        ("sdo/orders/x", EventType.ORDER_CONTRACTED, {}, None, "names no service"),
        ("sdo/widgets", "kz.sdo.widget.created.v1", {}, None, "belongs to no service"),
        ("sdo/suppliers", EventType.AUDIT_CHECKPOINT, CHECKPOINT, None, "its own audit chain only"),
        ("sdo/suppliers", EventType.AUDIT_CHECKPOINT, {}, None, "its own audit chain only"),
    ],
)
def test_an_event_its_source_does_not_own_is_refused(
    source: str, event_type: str, data: dict[str, object], user_id: str | None, reason: str
) -> None:
    found = refusal(source, event_type, data, user_id=user_id)
    assert found is not None and reason in found, found


@pytest.mark.parametrize(
    ("user_id", "reason"),
    [
        ("sdo-quality", "published by broker user 'sdo-quality', but suppliers publishes as 'sdo-suppliers'"),
        ("guest", "'guest'"),
        (None, "None"),
    ],
)
def test_where_the_publishers_are_mapped_the_broker_user_must_be_the_sources(user_id: str | None, reason: str) -> None:
    found = refusal("sdo/suppliers", EventType.SUPPLIER_AWARD_CONFIRMED, {}, user_id=user_id, publishers=PUBLISHERS)
    assert found is not None and reason in found, found


def test_a_source_without_a_mapped_user_is_refused_once_users_are_mapped() -> None:
    found = refusal("sdo/fund", EventType.FUND_PROJECT_APPROVED, {}, user_id="sdo-fund", publishers={"orders": "o"})
    assert found is not None and "no broker user is mapped to fund" in found


def test_topic_write_patterns_name_the_domain_and_the_checkpoint() -> None:
    assert ownership.topic_write_pattern("orders") == r"^(order\.[a-z_]+|audit\.checkpoint)$"
    assert ownership.topic_write_pattern("tiny") == r"^(audit\.checkpoint)$"


def test_bus_publishers_are_parsed_and_a_bad_value_stops_the_service() -> None:
    text = "orders=sdo-orders, suppliers = sdo-suppliers,"
    assert ownership.parse_publishers(text) == {"orders": "sdo-orders", "suppliers": "sdo-suppliers"}
    assert ownership.parse_publishers(None) == {}
    for bad in ("orders", "orders=", "=u", "orders=a,orders=b"):
        with pytest.raises(ValueError):
            ownership.parse_publishers(bad)
        with pytest.raises(ValidationError, match="SDO_BUS_PUBLISHERS"):
            OrdersSettings(bus_publishers=bad)


class FundLikeSettings(ServiceSettings):
    """A service with no AMQP field of its own, as the fund service is."""

    service_name = "fund"


def test_each_service_reads_its_own_amqp_url_before_the_shared_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDO_AMQP_URL", "amqp://broker:5672/")
    monkeypatch.setenv("SDO_FUND_AMQP_URL", "amqp://sdo-fund:pw@broker:5672/")
    monkeypatch.setenv("SDO_ORDERS_AMQP_URL", "amqp://sdo-orders:pw@broker:5672/")
    assert FundLikeSettings().amqp_url == "amqp://sdo-fund:pw@broker:5672/"
    assert OrdersSettings().amqp_url == "amqp://sdo-orders:pw@broker:5672/"
    monkeypatch.delenv("SDO_ORDERS_AMQP_URL")
    assert OrdersSettings().amqp_url == "amqp://broker:5672/"
    assert OrdersSettings(amqp_url="memory://x").amqp_url == "memory://x"  # given in code: wins
    monkeypatch.setenv("FUND_AMQP_URL", "amqp://not-ours/")  # only SDO_* variables configure the suite
    monkeypatch.delenv("SDO_FUND_AMQP_URL")
    assert FundLikeSettings().amqp_url == "amqp://broker:5672/"


@pytest.mark.parametrize(
    ("service", "create"),
    [("orders", orders_app), ("suppliers", suppliers_app), ("quality", quality_app), ("fund", fund_app)],
)
def test_every_service_declares_only_events_it_owns(service: str, create: Callable[[], FastAPI]) -> None:
    spec = create().state.service_spec
    assert [t for t in spec.publishes if not ownership.owns(service, str(t))] == []
    # The kernel's, for every service: its own checkpoints out, the others' in.
    assert ownership.CHECKPOINT in spec.publishes
    assert ownership.CHECKPOINT in spec.subscriptions


def test_settings_need_no_broker_to_be_built() -> None:
    assert OrdersSettings(jwt_secret=JWT_SECRET).bus_publishers is None
