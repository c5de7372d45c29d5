"""The CSV tables of the orders API: the order list and the KPI, column by column.

Each row carries the JSON body's figures in the same units (money as decimal strings, KZT amounts
in tenge, shares in percent); the negotiation and the streaming are the kernel's (``shared.http.csv``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from services.orders.domain.order import Order

ORDERS_HEADER = (
    "number",
    "id",
    "title",
    "category",
    "status",
    "version",
    "quantity",
    "unit",
    "accepted_quantity",
    "shipped_quantity",
    "received_quantity",
    "delivery_deadline",
    "delivery_location",
    "price_ceiling_amount",
    "price_ceiling_currency",
    "funding_source",
    "fund_project_id",
    "supplier_id",
    "supplier_country",
    "local_content_share",
    "contract_price_amount",
    "contract_price_currency",
    "contract_price_kzt",
    "rate_used",
    "on_time",
    "amendment_count",
    "created_at",
    "updated_at",
)

# A title in Cyrillic, as a ministry writes it.
ORDERS_EXAMPLE = (
    ",".join(ORDERS_HEADER) + "\r\n"
    "SDO-2030-000042,0f8fad5b-d9cb-469f-a165-70867728950e,Капитальный ремонт БТР-82А,repair,contracted,5,12,vehicle,"  # noqa: RUF001
    '0,0,,2030-06-30,"Military unit 12345, Astana",1500000000.00,KZT,state_budget,,'
    "5b0f0c4e-8f5e-4d2a-9d1e-2f7c4b8a9e01,KZ,72,1350000000.00,KZT,1350000000.00,1,,0,"
    "2030-01-15T09:00:00+00:00,2030-01-20T11:30:00+00:00\r\n"
)


def _flag(value: bool | None) -> str | None:
    return None if value is None else str(value).lower()


def order_row(order: Order) -> tuple[Any, ...]:
    spec, price = order.spec, order.contract_price
    return (
        order.number,
        order.id,
        spec.title,
        spec.category.value,
        order.status.value,
        order.version,
        spec.quantity,
        spec.unit,
        order.accepted_quantity,
        order.shipped_quantity,
        order.received_quantity,
        spec.delivery_deadline.isoformat(),
        spec.delivery_location,
        spec.price_ceiling.amount,
        spec.price_ceiling.currency,
        spec.funding_source.value,
        spec.fund_project_id,
        order.supplier_id,
        order.supplier_country,
        order.local_content_share,
        None if price is None else price.amount,
        None if price is None else price.currency,
        order.contract_price_kzt,
        order.rate_used,
        _flag(order.on_time),
        len(order.amendments),
        order.created_at.isoformat(),
        order.updated_at.isoformat(),
    )


KPI_HEADER = (
    "category",
    "contracted_value_kzt",
    "domestic_value_kzt",
    "domestic_share",
    "localized_value_kzt",
    "localized_share",
    "target",
    "gap",
)

KPI_EXAMPLE = (
    ",".join(KPI_HEADER) + "\r\n"
    "repair,1000000.00,600000.00,60.0,400000.00,40.0,55.0,-5.0\r\n"
    "modernization,0.00,0.00,,0.00,,35.0,\r\n"
    "production,0.00,0.00,,0.00,,70.0,\r\n"
)


def kpi_rows(categories: Iterable[Mapping[str, Any]]) -> Iterator[tuple[Any, ...]]:
    """One row per KPI category, from the JSON body's items."""
    for item in categories:
        yield tuple(item[name] for name in KPI_HEADER)
