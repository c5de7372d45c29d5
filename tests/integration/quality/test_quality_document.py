"""The quality OpenAPI document states what the sampling-plan lookup accepts."""

from __future__ import annotations

from typing import Any

from services.quality.app import create_app
from services.quality.domain.sampling_tables import AQL_VALUES
from services.quality.settings import QualitySettings
from tests.support import JWT_SECRET


def test_the_sampling_plan_parameters_name_their_allowed_values() -> None:
    # Building the document needs no lifespan: nothing is connected.
    settings = QualitySettings(database_url="sqlite+aiosqlite://", amqp_url="memory://q-doc", jwt_secret=JWT_SECRET)
    operation = create_app(settings).openapi()["paths"]["/api/v1/sampling-plan"]["get"]
    schemas: dict[str, Any] = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert (schemas["lot_size"]["type"], schemas["lot_size"]["minimum"]) == ("integer", 1)
    assert schemas["aql"]["type"] == "number"
    assert schemas["aql"]["enum"] == [float(aql) for aql in AQL_VALUES]
    assert schemas["level"]["enum"] == ["I", "II", "III"]
