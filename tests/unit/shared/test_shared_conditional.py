"""ETag helpers: If-Match and If-None-Match on the integer version."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from shared.errors import StaleVersion
from shared.http.conditional import check_if_match, etag, is_not_modified
from shared.http.problems import problem_for


def _request(if_none_match: str | None) -> Request:
    headers = [(b"if-none-match", if_none_match.encode())] if if_none_match is not None else []
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers, "query_string": b""})


def test_an_etag_is_the_quoted_version() -> None:
    assert etag(7) == '"7"'


@pytest.mark.parametrize("header", [None, '"3"', '"1", "3"', "*", ' "3" '])
def test_a_current_if_match_passes(header: str | None) -> None:
    check_if_match(header, 3)


@pytest.mark.parametrize("header", ['"2"', '"1", "2"', "3", '"33"', ""])
def test_a_stale_if_match_is_412_naming_the_current_version(header: str) -> None:
    with pytest.raises(StaleVersion) as raised:
        check_if_match(header, 3)
    problem = problem_for(raised.value)
    assert problem.status == 412
    assert problem.extra["current_version"] == 3


@pytest.mark.parametrize(
    ("header", "expected"), [(None, False), ('"3"', True), ('W/"3"', True), ("*", True), ('"2"', False)]
)
def test_if_none_match(header: str | None, expected: bool) -> None:
    assert is_not_modified(_request(header), 3) is expected
