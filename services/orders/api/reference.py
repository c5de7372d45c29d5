"""KPI analytics and exchange rates: the figures orders are measured and priced by."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import WithJsonSchema
from starlette.responses import Response

from services.orders import handlers
from services.orders.api.schemas import ExchangeRatePublic, KpiReport, RateUpdate
from services.orders.db import reads
from services.orders.domain.kpi import compute_kpi, parse_kpi_targets
from services.orders.domain.pricing import DEFAULT_RATES, KZT
from shared.auth import Principal, Role, allow, allow_all
from shared.http.commands import CommandDep
from shared.http.conditional import json_with_etag
from shared.http.deps import IfNoneMatch, ReadSessionDep, RuntimeDep
from shared.http.pagination import CursorQuery, LimitQuery, Page, decode_cursor, split_page
from shared.http.problems import NotFound
from shared.http.responses import json_response

router = APIRouter(prefix="/api/v1")

Ministry = Annotated[Principal, allow(Role.MOD_OFFICER, Role.INTEGRATION)]
Analyst = Annotated[Principal, allow(Role.MOD_OFFICER, Role.MIC_OFFICER, Role.AUDITOR, Role.INTEGRATION)]
Anyone = Annotated[Principal, allow_all()]
# The document states the rule the handlers apply (three upper-case letters); any other value is refused.
CurrencyPath = Annotated[
    str,
    Path(min_length=1, max_length=8, description="ISO 4217 code, e.g. `USD`."),
    WithJsonSchema({"type": "string", "pattern": "^[A-Z]{3}$", "examples": ["USD"]}),
]
# KZT is the unit of account (always 1): a rate can be set for any other currency only.
RateCurrencyPath = Annotated[
    str,
    Path(min_length=1, max_length=8, description="ISO 4217 code other than KZT, e.g. `USD`."),
    WithJsonSchema({"type": "string", "pattern": "^(?!KZT$)[A-Z]{3}$", "examples": ["USD"]}),
]


@router.get(
    "/analytics/kpi",
    response_model=KpiReport,
    tags=["analytics"],
    summary="Domestic-share KPIs",
    description="Per repair, modernization and production: contracted value in KZT (orders from `contracted` on, "
    "cancelled ones excluded), the part placed with domestic (KZ) suppliers, its share in percent, the target "
    "(`SDO_KPI_TARGETS`, default 55/35/70) and the gap `target - share`. "
    "Roles: mod_officer, mic_officer, auditor, integration.",
)
async def kpi(_: Analyst, session: ReadSessionDep, runtime: RuntimeDep) -> Response:
    targets = parse_kpi_targets(getattr(runtime.settings, "kpi_targets", None))
    figures = compute_kpi(await reads.contracted_totals(session), targets)
    return json_response({"categories": [figure.to_dict() for figure in figures]})


async def _all_rates(session: ReadSessionDep) -> list[ExchangeRatePublic]:
    stored = {row.currency: row for row in await reads.stored_rates(session)}
    merged = [ExchangeRatePublic.of(code, rate) for code, rate in DEFAULT_RATES.items() if code not in stored]
    merged += [
        ExchangeRatePublic.of(r.currency, r.kzt_per_unit, r.version, r.updated_at, r.updated_by)
        for r in stored.values()
    ]
    return sorted((r for r in merged if r.currency != KZT), key=lambda r: r.currency)


@router.get(
    "/exchange-rates",
    response_model=Page[ExchangeRatePublic],
    tags=["exchange rates"],
    summary="List exchange rates",
    description="KZT per one unit of each currency: the defaults (USD 451.27, EUR 489.13, RUB 4.87) unless "
    "changed. All roles.",
)
async def list_rates(
    _: Anyone, session: ReadSessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Response:
    after = decode_cursor(cursor, str)
    rates = [r for r in await _all_rates(session) if not after or r.currency > after[0]]
    page, next_cursor = split_page(rates[: limit + 1], limit, lambda r: [r.currency])
    return json_response(Page[ExchangeRatePublic](items=page, next_cursor=next_cursor).model_dump(mode="json"))


@router.get(
    "/exchange-rates/{currency}",
    response_model=ExchangeRatePublic,
    responses={304: {"description": "Not modified: the `If-None-Match` ETag is current."}},
    tags=["exchange rates"],
    summary="Read one exchange rate",
    description='KZT per unit, with `ETag` (`"0"` while the default applies). All roles.',
)
async def get_rate(
    request: Request, currency: CurrencyPath, _: Anyone, session: ReadSessionDep, if_none_match: IfNoneMatch = None
) -> Response:
    rate = next((r for r in await _all_rates(session) if r.currency == currency), None)
    if rate is None:
        raise NotFound(f"No exchange rate is known for {currency}.")
    return json_with_etag(request, rate, rate.version)


@router.put(
    "/exchange-rates/{currency}",
    response_model=ExchangeRatePublic,
    responses={201: {"model": ExchangeRatePublic, "description": "A rate for a new currency."}},
    tags=["exchange rates"],
    summary="Set an exchange rate",
    description="Sets KZT per unit (a positive decimal string, at most 6 decimal places). Prices already awarded "
    "keep the KZT value of their award. KZT itself cannot be set. `If-Match` guards against lost updates. "
    "Roles: mod_officer, integration.",
)
async def set_rate(currency: RateCurrencyPath, body: RateUpdate, principal: Ministry, cmd: CommandDep) -> Response:
    return await cmd.run(principal, lambda uow: handlers.set_exchange_rate(uow, currency, body, cmd.if_match))
