"""KZT amounts to the tiyn, and the commands the handlers receive."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from services.fund.domain import commands
from services.fund.domain.category import ProjectCategory
from services.fund.domain.money import kzt_amount, percent, to_tiyn
from shared.errors import InvalidInput
from shared.principal import Principal
from shared.versioning import Expected

D = Decimal


@pytest.mark.parametrize(
    ("value", "rounded"),
    [("0.005", "0.01"), ("0.004999", "0.00"), ("2083.3333", "2083.33"), ("426.26125", "426.26"), ("1.115", "1.12")],
)
def test_computed_amounts_round_to_the_tiyn_half_up(value: str, rounded: str) -> None:
    assert str(to_tiyn(D(value))) == rounded


@pytest.mark.parametrize(("value", "amount"), [(D("100"), "100.00"), (D("0.01"), "0.01"), (7, "7.00")])
def test_a_given_amount_is_kept_to_the_tiyn(value: object, amount: str) -> None:
    assert str(kzt_amount(value, "budget")) == amount


@pytest.mark.parametrize(
    "value", [D("0"), D("-0.01"), D("0.001"), D("NaN"), D("Infinity"), D("1E15"), 1.5, True, "10.00", None]
)
def test_an_amount_must_be_a_positive_decimal_to_the_tiyn_below_a_quadrillion(value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        kzt_amount(value, "budget")

    assert caught.value.field == "budget"


def test_the_fund_works_in_tenge_only() -> None:
    with pytest.raises(InvalidInput) as caught:
        kzt_amount(D("100"), "budget", currency="USD")

    assert caught.value.field == "budget.currency"


def test_a_percentage_is_from_0_to_100_with_at_most_2_places() -> None:
    assert percent(D("55.25"), "local_content_target") == D("55.25")
    for bad in (D("100.01"), D("-1"), D("1.001")):
        with pytest.raises(InvalidInput):
            percent(bad, "local_content_target")


def test_every_command_is_frozen_and_carries_the_actor_and_the_expected_version() -> None:
    actor = Principal("officer", frozenset({"fund_officer"}))
    expected = Expected(frozenset({3}), raw='"3"')
    project_id = uuid4()
    built: list[Any] = [
        commands.SubmitProject("t", uuid4(), ProjectCategory.REPAIR, "n", (), D("1"), D("0"), (), actor),
        commands.EndorseProject(project_id, actor, expected),
        commands.ApproveProject(project_id, actor, expected),
        commands.RejectProject(project_id, "why", actor, expected),
        commands.CloseProject(project_id, "why", actor, expected),
        commands.CompleteMilestone(project_id, 1, "act", actor, expected, on=date(2025, 1, 1)),
        commands.GrantLoan(project_id, D("1000"), D("5"), 12, 0, actor, expected),
        commands.RecordRepayment(uuid4(), D("10"), actor, expected),
    ]

    for command in built:
        assert command.actor is actor
        with pytest.raises(dataclasses.FrozenInstanceError):
            command.actor = actor
    assert built[0].expected is None
    assert all(c.expected is expected for c in built[1:])
