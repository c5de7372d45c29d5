"""Domain errors are said without HTTP and answered as problem+json in one place."""

from __future__ import annotations

import pytest

from shared.errors import DomainError, IllegalTransition, InvalidInput, NotFound, NotPermitted, Refused, StaleVersion
from shared.http.problems import problem_for
from shared.versioning import Expected, check_version


@pytest.mark.parametrize(
    ("error", "status", "slug"),
    [
        (NotFound("no order x"), 404, "not-found"),
        (InvalidInput("quantity", "must be greater than 0"), 422, "validation-error"),
        (NotPermitted("suppliers may not award"), 403, "forbidden"),
        (StaleVersion('"2"', 3), 412, "precondition-failed"),
        (Refused("the supplier is excluded", code="supplier-excluded"), 409, "supplier-excluded"),
        (IllegalTransition("order", "draft", "ship", ["publish"]), 409, "illegal-transition"),
        (DomainError("something else refused"), 409, "conflict"),
    ],
)
def test_each_kind_answers_its_status_and_slug(error: DomainError, status: int, slug: str) -> None:
    body = problem_for(error).body()
    assert body["status"] == status
    assert body["type"] == f"urn:sdo:problem:{slug}"
    assert error.message in body["detail"] or body["errors"][0]["message"] == error.message


def test_an_invalid_input_names_every_field() -> None:
    error = InvalidInput.of([("a", "is bad"), ("b[0].min", "must not be greater than max")])
    assert problem_for(error).body()["errors"] == [
        {"field": "a", "message": "is bad"},
        {"field": "b[0].min", "message": "must not be greater than max"},
    ]


def test_an_invalid_input_is_a_value_error_so_pydantic_validators_may_raise_it() -> None:
    assert isinstance(InvalidInput("x", "bad"), ValueError)


def test_a_refusal_carries_its_details_into_the_problem_body() -> None:
    body = problem_for(IllegalTransition("inspection", "open", "complete", ["measure"])).body()
    assert body["current_status"] == "open"
    assert body["allowed_actions"] == ["measure"]
    assert body["detail"] == "cannot complete an inspection in status open; allowed now: measure"


def test_an_expected_version_passes_when_current_and_names_the_current_one_when_stale() -> None:
    check_version(None, 5)
    check_version(Expected(frozenset({5})), 5)
    check_version(Expected(frozenset(), any=True), 9)
    with pytest.raises(StaleVersion) as raised:
        check_version(Expected(frozenset({4}), raw='"4"'), 5)
    assert raised.value.current_version == 5
