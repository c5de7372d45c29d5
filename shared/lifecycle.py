"""One shape for every aggregate's lifecycle: a transition table and the roles of each action.

Each service writes its table once in ``domain/`` as a ``Lifecycle``; routes take their role
rule from it (``roles_for``), and aggregates move through ``move``, which answers the same
``IllegalTransition`` (current status, the actions allowed to this caller) in every service.

An action may draw several outcomes from one status (``complete`` -> accepted or rejected; a
shipment that does or does not ship the last units): the table names the set, and the
aggregate's rule picks one with ``move(..., to=...)``, which the table still checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Generic, TypeVar

from shared.errors import IllegalTransition

S = TypeVar("S", bound=StrEnum)
A = TypeVar("A", bound=StrEnum)

# The internal actor of event consumers: never granted by a token.
SYSTEM = "system"


class Lifecycle(Generic[S, A]):
    def __init__(
        self,
        resource: str,
        transitions: Mapping[tuple[S, A], S | frozenset[S]],
        roles: Mapping[A, Iterable[str]],
    ) -> None:
        self.resource = resource
        # As written (a status, or the set of outcomes), and normalised to sets for the rules below.
        self.transitions: Mapping[tuple[S, A], S | frozenset[S]] = MappingProxyType(dict(transitions))
        self._targets: dict[tuple[S, A], frozenset[S]] = {
            edge: target if isinstance(target, frozenset) else frozenset({target})
            for edge, target in transitions.items()
        }
        self.roles: Mapping[A, frozenset[str]] = MappingProxyType({a: frozenset(r) for a, r in roles.items()})
        actions = {action for _, action in self.transitions}
        missing = actions - set(self.roles)
        if missing:
            raise ValueError(f"{resource}: actions without roles: {sorted(missing)}")
        # Declaration order of the action enum, for stable `allowed_actions`.
        self._actions: list[A] = list(type(next(iter(self.roles))).__members__.values()) if self.roles else []

    def roles_for(self, action: A) -> frozenset[str]:
        """Who may perform ``action``: the one statement of the rule, read by the route's guard."""
        return self.roles[action]

    def may(self, roles: Iterable[str], action: A) -> bool:
        return not self.roles[action].isdisjoint(roles)

    def can(self, status: S, action: A) -> bool:
        return (status, action) in self.transitions

    def allowed_actions(self, status: S, roles: Iterable[str] | None = None) -> list[str]:
        """Actions drawn from ``status`` (only those ``roles`` may perform, when given)."""
        role_set = None if roles is None else frozenset(roles)
        return [
            str(action)
            for action in self._actions
            if (status, action) in self.transitions and (role_set is None or self.may(role_set, action))
        ]

    def is_final(self, status: S) -> bool:
        return not any(s == status for s, _ in self.transitions)

    def outcomes(self, status: S, action: A) -> frozenset[S]:
        """Every status ``action`` may lead to from ``status`` (empty when not drawn)."""
        return self._targets.get((status, action), frozenset())

    def move(self, status: S, action: A, roles: Iterable[str] = (), *, to: S | None = None) -> S:
        """The status after ``action``; ``IllegalTransition`` when the table does not draw it.

        ``roles`` are the caller's, so the refusal lists what this caller could do instead.
        ``to`` picks one outcome of an action that has several; it must be one the table draws.
        """
        targets = self._targets.get((status, action))
        if targets is None:
            raise IllegalTransition(self.resource, str(status), str(action), self.allowed_actions(status, roles))
        if to is None:
            if len(targets) != 1:
                raise ValueError(f"{self.resource}: {action} from {status} has several outcomes; name one with to=")
            return next(iter(targets))
        if to not in targets:
            raise ValueError(f"{self.resource}: {action} from {status} does not lead to {to}")
        return to
