"""Cursors: round trip, and every forgery is a 422 ValidationProblem, never another exception."""

from __future__ import annotations

import base64
from datetime import datetime
from uuid import UUID

import pytest

from shared.http.pagination import decode_cursor, encode_cursor, split_page
from shared.http.problems import ValidationProblem

ID = UUID("5b1f1c1e-0000-4000-8000-000000000001")


def test_a_cursor_round_trips_its_sort_key() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5)
    cursor = encode_cursor([at.isoformat(), str(ID), 42])
    assert decode_cursor(cursor, datetime.fromisoformat, UUID, int) == [at, ID, 42]
    assert decode_cursor(None, int) is None


def test_a_float_key_may_arrive_as_an_integer() -> None:
    assert decode_cursor(encode_cursor([5]), float) == [5.0]
    assert decode_cursor(encode_cursor([True]), bool) == [True]


def test_split_page_gives_a_cursor_only_when_more_rows_follow() -> None:
    assert split_page([1, 2, 3], 3, lambda r: [r]) == ([1, 2, 3], None)
    page, cursor = split_page([1, 2, 3, 4], 3, lambda r: [r])
    assert page == [1, 2, 3] and decode_cursor(cursor, int) == [3]


def _raw(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.mark.parametrize(
    ("cursor", "types"),
    [
        ("%%%", (int,)),
        ("", (int,)),
        (_raw(b"[1"), (int,)),
        (_raw(b'"x"'), (int,)),
        (encode_cursor([1, 2]), (int,)),
        (encode_cursor(["1"]), (int,)),
        (encode_cursor([True]), (int,)),
        (encode_cursor([1.5]), (int,)),
        (_raw(b"[18446744073709551615]"), (int,)),
        (encode_cursor([1]), (str,)),
        (encode_cursor([True]), (float,)),
        (encode_cursor(["1.5"]), (float,)),
        (encode_cursor(["a\x00b"]), (str,)),
        (encode_cursor([5]), (UUID,)),
        (encode_cursor([None]), (UUID,)),
        (encode_cursor(["nope"]), (UUID,)),
        (encode_cursor([5]), (datetime.fromisoformat,)),
        (encode_cursor(["yesterday"]), (datetime.fromisoformat,)),
    ],
)
def test_a_forged_cursor_is_a_validation_problem(cursor: str, types: tuple) -> None:
    with pytest.raises(ValidationProblem) as raised:
        decode_cursor(cursor, *types)
    assert raised.value.status == 422
    assert raised.value.extra["errors"] == [{"field": "cursor", "message": "not a cursor this API issued"}]
