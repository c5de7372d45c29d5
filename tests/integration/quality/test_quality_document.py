"""The quality OpenAPI document states what the sampling-plan lookup accepts."""

from __future__ import annotations

from typing import Any

from quality_fixtures import quality_app

from services.quality.domain.sampling_tables import AQL_VALUES


def test_the_sampling_plan_parameters_name_their_allowed_values() -> None:
    # Building the document needs no lifespan: nothing is connected.
    operation = quality_app("sqlite+aiosqlite://", "memory://q-doc").openapi()["paths"]["/api/v1/sampling-plan"]["get"]
    schemas: dict[str, Any] = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert (schemas["lot_size"]["type"], schemas["lot_size"]["minimum"]) == ("integer", 1)
    assert schemas["aql"]["type"] == "number"
    assert schemas["aql"]["enum"] == [float(aql) for aql in AQL_VALUES]
    assert schemas["level"]["enum"] == ["S-1", "S-2", "S-3", "S-4", "I", "II", "III"]
    assert schemas["severity"]["enum"] == ["normal", "tightened", "reduced"]
    assert schemas["severity"]["default"] == "normal"
