"""Optimistic concurrency on the integer ``version`` every resource carries.

The HTTP edge parses ``If-Match`` into an ``Expected``; a handler checks it against the version
it loaded. Nothing here knows about headers beyond the tag syntax the edge already parsed.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.errors import StaleVersion


@dataclass(frozen=True)
class Expected:
    """What the caller last saw: any version (``*``) or one of ``versions``."""

    versions: frozenset[int]
    any: bool = False
    raw: str = ""

    def check(self, version: int) -> None:
        if not (self.any or version in self.versions):
            raise StaleVersion(self.raw, version)


def check_version(expected: Expected | None, version: int) -> None:
    """Raise ``StaleVersion`` when the caller edits what it has not seen; no expectation passes."""
    if expected is not None:
        expected.check(version)
