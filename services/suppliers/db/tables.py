"""Tables of the suppliers service, on a registry of its own."""

from __future__ import annotations

from shared.db import service_model_base

SuppliersTable = service_model_base("suppliers")
metadata = SuppliersTable.metadata
