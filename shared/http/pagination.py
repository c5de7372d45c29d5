"""Cursor pages: ``limit`` (default 50, max 500) and an opaque ``cursor``."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Query
from pydantic import BaseModel

from shared.http.problems import ValidationProblem

T = TypeVar("T")

MAX_LIMIT = 500
LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}.")]
CursorQuery = Annotated[str | None, Query(description="Opaque cursor from the previous page's `next_cursor`.")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(key, default=str)).decode().rstrip("=")


_INT64 = range(-(2**63), 2**63)
# Parts that JSON carries as they are: a cursor this API issued has exactly these types.
_PLAIN: tuple[type, ...] = (int, str, float, bool)


def _coerce(convert: Callable[[Any], Any], part: Any) -> Any:
    if convert in _PLAIN:
        accepted = (int, float) if convert is float else convert  # JSON writes 5.0 as 5 in some encoders
        if not isinstance(part, accepted) or (convert is not bool and isinstance(part, bool)):
            raise ValueError("wrong type")
        value = convert(part)
    else:
        value = convert(part)
    # What no database column holds or compares: integers beyond 64 bits, NUL characters in text.
    if isinstance(value, int) and value not in _INT64:
        raise ValueError("integer out of range")
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("NUL in text")
    return value


def decode_cursor(cursor: str | None, *types: Callable[[Any], Any]) -> list[Any] | None:
    """The sort key the cursor stands for, each part coerced by ``types``.

    A forged or truncated cursor is the caller's error (422), never a 500.
    """
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(key, list) or (types and len(key) != len(types)):
            raise ValueError("wrong shape")
        return [_coerce(convert, part) for convert, part in zip(types, key, strict=True)] if types else key
    except Exception as exc:  # any converter may fail its own way (UUID(1) is an AttributeError)
        raise ValidationProblem([{"field": "cursor", "message": "not a cursor this API issued"}]) from exc


def split_page(rows: list[T], limit: int, key: Any) -> tuple[list[T], str | None]:
    """Rows fetched with ``limit + 1``: the page and the cursor of its last row, if more follow."""
    if len(rows) <= limit:
        return rows, None
    page = rows[:limit]
    return page, encode_cursor(key(page[-1]))
