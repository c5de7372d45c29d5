"""Problem details: field paths, bearer challenges, database errors caused by input."""

from __future__ import annotations

import re
import sqlite3

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from shared.http.problems import (
    Conflict,
    Unauthorized,
    ValidationProblem,
    _field_path,
    bearer_challenge,
    database_problem,
    database_unavailable,
    validation_errors,
)

_QUOTED = re.compile(r'^Bearer realm="sdo", error="invalid_token", error_description="[\x20\x21\x23-\x5b\x5d-\x7e]*"$')


@pytest.mark.parametrize(
    ("loc", "field"),
    [
        (("body", "name"), "name"),
        (("body", "technical_requirements", 0, "min"), "technical_requirements[0].min"),
        (("body", "price", "amount"), "price.amount"),
        (("body",), "body"),
        (("query", "limit"), "limit"),
        (("path", "order_id"), "order_id"),
        (("header", "Idempotency-Key"), "Idempotency-Key"),
        (("body", "matrix", 1, 2), "matrix[1][2]"),
    ],
)
def test_field_paths_name_nested_fields(loc: tuple, field: str) -> None:
    assert _field_path(loc) == field


def test_validator_messages_lose_the_value_error_prefix() -> None:
    errors = validation_errors([{"loc": ("body", "aql"), "msg": "Value error, not an ISO 2859-1 AQL"}])
    assert errors == [{"field": "aql", "message": "not an ISO 2859-1 AQL"}]


def test_a_validation_problem_carries_errors() -> None:
    problem = ValidationProblem([{"field": "a", "message": "m"}])
    body = problem.body()
    assert body["status"] == 422 and body["errors"] == [{"field": "a", "message": "m"}]
    assert {"type", "title", "status", "detail"} <= body.keys()


@pytest.mark.parametrize(
    "detail", ['Token is missing the "exp" claim', "back\\slash", "new\nline", "ünïcödé", 'all "of" \\ them\t']
)
def test_a_bearer_challenge_stays_a_valid_quoted_string(detail: str) -> None:
    assert _QUOTED.match(bearer_challenge("invalid_token", detail))
    assert _QUOTED.match(Unauthorized(detail).headers["WWW-Authenticate"])


def test_no_credentials_means_no_error_code() -> None:
    assert Unauthorized("no token", error=None).headers["WWW-Authenticate"] == 'Bearer realm="sdo"'


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _wrapped(orig: Exception, cls: type[DBAPIError] = DBAPIError) -> DBAPIError:
    return cls("SELECT 1", {}, orig)


def test_unique_violations_are_conflicts() -> None:
    assert isinstance(database_problem(_wrapped(_PgError("23505"), IntegrityError)), Conflict)
    sqlite_unique = sqlite3.IntegrityError("UNIQUE constraint failed: t.x")
    sqlite_unique.sqlite_errorcode = 2067  # type: ignore[attr-defined]
    assert isinstance(database_problem(_wrapped(sqlite_unique, IntegrityError)), Conflict)


def test_data_exceptions_are_422() -> None:
    for sqlstate in ("22001", "22003", "22021", "22P02"):
        problem = database_problem(_wrapped(_PgError(sqlstate)))
        assert problem is not None and problem.status == 422


def test_a_driver_rejecting_a_parameter_is_422() -> None:
    orig = Exception("invalid input for query argument $1")
    orig.__cause__ = ValueError("value out of int64 range")
    problem = database_problem(_wrapped(orig))
    assert problem is not None and problem.status == 422


def test_other_database_errors_stay_internal() -> None:
    assert database_problem(_wrapped(_PgError("23503"), IntegrityError)) is None  # foreign key
    assert database_problem(_wrapped(_PgError("57P01"), OperationalError)) is None  # admin shutdown
    assert database_problem(_wrapped(sqlite3.OperationalError("database is locked"), OperationalError)) is None


@pytest.mark.parametrize("sqlstate", ["53300", "08006", "08001", "57P01", "57P03"])
def test_a_database_that_cannot_serve_now_is_unavailable_not_a_fault(sqlstate: str) -> None:
    """Too many clients, a lost connection, a server shutting down: the caller may retry (503)."""
    assert database_unavailable(_wrapped(_PgError(sqlstate), OperationalError))


@pytest.mark.parametrize("sqlstate", ["23505", "22001", "42P01", ""])
def test_bad_input_and_real_faults_are_not_unavailability(sqlstate: str) -> None:
    assert not database_unavailable(_wrapped(_PgError(sqlstate)))
