"""KPI analytics and exchange rates: the figures orders are measured and priced by."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import WithJsonSchema
from starlette.responses import Response

from services.orders import handlers
from services.orders.api import export
from services.orders.api.schemas import ExchangeRatePublic, KpiReport, RateHistoryEntry, RateUpdate
from services.orders.db import reads
from services.orders.domain.commands import SetExchangeRate
from services.orders.domain.kpi import compute_kpi, parse_kpi_targets
from services.orders.domain.lifecycle import MINISTRY
from services.orders.domain.pricing import DEFAULT_MAX_RATE_CHANGE, ExchangeRate
from shared import clock
from shared.auth import Principal, Role, allow, allow_all
from shared.errors import NotFound
from shared.http import csv
from shared.http.commands import CommandDep, CommandResult
from shared.http.conditional import json_with_etag
from shared.http.deps import IfNoneMatch, ReadSessionDep, RuntimeDep
from shared.http.pagination import CursorQuery, LimitQuery, Page, decode_cursor, split_page
from shared.http.responses import json_response

router = APIRouter(prefix="/api/v1")

Ministry = Annotated[Principal, allow(*MINISTRY)]
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
    responses={
        200: {
            "description": "The figures per category, as JSON or, with `Accept: text/csv`, as CSV.",
            "content": csv.csv_content(export.KPI_EXAMPLE, "UTF-8 CSV with a header row, one row per KPI category."),
        }
    },
    tags=["analytics"],
    summary="Domestic-share KPIs",
    description="Per repair, modernization and production: contracted value in KZT (orders from `contracted` on, "
    "cancelled ones excluded; the price in force, amendments and concessions included), the part placed with "
    "domestic (KZ) suppliers, its share in percent, the target (`SDO_KPI_TARGETS`, default 55/35/70) and the gap "
    "`target - share`; and the localized value: each contract's value weighted by the `local_content_share` its "
    "supplier declared in the registry (`localized_value_kzt`, `localized_share` in percent), so a domestic "
    "reseller of imported goods counts as domestic but not as localized. With `Accept: text/csv` the same table as "
    "CSV for a spreadsheet (UTF-8, header row). Roles: mod_officer, mic_officer, auditor, integration.",
)
async def kpi(request: Request, _: Analyst, session: ReadSessionDep, runtime: RuntimeDep) -> Response:
    targets = parse_kpi_targets(getattr(runtime.settings, "kpi_targets", None))
    figures = [figure.to_dict() for figure in compute_kpi(await reads.contracted_totals(session), targets)]
    if csv.wants_csv(request):
        return csv.csv_response(csv.csv_rows(export.KPI_HEADER, export.kpi_rows(figures)), "kpi.csv")
    return json_response({"categories": figures}, headers={"Vary": "Accept"})


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
    rates = [r for r in await reads.exchange_rates(session, clock.now()) if not after or r.currency > after[0]]
    page, next_cursor = split_page(rates[: limit + 1], limit, lambda r: [r.currency])
    items = [ExchangeRatePublic.of(rate) for rate in page]
    return json_response(Page[ExchangeRatePublic](items=items, next_cursor=next_cursor).model_dump(mode="json"))


@router.get(
    "/exchange-rates/{currency}",
    response_model=ExchangeRatePublic,
    responses={304: {"description": "Not modified: the `If-None-Match` ETag is current."}},
    tags=["exchange rates"],
    summary="Read one exchange rate",
    description='KZT per unit in force now and since when, the rates set to take effect later, with `ETag` (`"0"` '
    "while the default applies). All roles.",
)
async def get_rate(
    request: Request, currency: CurrencyPath, _: Anyone, session: ReadSessionDep, if_none_match: IfNoneMatch = None
) -> Response:
    known = await reads.currency(session, currency)
    rate = None if known is None else known.as_of(clock.now())
    if rate is None:
        raise NotFound(f"No exchange rate is known for {currency}.")
    return json_with_etag(request, ExchangeRatePublic.of(rate), rate.version)


@router.get(
    "/exchange-rates/{currency}/history",
    response_model=Page[RateHistoryEntry],
    tags=["exchange rates"],
    summary="An exchange rate's history",
    description="Every rate of the currency, oldest first: the built-in default (version 0, where there is one) and "
    "each rate set through the API with when it takes effect, when it was set and by whom. The rate in force at a "
    "moment is the latest to take effect by then. All roles.",
)
async def rate_history(
    currency: CurrencyPath, _: Anyone, session: ReadSessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Response:
    known = await reads.currency(session, currency)
    if known is None:
        raise NotFound(f"No exchange rate is known for {currency}.")
    after = decode_cursor(cursor, int)
    entries = [] if known.default is None else [RateHistoryEntry.default(known.default)]
    entries += [RateHistoryEntry.of(entry) for entry in known.entries]
    entries = [e for e in entries if not after or e.version > after[0]]
    page, next_cursor = split_page(entries[: limit + 1], limit, lambda e: [e.version])
    return json_response(Page[RateHistoryEntry](items=page, next_cursor=next_cursor).model_dump(mode="json"))


@router.put(
    "/exchange-rates/{currency}",
    response_model=ExchangeRatePublic,
    responses={
        201: {"model": ExchangeRatePublic, "description": "A rate for a new currency."},
        422: {
            "description": "The rate is not a positive decimal string of at most 6 decimal places (field `rate` or "
            "`kzt_per_unit`, whichever was sent; both, or neither: `rate`); the currency is not three upper-case "
            "letters or is KZT (`currency`); `effective_from` is in the past; or the rate moves more than "
            "`SDO_MAX_RATE_CHANGE` times (default 10) from the rate it replaces."
        },
    },
    tags=["exchange rates"],
    summary="Set an exchange rate",
    description="Sets KZT per unit (`rate`, a positive decimal string, at most 6 decimal places; `kzt_per_unit` "
    "is the older name) from `effective_from` on (not in the past; left out: now). An award or an amendment "
    "converts at the rate in force at its moment, and the order keeps the rate it used: a later change never "
    "moves an agreed price. A rate may not move more than `SDO_MAX_RATE_CHANGE` times from the one it replaces "
    "(0: no bound); every change is audited and kept in the currency's history. KZT itself cannot be set. "
    "`If-Match` guards against lost updates. Roles: mod_officer, integration.",
)
async def set_rate(currency: RateCurrencyPath, body: RateUpdate, principal: Ministry, cmd: CommandDep) -> Response:
    field, value = body.given()
    factor = getattr(cmd.runtime.settings, "max_rate_change", DEFAULT_MAX_RATE_CHANGE)
    command = SetExchangeRate(currency, value, cmd.expected, body.effective_from, factor, field)
    return await cmd.run(principal, lambda uow: handlers.set_exchange_rate(uow, command), present=_rate_set)


def _rate_set(rate: ExchangeRate) -> CommandResult:
    return CommandResult(ExchangeRatePublic.of(rate), 201 if rate.is_new_currency else 200, version=rate.version)
