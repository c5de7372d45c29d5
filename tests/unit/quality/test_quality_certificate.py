"""Certificate numbers, canonical JSON and the certificate digest."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest

from services.quality.domain.certificate import (
    Certificate,
    canonical_json,
    certificate_number,
    parse_certificate_number,
    rfc3339_utc,
    sha256_hex,
)
from services.quality.domain.errors import CertificateError

CERT = Certificate(
    id=UUID("11111111-1111-4111-8111-111111111111"),
    number="QC-2025-000042",
    order_id=UUID("22222222-2222-4222-8222-222222222222"),
    inspection_id=UUID("33333333-3333-4333-8333-333333333333"),
    issued_at=datetime(2025, 3, 1, 10, 15, 30, tzinfo=UTC),
)

EXPECTED_CANONICAL = (
    b'{"id":"11111111-1111-4111-8111-111111111111",'
    b'"inspection_id":"33333333-3333-4333-8333-333333333333",'
    b'"issued_at":"2025-03-01T10:15:30Z",'
    b'"number":"QC-2025-000042",'
    b'"order_id":"22222222-2222-4222-8222-222222222222"}'
)


def test_a_certificate_number_is_qc_year_and_six_digits() -> None:
    assert certificate_number(2025, 42) == "QC-2025-000042"
    assert certificate_number(2026, 999_999) == "QC-2026-999999"


@pytest.mark.parametrize(("year", "sequence"), [(2025, 0), (2025, 1_000_000), (25, 1), (2025, True), (2025, 1.0)])
def test_a_certificate_number_needs_a_four_digit_year_and_a_sequence_that_fits(year: object, sequence: object) -> None:
    with pytest.raises(CertificateError):
        certificate_number(year, sequence)  # type: ignore[arg-type]


def test_a_certificate_number_parses_back_to_year_and_sequence() -> None:
    assert parse_certificate_number("QC-2025-000042") == (2025, 42)
    for bad in ("QC-2025-42", "SDO-2025-000042", "QC-2025-000000", "qc-2025-000042", "QC-2025-0000421"):
        with pytest.raises(CertificateError):
            parse_certificate_number(bad)


def test_the_certificate_canonical_json_is_sorted_compact_utf8() -> None:
    assert CERT.canonical_json() == EXPECTED_CANONICAL


def test_the_certificate_digest_is_the_sha256_of_its_canonical_json() -> None:
    assert CERT.sha256 == hashlib.sha256(EXPECTED_CANONICAL).hexdigest()
    assert len(CERT.sha256) == 64


def test_the_digest_is_stable_for_the_same_certificate() -> None:
    again = Certificate(
        id=UUID("11111111-1111-4111-8111-111111111111"),
        number="QC-2025-000042",
        order_id=UUID("22222222-2222-4222-8222-222222222222"),
        inspection_id=UUID("33333333-3333-4333-8333-333333333333"),
        # The same instant written in another zone hashes the same.
        issued_at=datetime(2025, 3, 1, 15, 15, 30, tzinfo=timezone(timedelta(hours=5))),
    )
    assert again.sha256 == CERT.sha256


@pytest.mark.parametrize(
    "change",
    [
        {"id": UUID("11111111-1111-4111-8111-111111111112")},
        {"number": "QC-2025-000043"},
        {"order_id": UUID("22222222-2222-4222-8222-222222222223")},
        {"inspection_id": UUID("33333333-3333-4333-8333-333333333334")},
        {"issued_at": datetime(2025, 3, 1, 10, 15, 31, tzinfo=UTC)},
    ],
)
def test_the_digest_changes_when_any_field_changes(change: dict[str, object]) -> None:
    assert dataclasses.replace(CERT, **change).sha256 != CERT.sha256  # type: ignore[arg-type]


def test_the_api_view_is_the_body_plus_its_digest() -> None:
    view = CERT.as_dict()
    assert view.pop("sha256") == CERT.sha256
    assert sha256_hex(view) == CERT.sha256


def test_a_certificate_refuses_a_naive_issue_time_and_a_bad_number() -> None:
    with pytest.raises(CertificateError) as info:
        dataclasses.replace(CERT, issued_at=datetime(2025, 3, 1, 10, 15, 30))
    assert info.value.field == "issued_at"
    with pytest.raises(CertificateError):
        dataclasses.replace(CERT, number="QC-25-1")


def test_canonical_json_writes_decimals_and_times_as_strings() -> None:
    value = {
        "b": Decimal("1.50"),
        "a": datetime(2025, 1, 2, 3, 4, 5, 600000, tzinfo=UTC),
        "c": date(2025, 1, 2),
        "d": [1, True, None, 0.065, Decimal("1E+2")],
        "é": "Қазақстан",
    }
    assert (
        canonical_json(value)
        == (
            '{"a":"2025-01-02T03:04:05.600000Z","b":"1.50","c":"2025-01-02",'
            '"d":[1,true,null,"0.065","100"],"é":"Қазақстан"}'
        ).encode()
    )


def test_canonical_json_refuses_values_without_a_canonical_form() -> None:
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})
    with pytest.raises(TypeError):
        canonical_json({"x": {1, 2}})
    with pytest.raises(TypeError):
        canonical_json({1: "non-string key"})


def test_rfc3339_utc_converts_to_utc_with_a_z_suffix() -> None:
    moment = datetime(2025, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=6)))
    assert rfc3339_utc(moment) == "2024-12-31T18:30:00Z"
