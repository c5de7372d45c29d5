"""The people the registry reaches at a supplier: a short list, each with a way to reach them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from shared.errors import InvalidInput

MAX_CONTACTS = 10


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    role: str | None = None
    email: str | None = None
    phone: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def contact_list(contacts: Iterable[Contact | dict[str, Any]]) -> list[Contact]:
    """At most ``MAX_CONTACTS`` contacts, each with an email or a phone, none listed twice."""
    listed = [c if isinstance(c, Contact) else Contact(**c) for c in contacts]
    if len(listed) > MAX_CONTACTS:
        raise InvalidInput("contacts", f"at most {MAX_CONTACTS} contacts")
    for n, contact in enumerate(listed):
        if not (contact.email or contact.phone):
            raise InvalidInput(f"contacts[{n}]", "a contact needs an email or a phone")
    if len(set(listed)) != len(listed):
        raise InvalidInput("contacts", "a contact is listed twice")
    return listed
