"""Certificates of conformity: number format, canonical JSON and its SHA-256.

Canonical JSON here means: object keys sorted, no insignificant whitespace, UTF-8 (non-ASCII
kept as is, not escaped), and every value that JSON cannot carry exactly written as a string:
Decimals and floats as plain decimal strings (``"1.50"``, never an exponent), datetimes as
RFC 3339 in UTC with a ``Z`` suffix, dates as ``YYYY-MM-DD``, UUIDs in their canonical form.
The same logical certificate therefore always hashes to the same digest.

The certificate's digest covers exactly the fields the API shows next to it: every member but
``sha256``. A certificate issued with its conformity document (``conformity.py``: what AQAP-2131
asks a certificate of conformity to say) is that whole document; one issued before carries the
five fields ``id``, ``number``, ``order_id``, ``inspection_id``, ``issued_at``. Anyone holding the
response can recompute the digest.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Final
from uuid import UUID

from services.quality.domain.errors import CertificateError

NUMBER_PATTERN: Final = re.compile(r"^QC-(\d{4})-(\d{6})$")
MAX_SEQUENCE: Final = 999_999


def certificate_number(year: int, sequence: int) -> str:
    """``QC-<year>-<6 digits>``, e.g. ``certificate_number(2025, 42) == "QC-2025-000042"``."""
    if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 9999:
        raise CertificateError("year", "must be a four-digit year")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not 1 <= sequence <= MAX_SEQUENCE:
        raise CertificateError("sequence", f"must be between 1 and {MAX_SEQUENCE}")
    return f"QC-{year:04d}-{sequence:06d}"


def parse_certificate_number(number: str) -> tuple[int, int]:
    """``(year, sequence)`` of a certificate number; raises ``CertificateError`` if malformed."""
    match = NUMBER_PATTERN.fullmatch(number) if isinstance(number, str) else None
    if match is None or int(match.group(2)) == 0:
        raise CertificateError("number", "must look like QC-<year>-<6 digits>")
    return int(match.group(1)), int(match.group(2))


def rfc3339_utc(moment: datetime) -> str:
    """A timezone-aware datetime in UTC, ``2025-03-01T10:15:30Z`` (microseconds only if set)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        # A naive time has no defined instant; guessing would make digests depend on the host.
        raise CertificateError("issued_at", "must be timezone-aware")
    utc = moment.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}"
    return text + "Z"


def _decimal_text(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"{value} has no canonical JSON form")
    return format(value, "f")


def _canonical(value: Any) -> Any:
    # Order matters: bool before int (subclass), datetime before date (subclass).
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, float):
        return _decimal_text(Decimal(repr(value)))
    if isinstance(value, datetime):
        return rfc3339_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return _canonical(value.value)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"canonical JSON keys must be strings, got {key!r}")
            out[key] = _canonical(item)
        return out
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    raise TypeError(f"{type(value).__name__} has no canonical JSON form")


def canonical_json(value: Any) -> bytes:
    """The canonical JSON encoding (UTF-8 bytes) of a JSON-like value."""
    text = json.dumps(_canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


def sha256_hex(value: Any) -> str:
    """Lower-case hex SHA-256 of ``canonical_json(value)``."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


@dataclass(frozen=True, slots=True)
class Certificate:
    """A certificate of conformity issued for an accepted lot."""

    id: UUID
    number: str
    order_id: UUID
    inspection_id: UUID
    issued_at: datetime
    # The conformity document (JSON-ready), or None for a certificate of the five signed fields.
    document: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        parse_certificate_number(self.number)
        rfc3339_utc(self.issued_at)

    @property
    def concession(self) -> bool:
        return bool(self.document and self.document.get("concession"))

    def body(self) -> dict[str, Any]:
        """The signed fields, JSON-ready."""
        base = {
            "id": str(self.id),
            "number": self.number,
            "order_id": str(self.order_id),
            "inspection_id": str(self.inspection_id),
            "issued_at": rfc3339_utc(self.issued_at),
        }
        return base if self.document is None else dict(self.document) | base

    def canonical_json(self) -> bytes:
        return canonical_json(self.body())

    @property
    def sha256(self) -> str:
        return sha256_hex(self.body())

    def as_dict(self) -> dict[str, Any]:
        """The API representation: the body plus its digest."""
        return self.body() | {"sha256": self.sha256}


__all__ = [
    "Certificate",
    "canonical_json",
    "certificate_number",
    "parse_certificate_number",
    "rfc3339_utc",
    "sha256_hex",
]
