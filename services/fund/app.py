"""The Defense Industry Development Fund service: `uvicorn services.fund.app:app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.fund import consumers
from services.fund.api.routes import router
from services.fund.db.tables import metadata
from services.fund.db.unit_of_work import SqlFundUnitOfWork
from services.fund.ports import PUBLISHES
from services.fund.settings import FundSettings
from services.fund.tasks import OverdueCheck
from shared.service import ServiceSpec, build_app
from shared.uow import UnitOfWork


def create_app(settings: FundSettings | None = None) -> FastAPI:
    app: FastAPI

    def resolved() -> FundSettings:
        # The settings the lifespan resolved (from the environment unless given).
        found: FundSettings = app.state.runtime.settings
        return found

    def unit_of_work(uow: UnitOfWork) -> SqlFundUnitOfWork:
        return SqlFundUnitOfWork(uow, resolved().policy())

    spec = ServiceSpec(
        name="fund",
        title="SDO Defense Industry Development Fund",
        description=(
            "The Defense Industry Development Fund: projects the Ministry of Defense endorses as needed for "
            "defense, their milestones and tranches, low-interest loans with their annuity schedules and "
            "repayments, and the fund's figures by category."
        ),
        settings_factory=FundSettings,
        metadata=metadata,
        migrations=Path(__file__).parent / "migrations",
        routers=[router],
        subscriptions=consumers.SUBSCRIPTIONS,
        publishes=PUBLISHES,
        unit_of_work=unit_of_work,
        background={
            "overdue_check": lambda runtime: OverdueCheck(
                runtime, resolved().policy(), unit_of_work, interval=resolved().fund_overdue_check_seconds
            )
        },
        openapi_tags=[
            {"name": "projects", "description": "Projects: submission, endorsement, approval, milestones, tranches."},
            {"name": "loans", "description": "Loans: terms, the annuity schedule, repayments, overdue loans."},
            {"name": "analytics", "description": "The fund's figures per category."},
        ],
    )
    app = build_app(spec, settings)
    return app


app = create_app()
