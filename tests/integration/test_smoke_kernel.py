"""A service boots on both engines with migrations, ops endpoints and problem+json."""

from services.quality.app import create_app
from services.quality.settings import QualitySettings
from tests.support import JWT_SECRET, assert_problem, auth, running


async def test_a_service_boots_and_answers_health_readiness_and_docs(database_url: str, memory_url: str) -> None:
    app = create_app(QualitySettings(database_url=database_url, amqp_url=memory_url, jwt_secret=JWT_SECRET))
    async with running(app) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert (await client.get("/openapi.json")).status_code == 200
        assert_problem(await client.get("/api/v1/audit"), 401)
        verify = await client.get("/api/v1/audit/verify", headers=auth("auditor"))
        assert verify.json() == {"valid": True, "entries": 0}
