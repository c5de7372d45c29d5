"""Domain errors: what a rule refuses, said without HTTP.

Services raise these (or their own subclasses) from ``domain/`` and handlers; ``shared/http``
maps each kind to one problem+json answer, in one place. ``code`` becomes the problem type's
slug (``urn:sdo:problem:<code>``); ``details`` become extra members of the problem body.

A message may be built from a ``template`` and its ``params`` (``"Order {ref} does not exist."``,
``{"ref": ...}``): the answer then says it in the caller's language where the catalogues
(``shared/i18n``) translate the template, and the English message stays the default.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every refusal. Subclasses pick the kind; instances may name a sharper ``code``."""

    code: ClassVar[str] = "conflict"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        template: str | None = None,
        params: Mapping[str, Any] | None = None,
        **details: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code  # type: ignore[misc]  # an instance may sharpen its class's code
        # The message's template and values, for its translations (``message == template.format(**params)``).
        self.template = template
        self.params: dict[str, Any] = dict(params or {})
        self.details = details


class NotFound(DomainError):
    """The resource does not exist, or is not the caller's to see (existence is not leaked)."""

    code = "not-found"


class InvalidInput(DomainError, ValueError):
    """A value breaks a rule; names each field.

    Also a ``ValueError``, so raised inside a pydantic validator it becomes a validation error.
    """

    code = "validation-error"

    def __init__(self, field: str, message: str, **details: Any) -> None:
        super().__init__(message, **details)
        self.field = field
        self.errors: list[dict[str, str]] = [{"field": field, "message": message}]

    @classmethod
    def of(cls, errors: Iterable[tuple[str, str]]) -> InvalidInput:
        """One error naming several fields."""
        pairs = list(errors)
        first = cls(*pairs[0])
        first.errors = [{"field": f, "message": m} for f, m in pairs]
        return first


class Refused(DomainError):
    """The request is well formed but the current state forbids it (a conflict)."""

    code = "conflict"


class IllegalTransition(Refused):
    """The action is not drawn from the current status. The same body in every service."""

    code = "illegal-transition"

    def __init__(self, resource: str, current_status: str, action: str, allowed_actions: Iterable[str]) -> None:
        allowed = [str(a) for a in allowed_actions]
        template = "cannot {action} {article} {resource} in status {current_status}; allowed now: " + (
            "{allowed}" if allowed else "none"
        )
        params = {
            "action": str(action),
            "article": _article(resource),
            "resource": resource,
            "current_status": str(current_status),
            "allowed": ", ".join(allowed),
        }
        super().__init__(
            template.format_map(params),
            template=template,
            params=params,
            current_status=str(current_status),
            allowed_actions=allowed,
        )
        self.resource = resource
        self.current_status = str(current_status)
        self.action = str(action)
        self.allowed_actions = allowed


class NotPermitted(DomainError):
    """None of the caller's roles may do this."""

    code = "forbidden"


class StaleVersion(DomainError):
    """The caller's expected version (``If-Match``) is not the current one."""

    code = "precondition-failed"

    def __init__(self, expected: str, current_version: int) -> None:
        template = "If-Match {expected} does not match the current version {current_version}."
        params = {"expected": expected, "current_version": current_version}
        super().__init__(template.format_map(params), template=template, params=params, current_version=current_version)
        self.current_version = current_version


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"
