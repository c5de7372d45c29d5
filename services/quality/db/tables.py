"""Tables of the quality service, on a registry of its own."""

from __future__ import annotations

from shared.db import service_model_base

QualityTable = service_model_base("quality")
metadata = QualityTable.metadata
