"""The one lifecycle shape: a transition table, the roles of each action, one refusal."""

from __future__ import annotations

from enum import StrEnum

import pytest

from shared.errors import IllegalTransition
from shared.lifecycle import Lifecycle


class Light(StrEnum):
    RED = "red"
    GREEN = "green"
    BROKEN = "broken"


class Turn(StrEnum):
    GO = "go"
    STOP = "stop"
    BREAK = "break"


LIGHT = Lifecycle(
    "light",
    {
        (Light.RED, Turn.GO): Light.GREEN,
        (Light.GREEN, Turn.STOP): Light.RED,
        (Light.RED, Turn.BREAK): Light.BROKEN,
        (Light.GREEN, Turn.BREAK): Light.BROKEN,
    },
    roles={Turn.GO: {"driver"}, Turn.STOP: {"driver"}, Turn.BREAK: {"vandal"}},
)


def test_a_drawn_move_returns_the_new_status() -> None:
    assert LIGHT.move(Light.RED, Turn.GO) is Light.GREEN


def test_a_move_not_drawn_names_the_current_status_and_what_this_caller_may_do() -> None:
    with pytest.raises(IllegalTransition) as raised:
        LIGHT.move(Light.GREEN, Turn.GO, roles={"driver"})
    assert raised.value.current_status == "green"
    assert raised.value.allowed_actions == ["stop"]
    assert raised.value.details == {"current_status": "green", "allowed_actions": ["stop"]}
    assert raised.value.code == "illegal-transition"


def test_allowed_actions_follow_the_enum_order_and_filter_by_roles() -> None:
    assert LIGHT.allowed_actions(Light.RED) == ["go", "break"]
    assert LIGHT.allowed_actions(Light.RED, {"vandal"}) == ["break"]
    assert LIGHT.allowed_actions(Light.BROKEN) == []


def test_a_status_with_no_way_out_is_final() -> None:
    assert LIGHT.is_final(Light.BROKEN)
    assert not LIGHT.is_final(Light.RED)


def test_the_roles_of_an_action_are_read_from_the_table() -> None:
    assert LIGHT.roles_for(Turn.BREAK) == frozenset({"vandal"})
    assert LIGHT.may({"driver", "x"}, Turn.GO)
    assert not LIGHT.may({"vandal"}, Turn.GO)


FORK = Lifecycle(
    "light",
    {(Light.RED, Turn.GO): frozenset({Light.GREEN, Light.BROKEN}), (Light.GREEN, Turn.STOP): Light.RED},
    roles={Turn.GO: {"driver"}, Turn.STOP: {"driver"}},
)


def test_an_action_with_several_outcomes_takes_the_one_the_rule_picks() -> None:
    assert FORK.move(Light.RED, Turn.GO, to=Light.BROKEN) is Light.BROKEN
    assert FORK.outcomes(Light.RED, Turn.GO) == {Light.GREEN, Light.BROKEN}


def test_an_outcome_the_table_does_not_draw_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="does not lead to"):
        FORK.move(Light.GREEN, Turn.STOP, to=Light.BROKEN)
    with pytest.raises(ValueError, match="several outcomes"):
        FORK.move(Light.RED, Turn.GO)


def test_a_table_with_an_action_nobody_may_perform_is_refused_when_written() -> None:
    with pytest.raises(ValueError, match="actions without roles"):
        Lifecycle("light", {(Light.RED, Turn.GO): Light.GREEN}, roles={Turn.STOP: {"driver"}})
