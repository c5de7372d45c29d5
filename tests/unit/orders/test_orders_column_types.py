"""Column types: money exact as integer hundredths, decimals as text, timestamps always aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy.dialects import sqlite

from services.orders.db.types import DecimalText, Tiyn, UtcDateTime

DIALECT = sqlite.dialect()


def test_an_amount_is_stored_as_hundredths_and_read_back_exactly() -> None:
    column = Tiyn()
    stored = column.process_bind_param(Decimal("123456789012345.67"), DIALECT)
    assert stored == 12345678901234567
    assert column.process_result_value(stored, DIALECT) == Decimal("123456789012345.67")
    assert str(column.process_result_value(500, DIALECT)) == "5.00"


def test_decimal_text_keeps_the_spelling_of_rates_and_aql() -> None:
    column = DecimalText()
    assert column.process_bind_param(Decimal("0.065"), DIALECT) == "0.065"
    assert column.process_result_value("451.270000", DIALECT) == Decimal("451.27")


def test_timestamps_come_back_aware_in_utc() -> None:
    column = UtcDateTime()
    almaty = datetime(2030, 1, 1, 10, 0, tzinfo=timezone(timedelta(hours=5)))
    assert column.process_bind_param(almaty, DIALECT) == datetime(2030, 1, 1, 5, 0, tzinfo=UTC)
    assert column.process_result_value(datetime(2030, 1, 1, 5, 0), DIALECT) == datetime(2030, 1, 1, 5, 0, tzinfo=UTC)
