"""The authorization matrix keeps its figures for ``docs/RELIABILITY.md`` as the fault tests do."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from tests.faults import figures as kept
from tests.faults.figures import figures

__all__ = ["figures"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport]:
    report = yield
    kept.record_outcome(item, report)
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    kept.flush()
