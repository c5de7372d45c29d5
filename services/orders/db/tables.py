"""Tables of the orders service, on a registry of its own."""

from __future__ import annotations

from shared.db import service_model_base

OrdersTable = service_model_base("orders")
metadata = OrdersTable.metadata
